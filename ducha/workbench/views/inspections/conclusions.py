"""After fieldwork: conclusions (drafted, approved, issued, acknowledged or objected to), the review of an
objection, proposed results for units and their decision, and the close (or withdrawal) of the inspection."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from ducha.inspections import selectors, services
from ducha.workbench.forms.inspections import (
    CommentForm,
    ConclusionDraftForm,
    ConclusionUpdateForm,
    DecisionForm,
    EmptyForm,
    ObjectionForm,
    ReasonForm,
    ResultProposeForm,
    ReviewDecideForm,
    ReviewersForm,
)
from ducha.workbench.views.inspections.base import Action, record_act, simple

# Actions on the inspection itself (inspections:act).
CLOSING_ACTIONS: dict[str, Action] = {
    "conclusion_draft": Action(
        ConclusionDraftForm,
        simple(
            services.conclusion_draft,
            target_id=lambda d: d["target"] or 0,
            facts=lambda d: d["facts"],
            judgement=lambda d: d["judgement"],
            evidence_summary=lambda d: d["evidence_summary"],
        ),
    ),
    "result_propose": Action(
        ResultProposeForm,
        simple(
            services.result_propose,
            unit_id=lambda d: d["unit"] or 0,
            kind=lambda d: d["kind"],
            reason=lambda d: d["reason"],
            referred_to=lambda d: d["referred_to"],
        ),
    ),
    "close": Action(CommentForm, simple(services.inspection_close, comment=lambda d: d["comment"])),
    "cancel": Action(ReasonForm, simple(services.inspection_cancel, reason=lambda d: d["reason"])),
}

CONCLUSION_ACTIONS: dict[str, Action] = {
    "submit": Action(EmptyForm, lambda d, pk, u: services.conclusion_submit(conclusion_id=pk, actor=u)),
    "approve": Action(
        CommentForm,
        lambda d, pk, u: services.conclusion_approve(conclusion_id=pk, actor=u, comment=d["comment"]),
    ),
    "return": Action(
        ReasonForm,
        lambda d, pk, u: services.conclusion_return(conclusion_id=pk, actor=u, reason=d["reason"]),
    ),
    "issue": Action(EmptyForm, lambda d, pk, u: services.conclusion_issue(conclusion_id=pk, actor=u)),
    "acknowledge": Action(
        EmptyForm, lambda d, pk, u: services.conclusion_acknowledge(conclusion_id=pk, actor=u)
    ),
    "object": Action(
        ObjectionForm,
        lambda d, pk, u: services.conclusion_object(
            conclusion_id=pk, actor=u, reasons=d["reasons"], uploads=d["files"]
        ),
    ),
    "update": Action(
        ConclusionUpdateForm,
        lambda d, pk, u: services.conclusion_update(
            conclusion_id=pk, actor=u, facts=d["facts"], judgement=d["judgement"]
        ),
    ),
}

REVIEW_ACTIONS: dict[str, Action] = {
    "reviewers": Action(
        ReviewersForm,
        lambda d, pk, u: services.review_reviewers_assign(review_id=pk, actor=u, reviewer_ids=d["reviewers"]),
    ),
    "decide": Action(
        ReviewDecideForm,
        lambda d, pk, u: services.review_decide(
            review_id=pk,
            actor=u,
            outcome=d["outcome"],
            decision=d["decision"],
            revised_judgement=d["revised_judgement"],
        ),
    ),
}

RESULT_ACTIONS: dict[str, Action] = {
    "decide": Action(
        DecisionForm,
        lambda d, pk, u: services.result_decide(
            proposal_id=pk, actor=u, approve=d["approve"], comment=d["comment"]
        ),
    ),
}


@login_required
@require_POST
def conclusion_act(request: HttpRequest, inspection_id: int, conclusion_id: int, action: str) -> HttpResponse:
    return record_act(
        request,
        inspection_id,
        conclusion_id,
        action,
        CONCLUSION_ACTIONS,
        selectors.get_conclusion_for_user,
        "conclusion",
    )


@login_required
@require_POST
def review_act(request: HttpRequest, inspection_id: int, review_id: int, action: str) -> HttpResponse:
    return record_act(
        request, inspection_id, review_id, action, REVIEW_ACTIONS, selectors.get_review_for_user, "review"
    )


@login_required
@require_POST
def result_act(request: HttpRequest, inspection_id: int, proposal_id: int) -> HttpResponse:
    return record_act(
        request,
        inspection_id,
        proposal_id,
        "decide",
        RESULT_ACTIONS,
        selectors.get_result_proposal_for_user,
        "result",
    )
