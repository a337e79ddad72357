"""Writes of the accountability ladder: trigger settings and recorded facts; proposals decided; sanctions approved,
answered by the unit, followed up and escalated; referrals tracked; bulletins drafted from the facts, approved,
issued as 公文 with the causes-and-fixes requests as items; commendations vetted with the one-vote veto.

Every write checks the actor's role and government, locks the row it changes, and records an audit event in the
same transaction; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.accountability.models import (
    VETO_TIERS,
    Bulletin,
    BulletinKind,
    BulletinRole,
    BulletinStatus,
    BulletinUnit,
    Commendation,
    CommendationStatus,
    FactKind,
    Proposal,
    ProposalStatus,
    RecordedFact,
    Referral,
    ReferralBody,
    ReferralStatus,
    Sanction,
    SanctionStatus,
    Tier,
    TriggerSetting,
)
from ducha.accountability.triggers import BY_CODE, ESCALATION
from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.common.inputs import require_text
from ducha.items.models import Item
from ducha.orgs.models import Role, Unit, User

# Tiers the office decides alone; every tier above needs the government's approval (条例 Art. 19-21).
OFFICE_DECIDES = (Tier.WRITTEN_EXAMINATION,)


def _government(actor: User, *roles: str) -> int:
    unit = actor.unit
    if unit is None or unit.government_id is None or not actor.has_role(*roles):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return unit.government_id


def _office(actor: User) -> int:
    return _government(actor, Role.OFFICE)


def _leader(actor: User) -> int:
    return _government(actor, Role.LEADER)


def _record(subject_type: str, subject_id: int, event_type: EventType, actor: User, **kwargs: Any) -> None:
    event_record(
        event_type=event_type, subject_type=subject_type, subject_id=subject_id, actor=actor, **kwargs
    )


def _unit_of(government_id: int, unit_id: object) -> Unit:
    """A unit of the government (a department) or a government below it (a township); else 400."""
    found = (
        Unit.objects.filter(pk=_int_or_zero(unit_id))
        .filter(Q(government_id=government_id) | Q(parent_id=government_id, kind="government"))
        .exclude(pk=government_id)
        .first()
    )
    if found is None:
        raise ValidationFailed(codes.UNIT_NOT_FOUND, fields={"unit": _("No such unit of this government.")})
    return found


def _int_or_zero(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _locked(model: Any, pk: int, government_id: int) -> Any:
    row = model.objects.select_for_update().filter(pk=pk, government_id=government_id).first()
    if row is None:
        raise NotFound()
    return row


# --- settings and facts ---------------------------------------------------------------------------------------------


@transaction.atomic
def trigger_set(
    *, actor: User, rule: str, enabled: bool, params: dict[str, Any] | None = None
) -> TriggerSetting:
    """The office switches a trigger on or off and tunes its parameters (whole numbers ≥ 1)."""
    government_id = _office(actor)
    spec = BY_CODE.get(rule)
    if spec is None:
        raise ValidationFailed(codes.TRIGGER_UNKNOWN, fields={"rule": sorted(BY_CODE)})
    clean: dict[str, int] = {}
    for name, value in (params or {}).items():
        if name not in spec.params:
            raise ValidationFailed(codes.TRIGGER_PARAMS_INVALID, fields={name: _("No such parameter.")})
        number = _int_or_zero(value)
        if isinstance(value, bool) or not 1 <= number <= 100:
            raise ValidationFailed(
                codes.TRIGGER_PARAMS_INVALID, fields={name: _("Enter a whole number from 1 to 100.")}
            )
        clean[name] = number
    setting, _created = TriggerSetting.objects.update_or_create(
        government_id=government_id,
        rule=rule,
        defaults={"enabled": bool(enabled), "params": clean, "updated_by": actor},
    )
    _record(
        "trigger_setting",
        setting.pk,
        EventType.TRIGGER_SET,
        actor,
        new={"rule": rule, "enabled": bool(enabled), "params": clean},
    )
    return setting


@transaction.atomic
def fact_record(
    *,
    actor: User,
    unit_id: object,
    kind: str,
    occurred_on: dt.date,
    description: str,
    person: str = "",
    item_id: int | None = None,
    listed_by: str = "",
) -> RecordedFact:
    """The office records a fact the record cannot see (a meeting missed, falsification found, criticism from
    above, a matter put under 挂牌督办)."""
    government_id = _office(actor)
    unit = _unit_of(government_id, unit_id)
    if kind not in FactKind.values:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"kind": FactKind.values})
    if item_id is not None and not Item.objects.filter(pk=item_id, government_id=government_id).exists():
        raise ValidationFailed(codes.INVALID_INPUT, fields={"item": _("No such item of this government.")})
    if kind == FactKind.LISTED and not listed_by.strip():
        raise ValidationFailed(codes.TEXT_REQUIRED, fields={"listed_by": _("Say who listed the matter.")})
    if occurred_on > timezone.localdate():
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={"occurred_on": _("The date cannot be in the future.")}
        )
    fact = RecordedFact.objects.create(
        government_id=government_id,
        unit=unit,
        kind=kind,
        occurred_on=occurred_on,
        description=require_text(description, codes.TEXT_REQUIRED, "description"),
        person=person.strip()[:50],
        item_id=item_id,
        listed_by=listed_by.strip()[:50],
        recorded_by=actor,
    )
    _record("recorded_fact", fact.pk, EventType.FACT_RECORDED, actor, new={"unit": unit.pk, "kind": kind})
    return fact


# --- proposals and sanctions ----------------------------------------------------------------------------------------


@transaction.atomic
def proposal_decide(
    *,
    actor: User,
    proposal_id: int,
    accept: bool,
    reason: str = "",
    person: str = "",
    follow_up_due: dt.date | None = None,
) -> Proposal:
    """The office decides a proposal: dismissed with a reason, or accepted — a sanction is decided (in force at once
    for a written self-examination; waiting for the government's approval for every tier above)."""
    government_id = _office(actor)
    proposal = _locked(Proposal, proposal_id, government_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This proposal has been decided already."))
    now = timezone.now()
    proposal.decided_by, proposal.decided_at = actor, now
    if not accept:
        proposal.reason = require_text(reason, codes.REASON_REQUIRED, "reason")
        proposal.status = ProposalStatus.DISMISSED
        proposal.save()
        _record("proposal", proposal.pk, EventType.PROPOSAL_DISMISSED, actor, comment=proposal.reason)
        return proposal
    proposal.status = ProposalStatus.ACCEPTED
    proposal.reason = reason.strip()
    proposal.save()
    rule = BY_CODE.get(proposal.rule)
    basis = f"{rule.basis}（{rule.label}）" if rule is not None else str(_("follow-up failed: the next tier"))
    _sanction_create(
        actor=actor,
        government_id=government_id,
        unit_id=proposal.unit_id,
        person=person.strip() or proposal.person,
        tier=proposal.tier,
        basis=basis,
        facts=proposal.facts,
        proposal=proposal,
        follow_up_due=follow_up_due,
        now=now,
    )
    _record("proposal", proposal.pk, EventType.PROPOSAL_ACCEPTED, actor, comment=proposal.reason)
    return proposal


def _sanction_create(
    *,
    actor: User,
    government_id: int,
    unit_id: int,
    person: str,
    tier: str,
    basis: str,
    facts: list[Any],
    proposal: Proposal | None,
    follow_up_due: dt.date | None,
    now: dt.datetime,
) -> Sanction:
    if follow_up_due is not None and follow_up_due <= timezone.localdate(now):
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={"follow_up_due": _("The follow-up is due after today.")}
        )
    in_force = tier in OFFICE_DECIDES
    sanction = Sanction.objects.create(
        government_id=government_id,
        unit_id=unit_id,
        person=person[:50],
        tier=tier,
        proposal=proposal,
        basis=basis,
        facts=facts,
        status=SanctionStatus.IN_FORCE if in_force else SanctionStatus.PENDING_APPROVAL,
        decided_by=actor,
        effective_at=now if in_force else None,
        follow_up_due=follow_up_due,
    )
    _record(
        "sanction",
        sanction.pk,
        EventType.SANCTION_DECIDED,
        actor,
        new={"unit": unit_id, "tier": tier, "person": person},
    )
    return sanction


@transaction.atomic
def sanction_create(
    *,
    actor: User,
    unit_id: object,
    tier: str,
    basis: str,
    person: str = "",
    follow_up_due: dt.date | None = None,
) -> Sanction:
    """A sanction the office decides on a basis no trigger saw (its text says which)."""
    government_id = _office(actor)
    unit = _unit_of(government_id, unit_id)
    if tier not in Tier.values:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"tier": Tier.values})
    return _sanction_create(
        actor=actor,
        government_id=government_id,
        unit_id=unit.pk,
        person=person.strip(),
        tier=tier,
        basis=require_text(basis, codes.TEXT_REQUIRED, "basis"),
        facts=[],
        proposal=None,
        follow_up_due=follow_up_due,
        now=timezone.now(),
    )


