"""What every lifecycle table shares (items, inspections and their parts): a transition and the fixed order in
which a refusal is decided — who (403), then the status (409), then the action's own guard (409)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, InvalidState, NotPermitted

# A check answers with the code of the refusal, or None when it passes.
Check = Callable[[Any, Any], "str | None"]


def no_guard(subject: Any, user: Any) -> None:
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: frozenset[str]
    # None: the status does not change (or depends on the decision, see the service).
    target: str | None
    permission: Check
    guard: Check = no_guard


def transition_refusal(transition: Transition, subject: Any, user: Any) -> DomainError | None:
    """Why `user` may not take `transition` on `subject` (anything with a `status`) now, or None."""
    if code := transition.permission(subject, user):
        return NotPermitted(code)
    if subject.status not in transition.sources:
        return InvalidState(codes.ACTION_NOT_ALLOWED)
    if code := transition.guard(subject, user):
        return InvalidState(code)
    return None
