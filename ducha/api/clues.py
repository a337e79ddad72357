"""互联网+督查 over the API: thin endpoints over ducha.clues' services (the writes, each checking its actor) and
selectors (the reads, within the reader's government).

`/public/clues` — anyone submits a clue and reads its progress by the tracking code (no sign-in, no cookie);
`/clues/places` — the townships and villages the public form offers; `/clues/` — the office's, the leaders' and the
keeper's clue list with what the engine found; `/clues/cases/` — the cases (duplicate groups) and their triage:
accept, route as a supervision item, open a clue check, close, and the public answer with its review;
`/clues/{id}/move`, `/reject` — one clue put into another case or refused; `/clues/import` — a batch from an upper
platform or the 12345 hotline; `/clues/{id}/reporter` — the keeper's reveal of a reporter (every read logged);
`/clues/duties/{unit_id}` — a unit's duties the router reads.

No response but the keeper's reveal carries a reporter's name or phone: the lists show `reporter`, masked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.schemas import ErrorOut, ReasonIn, TextIn
from ducha.api.schemas.clues import (
    ClueAnswerOut,
    ClueCaseDetailOut,
    ClueCasePage,
    ClueCheckIn,
    ClueDetailOut,
    ClueDutiesOut,
    ClueImportIn,
    ClueImportOut,
    ClueMoveIn,
    CluePage,
    CluePlacesOut,
    CluePublicOut,
    ClueRejectIn,
    ClueReporterOut,
    ClueRoutedOut,
    ClueRouteIn,
    ClueSubmitIn,
    ClueSubmittedOut,
)
from ducha.api.schemas.common import Id
from ducha.api.shapes import unit_ref, user_ref
from ducha.clues import intake, selectors, services
from ducha.clues.models import Answer, Case, Clue, Place
from ducha.common import crypto
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted
from ducha.common.inputs import invalid
from ducha.orgs.models import Unit, UnitKind, UnitLevel, User
from ducha.orgs.selectors import government_of

router = Router(tags=["clues"])

PAGE_MAX = 100
# A public submission may also be refused for its rate (per sending address, or the channel in all).
LIMITED: dict[int, Any] = {**ERRORS, 429: ErrorOut}


def _government(user: User) -> Unit:
    """The reader's government, if they are its office, a leader or its keeper of identities."""
    if not selectors.may_view(user):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return government_of(user)


def _public_government(government_id: int) -> Unit:
    """A government that takes clues from the public: a county-level (or higher) people's government."""
    government = (
        Unit.objects.filter(pk=government_id, kind=UnitKind.GOVERNMENT, is_active=True)
        .exclude(level=UnitLevel.TOWNSHIP)
        .first()
    )
    if government is None:
        raise invalid(codes.INVALID_INPUT, "government_id")
    return government


# --- shapes -----------------------------------------------------------------------------------------------------


def _place_ref(place: Place | None) -> dict | None:
    return {"id": place.pk, "name": place.name} if place is not None else None


def _unit_names(clues: list[Clue]) -> dict[int, str]:
    """The names of every unit suggested for `clues`, in one query for the page."""
    ids = {entry["unit_id"] for clue in clues for entry in clue.suggested_units}
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _clue_out(clue: Clue, names: dict[int, str]) -> dict[str, Any]:
    case = clue.case
    return {
        "id": clue.pk,
        "code": clue.code,
        "channel": clue.channel,
        "source": clue.source,
        "source_ref": clue.source_ref,
        "submitted_at": clue.submitted_at,
        "category": clue.category,
        "text": clue.text,
        "township": unit_ref(clue.township),
        "place": _place_ref(clue.place),
        "status": clue.status,
        "case": (
            {"id": case.pk, "number": case.number, "status": case.status, "clue_count": case.clue_count}
            if case is not None
            else None
        ),
        "similar": [{"id": entry["id"], "score": entry["score"]} for entry in clue.similar],
        "suggested_units": [
            {"unit": {"id": entry["unit_id"], "name": names[entry["unit_id"]]}, "score": entry["score"]}
            for entry in sorted(clue.suggested_units, key=lambda entry: -entry["score"])
            if entry["unit_id"] in names
        ],
        "suggested_category": clue.suggested_category,
        "urgent": clue.urgent,
        "urgent_reasons": list(clue.urgent_reasons),
        "reporter": clue.reporter_masked,
    }