@transaction.atomic
def sanction_approve(*, actor: User, sanction_id: int, approve: bool, comment: str = "") -> Sanction:
    """The government (a leader) approves a sanction above the written self-examination, or refuses it."""
    government_id = _leader(actor)
    sanction = _locked(Sanction, sanction_id, government_id)
    if sanction.status != SanctionStatus.PENDING_APPROVAL:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This sanction is not waiting for approval."))
    sanction.approved_by = actor
    if approve:
        sanction.status = SanctionStatus.IN_FORCE
        sanction.effective_at = timezone.now()
    else:
        require_text(comment, codes.REASON_REQUIRED, "comment")
        sanction.status = SanctionStatus.REFUSED
    sanction.save()
    _record(
        "sanction",
        sanction.pk,
        EventType.SANCTION_APPROVED if approve else EventType.SANCTION_REFUSED,
        actor,
        comment=comment.strip(),
    )
    return sanction


@transaction.atomic
def sanction_respond(*, actor: User, sanction_id: int, text: str) -> Sanction:
    """The unit answers: its written self-examination, or the talk's minutes and commitments."""
    if actor.unit_id is None or not actor.has_role(Role.UNIT_HEAD, Role.LIAISON):
        raise NotPermitted(codes.ROLE_REQUIRED)
    sanction = Sanction.objects.select_for_update().filter(pk=sanction_id, unit_id=actor.unit_id).first()
    if sanction is None:
        raise NotFound()
    if sanction.status != SanctionStatus.IN_FORCE:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This sanction is not in force."))
    sanction.unit_response = require_text(text, codes.TEXT_REQUIRED, "text")
    sanction.unit_responded_at = timezone.now()
    sanction.save(update_fields=["unit_response", "unit_responded_at", "updated_at"])
    _record("sanction", sanction.pk, EventType.SANCTION_ANSWERED, actor, comment=sanction.unit_response)
    return sanction


