"""The sanctions: the list (the government's for its office and leaders; a unit's own — 我的问责事项), and one
sanction with its basis and facts, the leader's approval or refusal, the unit's answer (its head or liaison), the
office's follow-up (improved: done; not: the next tier proposed, linked both ways) and, on an accountability
referral, the letters to the discipline, organisation or personnel body tracked to their decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.accountability import selectors, services
from ducha.accountability.models import ReferralBody, ReferralStatus, Sanction, SanctionStatus, Tier
from ducha.common.errors import DomainError, NotFound
from ducha.orgs.models import Role, User
from ducha.workbench.forms.accountability import (
    CommentForm,
    DecisionForm,
    FollowUpForm,
    ReceivedForm,
    ReferralForm,
    RespondForm,
    SanctionFilterForm,
)
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.accountability.base import (
    checked_id,
    facts_display,
    government_or_404,
    refusal_of,
    render_refused,
    user_of,
)
from ducha.workbench.views.accountability.proposals import rule_label


@login_required
@require_GET
def sanctions_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government_or_404(user)
    data = cleaned(SanctionFilterForm(request.GET))
    filters = {name: data[name] for name in ("tier", "status") if data[name]}
    rows = list(selectors.sanctions_for(user, **filters).select_related("approved_by")[:200])
    return render(
        request,
        "accountability/sanctions.html",
        {
            "sanctions": rows,
            "manager": selectors.is_manager(user),
            "filters": data,
            "tiers": Tier.choices,
            "statuses": SanctionStatus.choices,
        },
    )


def _sanction_or_404(user: User, sanction_id: int) -> Sanction:
    try:
        return selectors.sanction_for(user, checked_id(sanction_id))
    except NotFound:
        raise Http404 from None


def _detail_context(user: User, sanction: Sanction) -> dict[str, Any]:
    manager = (
        selectors.is_manager(user)
        and user.unit is not None
        and user.unit.government_id == sanction.government_id
    )
    office = manager and user.has_role(Role.OFFICE)
    in_force = sanction.status == SanctionStatus.IN_FORCE
    proposal = sanction.proposal
    escalations = (
        list(sanction.escalations.select_related("unit", "sanction").order_by("id")) if manager else []
    )
    return {
        "sanction": sanction,
        "manager": manager,
        "facts": facts_display([sanction.facts])[0],
        "rule_label": rule_label(proposal.rule) if proposal is not None else "",
        "escalated_from": proposal.escalated_from if proposal is not None and manager else None,
        "escalations": escalations,
        "referrals": list(sanction.referrals.select_related("sent_by").order_by("id")) if manager else [],
        "may_approve": manager
        and user.has_role(Role.LEADER)
        and sanction.status == SanctionStatus.PENDING_APPROVAL,
        "may_respond": in_force
        and user.unit_id == sanction.unit_id
        and user.has_role(Role.UNIT_HEAD, Role.LIAISON),
        "may_follow_up": office and in_force,
        "may_refer": office and in_force and sanction.tier == Tier.ACCOUNTABILITY,
        "is_office": office,
        "bodies": ReferralBody.choices,
        "sent": ReferralStatus.SENT,
        "received": ReferralStatus.RECEIVED,
    }


@login_required
@require_GET
def sanction_page(request: HttpRequest, sanction_id: int) -> HttpResponse:
    user = user_of(request)
    sanction = _sanction_or_404(user, sanction_id)
    return render(request, "accountability/sanction.html", _detail_context(user, sanction))


# run(the form's data, the sanction, the user) → the success message.
Run = Callable[[dict[str, Any], Sanction, User], str]


def _approve(data: dict[str, Any], sanction: Sanction, user: User) -> str:
    services.sanction_approve(actor=user, sanction_id=sanction.pk, approve=True, comment=data["comment"])
    return _("The sanction is approved: it is in force.")


def _refuse(data: dict[str, Any], sanction: Sanction, user: User) -> str:
    services.sanction_approve(actor=user, sanction_id=sanction.pk, approve=False, comment=data["comment"])
    return _("The sanction is not approved.")


def _respond(data: dict[str, Any], sanction: Sanction, user: User) -> str:
    services.sanction_respond(actor=user, sanction_id=sanction.pk, text=data["text"])
    return _("Your unit's answer is recorded.")


def _follow_up(data: dict[str, Any], sanction: Sanction, user: User) -> str:
    done = services.sanction_follow_up(
        actor=user, sanction_id=sanction.pk, improved=data["improved"], note=data["note"]
    )
    if done.status == SanctionStatus.COMPLETED:
        return _("Followed up: improved. The sanction is completed.")
    next_tier = Tier.above(done.tier)
    if next_tier is None:
        return _("Followed up: not improved. There is no tier above this one.")
    return _("Followed up: not improved. A %(tier)s is proposed.") % {"tier": Tier(next_tier).label}


def _refer(data: dict[str, Any], sanction: Sanction, user: User) -> str:
    services.referral_send(
        actor=user,
        sanction_id=sanction.pk,
        body=data["body"],
        body_name=data["body_name"],
        recommendation=data["recommendation"],
        letter_number=data["letter_number"],
    )
    return _("The referral is sent.")


SANCTION_ACTIONS: dict[str, tuple[type[forms.Form], Run]] = {
    "approve": (CommentForm, _approve),
    "refuse": (CommentForm, _refuse),
    "respond": (RespondForm, _respond),
    "follow-up": (FollowUpForm, _follow_up),
    "refer": (ReferralForm, _refer),
}


@login_required
@require_POST
def sanction_act(request: HttpRequest, sanction_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    sanction = _sanction_or_404(user, sanction_id)
    if action not in SANCTION_ACTIONS:
        raise Http404
    form_class, run = SANCTION_ACTIONS[action]
    try:
        message = run(cleaned(form_class(request.POST)), sanction, user)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        sanction.refresh_from_db()
        context = _detail_context(user, sanction) | {
            "refusal": refusal_of(error, action, values=request.POST)
        }
        return render_refused(request, "accountability/sanction.html", context, error)
    messages.success(request, message)
    return redirect("accountability-sanction", sanction.pk)


@login_required
@require_POST
def referral_act(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    """The office records that the body received the referral, then the body's decision."""
    user = user_of(request)
    if action not in ("received", "decided"):
        raise Http404
    referral = selectors.referrals_for(user).filter(pk=checked_id(referral_id)).first()
    if referral is None:
        raise Http404
    try:
        if action == "received":
            data = cleaned(ReceivedForm(request.POST))
            services.referral_received(
                actor=user, referral_id=referral.pk, received_by_name=data["received_by_name"]
            )
            message = _("The body's receipt is recorded.")
        else:
            data = cleaned(DecisionForm(request.POST))
            services.referral_decided(actor=user, referral_id=referral.pk, decision=data["decision"])
            message = _("The body's decision is recorded.")
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        sanction = _sanction_or_404(user, referral.sanction_id)
        context = _detail_context(user, sanction) | {
            "refusal": refusal_of(error, action, target=referral.pk, values=request.POST)
        }
        return render_refused(request, "accountability/sanction.html", context, error)
    messages.success(request, message)
    return redirect("accountability-sanction", referral.sanction_id)
