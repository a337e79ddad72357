"""Admin: each government's document profile (the 发文机关标志, 机关代字, 署名 and default contact), audited; issued
documents read-only (they are frozen: a correction is issued from the subject's page, never edited here)."""

from django.contrib import admin

from ducha.audit.admin import AuditedAdmin
from ducha.documents.models import Document, DocumentProfile


@admin.register(DocumentProfile)
class DocumentProfileAdmin(AuditedAdmin):
    list_display = ["government", "issuer", "mark", "code", "contact_name", "contact_phone"]
    list_select_related = ["government"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "version", "kind", "title", "subject_type", "subject_id", "issued_at"]
    list_filter = ["kind", "year"]
    search_fields = ["number", "title"]
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
