"""Writes for units, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.orgs.models import ApiToken, Role, RoleGrant, Unit, UnitKind, User


def _government_of(*, parent: Unit | None, kind: str) -> Unit | None:
    if parent is None:
        return None
    if parent.kind == UnitKind.GOVERNMENT:
        return parent
    return parent.government


@transaction.atomic
def unit_create(
    *,
    name: str,
    level: str,
    kind: str,
    parent: Unit | None = None,
    short_name: str = "",
    sort_order: int = 0,
    actor: User | None = None,
) -> Unit:
    """Create a unit under `parent`, with its materialised path and its government set."""
    unit = Unit.objects.create(
        name=name,
        short_name=short_name,
        level=level,
        kind=kind,
        parent=parent,
        sort_order=sort_order,
        government=_government_of(parent=parent, kind=kind),
    )
    update_fields = ["path"]
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    if kind == UnitKind.GOVERNMENT:
        unit.government = unit
        update_fields.append("government")
    unit.save(update_fields=update_fields)
    event_record(
        event_type=EventType.UNIT_CREATED,
        subject_type="unit",
        subject_id=unit.pk,
        actor=actor,
        new={"name": name, "level": level, "kind": kind, "parent": parent.pk if parent else None},
    )
    return unit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    unit: Unit | None,
    password_hash: str | None = None,
    roles: Iterable[str] = (),
    full_name: str = "",
    title: str = "",
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        unit=unit,
        full_name=full_name,
        title=title,
        phone=phone,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    elif password_hash:
        user.password = password_hash
    else:
        user.set_unusable_password()
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=Role(role)) for role in dict.fromkeys(roles)])
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User, name: str = "") -> str:
    """Issue a new bearer token for `user` and return it. Only its digest is kept, so it is shown once."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=_digest(token), prefix=token[:8], name=name)
    event_record(
        event_type=EventType.TOKEN_ISSUED,
        subject_type="user",
        subject_id=user.pk,
        actor=None,
        new={"prefix": token[:8], "name": name},
    )
    return token


@transaction.atomic
def token_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revoke every live API token of `user` (a password change, a disabled account, sign-out everywhere); one
    TOKEN_REVOKED event names how many and why. Returns the count."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), is_active=False
    )
    if count:
        event_record(
            event_type=EventType.TOKEN_REVOKED,
            subject_type="user",
            subject_id=user.pk,
            actor=actor,
            new={"count": count, "reason": reason},
        )
    return count


def token_authenticate(token: str) -> User | None:
    """The active user a token belongs to, or None. Marks the token used at most once a minute."""
    if not token:
        return None
    api_token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(digest=_digest(token), is_active=True, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user


@transaction.atomic
def unit_path_refresh(*, unit: Unit) -> None:
    """Recompute the materialised path and government of `unit` and its whole subtree (after a move)."""
    parent = unit.parent
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.government = (
        unit if unit.kind == UnitKind.GOVERNMENT else _government_of(parent=parent, kind=unit.kind)
    )
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, government=unit.government)
    for child in Unit.objects.filter(parent=unit):
        unit_path_refresh(unit=child)
