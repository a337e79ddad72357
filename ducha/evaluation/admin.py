"""Admin: the year's ledgers, score runs and reports to the level above, read-only — they change only through the
services (the cycle's steps are approvals and signatures; a frozen year is never edited here)."""

from django.contrib import admin

from ducha.evaluation.models import LedgerYear, PeriodReport, ScoreRun


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LedgerYear)
class LedgerYearAdmin(ReadOnlyAdmin):
    list_display = ["government", "year", "status", "approved_at", "closed_at", "frozen_digest"]
    list_filter = ["status", "year"]
    list_select_related = ["government"]


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = ["government", "year", "quarter", "status", "cutoff", "computed_at", "frozen"]
    list_filter = ["status", "year", "quarter", "frozen"]
    list_select_related = ["government"]


@admin.register(PeriodReport)
class PeriodReportAdmin(ReadOnlyAdmin):
    list_display = ["government", "period", "year", "number", "status", "submitted_at"]
    list_filter = ["period", "status", "year"]
    list_select_related = ["government"]