@transaction.atomic
def sanction_follow_up(*, actor: User, sanction_id: int, improved: bool, note: str) -> Sanction:
    """The office follows the sanction up: improved — done; not improved — the next tier is proposed, linked to it
    (criticised and no clear improvement → exposure; exposed and not fixed → talk; → accountability)."""
    government_id = _office(actor)
    sanction = _locked(Sanction, sanction_id, government_id)
    if sanction.status != SanctionStatus.IN_FORCE:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This sanction is not in force."))
    sanction.follow_up_note = require_text(note, codes.TEXT_REQUIRED, "note")
    sanction.followed_up_at = timezone.now()
    next_tier = None if improved else Tier.above(sanction.tier)
    if improved:
        sanction.status = SanctionStatus.COMPLETED
    else:
        sanction.status = SanctionStatus.ESCALATED if next_tier else SanctionStatus.NOT_IMPROVED
    sanction.save()
    if next_tier is not None:
        Proposal.objects.create(
            government_id=government_id,
            unit_id=sanction.unit_id,
            person=sanction.person,
            tier=next_tier,
            rule=ESCALATION,
            key=f"sanction:{sanction.pk}",
            year=timezone.localdate().year,
            facts=[{"sanction": sanction.pk, "tier": sanction.tier, "follow_up": sanction.follow_up_note}],
            escalated_from=sanction,
        )
    _record(
        "sanction",
        sanction.pk,
        EventType.SANCTION_FOLLOWED_UP,
        actor,
        new={"improved": improved, "next_tier": next_tier},
        comment=sanction.follow_up_note,
    )
    return sanction


# --- referrals ------------------------------------------------------------------------------------------------------


