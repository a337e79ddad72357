"""Admin for people, their roles, units and API tokens: every write here is audited (AuditedAdmin)."""

from contextvars import ContextVar
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ducha.audit.admin import AuditedAdmin
from ducha.common.masking import mask_phone
from ducha.orgs.models import ApiToken, RoleGrant, Unit, User
from ducha.orgs.passwords import password_set_by_admin
from ducha.orgs.services import token_revoke_all, unit_path_refresh

# The administrator setting a password in the admin's password form (the form is built without the request).
_password_actor: ContextVar[User | None] = ContextVar("password_actor", default=None)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "level", "kind", "parent", "government", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["government", "path"]
    list_select_related = ["parent", "government"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        # Path and government are derived from the parent; keep them (and the subtree's) true after an edit.
        unit_path_refresh(unit=obj)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's "change password" form: a password an administrator sets goes through password_set_by_admin
    (the policy, the history, the user's own choice at the next sign-in, tokens revoked, PASSWORD_SET_BY_ADMIN)."""

    def save(self, commit: bool = True) -> Any:
        if not self.cleaned_data.get("set_usable_password", True):
            user = super().save(commit=commit)  # password sign-in disabled: nothing to keep or choose
            if commit:
                token_revoke_all(user=user, actor=_password_actor.get(), reason="password_disabled")
            return user
        password_set_by_admin(
            user=self.user, new_password=self.cleaned_data["password1"], actor=_password_actor.get()
        )
        return self.user


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ["username", "full_name", "unit", "masked_phone", "is_active"]
    list_filter = ["is_active", "role_grants__role"]
    search_fields = ["username", "full_name"]
    autocomplete_fields = ["unit"]
    inlines = [RoleGrantInline]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Unit and post"), {"fields": ("full_name", "unit", "title", "phone")}),
        (_("Password policy"), {"fields": ("must_change_password", "password_changed_at")}),
    )
    readonly_fields = ["password_changed_at"]
    list_select_related = ["unit"]
    change_password_form = PasswordSetForm

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: User) -> str:
        """Lists show a phone masked (138****5678); the user's own page shows it whole."""
        return mask_phone(obj.phone)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new account: its password goes through password_set_by_admin, so the user chooses their own at the
        # first sign-in; one created without a password (sign-in disabled) must choose one all the same.
        raw = form.cleaned_data.get("password1") if form.cleaned_data.get("set_usable_password", True) else ""
        obj.must_change_password = True
        obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        if raw:
            password_set_by_admin(user=obj, new_password=raw, actor=request.user)  # type: ignore[arg-type]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        token = _password_actor.set(request.user if request.user.is_authenticated else None)  # type: ignore[arg-type]
        try:
            return super().user_change_password(request, id, form_url)  # type: ignore[no-any-return]
        finally:
            _password_actor.reset(token)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "scope",
        "is_active",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["is_active", "scope"]
    # Scope and expiry are chosen when the token is issued; the administrator revokes it (unticks "active").
    readonly_fields = [
        "user", "digest", "prefix", "scope", "expires_at", "revoked_at", "last_used_at", "created_at"
    ]  # fmt: skip
    search_fields = ["user__username", "prefix"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # tokens are issued by `ducha token`, which shows the token once
