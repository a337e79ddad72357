"""`ducha gendata_extras` (issue 19) on a small `ducha gendata` province: it writes each kind of row the pages
beside the items need, in the provincial office's scope, without creating or changing an item; `ducha bench_urls`
then fills every pattern that was skipped for want of rows; a second run adds nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from ducha.accountability.models import Bulletin, Commendation, Proposal, RecordedFact, Sanction
from ducha.clues.models import Brief, Case, Clue, CluePhoto
from ducha.devtools import bench_urls
from ducha.documents.models import Document, DocumentBatch
from ducha.evaluation.models import LedgerEntry, LedgerYear, PeriodReport, Score, ScoreRun
from ducha.inspections.models import (
    AnnualPlan,
    Conclusion,
    EvidenceUse,
    Finding,
    Inspection,
    Rectification,
    ResultProposal,
    ReviewRequest,
)
from ducha.items.models import Attachment, Item, SourceRecord
from ducha.orgs.models import User
from tests.clock import moment

# gendata vacuums its tables on PostgreSQL, which cannot run inside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

# The patterns skipped on the bench database before this step (2026-12-06), by name.
SKIPPED_BEFORE = {
    "item-attachment-download", "source-detail", "source-edit", "documents-list-inspection",
    "documents-form-inspection", "documents-preview-inspection", "documents-list-plan", "documents-form-plan",
    "documents-preview-plan", "document-docx", "document-pdf", "document-print", "document-correct",
    "document-batch", "document-batch-pdf", "document-batch-download", "evaluation-ledger", "evaluation-facts",
    "evaluation-report", "evaluation-report-xlsx", "public-track-code", "public-clue-sent",
    "accountability-sanction", "accountability-bulletin", "clues-brief", "clues-case", "clues-photo",
    "inspections:detail", "inspections:report", "inspections:evidence", "api-v1:source_record_detail",
    "api-v1:source_record_items", "api-v1:item_attachment_download", "api-v1:inspection_detail",
    "api-v1:inspection_actions", "api-v1:inspection_timeline", "api-v1:inspection_overlaps", "api-v1:finding_list",
    "api-v1:evidence_download", "api-v1:conclusion_list", "api-v1:review_list", "api-v1:inspection_rectifications",
    "api-v1:result_list", "api-v1:inspection_report", "api-v1:inspection_documents",
    "api-v1:inspection_document_docx", "api-v1:inspection_document_pdf", "api-v1:plan_document_docx",
    "api-v1:plan_document_pdf", "api-v1:document_docx", "api-v1:document_pdf", "api-v1:document_batch_pdf",
    "api-v1:document_batch", "api-v1:score_facts", "api-v1:ledger_year", "api-v1:ledger_entries",
    "api-v1:period_report_xlsx", "api-v1:period_report", "api-v1:sanction", "api-v1:bulletin",
    "api-v1:public_clue", "api-v1:case", "api-v1:clue",
}  # fmt: skip


def _items() -> list[tuple[object, ...]]:
    return list(
        Item.objects.order_by("id").values_list(
            "id", "status", "updated_at", "due_date", "progress_cycle", "number"
        )
    )


def test_the_extras_fill_the_office_s_province_and_every_skipped_pattern(capsys):
    with time_machine.travel(moment(2026, 11, 20, 10), tick=False):
        # given a small province of `ducha gendata`
        call_command("gendata", "--items", "400", "--cities", "1", "--counties-per-city", "2", "--years", "1")
        office = User.objects.select_related("unit__government").get(username__startswith="bench_office_")
        province = office.unit.government
        items_before = _items()
        capsys.readouterr()

        # when
        call_command("gendata_extras", "--counties", "2", "--inspections", "5", "--clues", "300")

        # then each kind of row is there, in the province
        out = capsys.readouterr().out
        assert "skipped=" not in out
        within = {"government__path__startswith": province.path}
        assert SourceRecord.objects.filter(government=province).count() == 12
        assert Attachment.objects.filter(original_name__startswith="bench-attachment-").count() == 5
        assert AnnualPlan.objects.filter(government=province, status="approved").count() == 1
        inspections = Inspection.objects.filter(government=province)
        # the plan's six accepted proposals become planned inspections; five more out of the plan, one per stage
        assert inspections.filter(in_plan=True).count() == 6
        assert inspections.filter(in_plan=False).count() == 5
        assert Finding.objects.filter(inspection__in=inspections).count() == 3
        assert EvidenceUse.objects.filter(inspection__in=inspections).count() == 3
        assert Conclusion.objects.filter(inspection__in=inspections, issued_at__isnull=False).count() == 2
        assert Rectification.objects.filter(conclusion__inspection__in=inspections).exists()
        assert ReviewRequest.objects.filter(inspection__in=inspections).count() == 1
        assert ResultProposal.objects.filter(inspection__in=inspections).count() == 1
        assert Document.objects.filter(government=province).count() == 6
        assert DocumentBatch.objects.filter(government=province).count() == 1
        assert Score.objects.filter(run__government=province).exists()
        assert LedgerYear.objects.filter(**within).count() == 2 + 1
        assert LedgerEntry.objects.filter(ledger_year__government__path__startswith=province.path).exists()
        assert PeriodReport.objects.filter(**within, status="submitted").count() == 2 + 1
        assert RecordedFact.objects.filter(**within).count() == 4 + 1
        assert Proposal.objects.filter(**within).exists()
        assert Sanction.objects.filter(**within).count() == 2 + 1
        assert Bulletin.objects.filter(**within, status="draft").count() == 2 + 1
        assert Commendation.objects.filter(**within).count() == 2 + 1
        assert Clue.objects.filter(**within).count() == 300 + 6  # filled up to 300, then the photos
        assert CluePhoto.objects.filter(clue__government__path__startswith=province.path).count() == 6 + 10
        assert Case.objects.filter(**within).exists()
        assert Brief.objects.filter(**within).count() == 2 + 1
        # the province's own rows, which its office's pages show
        assert LedgerYear.objects.filter(government=province).count() == 1
        assert PeriodReport.objects.filter(recipient=province, status="submitted").count() == 1
        assert Sanction.objects.filter(government=province).count() == 1  # one per city (one here)
        assert Bulletin.objects.filter(government=province).count() == 1
        assert CluePhoto.objects.filter(clue__government=province).count() == 10
        assert Brief.objects.filter(government=province).count() == 1
        # the last ended quarter's scores, this quarter's and the year's so far
        assert ScoreRun.objects.filter(government=province).count() == 3
        # and no item was created or changed
        assert _items() == items_before

        # the planner fills every pattern skipped before for want of rows
        planned = bench_urls.plan(bench_urls.office_user(office.username))
        skipped = {entry.name: entry.reason for entry in planned if entry.status == bench_urls.SKIPPED}
        assert {name: skipped[name] for name in SKIPPED_BEFORE if name in skipped} == {}
        measured = {entry.name for entry in planned if entry.status == bench_urls.MEASURED}
        assert measured >= SKIPPED_BEFORE

        # a second run adds nothing
        counts = (
            Inspection.objects.count(),
            Document.objects.count(),
            Clue.objects.count(),
            Sanction.objects.count(),
        )
        call_command("gendata_extras", "--counties", "2", "--inspections", "5", "--clues", "300")
        out = capsys.readouterr().out
        assert "skipped=source records,attachments,inspections,documents,scores,ledgers and reports," in out
        counts_after = (
            Inspection.objects.count(),
            Document.objects.count(),
            Clue.objects.count(),
            Sanction.objects.count(),
        )
        assert counts_after == counts
        assert _items() == items_before