@transaction.atomic
def referral_send(
    *, actor: User, sanction_id: int, body: str, body_name: str, recommendation: str, letter_number: str = ""
) -> Referral:
    """责任追究: with the government's approval (the sanction approved), the office refers the unit or person to a
    discipline, organisation or personnel body with its 处理建议."""
    government_id = _office(actor)
    sanction = _locked(Sanction, sanction_id, government_id)
    if sanction.tier != Tier.ACCOUNTABILITY or sanction.status != SanctionStatus.IN_FORCE:
        raise InvalidState(
            codes.ACTION_NOT_ALLOWED,
            _("Only an accountability sanction approved by the government is referred."),
        )
    if body not in ReferralBody.values:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"body": ReferralBody.values})
    referral = Referral.objects.create(
        sanction=sanction,
        body=body,
        body_name=require_text(body_name, codes.TEXT_REQUIRED, "body_name"),
        recommendation=require_text(recommendation, codes.TEXT_REQUIRED, "recommendation"),
        letter_number=letter_number.strip()[:64],
        sent_by=actor,
    )
    _record(
        "sanction", sanction.pk, EventType.REFERRAL_SENT, actor, new={"referral": referral.pk, "body": body}
    )
    return referral


def _locked_referral(actor: User, referral_id: int) -> Referral:
    government_id = _office(actor)
    referral = (
        Referral.objects.select_for_update()
        .filter(pk=referral_id, sanction__government_id=government_id)
        .first()
    )
    if referral is None:
        raise NotFound()
    return referral


@transaction.atomic
def referral_received(*, actor: User, referral_id: int, received_by_name: str) -> Referral:
    referral = _locked_referral(actor, referral_id)
    if referral.status != ReferralStatus.SENT:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This referral has been received already."))
    referral.received_by_name = require_text(received_by_name, codes.TEXT_REQUIRED, "received_by_name")
    referral.received_at = timezone.now()
    referral.status = ReferralStatus.RECEIVED
    referral.save()
    _record(
        "sanction", referral.sanction_id, EventType.REFERRAL_RECEIVED, actor, new={"referral": referral.pk}
    )
    return referral


@transaction.atomic
def referral_decided(*, actor: User, referral_id: int, decision: str) -> Referral:
    """The body's decision fed back: the referral's case is closed."""
    referral = _locked_referral(actor, referral_id)
    if referral.status != ReferralStatus.RECEIVED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("Record that the body received the referral first."))
    referral.decision = require_text(decision, codes.TEXT_REQUIRED, "decision")
    referral.decided_at = timezone.now()
    referral.status = ReferralStatus.DECIDED
    referral.save()
    _record("sanction", referral.sanction_id, EventType.REFERRAL_DECIDED, actor, comment=referral.decision)
    return referral


# --- commendations and the veto -------------------------------------------------------------------------------------


def veto_for(government_id: int, unit_id: int, person: str, year: int) -> Sanction | None:
    """The sanction (通报批评 or higher, in force in the year) that vetoes this unit — one on the unit itself, not
    one naming a person of it — or, for a person, one that names this person in this unit."""
    sanctions = Sanction.objects.filter(
        government_id=government_id,
        unit_id=unit_id,
        tier__in=VETO_TIERS,
        status__in=[
            SanctionStatus.IN_FORCE,
            SanctionStatus.COMPLETED,
            SanctionStatus.ESCALATED,
            SanctionStatus.NOT_IMPROVED,
        ],
        effective_at__year=year,
    )
    return sanctions.filter(person=person).order_by("effective_at", "id").first()


@transaction.atomic
def commendation_propose(
    *, actor: User, title: str, year: int, unit_id: object, person: str = ""
) -> Commendation:
    """A unit or person proposed for 表彰 in the government's name, by the office or a department (its head)."""
    government_id = _government(actor, Role.OFFICE, Role.UNIT_HEAD)
    unit = _unit_of(government_id, unit_id)
    if Commendation.objects.filter(
        government_id=government_id, year=year, title=title.strip(), unit=unit, person=person.strip()
    ).exists():
        raise InvalidState(codes.COMMENDATION_EXISTS)
    commendation = Commendation.objects.create(
        government_id=government_id,
        title=require_text(title, codes.TEXT_REQUIRED, "title")[:200],
        year=year,
        unit=unit,
        person=person.strip()[:50],
        proposed_by=actor,
    )
    _record(
        "commendation",
        commendation.pk,
        EventType.COMMENDATION_PROPOSED,
        actor,
        new={"unit": unit.pk, "person": commendation.person},
    )
    return commendation


