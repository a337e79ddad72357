"""The working-day calendar: the State Council's yearly holiday arrangement as entered by the administrator.

A `CalendarYear` row means "this year's official arrangement has been entered"; for that year it overrides the
bundled `chinesecalendar` data and the provisional calendar (see services.py). Its `CalendarException` rows are
the days that differ from the weekday rule (Monday to Friday work, Saturday and Sunday rest).

Write through `ducha.workcalendar.services.calendar_year_set`, which also records the audit event and clears the
per-process calendar cache.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class CalendarYear(BaseModel):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calendar_years",
    )

    # Not stored: set by the write services to how many records resting on the calendar moved with the change.
    moved: int = 0

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class ExceptionKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday (rest day)")
    WORKDAY = "workday", _("make-up working day")


class CalendarException(models.Model):
    year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ExceptionKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True)

    # Kept as an attribute for callers that prefer `CalendarException.Kind.HOLIDAY`.
    Kind = ExceptionKind

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind} {self.name}".rstrip()
