"""How an endpoint reaches an inspection: through the scoped selector first, so that anything out of the caller's
scope is 404 whatever the action; and the office's overviews, open to the office and leaders of a government."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ducha.api.base import actor
from ducha.api.inspections.shapes import inspection_out
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.inspections import selectors
from ducha.inspections.models import Inspection
from ducha.orgs.models import Role


def visible(request: HttpRequest, inspection_id: int) -> Inspection:
    """Scope first: out of scope is 404 whatever the action."""
    return selectors.get_inspection_for_user(actor(request), inspection_id, record_view=False)


def fresh(request: HttpRequest, inspection_id: int) -> dict:
    return inspection_out(visible(request, inspection_id))


def office_or_leader(request: HttpRequest) -> Any:
    user = actor(request)
    if not user.has_role(Role.OFFICE, Role.LEADER) or user.unit is None or user.unit.government is None:
        raise NotPermitted(codes.ROLE_REQUIRED)
    return user.unit.government
