"""Django admin for the official working-day arrangement.

Saving or deleting through the admin has the write path's side effects: one audit event (CALENDAR_YEAR_SET) and
a cleared calendar cache. It does not recompute item deadlines; that is the dedicated calendar page's job.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ducha.workcalendar.models import CalendarException, CalendarYear
from ducha.workcalendar.services import calendar_year_delete, calendar_year_snapshot, calendar_year_touched

_OLD_SNAPSHOT_ATTR = "_workcalendar_old_snapshot"


class CalendarExceptionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year:
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            day = form.cleaned_data.get("date")
            if day is not None and day.year != year:
                form.add_error("date", _("Every date must lie in the year being entered."))
        if any(form.errors for form in self.forms):
            raise ValidationError(_("Please correct the dates marked below."))


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    formset = CalendarExceptionFormSet
    fields = ("date", "kind", "name")
    ordering = ("date",)
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "exception_count", "entered_by", "updated_at")
    search_fields = ("year", "note")
    fields = ("year", "note", "entered_by", "created_at", "updated_at")
    readonly_fields = ("entered_by", "created_at", "updated_at")
    inlines = (CalendarExceptionInline,)

    @admin.display(description=_("days differing from the weekday rule"))
    def exception_count(self, obj: CalendarYear) -> int:
        return obj.exceptions.count()

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: forms.ModelForm, change: bool
    ) -> None:
        # The inline rows are saved later (save_related), so the stored exceptions are still the old ones here.
        setattr(obj, _OLD_SNAPSHOT_ATTR, calendar_year_snapshot(obj) if obj.pk else {})
        if request.user.is_authenticated:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        actor = request.user if request.user.is_authenticated else None
        # The change is published: the deadlines resting on the calendar move with it (items listen).
        moved = calendar_year_touched(obj, actor, old=getattr(obj, _OLD_SNAPSHOT_ATTR, None))
        self._report_moved(request, moved)

    def _report_moved(self, request: HttpRequest, moved: int) -> None:
        self.message_user(request, _("%(count)d open items' due dates were recomputed.") % {"count": moved})

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        actor = request.user if request.user.is_authenticated else None
        self._report_moved(request, calendar_year_delete(obj, actor))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