@transaction.atomic
def commendation_vet(*, actor: User, commendation_id: int) -> Commendation:
    """The office vets a candidate: cleared, or vetoed naming the sanction (一票否决). Refused with
    `commendation_vetoed` — the candidate is marked vetoed either way."""
    government_id = _office(actor)
    commendation = _locked(Commendation, commendation_id, government_id)
    if commendation.status != CommendationStatus.PROPOSED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This candidate has been vetted already."))
    veto = veto_for(government_id, commendation.unit_id, commendation.person, commendation.year)
    commendation.decided_by, commendation.decided_at = actor, timezone.now()
    commendation.vetoing_sanction = veto
    commendation.status = CommendationStatus.VETOED if veto else CommendationStatus.CLEARED
    commendation.save()
    _record(
        "commendation",
        commendation.pk,
        EventType.COMMENDATION_VETOED if veto else EventType.COMMENDATION_CLEARED,
        actor,
        new={"sanction": veto.pk if veto else None},
    )
    return commendation


@transaction.atomic
def commendation_override(*, actor: User, commendation_id: int, reason: str) -> Commendation:
    """Only a leader clears a vetoed candidate, with the reason recorded."""
    government_id = _leader(actor)
    commendation = _locked(Commendation, commendation_id, government_id)
    if commendation.status != CommendationStatus.VETOED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("Only a vetoed candidate is overridden."))
    commendation.override_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
    commendation.status = CommendationStatus.OVERRIDDEN
    commendation.decided_by, commendation.decided_at = actor, timezone.now()
    commendation.save()
    _record(
        "commendation",
        commendation.pk,
        EventType.COMMENDATION_OVERRIDDEN,
        actor,
        comment=commendation.override_reason,
    )
    return commendation


def commendation_check(*, government_id: int, unit_id: int, person: str, year: int) -> None:
    """Refuse (409 commendation_vetoed, naming the sanction) a unit or person sanctioned in the year."""
    veto = veto_for(government_id, unit_id, person, year)
    if veto is not None:
        raise InvalidState(
            codes.COMMENDATION_VETOED,
            _("Vetoed: %(unit)s has a %(tier)s in force since %(day)s (sanction %(id)s).")
            % {
                "unit": veto.unit.name + (f"（{veto.person}）" if veto.person else ""),
                "tier": veto.get_tier_display(),
                "day": timezone.localdate(veto.effective_at).isoformat() if veto.effective_at else "",
                "id": veto.pk,
            },
        )


# --- bulletins ------------------------------------------------------------------------------------------------------


@transaction.atomic
def bulletin_draft(*, actor: User, kind: str, year: int, quarter: int = 0) -> Bulletin:
    """A bulletin drafted from the facts of the period — who delivered, who is late and by how much, the ranking —
    which the office then edits (bulletins.py writes the text)."""
    from ducha.accountability.bulletins import draft_text

    government_id = _office(actor)
    if kind not in BulletinKind.values:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"kind": BulletinKind.values})
    title, text, evidence, named = draft_text(government_id, kind, year, quarter)
    bulletin = Bulletin.objects.create(
        government_id=government_id,
        kind=kind,
        title=title,
        text=text,
        year=year,
        quarter=quarter,
        evidence=evidence,
        created_by=actor,
    )
    BulletinUnit.objects.bulk_create(
        BulletinUnit(bulletin=bulletin, unit_id=unit_id, role=role) for unit_id, role in named
    )
    _record(
        "bulletin",
        bulletin.pk,
        EventType.BULLETIN_DRAFTED,
        actor,
        new={"kind": kind, "year": year, "quarter": quarter},
    )
    return bulletin


