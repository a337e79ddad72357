"""表彰 and the one-vote veto: candidates proposed by the office or a unit head, vetted by the office (cleared, or
vetoed naming the sanction in force in the year), and a vetoed candidate cleared only by a leader with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.accountability import selectors, services
from ducha.accountability.models import CommendationStatus
from ducha.common.errors import DomainError, NotFound
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.forms.accountability import ProposeForm, ReasonForm, year_of
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.accountability.base import (
    checked_id,
    government_or_404,
    refusal_of,
    render_refused,
    units_of,
    user_of,
)


def _allowed_or_403(user: User) -> Unit:
    """The office and the leaders see the government's candidates; a unit head the ones they proposed."""
    government = government_or_404(user)
    if not (selectors.is_manager(user) or user.has_role(Role.UNIT_HEAD)):
        raise PermissionDenied
    return government


def _context(user: User, government: Unit) -> dict[str, Any]:
    manager = selectors.is_manager(user)
    may_propose = user.has_role(Role.OFFICE, Role.UNIT_HEAD)
    return {
        "commendations": list(
            selectors.commendations_for(user).select_related("vetoing_sanction__unit", "decided_by")[:200]
        ),
        "manager": manager,
        "may_propose": may_propose,
        "may_vet": manager and user.has_role(Role.OFFICE),
        "may_override": manager and user.has_role(Role.LEADER),
        "units": list(units_of(government.pk)) if may_propose else [],
        "own_unit": user.unit_id,
        "this_year": timezone.localdate().year,
        "proposed": CommendationStatus.PROPOSED,
        "vetoed": CommendationStatus.VETOED,
    }


@login_required
@require_GET
def commendations_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = _allowed_or_403(user)
    return render(request, "accountability/commendations.html", _context(user, government))


@login_required
@require_POST
def commendation_propose(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = _allowed_or_403(user)
    try:
        data = cleaned(ProposeForm(request.POST))
        commendation = services.commendation_propose(
            actor=user,
            title=data["title"],
            year=year_of(data["year"]),
            unit_id=data["unit"],
            person=data["person"],
        )
    except DomainError as error:
        context = _context(user, government) | {"refusal": refusal_of(error, "propose", values=request.POST)}
        return render_refused(request, "accountability/commendations.html", context, error)
    messages.success(
        request,
        _("%(unit)s is proposed for “%(title)s”.")
        % {"unit": commendation.unit.name, "title": commendation.title},
    )
    return redirect("accountability-commendations")


@login_required
@require_POST
def commendation_act(request: HttpRequest, commendation_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    government = _allowed_or_403(user)
    if action not in ("vet", "override"):
        raise Http404
    commendation = selectors.commendations_for(user).filter(pk=checked_id(commendation_id)).first()
    if commendation is None:
        raise Http404
    try:
        if action == "vet":
            done = services.commendation_vet(actor=user, commendation_id=commendation.pk)
            if done.status == CommendationStatus.VETOED and done.vetoing_sanction is not None:
                veto = done.vetoing_sanction
                messages.warning(
                    request,
                    _("Vetoed: %(unit)s has a %(tier)s in force in %(year)s.")
                    % {"unit": veto.unit.name, "tier": veto.get_tier_display(), "year": done.year},
                )
            else:
                messages.success(request, _("Cleared: no sanction vetoes this candidate."))
        else:
            data = cleaned(ReasonForm(request.POST))
            services.commendation_override(actor=user, commendation_id=commendation.pk, reason=data["reason"])
            messages.success(request, _("The veto is overridden; the reason is recorded."))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        context = _context(user, government) | {
            "refusal": refusal_of(error, action, target=commendation.pk, values=request.POST)
        }
        return render_refused(request, "accountability/commendations.html", context, error)
    return redirect("accountability-commendations")
