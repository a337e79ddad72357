"""Admin: the governments' inspection rules are master data and edited here; inspections themselves are read-only
here (changes go through the services), and unannounced visits that have not ended never show. Rule changes are
audited (AuditedAdmin)."""

from django.contrib import admin

from ducha.audit.admin import AuditedAdmin
from ducha.inspections.models import Designation, Inspection, InspectionRules


@admin.register(InspectionRules)
class InspectionRulesAdmin(AuditedAdmin):
    list_display = [
        "government",
        "overlap_rule",
        "similar_topic_months",
        "similarity_percent",
        "burden_period",
        "cap_inspections",
        "cap_forms",
        "cap_people_days",
        "followup_months",
    ]
    list_select_related = ["government"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["topic", "kind", "status", "lead_unit", "start_date", "end_date", "in_plan", "government"]
    list_filter = ["status", "kind", "in_plan", "year"]
    search_fields = ["topic"]
    list_select_related = ["government", "lead_unit"]
    show_full_result_count = False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).exclude(kind="unannounced", ended_at__isnull=True)


@admin.register(Designation)
class DesignationAdmin(ReadOnlyAdmin):
    list_display = ["unit", "matter", "start_date", "end_date", "source", "government"]
    list_select_related = ["unit", "government"]
