"""The accountability ladder and the use of results over the API: thin endpoints over ducha.accountability's
services (the writes, each checking its actor) and selectors (the reads, within the reader's scope).

`/accountability/proposals` — what the triggers propose (office and leaders only), run and decided by the office;
`/accountability/triggers` and `/accountability/facts` — the rules' settings and the facts the record cannot see;
`/accountability/sanctions` — the sanctions (a unit reads its own), approved, answered, followed up and referred;
`/accountability/referrals/{id}` — a referral tracked to the body's decision; `/accountability/bulletins` — drafted,
approved, issued as 公文 with the causes-and-fixes items, published; `/accountability/commendations` — proposed,
vetted with the one-vote veto, overridden by a leader, and `check` for anyone about to commend.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from ducha.accountability import selectors, services
from ducha.accountability.models import (
    Bulletin,
    Commendation,
    Proposal,
    RecordedFact,
    Referral,
    Sanction,
)
from ducha.accountability.triggers import BY_CODE, RULES, settings_for, triggers_run
from ducha.api.base import ERRORS, actor
from ducha.api.schemas.accountability import (
    AccountabilityDecideIn,
    AccountabilityFactIn,
    AccountabilityFactOut,
    AccountabilityProposalOut,
    AccountabilityProposalPage,
    AccountabilityRunIn,
    AccountabilityRunOut,
    AccountabilityTriggerIn,
    AccountabilityTriggerOut,
    BulletinApproveIn,
    BulletinDetailOut,
    BulletinDraftIn,
    BulletinIssueIn,
    BulletinOut,
    BulletinUpdateIn,
    CommendationCheckOut,
    CommendationIn,
    CommendationOut,
    SanctionApproveIn,
    SanctionCreateIn,
    SanctionDetailOut,
    SanctionFollowUpIn,
    SanctionOut,
    SanctionReferralDecidedIn,
    SanctionReferralIn,
    SanctionReferralOut,
    SanctionReferralReceivedIn,
    SanctionRespondIn,
    Year,
)
from ducha.api.schemas.common import Id, ReasonIn
from ducha.api.shapes import unit_ref, user_ref
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted
from ducha.orgs.models import Role, User

router = Router(tags=["accountability"])

PAGE_MAX = 100


def _government_id(user: User, *roles: str) -> int:
    """The reader's government, if they hold one of `roles` there (the office and the leaders by default)."""
    unit = user.unit
    if (
        unit is None
        or unit.government_id is None
        or not user.has_role(*(roles or (Role.OFFICE, Role.LEADER)))
    ):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return unit.government_id


def _this_year(year: int | None) -> int:
    return timezone.localdate().year if year is None else year


# --- triggers and facts -----------------------------------------------------------------------------------------------


def _triggers(government_id: int) -> list[dict[str, Any]]:
    chosen = settings_for([government_id])[government_id]
    rows = []
    for rule in RULES:
        setting = chosen.get(rule.code)
        rows.append(
            {
                "rule": rule.code,
                "tier": rule.tier,
                "label": str(rule.label),
                "basis": str(rule.basis),
                "enabled": setting.enabled if setting is not None else True,
                "params": {**rule.params, **(setting.params if setting is not None else {})},
                "defaults": dict(rule.params),
            }
        )
    return rows


@router.get(
    "/accountability/triggers",
    response={200: list[AccountabilityTriggerOut], **ERRORS},
    summary="问责触发规则及设置",
)
def triggers(request: HttpRequest) -> list[dict[str, Any]]:
    """Every rule of seed 004 §4(三) with its tier, the seed's words, and this government's switch and parameters."""
    return _triggers(_government_id(actor(request)))


@router.put(
    "/accountability/triggers", response={200: AccountabilityTriggerOut, **ERRORS}, summary="设置问责触发规则"
)
def trigger_set(request: HttpRequest, body: AccountabilityTriggerIn) -> dict[str, Any]:
    """The office switches a rule on or off and tunes its parameters (whole numbers from 1 to 100)."""
    user = actor(request)
    services.trigger_set(actor=user, rule=body.rule, enabled=body.enabled, params=body.params)
    return next(row for row in _triggers(_government_id(user)) if row["rule"] == body.rule)


def _fact_out(fact: RecordedFact) -> dict[str, Any]:
    return {
        "id": fact.pk,
        "unit": unit_ref(fact.unit),
        "person": fact.person,
        "kind": fact.kind,
        "kind_display": str(fact.get_kind_display()),
        "occurred_on": fact.occurred_on,
        "description": fact.description,
        "item": fact.item_id,
        "listed_by": fact.listed_by,
        "recorded_by": user_ref(fact.recorded_by),
        "created_at": fact.created_at,
    }


