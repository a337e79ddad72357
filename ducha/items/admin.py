"""Admin for master data around items (deadline rules) and a read-only view of items for support staff.
Item changes go through the workflow (services), never through the admin; rule changes are audited."""

from django.contrib import admin

from ducha.audit.admin import AuditedAdmin
from ducha.items.models import DeadlineRule, Item


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin):
    list_display = ["source_type", "urgency", "workdays"]
    list_filter = ["source_type", "urgency"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "status", "urgency", "due_date", "government"]
    list_filter = ["status", "source_type", "urgency"]
    search_fields = ["number", "title"]
    list_select_related = ["government"]
    show_full_result_count = False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Secret items never show in the admin.
        return super().get_queryset(request).exclude(confidentiality="secret")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