def _clues_out(clues: list[Clue]) -> list[dict[str, Any]]:
    names = _unit_names(clues)
    return [_clue_out(clue, names) for clue in clues]


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "category": case.category,
        "township": unit_ref(case.township),
        "place": _place_ref(case.place),
        "status": case.status,
        "urgent": case.urgent,
        "clue_count": case.clue_count,
        "first_at": case.first_at,
        "last_at": case.last_at,
        "unit": unit_ref(case.unit),
        "item": case.item_id,
        "inspection": case.inspection_id,
        "close_reason": case.close_reason,
        "decided_at": case.decided_at,
    }


def _answer_out(answer: Answer) -> dict[str, Any]:
    return {
        "id": answer.pk,
        "case": answer.case_id,
        "text": answer.text,
        "status": answer.status,
        "drafted_by": user_ref(answer.drafted_by),
        "reviewed_by": user_ref(answer.reviewed_by),
        "reviewed_at": answer.reviewed_at,
        "return_reason": answer.return_reason,
        "published_at": answer.published_at,
    }


def _page(rows: Any, after: int | None, limit: int) -> tuple[list[Any], int | None]:
    """Newest first by id; `after` is the last id of the page before."""
    if after is not None:
        rows = rows.filter(id__lt=after)
    limit = max(1, min(limit, PAGE_MAX))
    page = list(rows.order_by("-id")[: limit + 1])
    return page[:limit], (page[limit - 1].pk if len(page) > limit else None)


def _case_detail(government: Unit, case_id: int) -> dict[str, Any]:
    case = selectors.cases_for(government).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    clues = list(selectors.clues_for(government).filter(case=case).order_by("submitted_at", "id"))
    answers = case.answers.select_related("drafted_by", "reviewed_by").order_by("id")
    return {
        **_case_out(case),
        "clues": _clues_out(clues),
        "answers": [_answer_out(answer) for answer in answers],
    }


# --- the public channel -----------------------------------------------------------------------------------------


@router.post(
    "/public/clues", response={201: ClueSubmittedOut, **LIMITED}, auth=None, summary="提交线索（公众）"
)
def public_submit(request: HttpRequest, body: ClueSubmitIn) -> Any:
    """Anyone reports a problem to a government, anonymously or signed (a signed clue needs a name and a phone,
    which only the keeper of identities may read). No sign-in, so no cookie and no CSRF token either.

    The web form's picture code does not apply to the API (a client has no picture to show); its abuse
    protection is the same rate limits as the form's — per sending address (a keyed digest of the address, never
    the address itself) and for the channel in all — answered 429, and a source the office blocked is refused
    (403). Photos are the web form's; the API takes none. The answer is the tracking code the reporter checks
    progress with at `GET /public/clues/{code}`."""
    government = _public_government(body.government_id)
    clue = services.clue_submit(
        government=government,
        text=body.text,
        category=body.category,
        township_id=body.township_id,
        place_id=body.place_id,
        anonymous=body.anonymous,
        name=body.name,
        phone=body.phone,
        source_digest=crypto.digest(request.META.get("REMOTE_ADDR", "") or ""),
    )
    view = selectors.public_view(clue.code)
    assert view is not None
    return Status(
        201,
        {
            "code": clue.code,
            "submitted_at": clue.submitted_at,
            "progress": view.progress,
            "progress_label": view.progress_label,
        },
    )


@router.get(
    "/public/clues/{code}", response={200: CluePublicOut, **ERRORS}, auth=None, summary="按查询码查看线索进展"
)
def public_clue(request: HttpRequest, code: str) -> dict[str, Any]:
    """When and what kind, where, the progress, the published answer or the reason for closing — never the
    reporter, the text of other clues or who handles it inside."""
    view = selectors.public_view(code[:32])
    if view is None:
        raise NotFound(codes.CLUE_CODE_UNKNOWN)
    return {
        "code": view.code,
        "submitted_at": view.submitted_at,
        "category": view.category,
        "place": view.place,
        "progress": view.progress,
        "progress_label": view.progress_label,
        "answer": view.answer,
        "answered_at": view.answered_at,
        "reason": view.reason,
    }


@router.get("/clues/places", response={200: CluePlacesOut, **ERRORS}, auth=None, summary="乡镇和村（社区）")
def places(request: HttpRequest, government_id: Id) -> dict[str, Any]:
    """The government's townships with their villages and communities: what the public form offers."""
    government = _public_government(government_id)
    townships = intake.townships_of(government.pk)
    by_township: dict[int, list[dict[str, Any]]] = {unit.pk: [] for unit in townships}
    for place in Place.objects.filter(government=government, is_active=True).order_by("township_id", "id"):
        if place.township_id in by_township:
            by_township[place.township_id].append({"id": place.pk, "name": place.name, "kind": place.kind})
    return {
        "government": unit_ref(government),
        "townships": [
            {"id": unit.pk, "name": unit.name, "places": by_township[unit.pk]} for unit in townships
        ],
    }


