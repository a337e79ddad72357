"""A government's rules for its inspections (overlaps, burden caps, follow-ups, deadlines)."""

from __future__ import annotations

from typing import Any

from ducha.common import error_codes as codes
from ducha.common.inputs import invalid
from ducha.inspections.models import InspectionRules
from ducha.orgs.models import Unit, User


def rules_set(*, government: Unit, actor: User | None = None, **values: Any) -> InspectionRules:
    """Save a government's rules (admin or tests); unknown names are refused."""
    allowed = {f.name for f in InspectionRules._meta.get_fields()} - {
        "id",
        "government",
        "created_at",
        "updated_at",
    }
    if set(values) - allowed:
        raise invalid(codes.INVALID_INPUT, ",".join(sorted(set(values) - allowed)))
    rules, _created = InspectionRules.objects.update_or_create(government=government, defaults=values)
    return rules
