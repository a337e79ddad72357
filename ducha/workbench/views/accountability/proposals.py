"""The office's side of the ladder: the proposals the triggers made (filtered by tier, status, unit and rule; each
with its rule, the seed's words and the facts that fired it) decided — accepted with the person and the follow-up
date, or dismissed with a reason; "run the triggers now"; the trigger settings (each rule on or off, its
parameters); and the facts the office records for the triggers (meetings, falsification, criticism from above,
挂牌督办)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.accountability import selectors, services
from ducha.accountability.models import (
    FactKind,
    ProposalStatus,
    Tier,
    TriggerSetting,
)
from ducha.accountability.triggers import BY_CODE, ESCALATION, RULES, triggers_run
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from ducha.items.models import Item
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.forms.accountability import (
    AcceptForm,
    FactForm,
    ProposalFilterForm,
    ReasonForm,
    RunForm,
    TriggerForm,
    year_of,
)
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.accountability.base import (
    checked_id,
    facts_display,
    manager_or_403,
    office_or_403,
    refusal_of,
    render_refused,
    units_of,
    user_of,
)

PAGE = 50


def index(request: HttpRequest) -> HttpResponse:
    """The office and the leaders land on the proposals; a unit on its own sanctions."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    user = user_of(request)
    return redirect("accountability-proposals" if selectors.is_manager(user) else "accountability-sanctions")


def rule_label(code: str) -> str:
    rule = BY_CODE.get(code)
    return str(rule.label) if rule is not None else _("escalation: the follow-up found no improvement")


# --- the proposals ---------------------------------------------------------------------------------------------------


