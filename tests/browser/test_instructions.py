"""A leader's 批示 on a unit's completion report, written in the browser and read by the unit on the item page."""

from __future__ import annotations

from playwright.sync_api import expect

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Instruction, Report, ReportKind
from tests.helpers import item_in


def test_a_leader_writes_an_instruction_on_a_report_and_the_unit_reads_it(page_for, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    report = Report.objects.get(item=item, kind=ReportKind.COMPLETION)

    leader = page_for("leader")
    leader.goto(f"/items/{item.pk}/")
    form = leader.locator("#instruction-form")
    expect(form).to_be_visible()
    form.locator("#id_instruction-report").select_option(str(report.pk))
    form.locator("#id_instruction-text").fill("请县发改局对照整改台账逐项销号，县督查室下周组织现场核验。")
    form.locator('[data-action="instruction"]').click()
    leader.wait_for_load_state()
    written = leader.locator(f'#instructions [data-report="{report.pk}"]')
    expect(written).to_contain_text("逐项销号")

    instruction = Instruction.objects.get(item=item)
    assert instruction.report_id == report.pk and instruction.author == world.user("leader")

    # the lead unit's handler sees it on the item page, tied to its report, and cannot write one
    fgw = page_for("fgw")
    fgw.goto(f"/items/{item.pk}/")
    expect(fgw.locator(f'#instructions [data-instruction="{instruction.pk}"]')).to_contain_text("逐项销号")
    expect(fgw.locator("#instruction-form")).to_have_count(0)
