"""The one endpoint every action on an inspection posts to (`inspections:act`): the action's form reads the POST,
one service is called, and the page comes back with a message — what was done, or why it was refused."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from ducha.common.errors import DomainError
from ducha.workbench.views.inspections.base import Action, anchor, visible
from ducha.workbench.views.inspections.conclusions import CLOSING_ACTIONS
from ducha.workbench.views.inspections.fieldwork import FIELDWORK_ACTIONS
from ducha.workbench.views.inspections.proposal import PROPOSAL_ACTIONS

# Every action on an inspection, by stage.
INSPECTION_ACTIONS: dict[str, Action] = {**PROPOSAL_ACTIONS, **FIELDWORK_ACTIONS, **CLOSING_ACTIONS}


@login_required
@require_POST
def inspection_act(request: HttpRequest, inspection_id: int, action: str) -> HttpResponse:
    inspection = visible(request, inspection_id)
    taken = INSPECTION_ACTIONS.get(action)
    if taken is None:
        raise Http404
    try:
        messages.success(request, taken.take(request, inspection))
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect(reverse("inspections:detail", args=[inspection_id]) + anchor(request))
