"""What the evaluation pages share: the signed-in user and their government, ids checked before they reach the
database, and a refusal of a service shown beside the form that caused it (with its status, never a 500)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ducha.common.errors import DomainError
from ducha.evaluation import selectors
from ducha.items.selectors import MAX_ID
from ducha.orgs.models import Unit, User


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def checked_id(value: int) -> int:
    """An id from the address, or 404 when no row could have it."""
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


def government_or_404(user: User) -> Unit:
    if user.unit is None or user.unit.government is None:
        raise Http404
    return user.unit.government


def manager_or_403(user: User) -> Unit:
    """The user's government, for its office and leaders; 403 for everyone else."""
    government = government_or_404(user)
    if not selectors.is_manager(user, government.pk):
        raise PermissionDenied
    return government


def refusal_of(
    error: DomainError, form: str, target: int | str | None = None, values: Any = None
) -> dict[str, Any]:
    """What the template needs to show a refusal at its form: the message, the fields' messages, the input."""
    return {
        "form": form,
        "target": target,
        "code": error.code,
        "message": error.message,
        "fields": error.fields,
        "values": values or {},
    }


def render_refused(
    request: HttpRequest, template: str, context: dict[str, Any], error: DomainError
) -> HttpResponse:
    return render(request, template, context, status=error.status)