@transaction.atomic
def bulletin_update(
    *,
    actor: User,
    bulletin_id: int,
    title: str,
    text: str,
    named: list[tuple[object, str]] | None = None,
    fixes_due: dt.date | None = None,
) -> Bulletin:
    """The office edits the draft: title, text, the units named (praised or criticised), the causes-and-fixes due
    date for the criticised."""
    government_id = _office(actor)
    bulletin = _locked(Bulletin, bulletin_id, government_id)
    if bulletin.status != BulletinStatus.DRAFT:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("Only a draft bulletin is edited."))
    bulletin.title = require_text(title, codes.TEXT_REQUIRED, "title")[:200]
    bulletin.text = require_text(text, codes.TEXT_REQUIRED, "text")
    if fixes_due is not None and fixes_due <= timezone.localdate():
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={"fixes_due": _("The causes and fixes are due after today.")}
        )
    bulletin.fixes_due = fixes_due
    if named is not None:
        rows = []
        for unit_id, role in named:
            if role not in BulletinRole.values:
                raise ValidationFailed(codes.INVALID_INPUT, fields={"role": BulletinRole.values})
            rows.append(BulletinUnit(bulletin=bulletin, unit=_unit_of(government_id, unit_id), role=role))
        BulletinUnit.objects.filter(bulletin=bulletin).delete()
        BulletinUnit.objects.bulk_create(rows)
    bulletin.save()
    _record("bulletin", bulletin.pk, EventType.BULLETIN_EDITED, actor)
    return bulletin


@transaction.atomic
def bulletin_submit(*, actor: User, bulletin_id: int) -> Bulletin:
    government_id = _office(actor)
    bulletin = _locked(Bulletin, bulletin_id, government_id)
    if bulletin.status != BulletinStatus.DRAFT:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("Only a draft bulletin is submitted."))
    if bulletin.units.filter(role=BulletinRole.CRITICISED).exists() and bulletin.fixes_due is None:
        raise ValidationFailed(
            codes.BULLETIN_FIXES_DUE_REQUIRED,
            fields={"fixes_due": _("Set when the criticised units report their causes and fixes.")},
        )
    bulletin.status = BulletinStatus.PENDING_APPROVAL
    bulletin.save(update_fields=["status", "updated_at"])
    _record("bulletin", bulletin.pk, EventType.BULLETIN_SUBMITTED, actor)
    return bulletin


@transaction.atomic
def bulletin_approve(*, actor: User, bulletin_id: int, approve: bool = True, comment: str = "") -> Bulletin:
    government_id = _leader(actor)
    bulletin = _locked(Bulletin, bulletin_id, government_id)
    if bulletin.status != BulletinStatus.PENDING_APPROVAL:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This bulletin is not waiting for approval."))
    if approve:
        bulletin.status = BulletinStatus.APPROVED
        bulletin.approved_by, bulletin.approved_at = actor, timezone.now()
    else:
        require_text(comment, codes.REASON_REQUIRED, "comment")
        bulletin.status = BulletinStatus.DRAFT
    bulletin.save()
    _record(
        "bulletin",
        bulletin.pk,
        EventType.BULLETIN_APPROVED if approve else EventType.BULLETIN_RETURNED,
        actor,
        comment=comment.strip(),
    )
    return bulletin


@transaction.atomic
def bulletin_issue(
    *, actor: User, bulletin_id: int, contact_name: str = "", contact_phone: str = ""
) -> Bulletin:
    """Issued as the office's numbered 公文 (督查通报); each criticised unit is asked for its causes and fixes by the
    due date — an item of its own (approved with the bulletin by the same leader), chased like any other."""
    from ducha.accountability.bulletins import fixes_items_create, issue_document

    government_id = _office(actor)
    bulletin = _locked(Bulletin, bulletin_id, government_id)
    if bulletin.status != BulletinStatus.APPROVED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("Only an approved bulletin is issued."))
    document = issue_document(actor, bulletin, contact_name=contact_name, contact_phone=contact_phone)
    bulletin.number = document.number
    bulletin.status = BulletinStatus.ISSUED
    bulletin.issued_at = timezone.now()
    bulletin.save()
    fixes_items_create(actor, bulletin)
    _record(
        "bulletin",
        bulletin.pk,
        EventType.BULLETIN_ISSUED,
        actor,
        new={"number": bulletin.number, "document": document.pk},
    )
    return bulletin


@transaction.atomic
def bulletin_publish(*, actor: User, bulletin_id: int) -> Bulletin:
    """An issued bulletin is published for the public (the public site shows only what is published)."""
    government_id = _office(actor)
    bulletin = _locked(Bulletin, bulletin_id, government_id)
    if bulletin.status != BulletinStatus.ISSUED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("Only an issued bulletin is published."))
    bulletin.published = True
    bulletin.save(update_fields=["published", "updated_at"])
    _record("bulletin", bulletin.pk, EventType.BULLETIN_PUBLISHED, actor)
    return bulletin