@router.get(
    "/accountability/facts", response={200: list[AccountabilityFactOut], **ERRORS}, summary="记录的问责事实"
)
def facts(
    request: HttpRequest, year: Year | None = None, unit: Id | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """The facts the office recorded (meetings, falsification, criticism from above, 挂牌督办…), newest first."""
    user = actor(request)
    _government_id(user)
    rows = selectors.facts_for(user).select_related("recorded_by").filter(occurred_on__year=_this_year(year))
    if unit is not None:
        rows = rows.filter(unit_id=unit)
    if kind:
        rows = rows.filter(kind=kind)
    return [_fact_out(fact) for fact in rows]


@router.post("/accountability/facts", response={201: AccountabilityFactOut, **ERRORS}, summary="记录问责事实")
def fact_record(request: HttpRequest, body: AccountabilityFactIn) -> Any:
    fact = services.fact_record(
        actor=actor(request),
        unit_id=body.unit,
        kind=body.kind,
        occurred_on=body.occurred_on,
        description=body.description,
        person=body.person,
        item_id=body.item,
        listed_by=body.listed_by,
    )
    return Status(201, _fact_out(RecordedFact.objects.select_related("unit", "recorded_by").get(pk=fact.pk)))


# --- proposals ------------------------------------------------------------------------------------------------------


def _proposal_out(proposal: Proposal) -> dict[str, Any]:
    rule = BY_CODE.get(proposal.rule)
    sanction = getattr(proposal, "sanction", None)
    return {
        "id": proposal.pk,
        "unit": unit_ref(proposal.unit),
        "person": proposal.person,
        "tier": proposal.tier,
        "tier_display": str(proposal.get_tier_display()),
        "rule": proposal.rule,
        "rule_label": str(rule.label) if rule is not None else _("follow-up failed: the next tier"),
        "basis": str(rule.basis) if rule is not None else "",
        "year": proposal.year,
        "facts": proposal.facts,
        "status": proposal.status,
        "reason": proposal.reason,
        "decided_at": proposal.decided_at,
        "sanction": sanction.pk if sanction is not None else None,
        "escalated_from": proposal.escalated_from_id,
        "created_at": proposal.created_at,
    }


@router.get(
    "/accountability/proposals", response={200: AccountabilityProposalPage, **ERRORS}, summary="问责建议"
)
def proposals(
    request: HttpRequest,
    year: Year | None = None,
    tier: str | None = None,
    unit: Id | None = None,
    status: str | None = None,
    rule: str | None = None,
    cursor: Id | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """What the triggers proposed for the year (this year by default), newest first; keyset-paged (pass `next` back
    as `cursor`; at most 100 a page). The office and the leaders only."""
    user = actor(request)
    _government_id(user)
    filters: dict[str, Any] = {"year": _this_year(year)}
    for name, value in (("tier", tier), ("unit_id", unit), ("status", status), ("rule", rule)):
        if value:
            filters[name] = value
    rows = selectors.proposals_for(user, **filters).select_related("sanction")
    if cursor is not None:
        rows = rows.filter(id__lt=cursor)
    limit = max(1, min(limit, PAGE_MAX))
    page = list(rows[: limit + 1])
    return {
        "rows": [_proposal_out(proposal) for proposal in page[:limit]],
        "next": page[limit - 1].pk if len(page) > limit else None,
    }


@router.post(
    "/accountability/proposals/run",
    response={200: AccountabilityRunOut, **ERRORS},
    summary="运行问责触发规则",
)
def proposals_run(request: HttpRequest, body: AccountabilityRunIn) -> dict[str, int]:
    """The office runs every rule that is on over the year's record; a second run proposes nothing new."""
    government_id = _government_id(actor(request), Role.OFFICE)
    return {"new": triggers_run([government_id], body.year)}


@router.post(
    "/accountability/proposals/{proposal_id}/decide",
    response={200: AccountabilityProposalOut, **ERRORS},
    summary="决定问责建议",
)
def proposal_decide(request: HttpRequest, proposal_id: Id, body: AccountabilityDecideIn) -> dict[str, Any]:
    """Accepted: a sanction is decided (a written self-examination is in force at once, every tier above waits for
    the government's approval); dismissed with a reason."""
    user = actor(request)
    services.proposal_decide(
        actor=user,
        proposal_id=proposal_id,
        accept=body.accept,
        reason=body.reason,
        person=body.person,
        follow_up_due=body.follow_up_due,
    )
    return _proposal_out(selectors.proposals_for(user).select_related("sanction").get(pk=proposal_id))


# --- sanctions and referrals ----------------------------------------------------------------------------------------


def _sanction_out(sanction: Sanction) -> dict[str, Any]:
    return {
        "id": sanction.pk,
        "unit": unit_ref(sanction.unit),
        "person": sanction.person,
        "tier": sanction.tier,
        "tier_display": str(sanction.get_tier_display()),
        "status": sanction.status,
        "status_display": str(sanction.get_status_display()),
        "basis": sanction.basis,
        "facts": sanction.facts,
        "proposal": sanction.proposal_id,
        "decided_by": user_ref(sanction.decided_by),
        "approved_by": user_ref(sanction.approved_by),
        "effective_at": sanction.effective_at,
        "follow_up_due": sanction.follow_up_due,
        "unit_response": sanction.unit_response,
        "unit_responded_at": sanction.unit_responded_at,
        "follow_up_note": sanction.follow_up_note,
        "followed_up_at": sanction.followed_up_at,
        "publication": sanction.publication,
        "created_at": sanction.created_at,
    }


def _referral_out(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "sanction": referral.sanction_id,
        "body": referral.body,
        "body_display": str(referral.get_body_display()),
        "body_name": referral.body_name,
        "recommendation": referral.recommendation,
        "letter_number": referral.letter_number,
        "status": referral.status,
        "sent_by": user_ref(referral.sent_by),
        "created_at": referral.created_at,
        "received_at": referral.received_at,
        "received_by_name": referral.received_by_name,
        "decision": referral.decision,
        "decided_at": referral.decided_at,
    }


def _sanction_detail(user: User, sanction_id: int) -> dict[str, Any]:
    """The sanction as the reader may see it: its referrals and escalations for the office and the leaders."""
    sanction = selectors.sanction_for(user, sanction_id)
    manager = selectors.is_manager(user)
    referrals = (
        selectors.referrals_for(user).filter(sanction=sanction).select_related("sent_by").order_by("id")
        if manager
        else Referral.objects.none()
    )
    escalations = sanction.escalations.order_by("id") if manager else Proposal.objects.none()
    return {
        **_sanction_out(sanction),
        "referrals": [_referral_out(referral) for referral in referrals],
        "escalations": [
            {"id": proposal.pk, "tier": proposal.tier, "status": proposal.status} for proposal in escalations
        ],
    }


_SANCTION_RELATED = ("decided_by", "approved_by")


@router.get("/accountability/sanctions", response={200: list[SanctionOut], **ERRORS}, summary="问责记录")
def sanctions(
    request: HttpRequest,
    year: Year | None = None,
    unit: Id | None = None,
    tier: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The sanctions decided in the year (this year by default): all of the government's for the office and the
    leaders; a unit reads its own (a person named, their own), once approved."""
    filters: dict[str, Any] = {"created_at__year": _this_year(year)}
    for name, value in (("unit_id", unit), ("tier", tier), ("status", status)):
        if value:
            filters[name] = value
    rows = selectors.sanctions_for(actor(request), **filters).select_related(*_SANCTION_RELATED)
    return [_sanction_out(sanction) for sanction in rows]


@router.post(
    "/accountability/sanctions", response={201: SanctionDetailOut, **ERRORS}, summary="决定问责（无触发规则）"
)
def sanction_create(request: HttpRequest, body: SanctionCreateIn) -> Any:
    """A sanction the office decides on a basis no trigger saw; every tier above the written self-examination waits
    for the government's approval."""
    user = actor(request)
    sanction = services.sanction_create(
        actor=user,
        unit_id=body.unit,
        tier=body.tier,
        basis=body.basis,
        person=body.person,
        follow_up_due=body.follow_up_due,
    )
    return Status(201, _sanction_detail(user, sanction.pk))


@router.get(
    "/accountability/sanctions/{sanction_id}", response={200: SanctionDetailOut, **ERRORS}, summary="问责详情"
)
def sanction(request: HttpRequest, sanction_id: Id) -> dict[str, Any]:
    return _sanction_detail(actor(request), sanction_id)


@router.post(
    "/accountability/sanctions/{sanction_id}/approve",
    response={200: SanctionDetailOut, **ERRORS},
    summary="政府审批问责",
)
def sanction_approve(request: HttpRequest, sanction_id: Id, body: SanctionApproveIn) -> dict[str, Any]:
    user = actor(request)
    services.sanction_approve(actor=user, sanction_id=sanction_id, approve=body.approve, comment=body.comment)
    return _sanction_detail(user, sanction_id)


@router.post(
    "/accountability/sanctions/{sanction_id}/respond",
    response={200: SanctionDetailOut, **ERRORS},
    summary="单位提交检查或约谈整改承诺",
)
def sanction_respond(request: HttpRequest, sanction_id: Id, body: SanctionRespondIn) -> dict[str, Any]:
    user = actor(request)
    services.sanction_respond(actor=user, sanction_id=sanction_id, text=body.text)
    return _sanction_detail(user, sanction_id)


@router.post(
    "/accountability/sanctions/{sanction_id}/follow-up",
    response={200: SanctionDetailOut, **ERRORS},
    summary="跟踪问效",
)
def sanction_follow_up(request: HttpRequest, sanction_id: Id, body: SanctionFollowUpIn) -> dict[str, Any]:
    """Improved: done. Not improved: the next tier is proposed, linked to this sanction."""
    user = actor(request)
    services.sanction_follow_up(actor=user, sanction_id=sanction_id, improved=body.improved, note=body.note)
    return _sanction_detail(user, sanction_id)


@router.post(
    "/accountability/sanctions/{sanction_id}/referrals",
    response={201: SanctionReferralOut, **ERRORS},
    summary="移送责任追究",
)
def referral_send(request: HttpRequest, sanction_id: Id, body: SanctionReferralIn) -> Any:
    """An approved accountability sanction referred to the discipline, organisation or personnel body with the
    recommended handling (处理建议)."""
    referral = services.referral_send(
        actor=actor(request),
        sanction_id=sanction_id,
        body=body.body,
        body_name=body.body_name,
        recommendation=body.recommendation,
        letter_number=body.letter_number,
    )
    return Status(201, _referral_out(Referral.objects.select_related("sent_by").get(pk=referral.pk)))


@router.post(
    "/accountability/referrals/{referral_id}/received",
    response={200: SanctionReferralOut, **ERRORS},
    summary="移送已签收",
)
def referral_received(request: HttpRequest, referral_id: Id, body: SanctionReferralReceivedIn) -> Any:
    referral = services.referral_received(
        actor=actor(request), referral_id=referral_id, received_by_name=body.received_by_name
    )
    return _referral_out(Referral.objects.select_related("sent_by").get(pk=referral.pk))


@router.post(
    "/accountability/referrals/{referral_id}/decided",
    response={200: SanctionReferralOut, **ERRORS},
    summary="移送处理结果反馈",
)
def referral_decided(request: HttpRequest, referral_id: Id, body: SanctionReferralDecidedIn) -> Any:
    referral = services.referral_decided(
        actor=actor(request), referral_id=referral_id, decision=body.decision
    )
    return _referral_out(Referral.objects.select_related("sent_by").get(pk=referral.pk))


# --- bulletins ------------------------------------------------------------------------------------------------------


def _bulletin_out(bulletin: Bulletin) -> dict[str, Any]:
    return {
        "id": bulletin.pk,
        "kind": bulletin.kind,
        "title": bulletin.title,
        "text": bulletin.text,
        "year": bulletin.year,
        "quarter": bulletin.quarter,
        "status": bulletin.status,
        "status_display": str(bulletin.get_status_display()),
        "number": bulletin.number,
        "fixes_due": bulletin.fixes_due,
        "published": bulletin.published,
        "created_by": user_ref(bulletin.created_by),
        "created_at": bulletin.created_at,
        "approved_by": user_ref(bulletin.approved_by),
        "approved_at": bulletin.approved_at,
        "issued_at": bulletin.issued_at,
    }


_BULLETIN_RELATED = ("created_by", "approved_by")


def _bulletin_detail(user: User, bulletin_id: int) -> dict[str, Any]:
    """The bulletin as the reader may see it: the evidence for the office and the leaders; a unit sees its own
    causes-and-fixes item among the units named."""
    bulletin = selectors.bulletins_for(user).select_related(*_BULLETIN_RELATED).filter(pk=bulletin_id).first()
    if bulletin is None:
        raise NotFound()
    manager = selectors.is_manager(user)
    named = []
    for row in bulletin.units.select_related("unit", "fixes_item").order_by("role", "unit__sort_order", "id"):
        item = row.fixes_item if manager or row.unit_id == user.unit_id else None
        named.append(
            {
                "unit": unit_ref(row.unit),
                "role": row.role,
                "fixes_item": {
                    "id": item.pk,
                    "number": item.number,
                    "status": item.status,
                    "due_date": item.due_date,
                }
                if item is not None
                else None,
            }
        )
    return {**_bulletin_out(bulletin), "evidence": bulletin.evidence if manager else {}, "named": named}


@router.get("/accountability/bulletins", response={200: list[BulletinOut], **ERRORS}, summary="督查通报")
def bulletins(
    request: HttpRequest, year: Year | None = None, kind: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """The year's bulletins (this year by default): every one for the office and the leaders; the issued ones for
    the units."""
    filters: dict[str, Any] = {"year": _this_year(year)}
    if kind:
        filters["kind"] = kind
    if status:
        filters["status"] = status
    rows = selectors.bulletins_for(actor(request), **filters).select_related(*_BULLETIN_RELATED)
    return [_bulletin_out(bulletin) for bulletin in rows]


@router.post("/accountability/bulletins", response={201: BulletinDetailOut, **ERRORS}, summary="起草督查通报")
def bulletin_draft(request: HttpRequest, body: BulletinDraftIn) -> Any:
    """Drafted from the period's facts (who delivered, who is late and by how much, the ranking), naming the units
    praised or criticised; the office edits it before submitting it."""
    user = actor(request)
    bulletin = services.bulletin_draft(actor=user, kind=body.kind, year=body.year, quarter=body.quarter)
    return Status(201, _bulletin_detail(user, bulletin.pk))


@router.get(
    "/accountability/bulletins/{bulletin_id}",
    response={200: BulletinDetailOut, **ERRORS},
    summary="督查通报详情",
)
def bulletin(request: HttpRequest, bulletin_id: Id) -> dict[str, Any]:
    return _bulletin_detail(actor(request), bulletin_id)


@router.put(
    "/accountability/bulletins/{bulletin_id}",
    response={200: BulletinDetailOut, **ERRORS},
    summary="修改督查通报",
)
def bulletin_update(request: HttpRequest, bulletin_id: Id, body: BulletinUpdateIn) -> dict[str, Any]:
    """The draft's title and text, the units named (without `named`, they stay) and when the criticised units report
    their causes and fixes."""
    user = actor(request)
    services.bulletin_update(
        actor=user,
        bulletin_id=bulletin_id,
        title=body.title,
        text=body.text,
        named=[(row.unit, row.role) for row in body.named] if body.named is not None else None,
        fixes_due=body.fixes_due,
    )
    return _bulletin_detail(user, bulletin_id)


@router.post(
    "/accountability/bulletins/{bulletin_id}/submit",
    response={200: BulletinDetailOut, **ERRORS},
    summary="提交领导审批",
)
def bulletin_submit(request: HttpRequest, bulletin_id: Id) -> dict[str, Any]:
    user = actor(request)
    services.bulletin_submit(actor=user, bulletin_id=bulletin_id)
    return _bulletin_detail(user, bulletin_id)


@router.post(
    "/accountability/bulletins/{bulletin_id}/approve",
    response={200: BulletinDetailOut, **ERRORS},
    summary="领导审批督查通报",
)
def bulletin_approve(request: HttpRequest, bulletin_id: Id, body: BulletinApproveIn) -> dict[str, Any]:
    """Approved, or returned to the draft with a comment."""
    user = actor(request)
    services.bulletin_approve(actor=user, bulletin_id=bulletin_id, approve=body.approve, comment=body.comment)
    return _bulletin_detail(user, bulletin_id)


@router.post(
    "/accountability/bulletins/{bulletin_id}/issue",
    response={200: BulletinDetailOut, **ERRORS},
    summary="印发督查通报",
)
def bulletin_issue(
    request: HttpRequest, bulletin_id: Id, body: BulletinIssueIn | None = None
) -> dict[str, Any]:
    """Issued as the office's numbered 督查通报; each criticised unit gets its causes-and-fixes item, assigned with
    the bulletin's due date."""
    user = actor(request)
    services.bulletin_issue(
        actor=user,
        bulletin_id=bulletin_id,
        contact_name=body.contact_name if body else "",
        contact_phone=body.contact_phone if body else "",
    )
    return _bulletin_detail(user, bulletin_id)


@router.post(
    "/accountability/bulletins/{bulletin_id}/publish",
    response={200: BulletinDetailOut, **ERRORS},
    summary="公开督查通报",
)
def bulletin_publish(request: HttpRequest, bulletin_id: Id) -> dict[str, Any]:
    user = actor(request)
    services.bulletin_publish(actor=user, bulletin_id=bulletin_id)
    return _bulletin_detail(user, bulletin_id)


# --- commendations --------------------------------------------------------------------------------------------------


def _commendation_out(commendation: Commendation) -> dict[str, Any]:
    veto = commendation.vetoing_sanction
    return {
        "id": commendation.pk,
        "title": commendation.title,
        "year": commendation.year,
        "unit": unit_ref(commendation.unit),
        "person": commendation.person,
        "status": commendation.status,
        "status_display": str(commendation.get_status_display()),
        "vetoing_sanction": {
            "id": veto.pk,
            "unit": unit_ref(veto.unit),
            "person": veto.person,
            "tier": veto.tier,
            "tier_display": str(veto.get_tier_display()),
            "effective_at": veto.effective_at,
        }
        if veto is not None
        else None,
        "proposed_by": user_ref(commendation.proposed_by),
        "decided_by": user_ref(commendation.decided_by),
        "decided_at": commendation.decided_at,
        "override_reason": commendation.override_reason,
        "created_at": commendation.created_at,
    }


_COMMENDATION_RELATED = ("vetoing_sanction__unit", "proposed_by", "decided_by")


def _commendation(user: User, commendation_id: int) -> dict[str, Any]:
    found = (
        selectors.commendations_for(user)
        .select_related(*_COMMENDATION_RELATED)
        .filter(pk=commendation_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return _commendation_out(found)


@router.get(
    "/accountability/commendations", response={200: list[CommendationOut], **ERRORS}, summary="表彰推荐"
)
def commendations(
    request: HttpRequest, year: Year | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """The year's candidates (this year by default): all of the government's for the office and the leaders; a
    department, the ones it proposed."""
    filters: dict[str, Any] = {"year": _this_year(year)}
    if status:
        filters["status"] = status
    rows = selectors.commendations_for(actor(request), **filters).select_related(*_COMMENDATION_RELATED)
    return [_commendation_out(commendation) for commendation in rows]


@router.post(
    "/accountability/commendations", response={201: CommendationOut, **ERRORS}, summary="推荐表彰对象"
)
def commendation_propose(request: HttpRequest, body: CommendationIn) -> Any:
    """A unit or a person of it proposed for 表彰 in the government's name, by the office or a unit's head."""
    user = actor(request)
    commendation = services.commendation_propose(
        actor=user, title=body.title, year=body.year, unit_id=body.unit, person=body.person
    )
    return Status(201, _commendation(user, commendation.pk))


@router.get(
    "/accountability/commendations/check",
    response={200: CommendationCheckOut, **ERRORS},
    summary="一票否决核查",
)
def commendation_check(
    request: HttpRequest, unit: Id, person: str = "", year: Year | None = None
) -> dict[str, bool]:
    """Whether the unit (or a person of it) may be commended in the year: 409 `commendation_vetoed`, naming the
    sanction, if a criticism bulletin or a higher tier took effect in it. The office and the leaders only."""
    government_id = _government_id(actor(request))
    services.commendation_check(
        government_id=government_id, unit_id=unit, person=person.strip(), year=_this_year(year)
    )
    return {"ok": True}


@router.post(
    "/accountability/commendations/{commendation_id}/vet",
    response={200: CommendationOut, **ERRORS},
    summary="审核表彰对象（一票否决）",
)
def commendation_vet(request: HttpRequest, commendation_id: Id) -> dict[str, Any]:
    """The office vets the candidate: `cleared`, or `vetoed` naming the sanction in `vetoing_sanction`."""
    user = actor(request)
    services.commendation_vet(actor=user, commendation_id=commendation_id)
    return _commendation(user, commendation_id)


@router.post(
    "/accountability/commendations/{commendation_id}/override",
    response={200: CommendationOut, **ERRORS},
    summary="领导决定不予否决",
)
def commendation_override(request: HttpRequest, commendation_id: Id, body: ReasonIn) -> dict[str, Any]:
    """Only a leader clears a vetoed candidate, with the reason recorded."""
    user = actor(request)
    services.commendation_override(actor=user, commendation_id=commendation_id, reason=body.reason)
    return _commendation(user, commendation_id)