def _proposals_context(user: User, government: Unit, query: Any) -> dict[str, Any]:
    data = cleaned(ProposalFilterForm(query))
    filters = {name: data[name] for name in ("tier", "status", "rule") if data[name]}
    if data["unit"]:
        filters["unit_id"] = data["unit"]
    rows = selectors.proposals_for(user, **filters).select_related("escalated_from", "sanction", "decided_by")
    if data["before"]:
        rows = rows.filter(id__lt=data["before"])
    page = list(rows[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    for proposal, facts in zip(page, facts_display([p.facts for p in page]), strict=True):
        rule = BY_CODE.get(proposal.rule)
        proposal.fact_rows = facts  # type: ignore[attr-defined]
        proposal.rule_label = rule_label(proposal.rule)  # type: ignore[attr-defined]
        proposal.basis = rule.basis if rule is not None else ""  # type: ignore[attr-defined]
    kept = {name: query.get(name) for name in ("tier", "status", "rule", "unit") if query.get(name)}
    return {
        "government": government,
        "proposals": page,
        "more": urlencode({**kept, "before": page[-1].pk}) if more and page else "",
        "query": urlencode(kept),
        "filters": data,
        "tiers": Tier.choices,
        "statuses": ProposalStatus.choices,
        "rules": [(rule.code, rule.label) for rule in RULES] + [(ESCALATION, rule_label(ESCALATION))],
        "units": list(units_of(government.pk)),
        "is_office": user.has_role(Role.OFFICE),
        "proposed": ProposalStatus.PROPOSED,
        "this_year": timezone.localdate().year,
        "tomorrow": timezone.localdate() + dt.timedelta(days=1),
    }


@login_required
@require_GET
def proposals_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    return render(request, "accountability/proposals.html", _proposals_context(user, government, request.GET))


@login_required
@require_POST
def triggers_run_now(request: HttpRequest) -> HttpResponse:
    """The office runs every rule that is on over the year (the nightly job does the same)."""
    user = user_of(request)
    government = manager_or_403(user)
    data = cleaned(RunForm(request.POST))
    try:
        if not user.has_role(Role.OFFICE):
            raise NotPermitted(codes.ROLE_REQUIRED)
        year = year_of(data["year"] or str(timezone.localdate().year))
        count = triggers_run([government.pk], year)
    except DomainError as error:
        context = _proposals_context(user, government, request.GET) | {
            "refusal": refusal_of(error, "run", values=request.POST)
        }
        return render_refused(request, "accountability/proposals.html", context, error)
    messages.success(
        request,
        _("The triggers ran over %(year)s: %(count)s new proposals.") % {"year": year, "count": count},
    )
    return redirect("accountability-proposals")


@login_required
@require_POST
def proposal_act(request: HttpRequest, proposal_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    if action not in ("accept", "dismiss"):
        raise Http404
    proposal = selectors.proposals_for(user).filter(pk=checked_id(proposal_id)).first()
    if proposal is None:
        raise Http404
    try:
        if action == "accept":
            data = cleaned(AcceptForm(request.POST))
            services.proposal_decide(
                actor=user,
                proposal_id=proposal.pk,
                accept=True,
                person=data["person"],
                follow_up_due=data["follow_up_due"],
            )
        else:
            data = cleaned(ReasonForm(request.POST))
            services.proposal_decide(actor=user, proposal_id=proposal.pk, accept=False, reason=data["reason"])
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        context = _proposals_context(user, government, request.GET) | {
            "refusal": refusal_of(error, action, target=proposal.pk, values=request.POST)
        }
        return render_refused(request, "accountability/proposals.html", context, error)
    if action == "dismiss":
        messages.success(request, _("The proposal is dismissed."))
        query = request.GET.urlencode()
        return redirect(reverse("accountability-proposals") + (f"?{query}" if query else ""))
    proposal.refresh_from_db()
    sanction = proposal.sanction
    messages.success(
        request,
        _("The proposal is accepted: a %(tier)s is decided (%(status)s).")
        % {"tier": sanction.get_tier_display(), "status": sanction.get_status_display()},
    )
    return redirect("accountability-sanction", sanction.pk)


# --- the trigger settings --------------------------------------------------------------------------------------------


def _settings_context(government: Unit, refused_rule: str = "", values: Any = None) -> dict[str, Any]:
    chosen = {
        s.rule: s for s in TriggerSetting.objects.filter(government=government).select_related("updated_by")
    }
    rows = []
    for rule in RULES:
        setting = chosen.get(rule.code)
        params = {**rule.params, **(setting.params if setting else {})}
        enabled = setting.enabled if setting else True
        if rule.code == refused_rule and values is not None:
            params = {name: values.get(name, "") for name in rule.params}
            enabled = values.get("enabled") in ("on", "1", "true", "yes")
        rows.append(
            {
                "code": rule.code,
                "tier": rule.tier,
                "tier_label": Tier(rule.tier).label,
                "label": rule.label,
                "basis": rule.basis,
                "enabled": enabled,
                "params": [
                    {"name": name, "value": value, "default": rule.params[name]}
                    for name, value in params.items()
                ],
                "setting": setting,
            }
        )
    return {"government": government, "rows": rows}


@login_required
@require_GET
def triggers_page(request: HttpRequest) -> HttpResponse:
    government = office_or_403(user_of(request))
    return render(request, "accountability/triggers.html", _settings_context(government))


@login_required
@require_POST
def trigger_set(request: HttpRequest, rule: str) -> HttpResponse:
    user = user_of(request)
    government = office_or_403(user)
    spec = BY_CODE.get(rule)
    if spec is None:
        raise Http404
    form = TriggerForm(request.POST, params=spec.params)
    try:
        data = cleaned(form)
        services.trigger_set(actor=user, rule=rule, enabled=data["enabled"], params=form.params())
    except DomainError as error:
        context = _settings_context(government, rule, request.POST) | {
            "refusal": refusal_of(error, "set", target=rule, values=request.POST)
        }
        return render_refused(request, "accountability/triggers.html", context, error)
    messages.success(request, _("The trigger “%(rule)s” is saved.") % {"rule": spec.label})
    return redirect(reverse("accountability-triggers") + f"#rule-{rule}")


# --- the recorded facts ----------------------------------------------------------------------------------------------


def _facts_context(user: User, government: Unit) -> dict[str, Any]:
    facts = list(selectors.facts_for(user).select_related("item", "recorded_by")[:200])
    return {
        "government": government,
        "facts": facts,
        "kinds": FactKind.choices,
        "units": list(units_of(government.pk)),
        "is_office": user.has_role(Role.OFFICE),
        "today": timezone.localdate(),
    }


def _item_id(government: Unit, text: str) -> int | None:
    """The item typed as its number (the government's) or its id; blank is none; anything else is refused."""
    if not text:
        return None
    found = Item.objects.filter(government=government, number=text).values_list("id", flat=True).first()
    if found is None and text.isdigit() and len(text) <= 18:
        found = Item.objects.filter(government=government, pk=int(text)).values_list("id", flat=True).first()
    if found is None:
        raise ValidationFailed(
            codes.INVALID_INPUT,
            fields={"item": _("No item of this government has this number: %(n)s") % {"n": text}},
        )
    return found


@login_required
@require_http_methods(["GET", "POST"])
def facts_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    if request.method == "GET":
        return render(request, "accountability/facts.html", _facts_context(user, government))
    try:
        data = cleaned(FactForm(request.POST))
        if not user.has_role(Role.OFFICE):
            raise NotPermitted(codes.ROLE_REQUIRED)
        if data["occurred_on"] is None:
            raise ValidationFailed(codes.INVALID_INPUT, fields={"occurred_on": _("Enter the date.")})
        fact = services.fact_record(
            actor=user,
            unit_id=data["unit"],
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            description=data["description"],
            person=data["person"],
            item_id=_item_id(government, data["item"]),
            listed_by=data["listed_by"],
        )
    except DomainError as error:
        context = _facts_context(user, government) | {
            "refusal": refusal_of(error, "record", values=request.POST)
        }
        return render_refused(request, "accountability/facts.html", context, error)
    messages.success(
        request,
        _("The fact is recorded: %(kind)s, %(unit)s.")
        % {"kind": fact.get_kind_display(), "unit": fact.unit.name},
    )
    return redirect("accountability-facts")
