"""Admin: the reminder rules and mandatory channels the office sets, group robots, and read-only views of what went
out (reminders, messages, deliveries with their attempts) for support staff. Dead letters: /reminders/dead-letters/.
Changes to rules, channels, robots and trackers are audited (AuditedAdmin)."""

from django.contrib import admin

from ducha.audit.admin import AuditedAdmin
from ducha.reminders.models import (
    ChannelPreference,
    Chase,
    Delivery,
    DeliveryAttempt,
    MandatoryChannel,
    Message,
    Reminder,
    ReminderRule,
    ReminderRun,
    Tracker,
    WebhookEndpoint,
)


@admin.register(ReminderRule)
class ReminderRuleAdmin(AuditedAdmin):
    list_display = [
        "kind",
        "urgency",
        "source_type",
        "step",
        "offset_workdays",
        "offset_hours",
        "to_liaison",
        "to_handler",
        "to_unit_head",
        "to_office",
        "to_leader",
        "to_tracker",
        "is_active",
    ]
    list_filter = ["kind", "urgency", "source_type", "is_active"]
    list_editable = ["offset_workdays", "offset_hours", "is_active"]


@admin.register(MandatoryChannel)
class MandatoryChannelAdmin(AuditedAdmin):
    list_display = ["kind", "channel", "set_by"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdmin):
    list_display = ["name", "unit", "style", "use_markdown", "is_active"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit"]


@admin.register(Tracker)
class TrackerAdmin(AuditedAdmin):
    list_display = ["item", "user", "named_by", "updated_at"]
    raw_id_fields = ["item", "user", "named_by"]


class ReadOnly(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnly):
    list_display = ["created_at", "kind", "step", "item", "unit", "recipient", "period"]
    list_filter = ["kind"]
    list_select_related = ["item", "unit", "recipient"]
    raw_id_fields = ["item", "unit", "recipient", "chase", "run"]


@admin.register(Message)
class MessageAdmin(ReadOnly):
    list_display = ["created_at", "recipient", "subject", "line_count", "read_at"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "run"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "started_at", "finished_at", "is_success", "error", "response"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ["id", "channel", "target", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["message"]
    inlines = [DeliveryAttemptInline]


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnly):
    list_display = ["id", "source", "at", "status", "started_at", "finished_at", "counts"]
    list_filter = ["source", "status"]


@admin.register(Chase)
class ChaseAdmin(ReadOnly):
    list_display = ["created_at", "item", "unit", "actor", "text"]
    raw_id_fields = ["item", "unit", "actor"]


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(AuditedAdmin):
    list_display = ["user", "channel", "is_enabled"]
    raw_id_fields = ["user"]
