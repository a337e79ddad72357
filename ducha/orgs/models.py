"""Units (a tree of governments, offices and departments) and the people who work in them."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ducha.common.fields import SealedTextField
from ducha.common.models import BaseModel


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")


# Lower number = higher level; used to check that delegation goes downwards.
LEVEL_RANK = {UnitLevel.PROVINCE: 1, UnitLevel.CITY: 2, UnitLevel.COUNTY: 3, UnitLevel.TOWNSHIP: 4}


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("government")
    GENERAL_OFFICE = "general_office", _("general office")
    SUPERVISION_OFFICE = "supervision_office", _("supervision office")
    DEPARTMENT = "department", _("department")
    OTHER = "other", _("other")


class Unit(BaseModel):
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The government this unit belongs to (itself, for a government). Set by unit_create; scope rests on it.
    government = models.ForeignKey(
        "self",
        verbose_name=_("government"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_units",
    )
    # Materialised path of ids, e.g. "/1/4/17/": a subtree is one indexed prefix match.
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False, default="")
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_under_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[UnitLevel(self.level)]

    def is_within(self, other: Unit) -> bool:
        """True if this unit is `other` or lies in its subtree."""
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    OFFICE = "office", _("supervision office staff")
    LEADER = "leader", _("leader")
    UNIT_HEAD = "unit_head", _("unit head")
    LIAISON = "liaison", _("liaison")
    HANDLER = "handler", _("handler")
    ADMIN = "admin", _("administrator")
    # The only role that reads a public reporter's name and phone (ducha.clues), every read logged.
    CLUE_KEEPER = "clue_keeper", _("keeper of reporters' identities")
    # Reads the audit log and the security events; changes nothing (等保 安全审计员).
    AUDITOR = "auditor", _("auditor")


# The roles people hold inside a unit that items are assigned to (as opposed to the office and the leaders).
UNIT_ROLES: tuple[str, ...] = (Role.UNIT_HEAD, Role.LIAISON, Role.HANDLER)


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # For SMS reminders. Sealed at rest (SM4, ducha.common.fields): code reads the plain number; it cannot be
    # searched; lists show it masked (ducha.common.masking.mask_phone).
    phone = SealedTextField(_("mobile phone"), max_length=20, blank=True)
    title = models.CharField(_("job title"), max_length=50, blank=True)
    # Security (issue 17, docs/security.md).
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # Set for an account an administrator created or whose password an administrator set: the user chooses their
    # own password at the next sign-in before anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Part of the session's authentication hash: changing it signs the user out on every device.
    security_stamp = models.CharField(_("security stamp"), max_length=32, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Every session stores this hash; it covers the security stamp as well as the password, so a new stamp
        # (sign-out everywhere, ducha.orgs.sessions) ends every session. An empty stamp keeps Django's own hash.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.security_stamp, secret=secret, algorithm="sha256"
        ).hexdigest()


class RoleGrant(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="rolegrant_unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class PasswordHistory(models.Model):
    """A user's earlier password hashes, newest first: a new password may not repeat the last few."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("password history")
        verbose_name_plural = _("password history")
        indexes = [models.Index(fields=["user", "-created_at"], name="orgs_pwhistory_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class TokenScope(models.TextChoices):
    READ = "read", _("read only")
    WRITE = "write", _("read and write")


class ApiToken(BaseModel):
    """A bearer token for the REST API. Only the SHA-256 digest is stored; the token is shown once. It expires,
    carries a scope, and is revoked by its owner, the administrator, or any change of the owner's password."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    name = models.CharField(_("name"), max_length=50, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    scope = models.CharField(_("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.WRITE)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
