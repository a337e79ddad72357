from django.contrib import admin

from ducha.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_type", "subject_type", "subject_id", "actor", "actor_unit"]
    list_filter = ["event_type", "subject_type"]
    list_select_related = ["actor", "actor_unit"]
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