# --- the office's lists -----------------------------------------------------------------------------------------


@router.get("/clues/", response={200: CluePage, **ERRORS}, summary="线索列表")
def clues(
    request: HttpRequest,
    status: str | None = None,
    channel: str | None = None,
    township_id: Id | None = None,
    urgent: bool | None = None,
    after: Id | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The government's clues, newest first, with the engine's findings and the reporter masked; keyset-paged
    (pass `next` back as `after`; at most 100 a page). `status` is the status of the clue's case. The office,
    the leaders and the keeper of identities only."""
    government = _government(actor(request))
    rows = selectors.clues_for(government)
    if status:
        rows = rows.filter(case__status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if township_id is not None:
        rows = rows.filter(township_id=township_id)
    if urgent is not None:
        rows = rows.exclude(urgent_reasons=[]) if urgent else rows.filter(urgent_reasons=[])
    page, following = _page(rows, after, limit)
    return {"rows": _clues_out(page), "next": following}


@router.post("/clues/import", response={200: ClueImportOut, **ERRORS}, summary="导入线索（上级平台、12345）")
def clues_import(request: HttpRequest, body: ClueImportIn) -> dict[str, int]:
    """A batch forwarded by an upper platform or the 12345 hotline (office). One bad row refuses the batch (400,
    the fields naming the rows); a row whose source and reference came before is skipped, so importing the same
    rows again creates nothing."""
    result = services.clues_import(actor=actor(request), rows=[row.model_dump() for row in body.rows])
    return {
        "created": len(result.created),
        "skipped": result.skipped,
        "cases": len({clue.case_id for clue in result.created if clue.case_id is not None}),
    }


@router.put("/clues/duties/{unit_id}", response={200: ClueDutiesOut, **ERRORS}, summary="设置单位职责")
def duties_set(request: HttpRequest, unit_id: Id, body: TextIn) -> dict[str, Any]:
    """A department's or township's duties (from its 三定 text), which the router suggests units by (office)."""
    duties = services.duties_set(unit_id=unit_id, actor=actor(request), text=body.text)
    return {"unit": unit_ref(duties.unit), "text": duties.text, "updated_at": duties.updated_at}


@router.get("/clues/cases/", response={200: ClueCasePage, **ERRORS}, summary="线索案件列表")
def cases(
    request: HttpRequest, status: str | None = None, after: Id | None = None, limit: int = 50
) -> dict[str, Any]:
    """The government's cases (one problem each, its reporters counted), newest first; keyset-paged like the
    clues."""
    rows = selectors.cases_for(_government(actor(request)))
    if status:
        rows = rows.filter(status=status)
    page, following = _page(rows, after, limit)
    return {"rows": [_case_out(case) for case in page], "next": following}


@router.get("/clues/cases/{case_id}", response={200: ClueCaseDetailOut, **ERRORS}, summary="线索案件详情")
def case(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    """The case with its clues (oldest first) and its answers."""
    return _case_detail(_government(actor(request)), case_id)


# --- triage -----------------------------------------------------------------------------------------------------


@router.post("/clues/cases/{case_id}/accept", response={200: ClueCaseDetailOut, **ERRORS}, summary="受理")
def case_accept(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    user = actor(request)
    services.case_accept(case_id=case_id, actor=user)
    return _case_detail(government_of(user), case_id)


@router.post(
    "/clues/cases/{case_id}/route", response={200: ClueRoutedOut, **ERRORS}, summary="交办为督查事项"
)
def case_route(request: HttpRequest, case_id: Id, body: ClueRouteIn) -> dict[str, int]:
    """The case becomes a supervision item led by the unit, submitted for the leader's approval; the reporters'
    identities never go with it."""
    item = services.case_route(
        case_id=case_id,
        actor=actor(request),
        unit_id=body.unit_id,
        title=body.title,
        requirements=body.requirements,
        due_date=body.due_date,
        deadline_workdays=body.deadline_workdays,
    )
    return {"item_id": item.pk}


@router.post("/clues/cases/{case_id}/check", response={200: ClueCaseDetailOut, **ERRORS}, summary="线索核查")
def case_check(request: HttpRequest, case_id: Id, body: ClueCheckIn) -> dict[str, Any]:
    """线索核查: an inspection of the unit, out of the annual plan, proposed for approval."""
    user = actor(request)
    services.case_check(
        case_id=case_id,
        actor=user,
        unit_id=body.unit_id,
        start_date=body.start_date,
        end_date=body.end_date,
        topic=body.topic,
    )
    return _case_detail(government_of(user), case_id)


@router.post(
    "/clues/cases/{case_id}/close", response={200: ClueCaseDetailOut, **ERRORS}, summary="办结（关闭）"
)
def case_close(request: HttpRequest, case_id: Id, body: ReasonIn) -> dict[str, Any]:
    """Closed with a reason the reporters read."""
    user = actor(request)
    services.case_close(case_id=case_id, actor=user, reason=body.reason)
    return _case_detail(government_of(user), case_id)


@router.post("/clues/cases/{case_id}/answer", response={200: ClueAnswerOut, **ERRORS}, summary="起草答复")
def answer_draft(request: HttpRequest, case_id: Id, body: TextIn) -> dict[str, Any]:
    """The office drafts (or edits its draft of) the public answer."""
    answer = services.answer_draft(case_id=case_id, actor=actor(request), text=body.text)
    return _answer_out(answer)


@router.post(
    "/clues/answers/{answer_id}/submit", response={200: ClueAnswerOut, **ERRORS}, summary="答复提交审核"
)
def answer_submit(request: HttpRequest, answer_id: Id) -> dict[str, Any]:
    return _answer_out(services.answer_submit(answer_id=answer_id, actor=actor(request)))


@router.post(
    "/clues/answers/{answer_id}/publish", response={200: ClueAnswerOut, **ERRORS}, summary="发布答复"
)
def answer_publish(request: HttpRequest, answer_id: Id) -> dict[str, Any]:
    """Another office user or a leader approves: published, the case answered, the reporters who left a phone
    told."""
    return _answer_out(services.answer_publish(answer_id=answer_id, actor=actor(request)))


@router.post("/clues/answers/{answer_id}/return", response={200: ClueAnswerOut, **ERRORS}, summary="退回答复")
def answer_return(request: HttpRequest, answer_id: Id, body: ReasonIn) -> dict[str, Any]:
    return _answer_out(services.answer_return(answer_id=answer_id, actor=actor(request), reason=body.reason))


# --- one clue -----------------------------------------------------------------------------------------------------


def _clue_detail(government: Unit, clue_id: int) -> dict[str, Any]:
    clue = selectors.clues_for(government).filter(pk=clue_id).first()
    if clue is None:
        raise NotFound()
    return {
        **_clues_out([clue])[0],
        "anonymous": clue.anonymous,
        "reject_reason": clue.reject_reason,
        "grouped_score": clue.grouped_score,
        "photos": clue.photos.count(),
    }


@router.get("/clues/{clue_id}", response={200: ClueDetailOut, **ERRORS}, summary="线索详情")
def clue(request: HttpRequest, clue_id: Id) -> dict[str, Any]:
    return _clue_detail(_government(actor(request)), clue_id)


@router.post("/clues/{clue_id}/move", response={200: ClueDetailOut, **ERRORS}, summary="调整线索归并")
def clue_move(request: HttpRequest, clue_id: Id, body: ClueMoveIn) -> dict[str, Any]:
    """Into another open case (`case_id`), or into a case of its own (`case_id` null); an audit event names both."""
    user = actor(request)
    services.clue_move(clue_id=clue_id, actor=user, case_id=body.case_id)
    return _clue_detail(government_of(user), clue_id)


@router.post("/clues/{clue_id}/reject", response={200: ClueDetailOut, **ERRORS}, summary="不予受理")
def clue_reject(request: HttpRequest, clue_id: Id, body: ClueRejectIn) -> dict[str, Any]:
    """With a reason the reporter reads; `block_days` also blocks the clue's sending address that long."""
    user = actor(request)
    services.clue_reject(clue_id=clue_id, actor=user, reason=body.reason, block_days=body.block_days)
    return _clue_detail(government_of(user), clue_id)


@router.post("/clues/{clue_id}/reporter", response={200: ClueReporterOut, **ERRORS}, summary="查看反映人身份")
def reporter(request: HttpRequest, clue_id: Id) -> dict[str, str]:
    """The reporter's name and phone: the keeper of identities only (403 `clue_identity_role` for anyone else);
    every call is an audit event naming who read which clue."""
    name, phone = services.reporter_reveal(clue_id=clue_id, actor=actor(request))
    return {"name": name, "phone": phone}
