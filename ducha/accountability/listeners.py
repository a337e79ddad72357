"""How the results feed the evaluation (seed 004 §4(四)): while a period is scored, the sanctions in force and the
commendations cleared in it, as of the cutoff, adjust each unit's score (evaluation.scoring.ADJUSTMENTS)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from ducha.accountability.models import Commendation, CommendationStatus, Sanction, SanctionStatus, Tier
from ducha.common.events import listen

# Points a sanction in force in the period deducts, by tier; a cleared commendation adds, up to a ceiling.
DEDUCTIONS = {
    Tier.WRITTEN_EXAMINATION: Decimal("2"),
    Tier.CRITICISM: Decimal("5"),
    Tier.MEDIA_EXPOSURE: Decimal("8"),
    Tier.WARNING_TALK: Decimal("10"),
    Tier.ACCOUNTABILITY: Decimal("15"),
}
COMMENDATION_POINTS = Decimal("2")
COMMENDATION_CEILING = Decimal("5")


def adjustments(*, units: list[int], window: Any) -> dict[int, list[dict[str, Any]]]:
    """Each unit's sanctions that took effect in the window (by the cutoff) and commendations cleared in it."""
    answer: dict[int, list[dict[str, Any]]] = {}
    sanctions: Any = (
        Sanction.objects.filter(
            unit_id__in=units,
            effective_at__gte=window.start,
            effective_at__lt=window.until,
        )
        .exclude(status__in=[SanctionStatus.PENDING_APPROVAL, SanctionStatus.REFUSED])
        .values("unit_id", "id", "tier", "effective_at", "person")
        .order_by("effective_at", "id")
    )
    for row in sanctions:
        answer.setdefault(row["unit_id"], []).append(
            {
                "code": "sanction",
                "tier": row["tier"],
                "points": str(-DEDUCTIONS[Tier(row["tier"])]),
                "facts": [
                    {
                        "sanction": row["id"],
                        "on": timezone.localdate(row["effective_at"]).isoformat(),
                        "person": row["person"],
                    }
                ],
            }
        )
    commendations: Any = (
        Commendation.objects.filter(
            unit_id__in=units,
            status__in=[CommendationStatus.CLEARED, CommendationStatus.OVERRIDDEN],
            decided_at__gte=window.start,
            decided_at__lt=window.until,
        )
        .values("unit_id", "id", "title", "decided_at")
        .order_by("decided_at", "id")
    )
    bonus: dict[int, Decimal] = {}
    for row in commendations:
        given = bonus.get(row["unit_id"], Decimal(0))
        points = min(COMMENDATION_POINTS, COMMENDATION_CEILING - given)
        if points <= 0:
            continue
        bonus[row["unit_id"]] = given + points
        answer.setdefault(row["unit_id"], []).append(
            {
                "code": "commendation",
                "points": str(points),
                "facts": [
                    {
                        "commendation": row["id"],
                        "title": row["title"],
                        "on": timezone.localdate(row["decided_at"]).isoformat(),
                    }
                ],
            }
        )
    return answer


def register() -> None:
    listen("evaluation.adjustments", adjustments)
