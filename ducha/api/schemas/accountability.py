"""The accountability ladder and the use of results: the triggers' settings and the facts the office records, the
proposals the triggers make, the sanctions with their referrals and follow-up, the bulletins (督查通报) and the
commendations with the one-vote veto."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from ducha.api.schemas.common import Id, UnitRef, UserRef

# A year the API accepts (a query parameter or a field): no database overflow, no year the records cannot hold.
Year = Annotated[int, Field(ge=2000, le=2100)]

# --- triggers and facts -------------------------------------------------------------------------------------------


class AccountabilityTriggerOut(Schema):
    rule: str
    tier: str
    label: str
    basis: str = Field(..., description="办法原文")
    enabled: bool
    params: dict[str, int] = Field(..., description="生效的参数（本级设置覆盖默认值）")
    defaults: dict[str, int]


class AccountabilityTriggerIn(Schema):
    rule: str
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict, description="参数名 → 1-100 的整数")


class AccountabilityFactOut(Schema):
    id: int
    unit: UnitRef
    person: str
    kind: str
    kind_display: str
    occurred_on: dt.date
    description: str
    item: int | None
    listed_by: str
    recorded_by: UserRef | None
    created_at: dt.datetime


class AccountabilityFactIn(Schema):
    unit: Id
    kind: str = Field(..., description="meeting_irregular、meeting_absent、false_reporting、listed 等")
    occurred_on: dt.date
    description: str = ""
    person: str = Field("", max_length=50)
    item: Id | None = None
    listed_by: str = Field("", max_length=50, description="挂牌督办的单位（省、市、县）")


# --- proposals ----------------------------------------------------------------------------------------------------


class AccountabilityProposalOut(Schema):
    id: int
    unit: UnitRef
    person: str
    tier: str = Field(
        ..., description="written_examination、criticism、media_exposure、warning_talk、accountability"
    )
    tier_display: str
    rule: str
    rule_label: str
    basis: str
    year: int
    facts: list[dict[str, Any]]
    status: str
    reason: str
    decided_at: dt.datetime | None
    sanction: int | None = Field(..., description="采纳后决定的问责记录")
    escalated_from: int | None = Field(..., description="跟踪未改进而升级时的原问责记录")
    created_at: dt.datetime


class AccountabilityProposalPage(Schema):
    rows: list[AccountabilityProposalOut]
    next: int | None = Field(..., description="下一页：作为 cursor 传回")


class AccountabilityRunIn(Schema):
    year: Year


class AccountabilityRunOut(Schema):
    new: int = Field(..., description="本次新增的建议数")


class AccountabilityDecideIn(Schema):
    accept: bool
    reason: str = ""
    person: str = Field("", max_length=50, description="责任人（不填沿用建议中的）")
    follow_up_due: dt.date | None = None


# --- sanctions and referrals --------------------------------------------------------------------------------------


class SanctionOut(Schema):
    id: int
    unit: UnitRef
    person: str
    tier: str
    tier_display: str
    status: str
    status_display: str
    basis: str
    facts: list[dict[str, Any]]
    proposal: int | None
    decided_by: UserRef | None
    approved_by: UserRef | None
    effective_at: dt.datetime | None
    follow_up_due: dt.date | None
    unit_response: str
    unit_responded_at: dt.datetime | None
    follow_up_note: str
    followed_up_at: dt.datetime | None
    publication: str
    created_at: dt.datetime


class SanctionReferralOut(Schema):
    id: int
    sanction: int
    body: str
    body_display: str
    body_name: str
    recommendation: str
    letter_number: str
    status: str
    sent_by: UserRef | None
    created_at: dt.datetime
    received_at: dt.datetime | None
    received_by_name: str
    decision: str
    decided_at: dt.datetime | None


class SanctionEscalationOut(Schema):
    id: int
    tier: str
    status: str


class SanctionDetailOut(SanctionOut):
    referrals: list[SanctionReferralOut]
    escalations: list[SanctionEscalationOut] = Field(..., description="跟踪未改进而提出的上一档建议")


class SanctionCreateIn(Schema):
    unit: Id
    tier: str
    basis: str = ""
    person: str = Field("", max_length=50)
    follow_up_due: dt.date | None = None


class SanctionApproveIn(Schema):
    approve: bool = True
    comment: str = ""


class SanctionRespondIn(Schema):
    text: str = ""


class SanctionFollowUpIn(Schema):
    improved: bool
    note: str = ""


class SanctionReferralIn(Schema):
    body: Literal["discipline", "organisation", "personnel"]
    body_name: str = Field("", max_length=100)
    recommendation: str = ""
    letter_number: str = Field("", max_length=64)


class SanctionReferralReceivedIn(Schema):
    received_by_name: str = Field("", max_length=50)


class SanctionReferralDecidedIn(Schema):
    decision: str = ""


# --- bulletins ----------------------------------------------------------------------------------------------------


class BulletinOut(Schema):
    id: int
    kind: str
    title: str
    text: str
    year: int
    quarter: int
    status: str
    status_display: str
    number: str
    fixes_due: dt.date | None
    published: bool
    created_by: UserRef | None
    created_at: dt.datetime
    approved_by: UserRef | None
    approved_at: dt.datetime | None
    issued_at: dt.datetime | None


class BulletinFixesItemOut(Schema):
    id: int
    number: str
    status: str
    due_date: dt.date | None


class BulletinNamedOut(Schema):
    unit: UnitRef
    role: str
    fixes_item: BulletinFixesItemOut | None = Field(..., description="被批评单位的原因和整改措施事项")


class BulletinDetailOut(BulletinOut):
    evidence: dict[str, Any] = Field(..., description="起草依据（督查室、领导可见）")
    named: list[BulletinNamedOut]


class BulletinDraftIn(Schema):
    kind: Literal["praise", "criticism", "situation"]
    year: Year
    quarter: int = Field(0, ge=0, le=4, description="1-4；0 表示全年")


class BulletinNamedIn(Schema):
    unit: Id
    role: Literal["praised", "criticised"]


class BulletinUpdateIn(Schema):
    title: str = Field("", max_length=200)
    text: str = ""
    named: list[BulletinNamedIn] | None = Field(None, description="不填：点名单位不变")
    fixes_due: dt.date | None = None


class BulletinApproveIn(Schema):
    approve: bool = True
    comment: str = ""


class BulletinIssueIn(Schema):
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=50)


# --- commendations ------------------------------------------------------------------------------------------------


class CommendationSanctionOut(Schema):
    id: int
    unit: UnitRef
    person: str
    tier: str
    tier_display: str
    effective_at: dt.datetime | None


class CommendationOut(Schema):
    id: int
    title: str
    year: int
    unit: UnitRef
    person: str
    status: str
    status_display: str
    vetoing_sanction: CommendationSanctionOut | None = Field(..., description="一票否决所依据的问责记录")
    proposed_by: UserRef | None
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    override_reason: str
    created_at: dt.datetime


class CommendationIn(Schema):
    title: str = Field("", max_length=200)
    year: Year
    unit: Id
    person: str = Field("", max_length=50)


class CommendationCheckOut(Schema):
    ok: bool
