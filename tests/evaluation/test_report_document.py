"""The report to the level above as an official document: a kind of the government's documents whose text is
pre-filled from the latest approved report, issued with the office's number."""

import time_machine

from ducha.documents import services
from ducha.documents.kinds import KINDS
from ducha.documents.models import Document
from ducha.evaluation import reports
from tests.clock import moment
from tests.helpers import advance, make_item

KIND = KINDS["period_report"]
CONTACT = {"contact_name": "吴明", "contact_phone": "0931-1234567"}


def test_the_document_is_prefilled_from_the_approved_quarterly_report_and_issued_with_a_number(world):
    office, office2 = world.user("office"), world.user("office2")
    with time_machine.travel(moment(2026, 3, 2, 9), tick=False):
        advance(world, make_item(world, co_units=()), "assigned")
    with time_machine.travel(moment(2026, 4, 8, 9), tick=False):
        report = reports.report_generate(
            actor=office2, government_id=world.county.pk, kind="quarter", year=2026, number=1
        )
        reports.report_approve(actor=office, report_id=report.pk)
        made = services.document_draft(kind=KIND, subject=world.county, actor=office, inputs=CONTACT)
        values = KIND.defaults(world.county, services.profile_for(world.county))
        issued = services.document_issue(kind=KIND, subject=world.county, actor=office, inputs=CONTACT)

    assert values["title"].endswith("关于2026年第1季度督查工作情况的报告")
    assert values["recipients"] == "示范市督查室"
    assert report.summary in values["body"] and "交办事项：1" in values["body"]
    assert made.draft.title == values["title"] and made.docx.startswith(b"PK")
    assert issued.number.startswith("示范县督报〔2026〕")
    assert Document.objects.filter(kind="period_report").count() == 1


def test_before_any_approved_report_the_office_writes_the_text_itself(world):
    values = KIND.defaults(world.county, services.profile_for(world.county))
    assert values["body"] == "" and "督查工作情况的报告" in values["title"]
