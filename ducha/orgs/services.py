"""Writes for units, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import (
    InvalidState,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    TooManyRequests,
    ValidationFailed,
)
from ducha.orgs.models import ApiToken, Role, RoleGrant, TokenScope, Unit, UnitKind, User
from ducha.orgs.otp import otp_check, otp_enrolled, otp_required_for


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


# The methods a read-only token may use.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_administrator(user: User) -> bool:
    return bool(user.is_staff or user.is_superuser or user.has_role(Role.ADMIN))


@transaction.atomic
def token_issue(
    *,
    user: User,
    name: str = "",
    scope: str = TokenScope.WRITE,
    days: int | None = None,
    actor: User | None = None,
) -> tuple[str, ApiToken]:
    """Issue a new bearer token for `user`, valid for `days` (default DUCHA_TOKEN_DAYS, at most
    DUCHA_TOKEN_MAX_DAYS) with `scope`; return the token and its row. Only its digest is kept, so it is shown once."""
    days = settings.DUCHA_TOKEN_DAYS if days is None else days
    fields: dict[str, Any] = {}
    if not 1 <= days <= settings.DUCHA_TOKEN_MAX_DAYS:
        fields["days"] = _("Between 1 and %(max)d days.") % {"max": settings.DUCHA_TOKEN_MAX_DAYS}
    if scope not in TokenScope.values:
        fields["scope"] = _("Choose read or write.")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        fields["name"] = _("The name is too long.")
    if fields:
        raise ValidationFailed(codes.INVALID_INPUT, fields=fields)
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days)
    api_token = ApiToken.objects.create(
        user=user, digest=_digest(token), prefix=token[:8], name=name, scope=scope, expires_at=expires_at
    )
    event_record(
        event_type=EventType.TOKEN_ISSUED,
        subject_type="user",
        subject_id=user.pk,
        actor=actor,
        new={"prefix": token[:8], "name": name, "scope": scope, "expires_at": expires_at.isoformat()},
    )
    return token, api_token


@transaction.atomic
def token_revoke(*, token_id: int, actor: User) -> ApiToken:
    """Revoke one token: the owner's own (a token may revoke itself), or anyone's for an administrator. Another's
    token is not found; a token already revoked is refused."""
    api_token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if api_token is None or (api_token.user_id != actor.pk and not _is_administrator(actor)):
        raise NotFound()
    if api_token.revoked_at is not None or not api_token.is_active:
        raise InvalidState(codes.TOKEN_REVOKED)
    api_token.revoked_at = timezone.now()
    api_token.is_active = False
    api_token.save(update_fields=["revoked_at", "is_active"])
    event_record(
        event_type=EventType.TOKEN_REVOKED,
        subject_type="user",
        subject_id=api_token.user_id,
        actor=actor,
        new={"count": 1, "prefix": api_token.prefix, "reason": "revoked"},
    )
    return api_token


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


def token_expiry(api_token: ApiToken) -> datetime:
    """When `api_token` stops working. A token issued before tokens expired has no date of its own: it lasts
    DUCHA_TOKEN_DAYS from its issue."""
    if api_token.expires_at is not None:
        return api_token.expires_at
    return api_token.created_at + timedelta(days=settings.DUCHA_TOKEN_DAYS)


def token_authenticate(token: str, *, method: str = "GET") -> User:
    """The active user a token belongs to, for a request with `method`. Refused (401) when the token is unknown
    (`token_invalid`), revoked (`token_revoked`) or expired (`token_expired`); 403 `token_scope_read_only` when a
    read-only token would write. Marks the token used at most once a minute."""
    api_token = (
        ApiToken.objects.select_related("user", "user__unit").filter(digest=_digest(token)).first()
        if token
        else None
    )
    if api_token is None or not api_token.user.is_active:
        raise NotAuthenticated(codes.TOKEN_INVALID)
    if api_token.revoked_at is not None or not api_token.is_active:
        raise NotAuthenticated(codes.TOKEN_REVOKED)
    now = timezone.now()
    if token_expiry(api_token) <= now:
        raise NotAuthenticated(codes.TOKEN_EXPIRED)
    if api_token.scope == TokenScope.READ and method.upper() not in READ_METHODS:
        raise NotPermitted(codes.TOKEN_SCOPE)
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user


def _otp_required(user: User) -> bool:
    """A second factor is asked of whoever holds a role of DUCHA_OTP_REQUIRED_ROLES or has bound an authenticator."""
    return otp_required_for(user) or otp_enrolled(user)


def token_sign_in(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    otp: str = "",
    name: str = "",
    scope: str = TokenScope.WRITE,
    days: int | None = None,
) -> tuple[str, ApiToken]:
    """Issue a token to whoever signs in with their user name and password (and one-time code when their account
    needs one): the API's sign-in. Through `django.contrib.auth.authenticate`, so django-axes counts every failure
    and refuses a locked account or source (429 `locked_out`) before the password is even checked. Not atomic:
    the failures counted must outlive the refusal."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise TooManyRequests(codes.LOCKED_OUT)
    if not isinstance(user, User):
        raise NotAuthenticated(codes.SIGN_IN_FAILED)
    if _otp_required(user):
        if not otp:
            raise NotAuthenticated(codes.OTP_REQUIRED)
        if not otp_check(user=user, code=otp, request=request):  # logs OTP_FAILED / RECOVERY_CODE_USED
            raise NotAuthenticated(codes.OTP_INVALID)
    from ducha.orgs.passwords import change_required  # it imports this module (token_revoke_all)

    if user.must_change_password or change_required(user) is not None:
        raise NotPermitted(codes.PASSWORD_CHANGE_REQUIRED)
    return token_issue(user=user, name=name, scope=scope, days=days, actor=user)


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
