"""`ducha document_samples --out docs/documents`: a draft of every kind of document laid out from the demo county
(`ducha demo`), as .pdf and as a picture of page 1 (.png, poppler's pdftoppm) — the pictures kept under docs/ and
checked by eye. Nothing is kept in the database: drafts are never issued, and where the demo has no decided review
request for the 复核决定, one is decided in a transaction rolled back at the end."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ducha.common.errors import DomainError
from ducha.documents import pdf, services
from ducha.documents.kinds import KINDS
from ducha.inspections.models import AnnualPlan, Inspection, ReviewOutcome, ReviewRequest
from ducha.inspections.services import review_decide
from ducha.inspections.statuses import ReviewStatus
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.orgs.models import Role, User

CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}
INPUTS: dict[str, dict[str, str]] = {
    "supervision_notice": {**CONTACT, "copy_to": "县委办公室，县人大常委会办公室"},
    "chase_notice": CONTACT,
    "reminder_letter": CONTACT,
    "bulletin": {
        "title": "关于2026年第三季度重点工作督查情况的通报",
        "body": "一、总体情况\n第三季度共督办事项42件，按期办结38件，按期办结率90.5%。\n"
        "二、存在的问题\n（一）个别单位办理进度滞后。\n（二）部分办结报告内容空泛，佐证材料不足。\n"
        "三、下一步要求\n各单位要对照问题清单，逐项整改落实。",
    },
    "inspection_report": {
        "analysis": "一、总体情况\n被督查单位能够按照部署推进工作，但资金拨付、项目进度存在差距。",
        "causes": "（一）资金调度机制不健全。\n（二）责任分工不够明确。",
        "suggestions": "1.建立资金拨付周调度制度。\n2.明确责任领导和时限，纳入年度考核。",
    },
    "talk_notice": {
        "reason": "你单位在督查中发现的问题整改不力，经督促仍未按期完成。",
        "talk_at": "2026-12-10T09:30",
        "place": "县政府三楼会议室",
        "talker": "县政府分管副县长",
    },
    "rectification_notice": {},
    "review_decision": {},
    "annual_plan": {},
    "receipt": {},
}


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Lay out a draft of every kind of document from the demo county, as PDF and a picture of page 1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="docs/documents")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = pdf.pdf_unavailable()
        if reason:
            raise CommandError(reason)
        if shutil.which("pdftoppm") is None:
            raise CommandError("pdftoppm (poppler-utils) is not installed")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        office = User.objects.filter(role_grants__role=Role.OFFICE, unit__government__isnull=False).order_by(
            "id"
        )
        actor = office.first()
        if actor is None:
            raise CommandError("No office account: run `ducha demo` first.")
        try:
            with transaction.atomic():
                self._samples(actor, out)
                raise _Rollback
        except _Rollback:
            pass

    def _samples(self, actor: User, out: Path) -> None:
        for name, kind in KINDS.items():
            subject, extra = self._subject(name, actor)
            if subject is None:
                self.stdout.write(f"{name}: no subject in the demo data, skipped")
                continue
            try:
                made = services.document_draft(
                    kind=kind,
                    subject=subject,
                    actor=actor,
                    inputs={**CONTACT, **INPUTS.get(name, {}), **extra},
                )
            except DomainError as error:
                self.stdout.write(f"{name}: {error.message} {error.fields or ''}")
                continue
            (out / f"{name}.pdf").write_bytes(pdf.docx_to_pdf(made.docx))
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", f"{name}.pdf", name],
                cwd=out,
                check=True,
            )
            (out / f"{name}.pdf").unlink()
            self.stdout.write(f"{name}: {out / name}.png")

    def _subject(self, name: str, actor: User) -> tuple[Any, dict[str, str]]:
        government = actor.unit.government  # type: ignore[union-attr]
        subject_type = KINDS[name].subject_type
        if subject_type == "government":
            return government, {}
        if subject_type == "plan":
            return AnnualPlan.objects.filter(government=government).order_by("-year").first(), {}
        if subject_type == "item":
            statuses = (
                ItemStatus.running()
                if name in ("chase_notice", "reminder_letter")
                else [ItemStatus.IN_PROGRESS]
            )
            item = (
                Item.objects.filter(government=government, status__in=statuses, due_date__isnull=False)
                .order_by("due_date", "id")
                .first()
            )
            return item, {}
        inspections = Inspection.objects.filter(government=government).order_by("-id")
        if name == "review_decision":
            review = ReviewRequest.objects.filter(
                inspection__in=inspections, status=ReviewStatus.DECIDED
            ).first() or self._decide_one(inspections)
            return (review.inspection, {"review": str(review.pk)}) if review else (None, {})
        for inspection in inspections:
            if KINDS[name].unavailable(inspection) is None:
                target = inspection.targets.order_by("id").first()
                return inspection, {"target": str(target.unit_id)} if target else {}
        return None, {}

    def _decide_one(self, inspections: Any) -> ReviewRequest | None:
        """An assigned review request decided (upheld) by one of its reviewers, for the sample only."""
        review = ReviewRequest.objects.filter(
            inspection__in=inspections, status=ReviewStatus.ASSIGNED
        ).first()
        reviewer = review.reviewers.first() if review else None
        if review is None or reviewer is None:
            return None
        return review_decide(
            review_id=review.pk,
            actor=reviewer,
            outcome=ReviewOutcome.UPHELD,
            decision="经复核，原督查结论认定事实清楚，依据充分，予以维持。",
        )
