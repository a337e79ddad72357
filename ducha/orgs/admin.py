"""Admin for people, their roles, units and API tokens: every write here is audited (AuditedAdmin)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from ducha.audit.admin import AuditedAdmin
from ducha.orgs.models import ApiToken, RoleGrant, Unit, User
from ducha.orgs.services import unit_path_refresh


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


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ["username", "full_name", "unit", "is_active"]
    list_filter = ["is_active", "role_grants__role"]
    search_fields = ["username", "full_name"]
    autocomplete_fields = ["unit"]
    inlines = [RoleGrantInline]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Unit and post"), {"fields": ("full_name", "unit", "title", "phone")}),
    )
    list_select_related = ["unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["prefix", "user", "name", "is_active", "last_used_at", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["user", "digest", "prefix", "last_used_at", "created_at"]
    search_fields = ["user__username", "prefix"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # tokens are issued by `ducha token`, which shows the token once
