"""Rectification (整改): the target's plan with its milestones, progress, evidence and report; the office's
verification and close."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from ducha.inspections import selectors, services
from ducha.inspections.models import EvidenceKind
from ducha.workbench.forms.inspections import (
    CommentForm,
    RectificationEvidenceForm,
    RectificationPlanForm,
    RectificationProgressForm,
    TextForm,
    VerificationForm,
)
from ducha.workbench.views.inspections.base import Action, record_act

RECTIFICATION_ACTIONS: dict[str, Action] = {
    "plan": Action(
        RectificationPlanForm,
        lambda d, pk, u: services.rectification_plan(
            rectification_id=pk,
            actor=u,
            plan=d["plan"],
            milestones=[services.MilestoneInput(title, day) for title, day in d["milestones"]],
        ),
    ),
    "progress": Action(
        RectificationProgressForm,
        lambda d, pk, u: services.rectification_progress(
            rectification_id=pk, actor=u, text=d["text"], milestone_id=d["milestone"]
        ),
    ),
    "evidence": Action(
        RectificationEvidenceForm,
        lambda d, pk, u: services.rectification_evidence_add(
            rectification_id=pk,
            actor=u,
            upload=d["file"],
            kind=d["kind"] or EvidenceKind.PHOTO,
            description=d["description"],
        ),
    ),
    "report": Action(
        TextForm, lambda d, pk, u: services.rectification_report(rectification_id=pk, actor=u, text=d["text"])
    ),
    "verify": Action(
        VerificationForm,
        lambda d, pk, u: services.rectification_verify(
            rectification_id=pk,
            actor=u,
            passed=d["passed"],
            note=d["note"],
            method=d["method"] or "on_site",
        ),
    ),
    "close": Action(
        CommentForm,
        lambda d, pk, u: services.rectification_close(rectification_id=pk, actor=u, comment=d["comment"]),
    ),
}


@login_required
@require_POST
def rectification_act(
    request: HttpRequest, inspection_id: int, rectification_id: int, action: str
) -> HttpResponse:
    return record_act(
        request,
        inspection_id,
        rectification_id,
        action,
        RECTIFICATION_ACTIONS,
        selectors.get_rectification_for_user,
        "rectification",
    )
