"""The password policy (等保 L3 身份鉴别): validators Django runs on every new password, alongside its own length,
similarity and common-password checks (settings.AUTH_PASSWORD_VALIDATORS); the two ways a password changes (the
user's own change, an administrator setting one); and whether a user must change theirs before going on."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import security_event_record
from ducha.common import error_codes
from ducha.common.errors import ValidationFailed
from ducha.orgs.models import PasswordHistory, User
from ducha.orgs.services import token_revoke_all

if TYPE_CHECKING:
    from django.http import HttpRequest

# Why change_required() sends a user to the password page.
CHANGE_FIRST = "first"
CHANGE_EXPIRED = "expired"


def _classes(password: str) -> int:
    kinds = [
        any(c.islower() and c.isascii() for c in password),
        any(c.isupper() and c.isascii() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or not c.isascii() for c in password),
    ]
    return sum(kinds)


class CharacterClassValidator:
    """At least `classes` of four kinds: lower-case letters, capitals, digits, other characters."""

    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    def validate(self, password: str, user: Any = None) -> None:
        if _classes(password) < self.classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(classes)d of: lower-case letters, capitals, digits, "
                    "other characters."
                )
                % {"classes": self.classes},
                code=error_codes.PASSWORD_TOO_WEAK,
            )

    def get_help_text(self) -> str:
        return _("Mix at least %(classes)d of: lower-case letters, capitals, digits, other characters.") % {
            "classes": self.classes
        }


class HistoryValidator:
    """Not the current password nor one of the user's last `count` (orgs.PasswordHistory)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        earlier = list(
            user.password_history.order_by("-created_at", "-id").values_list("password", flat=True)[
                : self.count
            ]
        )
        current = (
            user.__class__._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        )
        if current:
            earlier.insert(0, current)
        if any(check_password(password, encoded) for encoded in earlier[: self.count]):
            raise ValidationError(
                _("The new password must differ from your last %(count)d.") % {"count": self.count},
                code=error_codes.PASSWORD_REUSED,
            )

    def get_help_text(self) -> str:
        return _("Not one of your last %(count)d passwords.") % {"count": self.count}


def change_required(user: Any) -> str | None:
    """Why `user` must choose a new password before anything else ("first": an administrator set it; "expired":
    older than DUCHA_PASSWORD_MAX_AGE_DAYS), or None. Read by the session middleware on every request."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return None
    if user.must_change_password:
        return CHANGE_FIRST
    max_age_days = int(getattr(settings, "DUCHA_PASSWORD_MAX_AGE_DAYS", 0) or 0)
    if max_age_days > 0 and user.has_usable_password():
        since = user.password_changed_at or user.date_joined
        if since is not None and timezone.now() - since >= datetime.timedelta(days=max_age_days):
            return CHANGE_EXPIRED
    return None


def password_policy_check(*, user: User, new_password: str, field: str = "new_password") -> None:
    """Run the policy's validators on `new_password` for `user`; refuse with PASSWORD_REUSED when the only
    objection is that it was used recently, else PASSWORD_TOO_WEAK, the validators' messages on `field`."""
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        found = {item.code for item in error.error_list}
        code = (
            error_codes.PASSWORD_REUSED
            if found == {error_codes.PASSWORD_REUSED}
            else error_codes.PASSWORD_TOO_WEAK
        )
        raise ValidationFailed(code, fields={field: " ".join(error.messages)}) from None


def _password_store(*, user: User, new_password: str, must_change: bool) -> None:
    """Keep the current hash in the history (the last DUCHA_PASSWORD_HISTORY of them), then set the new one."""
    now = timezone.now()
    current = (
        User._default_manager.select_for_update()
        .filter(pk=user.pk)
        .values_list("password", flat=True)
        .first()
    )
    if current and is_password_usable(current):
        PasswordHistory.objects.create(user=user, password=current, created_at=now)
        keep = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)[: settings.DUCHA_PASSWORD_HISTORY]
        )
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()
    user.set_password(new_password)
    user.password_changed_at = now
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])


def password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> None:
    """The user changes their own password. Refuses PASSWORD_WRONG (the current one does not match),
    PASSWORD_TOO_WEAK or PASSWORD_REUSED (the policy). Keeps the old hash in the history, clears
    must_change_password, revokes every API token, logs PASSWORD_CHANGED. The caller keeps the session signed in
    (update_session_auth_hash); every other session of the user ends, its hash no longer matching."""
    if not user.check_password(old_password):
        raise ValidationFailed(
            error_codes.PASSWORD_WRONG,
            fields={"old_password": error_codes.message_for(error_codes.PASSWORD_WRONG)},
        )
    password_policy_check(user=user, new_password=new_password)
    with transaction.atomic():
        _password_store(user=user, new_password=new_password, must_change=False)
        token_revoke_all(user=user, actor=user, reason="password_changed")
        security_event_record(event_type=EventType.PASSWORD_CHANGED, user=user, request=request)


def password_set_by_admin(
    *, user: User, new_password: str, actor: User | None, request: HttpRequest | None = None
) -> None:
    """An administrator sets `user`'s password (a new account, a forgotten password). The same policy
    (PASSWORD_TOO_WEAK, PASSWORD_REUSED); the user must choose their own at the next sign-in
    (must_change_password); the old hash is kept in the history, every API token revoked; PASSWORD_SET_BY_ADMIN."""
    password_policy_check(user=user, new_password=new_password)
    with transaction.atomic():
        _password_store(user=user, new_password=new_password, must_change=True)
        token_revoke_all(user=user, actor=actor, reason="password_set_by_admin")
        security_event_record(
            event_type=EventType.PASSWORD_SET_BY_ADMIN, user=user, actor=actor, request=request
        )
