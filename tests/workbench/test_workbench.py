"""The web workbench: the to-do list per role, one-click signing and three-click progress from it, the item page
with exactly the actions open to the user (each posting to its service, refusals shown beside the form with
nothing changed), the create and edit form with its live deadline preview, attachments, and scope (404).

Assertions rest on structure (ids, data attributes, URLs) and on the database, not on new Chinese wording."""

from __future__ import annotations

import datetime
import re

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import Event, EventType
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    Dispute,
    DisputeStatus,
    ExtensionStatus,
    Item,
    Milestone,
    Report,
    ReportStatus,
)
from ducha.orgs.models import Role
from ducha.orgs.services import user_create
from ducha.workbench import fragments
from ducha.workcalendar.services import add_workdays, package_year_range, workdays_between
from tests.helpers import advance, item_in, make_item

# --- helpers -----------------------------------------------------------------------------------------------------


def todo_sections(response) -> dict[str, list[int]]:
    return {section.key: [row.item.pk for row in section.rows] for section in response.context["sections"]}


def act(client, item, action, headers=None, **fields):
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/items/{item.pk}/act/{action}/", data, headers=headers or {})


def snapshot(item):
    return (
        Item.objects.values().get(pk=item.pk),
        list(Assignment.objects.filter(item=item).values().order_by("id")),
        Event.objects.filter(subject_type="item", subject_id=item.pk).count(),
        Report.objects.filter(item=item).count(),
    )


def status_of(item) -> str:
    return Item.objects.values_list("status", flat=True).get(pk=item.pk)


def set_due(item, due: datetime.date, warn: datetime.date) -> None:
    Item.objects.filter(pk=item.pk).update(due_date=due, warn_date=warn)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


HX = {"HX-Request": "true"}


# --- the to-do list, per role ------------------------------------------------------------------------------------


def test_leader_sees_what_waits_for_the_leader(browser, world, today):
    office, fgw = world.user("office"), world.user("fgw")
    pending = item_in(world, ItemStatus.PENDING_APPROVAL)
    accepted = item_in(world, ItemStatus.ACCEPTED)
    endorsed = item_in(world, ItemStatus.IN_PROGRESS, approval_basis="head_instruction")
    services.item_extension_request(
        item_id=endorsed.pk, actor=fgw, reason="工程量大", proposed_due_date=endorsed.due_date + days(10)
    )
    services.item_extension_decide(item_id=endorsed.pk, actor=office, grant=True)
    office_decides = item_in(world, ItemStatus.IN_PROGRESS, approval_basis="head_instruction")
    services.item_extension_request(
        item_id=office_decides.pk,
        actor=fgw,
        reason="工程量大",
        proposed_due_date=office_decides.due_date + days(5),
    )
    withdrawing = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_cancel(item_id=withdrawing.pk, actor=office, reason="上级已统一部署")
    disputed = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_dispute_escalate(item_id=disputed.pk, actor=fgw, description="教育局不配合")
    services.item_dispute_coordinate(item_id=disputed.pk, actor=office, coordination="已协调")
    item_in(world, ItemStatus.IN_PROGRESS)  # nothing waits on the leader here

    sections = todo_sections(browser("leader").get("/"))

    assert sections == {
        "approval": [pending.pk],
        "close": [accepted.pk],
        "extension_leader": [endorsed.pk],
        "cancel": [withdrawing.pk],
        "dispute_rule": [disputed.pk],
        "consolidated": [],  # one waiting: tests/workbench/test_procedure_pages.py
    }


def test_office_sees_what_waits_for_the_office(browser, world, today):
    fgw, leader = world.user("fgw"), world.user("leader")
    draft = make_item(world)
    rejected = item_in(world, ItemStatus.REJECTED)
    registered = item_in(world, ItemStatus.REGISTERED)
    under_review = item_in(world, ItemStatus.UNDER_REVIEW)
    yellow = item_in(world, ItemStatus.IN_PROGRESS)
    set_due(yellow, today + days(1), today - days(1))
    red = item_in(world, ItemStatus.ASSIGNED)
    set_due(red, today - days(3), today - days(6))
    extension = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_extension_request(
        item_id=extension.pk, actor=fgw, reason="需协调用地", proposed_due_date=extension.due_date + days(7)
    )
    dispute = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_dispute_escalate(item_id=dispute.pk, actor=fgw, description="分工不清")
    item_in(world, ItemStatus.CLOSED)
    assert leader  # the leader's sections are not the office's

    sections = todo_sections(browser("office").get("/"))

    assert sections == {
        "review": [under_review.pk],
        "assign": [registered.pk],
        "due_soon": [yellow.pk],
        "overdue": [red.pk],
        "extension_office": [extension.pk],
        "dispute_coordinate": [dispute.pk],
        "rejected": [rejected.pk],
        "drafts": [draft.pk],
    }


def test_unit_handler_sections_are_disjoint_and_exact(browser, world, today):
    fgw, fgw_head = world.user("fgw"), world.user("fgw_head")
    to_sign = item_in(world, ItemStatus.ASSIGNED)
    in_hand = item_in(world, ItemStatus.IN_PROGRESS)
    due_soon = item_in(world, ItemStatus.IN_PROGRESS)
    set_due(due_soon, today + days(2), today)
    overdue = item_in(world, ItemStatus.IN_PROGRESS)
    set_due(overdue, today - days(1), today - days(4))
    returned = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_report(item_id=returned.pk, actor=fgw, text="已完成。")
    services.item_report_return(item_id=returned.pk, actor=fgw_head, reason="材料不全")
    waiting_for_head = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_report(item_id=waiting_for_head.pk, actor=fgw, text="已完成。")
    item_in(world, ItemStatus.UNDER_REVIEW)
    services.item_create(
        actor=world.user("office"),
        title="住建局的事项",
        source_type="other",
        lead_unit_id=world.departments["zjj"].pk,
    )

    sections = todo_sections(browser("fgw").get("/"))

    assert sections == {
        "sign": [to_sign.pk],
        "returned": [returned.pk],
        "report_due": [due_soon.pk, overdue.pk][::-1],  # earliest due date first
        "in_hand": [in_hand.pk],
        "delegated": [],
    }


def test_co_unit_signs_even_after_the_lead_did(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)  # fgw (lead) signed; jyj (co) has not

    sections = todo_sections(browser("jyj").get("/"))

    assert sections["sign"] == [item.pk]
    assert sections["in_hand"] == []


def test_item_returned_by_the_office_is_back_on_the_units_list(browser, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    services.item_review(
        item_id=item.pk, actor=world.user("office"), decision="return", opinion="佐证材料不足"
    )

    sections = todo_sections(browser("fgw").get("/"))

    assert sections["returned"] == [item.pk]
    assert sections["in_hand"] == []


def test_unit_head_checks_completion_reports(browser, world):
    fgw = world.user("fgw")
    pending = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_report(item_id=pending.pk, actor=fgw, text="已完成。")
    item_in(world, ItemStatus.IN_PROGRESS)

    sections = todo_sections(browser("fgw_head").get("/"))

    assert sections["head_check"] == [pending.pk]
    # the head is a member of the unit too: the unit's own sections are there
    assert {"sign", "returned", "report_due", "in_hand", "delegated"} <= set(sections)
    assert todo_sections(browser("jyj_head").get("/"))["head_check"] == []


def test_delegating_unit_sees_its_child_items_to_review_and_close(browser, world):
    parent = item_in(world, ItemStatus.IN_PROGRESS)
    cgz = world.townships["cgz"]
    child = services.item_delegate(item_id=parent.pk, actor=world.user("fgw"), unit_id=cgz.pk)
    services.item_sign(item_id=child.pk, actor=world.user("cgz"))
    services.item_report(item_id=child.pk, actor=world.user("cgz"), text="已完成。")
    services.item_report_approve(item_id=child.pk, actor=world.user("cgz_head"))

    assert todo_sections(browser("fgw").get("/"))["delegated"] == [child.pk]
    services.item_review(
        item_id=child.pk,
        actor=world.user("fgw"),
        decision="accept",
        opinion="同意",
        task_completed=True,
        problem_solved=True,
        conclusion_appropriate=True,
        lawful_compliant=True,
    )
    assert todo_sections(browser("fgw").get("/"))["delegated"] == []  # closing is the head's
    assert todo_sections(browser("fgw_head").get("/"))["delegated"] == [child.pk]


def test_a_user_with_several_roles_sees_every_section_that_applies(client, world):
    user_create(
        username="both",
        password=DEMO_PASSWORD,
        unit=world.supervision_office,
        roles=[Role.OFFICE, Role.LEADER],
        full_name="兼任",
    )
    pending = item_in(world, ItemStatus.PENDING_APPROVAL)
    registered = item_in(world, ItemStatus.REGISTERED)
    assert client.login(username="both", password=DEMO_PASSWORD)

    sections = todo_sections(client.get("/"))

    assert sections["approval"] == [pending.pk]
    assert sections["assign"] == [registered.pk]


def test_rows_show_number_lead_unit_due_date_light_and_working_days_left(browser, world, today):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    set_due(item, today - days(7), today - days(10))

    response = browser("fgw").get("/")
    row = next(
        row for section in response.context["sections"] for row in section.rows if row.item.pk == item.pk
    )
    html = response.content.decode()

    assert row.light == "red" and row.days_left == workdays_between(today, today - days(7)) < 0
    assert row.lead_unit == "发改局"
    fragment = html[html.index(f'id="todo-report_due-{item.pk}"') :]
    assert item.number in fragment and (today - days(7)).isoformat() in fragment
    assert (
        'data-light="red"' in fragment and "逾期（红灯）" in fragment
    )  # the light in words, not colour alone
    assert f'data-days="{row.days_left}"' in fragment


def test_sections_are_bounded_and_counted_up_to_a_cap(browser, world, monkeypatch):
    from ducha.workbench import todo

    monkeypatch.setattr(todo, "SECTION_LIMIT", 2)
    monkeypatch.setattr(todo, "COUNT_CAP", 3)
    for _ in range(3):
        make_item(world)

    section = next(s for s in browser("office").get("/").context["sections"] if s.key == "drafts")
    assert (len(section.rows), section.total, section.is_capped) == (2, 3, False)

    make_item(world)
    section = next(s for s in browser("office").get("/").context["sections"] if s.key == "drafts")
    assert (len(section.rows), section.total_display, section.is_capped) == (2, "3+", True)


def test_todo_page_query_count_does_not_grow_with_items(browser, world):
    def fill(n):
        for _ in range(n):
            item_in(world, ItemStatus.ASSIGNED)
            item_in(world, ItemStatus.IN_PROGRESS)
            item_in(world, ItemStatus.REGISTERED)
            make_item(world)

    for username in ("office", "fgw", "leader"):
        client = browser(username)
        fill(1)
        client.get("/")  # warm the calendar cache
        with CaptureQueriesContext(connection) as few:
            client.get("/")
        fill(4)
        with CaptureQueriesContext(connection) as many:
            client.get("/")
        assert len(many) == len(few), username


def test_item_page_query_count_does_not_grow_with_units_reports_and_events(browser, world):
    def busy_item(co_units):
        item = item_in(world, ItemStatus.IN_PROGRESS, co_units=co_units)
        for code in co_units:
            signer = world.user(code if code in world.users else f"{code}_liaison")
            services.item_sign(item_id=item.pk, actor=signer)
            services.item_progress(item_id=item.pk, actor=signer, text=f"{code}的进展")
        services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="牵头单位进展")
        return item

    small, large = busy_item(("jyj",)), busy_item(("jyj", "zjj", "czj"))
    for username in ("fgw", "office"):
        client = browser(username)
        client.get(f"/items/{small.pk}/")
        # Both read afresh: on PostgreSQL the item's record is otherwise kept in the cache (views/items/record.py;
        # a page served from it reads the same few rows whatever the item holds, test_item_record_cache.py).
        cache.clear()
        fragments.forget_local()
        with CaptureQueriesContext(connection) as few:
            client.get(f"/items/{small.pk}/")
        cache.clear()
        fragments.forget_local()
        with CaptureQueriesContext(connection) as many:
            client.get(f"/items/{large.pk}/")
        assert len(many) == len(few), username


# --- signing and reporting from the to-do list -------------------------------------------------------------------


def test_signing_from_the_todo_list_is_one_post(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("fgw")
    html = client.get("/").content.decode()
    assert f'action="/items/{item.pk}/act/sign/"' in html and 'data-action="sign"' in html

    response = client.post(
        f"/items/{item.pk}/act/sign/", {"context": "todo", "section": "sign", "return_to": "home"}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assignment = Assignment.objects.get(item=item, role=AssignmentRole.LEAD)
    assert assignment.status == AssignmentStatus.SIGNED and assignment.signed_by == world.user("fgw")
    assert status_of(item) == ItemStatus.IN_PROGRESS
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_SIGNED).count() == 1


def test_signing_with_htmx_returns_the_updated_row(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)

    response = browser("fgw").post(
        f"/items/{item.pk}/act/sign/", {"context": "todo", "section": "sign", "return_to": "home"}, headers=HX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<tbody") and "<html" not in html
    assert f'id="todo-sign-{item.pk}"' in html and 'data-done="sign"' in html
    assert 'data-action="sign"' not in html  # nothing left to sign
    assert f"/items/{item.pk}/todo-progress/" in html  # and the progress report is one click away
    assert status_of(item) == ItemStatus.IN_PROGRESS


def test_signing_twice_with_htmx_shows_the_refusal_in_the_row(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    before = snapshot(item)

    response = browser("fgw").post(
        f"/items/{item.pk}/act/sign/", {"context": "todo", "section": "sign"}, headers=HX
    )

    assert response.status_code == 409
    assert 'data-error-code="already_signed"' in response.content.decode()
    assert snapshot(item) == before


def test_progress_form_from_the_todo_list_is_prefilled_with_the_units_last_report(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="第一阶段：已完成摸底。")
    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="第二阶段：已开工。")
    client = browser("fgw")
    html = client.get("/").content.decode()
    assert f'hx-get="/items/{item.pk}/todo-progress/?section=in_hand"' in html  # click 1 opens the form

    form = client.get(f"/items/{item.pk}/todo-progress/?section=in_hand").content.decode()

    assert re.search(r"<textarea[^>]*name=\"progress-text\"[^>]*>第二阶段：已开工。</textarea>", form)
    assert f'hx-post="/items/{item.pk}/act/progress/"' in form  # click 2 submits it


def test_progress_posted_from_the_todo_list_with_htmx(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)

    response = browser("fgw").post(
        f"/items/{item.pk}/act/progress/",
        {"context": "todo", "section": "in_hand", "progress-text": "已召开推进会。"},
        headers=HX,
    )

    assert response.status_code == 200 and 'data-done="progress"' in response.content.decode()
    report = Report.objects.get(item=item)
    assert (report.kind, report.text, report.author) == ("progress", "已召开推进会。", world.user("fgw"))
    item.refresh_from_db()
    assert item.latest_progress == "已召开推进会。"


def test_empty_progress_from_the_todo_list_keeps_the_row_and_shows_the_error(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    before = snapshot(item)

    response = browser("fgw").post(
        f"/items/{item.pk}/act/progress/",
        {"context": "todo", "section": "in_hand", "progress-text": "   "},
        headers=HX,
    )

    assert response.status_code == 400 and "data-error-code=" in response.content.decode()
    assert snapshot(item) == before


# --- the item page ---------------------------------------------------------------------------------------------


def test_item_page_shows_every_part_of_the_item(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS, co_units=("jyj", "zjj"))
    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="牵头单位进展")
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    services.item_progress(item_id=item.pk, actor=world.user("jyj"), text="教育局进展")
    services.item_attachment_add(
        item_id=item.pk, actor=world.user("fgw"), upload=SimpleUploadedFile("方案.pdf", b"%PDF-1.4 x")
    )

    response = browser("fgw").get(f"/items/{item.pk}/")
    html = response.content.decode()

    assert 'id="item-status"' in html and 'data-status="in_progress"' in html
    assert item.number in html and item.content in html and item.source_reference in html
    for unit in ("县发展和改革局", "县教育局", "县住房和城乡建设局"):
        assert unit in html
    assert html.count('data-role="co"') == 2 and 'data-assignment-status="signed"' in html
    assert html.count('data-event="item_progress"') == 2 and 'data-event="item_signed"' in html
    attachment = Attachment.objects.get(item=item)
    assert f"/items/{item.pk}/attachments/{attachment.pk}/" in html
    assert [p.action for p in response.context["actions"]] == [
        "progress",
        "report",
        "extension_request",
        "delegate",
        "dispute_escalate",
    ]


def test_lead_sees_the_co_units_latest_progress_beside_its_own_form(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    services.item_progress(item_id=item.pk, actor=world.user("jyj"), text="教育局：旧的进展")
    services.item_progress(item_id=item.pk, actor=world.user("jyj"), text="教育局：最新进展")
    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="发改局：上次进展")

    response = browser("fgw").get(f"/items/{item.pk}/")
    html = response.content.decode()

    panel = html[html.index('id="action-progress"') :]
    panel = panel[: panel.index("</section>")]
    assert f'data-unit="{world.departments["jyj"].pk}"' in panel and "教育局：最新进展" in panel
    assert "教育局：旧的进展" not in panel
    assert re.search(
        r"<textarea[^>]*>\s*发改局：上次进展</textarea>", panel
    )  # pre-filled with the unit's own


def test_whole_lifecycle_through_the_action_endpoints(browser, world):
    item = make_item(world)
    steps = [
        ("office", "submit", {}, ItemStatus.PENDING_APPROVAL),
        ("leader", "approve", {"comment": "同意立项"}, ItemStatus.REGISTERED),
        ("office", "assign", {}, ItemStatus.ASSIGNED),
        ("fgw", "sign", {}, ItemStatus.IN_PROGRESS),
        ("jyj", "sign", {}, ItemStatus.IN_PROGRESS),
        ("jyj", "progress", {"text": "配合工作已完成", "is_final": "on"}, ItemStatus.IN_PROGRESS),
        ("fgw", "progress", {"text": "已完成70%"}, ItemStatus.IN_PROGRESS),
        ("fgw", "report", {"text": "已全部完成"}, ItemStatus.IN_PROGRESS),
        ("fgw_head", "report_return", {"reason": "缺少验收材料"}, ItemStatus.IN_PROGRESS),
        ("fgw", "report", {"text": "已全部完成，附验收材料"}, ItemStatus.IN_PROGRESS),
        ("fgw_head", "report_approve", {"comment": "属实"}, ItemStatus.UNDER_REVIEW),
        ("office", "review", {"decision": "return", "opinion": "群众满意度未说明"}, ItemStatus.IN_PROGRESS),
        ("fgw", "report", {"text": "补充满意度调查"}, ItemStatus.IN_PROGRESS),
        ("fgw_head", "report_approve", {}, ItemStatus.UNDER_REVIEW),
        (
            "office",
            "review",
            {
                "decision": "accept",
                "opinion": "同意办结",
                "task_completed": "on",
                "problem_solved": "on",
                "conclusion_appropriate": "on",
                "lawful_compliant": "on",
            },
            ItemStatus.ACCEPTED,
        ),
        ("leader", "close", {"comment": ""}, ItemStatus.CLOSED),
        ("office", "archive", {}, ItemStatus.ARCHIVED),
    ]
    for username, action, fields, expected in steps:
        client = browser(username)
        assert action in [p.action for p in client.get(f"/items/{item.pk}/").context["actions"]], action
        response = act(client, item, action, **fields)
        assert response.status_code == 302, (action, response.status_code)
        assert response["Location"] == f"/items/{item.pk}/#item-status"
        assert status_of(item) == expected, action
    assert (
        Assignment.objects.get(item=item, unit=world.departments["jyj"]).status == AssignmentStatus.REPORTED
    )
    review = item.reviews.get(decision="accept")
    assert (review.task_completed, review.lawful_compliant, review.opinion) == (True, True, "同意办结")


def test_reject_and_revise(browser, world):
    item = item_in(world, ItemStatus.PENDING_APPROVAL)

    assert act(browser("leader"), item, "reject", reason="依据不足").status_code == 302
    item.refresh_from_db()
    assert (item.status, item.rejection_reason) == (ItemStatus.REJECTED, "依据不足")
    assert act(browser("office"), item, "revise").status_code == 302
    assert status_of(item) == ItemStatus.DRAFT


def test_assign_with_working_days_override(browser, world, today):
    item = item_in(world, ItemStatus.REGISTERED)

    assert act(browser("office"), item, "assign", deadline_workdays="5").status_code == 302

    item.refresh_from_db()
    assert (item.status, item.deadline_workdays, item.due_date) == (
        ItemStatus.ASSIGNED,
        5,
        add_workdays(today, 5),
    )


def test_withdrawal_requested_refused_and_approved(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)

    act(browser("office"), item, "cancel", reason="任务调整")
    item.refresh_from_db()
    assert item.cancel_requested_by == world.user("office") and item.status == ItemStatus.IN_PROGRESS
    assert act(browser("leader"), item, "cancel_refuse", reason="继续办理").status_code == 302
    item.refresh_from_db()
    assert item.cancel_requested_by is None
    act(browser("office"), item, "cancel", reason="任务再次调整")
    assert act(browser("leader"), item, "cancel_approve", comment="同意").status_code == 302
    assert status_of(item) == ItemStatus.CANCELLED


def test_extension_requested_and_granted(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    proposed = item.due_date + days(10)

    response = act(
        browser("fgw"), item, "extension_request", reason="用地审批未完成", proposed_due_date=proposed
    )
    assert response.status_code == 302
    html = browser("office").get(f"/items/{item.pk}/").content.decode()
    assert 'id="action-extension_decide"' in html and proposed.isoformat() in html
    response = act(browser("office"), item, "extension_decide", decision="grant", comment="同意", due_date="")

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.due_date == proposed
    assert item.extensions.get().status == ExtensionStatus.GRANTED


def test_disagreement_escalated_coordinated_and_ruled(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)

    act(browser("fgw"), item, "dispute_escalate", description="协办单位不认可分工")
    act(browser("office"), item, "dispute_coordinate", coordination="召开协调会")
    act(browser("leader"), item, "dispute_rule", ruling="按原分工执行")

    dispute = Dispute.objects.get(item=item)
    assert (dispute.status, dispute.coordination, dispute.ruling) == (
        DisputeStatus.RULED,
        "召开协调会",
        "按原分工执行",
    )
    assert "按原分工执行" in browser("fgw").get(f"/items/{item.pk}/").content.decode()


def test_delegation_offers_only_units_below_and_lists_the_child(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    client = browser("fgw")
    form = next(p.form for p in client.get(f"/items/{item.pk}/").context["actions"] if p.action == "delegate")
    offered = {unit_id for _group, options in form.fields["unit"].choices[1:] for unit_id, _name in options}
    assert world.townships["cgz"].pk in offered
    assert world.departments["jyj"].pk not in offered and world.departments["fgw"].pk not in offered

    response = act(client, item, "delegate", unit=world.townships["cgz"].pk, title="城关镇负责部分")

    assert response.status_code == 302
    child = Item.objects.get(parent=item)
    assert child.title == "城关镇负责部分" and child.status == ItemStatus.ASSIGNED
    assert f'data-child="{child.pk}"' in client.get(f"/items/{item.pk}/").content.decode()


# --- refusals: the error beside the form, the input kept, nothing changed -------------------------------------------


def test_action_of_another_unit_is_refused_with_nothing_changed(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    before = snapshot(item)

    response = act(browser("jyj"), item, "report", text="协办单位想报办结")

    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-error-code="not_lead_unit"' in html
    assert re.search(
        r'<fieldset class="refused" disabled>.*协办单位想报办结</textarea>', html, re.S
    )  # kept, to copy
    assert 'data-submit="report"' not in html  # but not offered again
    assert snapshot(item) == before


def test_action_in_the_wrong_status_is_refused(browser, world):
    item = item_in(world, ItemStatus.REGISTERED)
    before = snapshot(item)

    response = act(browser("fgw"), item, "sign")

    assert response.status_code in (403, 404)  # units do not see registered items at all
    response = act(browser("office"), item, "archive")
    assert (
        response.status_code == 409
        and 'data-error-code="action_not_allowed_in_status"' in response.content.decode()
    )
    assert snapshot(item) == before


def test_missing_reason_rerenders_the_form_beside_its_error(browser, world):
    item = item_in(world, ItemStatus.PENDING_APPROVAL)
    before = snapshot(item)

    response = act(browser("leader"), item, "reject", reason="")

    assert response.status_code == 400
    panel = next(p for p in response.context["actions"] if p.action == "reject")
    assert panel.error is not None and panel.form.errors["reason"]
    assert snapshot(item) == before


def test_service_refusal_keeps_what_the_user_typed(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    before = snapshot(item)

    response = act(
        browser("fgw"),
        item,
        "extension_request",
        reason="资金未到位，需顺延",
        proposed_due_date=item.due_date.isoformat(),
    )

    html = response.content.decode()
    assert response.status_code == 400
    panel = html[html.index('id="action-extension_request"') :]
    assert 'data-error-code="extension_date_not_later"' in panel[: panel.index("</section>")]
    assert "<details open>" in panel[:200]  # the folded form opens to show its error
    assert "资金未到位，需顺延</textarea>" in panel
    assert snapshot(item) == before


def test_review_accept_needs_all_four_checks(browser, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    before = snapshot(item)

    response = act(
        browser("office"),
        item,
        "review",
        decision="accept",
        opinion="基本完成",
        task_completed="on",
        problem_solved="on",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-code="review_checks_incomplete"' in html and "基本完成</textarea>" in html
    assert re.search(r'name="review-task_completed"[^>]*checked', html)
    assert snapshot(item) == before


# --- scope ---------------------------------------------------------------------------------------------------------


def test_out_of_scope_items_are_not_found_for_pages_and_posts(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    attachment = services.item_attachment_add(
        item_id=item.pk, actor=world.user("fgw"), upload=SimpleUploadedFile("a.txt", b"x")
    )
    before = snapshot(item)
    client = browser("zjj")

    assert client.get(f"/items/{item.pk}/").status_code == 404
    assert act(client, item, "sign").status_code == 404
    assert act(client, item, "progress", text="x").status_code == 404
    assert client.get(f"/items/{item.pk}/todo-progress/").status_code == 404
    assert client.get(f"/items/{item.pk}/attachments/{attachment.pk}/").status_code == 404
    assert (
        client.post(f"/items/{item.pk}/attachments/", {"file": SimpleUploadedFile("b.txt", b"y")}).status_code
        == 404
    )
    assert client.get(f"/items/{item.pk}/edit/").status_code == 404
    assert client.get(f"/items/{2**63}/").status_code == 404
    assert snapshot(item) == before


def test_unknown_action_is_not_found(browser, world):
    item = item_in(world, ItemStatus.DRAFT)
    assert act(browser("office"), item, "update").status_code == 404
    assert act(browser("office"), item, "explode").status_code == 404


# --- attachments ----------------------------------------------------------------------------------------------------


def test_attachment_upload_and_download(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    client = browser("fgw")

    response = client.post(
        f"/items/{item.pk}/attachments/", {"file": SimpleUploadedFile("进展.txt", "内容".encode())}
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get(item=item)
    download = client.get(f"/items/{item.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == "内容".encode()
    refused = client.post(f"/items/{item.pk}/attachments/", {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert (
        refused.status_code == 400
        and 'data-error-code="attachment_type_not_allowed"' in refused.content.decode()
    )
    assert Attachment.objects.filter(item=item).count() == 1


# --- create and edit ------------------------------------------------------------------------------------------------


def item_post(world, **overrides):
    data = {
        "title": "推进城区停车场建设",
        "source_type": "meeting_decision",
        "source_reference": "县政府第15次常务会议",
        "source_date": "",
        "approval_basis": "government_decision",
        "content": "新建公共停车位500个。",
        "requirements": "每月报送进展。",
        "lead_unit": world.departments["fgw"].pk,
        "urgency": "urgent",
        "confidentiality": "internal",
        "progress_cycle": "monthly",
        "deadline_basis": "workdays",
        "deadline_workdays": "20",
        "due_date": "",
        "co-TOTAL_FORMS": "2",
        "co-INITIAL_FORMS": "0",
        "co-0-unit": world.departments["jyj"].pk,
        "co-0-share": "30",
        "co-0-share_note": "负责学校周边",
        "co-1-unit": "",
        "ms-TOTAL_FORMS": "1",
        "ms-INITIAL_FORMS": "0",
        "ms-0-title": "完成选址",
        "ms-0-due_date": "",
        "intent": "draft",
    }
    data.update(overrides)
    return data


def test_only_office_staff_may_create_items(browser, world):
    assert browser("office").get("/items/new/").status_code == 200
    assert browser("fgw").get("/items/new/").status_code == 403
    assert browser("leader").post("/items/new/", item_post(world)).status_code == 403
    assert 'id="new-item"' in browser("office").get("/").content.decode()
    assert 'id="new-item"' not in browser("fgw").get("/").content.decode()


def test_create_form_offers_the_governments_units_grouped_by_parent(browser, world):
    html = browser("office").get("/items/new/").content.decode()
    select = html[html.index('name="lead_unit"') : html.index("</select>", html.index('name="lead_unit"'))]
    assert '<optgroup label="示范县人民政府">' in select
    assert (
        f'value="{world.departments["fgw"].pk}"' in select
        and f'value="{world.townships["cgz"].pk}"' in select
    )
    assert f'value="{world.county.pk}"' not in select and f'value="{world.city.pk}"' not in select


def test_create_saves_a_draft_with_units_shares_and_milestones(browser, world, today):
    data = item_post(world, **{"ms-0-due_date": (today + days(10)).isoformat()})

    response = browser("office").post("/items/new/", data)

    item = Item.objects.get(title="推进城区停车场建设")
    assert response.status_code == 302 and response["Location"] == f"/items/{item.pk}/"
    assert (item.status, item.urgency, item.deadline_workdays, item.progress_cycle) == (
        ItemStatus.DRAFT,
        "urgent",
        20,
        "monthly",
    )
    co = Assignment.objects.get(item=item, role=AssignmentRole.CO)
    assert (co.unit_id, co.share, co.share_note) == (world.departments["jyj"].pk, 30, "负责学校周边")
    assert list(Milestone.objects.filter(item=item).values_list("title", flat=True)) == ["完成选址"]


def test_save_and_submit_goes_to_the_leader(browser, world, today):
    data = item_post(world, intent="submit", deadline_basis="date", due_date=(today + days(30)).isoformat())
    data["ms-0-title"] = ""

    browser("office").post("/items/new/", data)

    item = Item.objects.get(title="推进城区停车场建设")
    assert (item.status, item.due_date, item.deadline_workdays) == (
        ItemStatus.PENDING_APPROVAL,
        today + days(30),
        None,
    )


def test_create_form_errors_keep_the_users_input(browser, world):
    response = browser("office").post("/items/new/", item_post(world, title="", **{"ms-0-due_date": ""}))

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    assert "县政府第15次常务会议" in html and "新建公共停车位500个。</textarea>" in html
    assert 'value="负责学校周边"' in html and 'value="完成选址"' in html
    assert Item.objects.count() == 0


def test_service_errors_on_create_show_beside_the_units(browser, world):
    data = item_post(world, **{"co-0-unit": world.departments["fgw"].pk, "ms-0-title": ""})

    response = browser("office").post("/items/new/", data)

    html = response.content.decode()
    assert response.status_code == 400 and 'data-field-error="co_units"' in html
    assert 'value="推进城区停车场建设"' in html
    assert Item.objects.count() == 0


def test_more_rows_adds_blank_rows_without_saving(browser, world):
    response = browser("office").post("/items/new/", item_post(world, more="co", title=""))

    assert response.status_code == 200
    assert response.context["forms"].co_units.total_form_count() == 5
    assert "errorlist" not in response.content.decode()
    assert Item.objects.count() == 0


def test_edit_a_draft_and_refuse_editing_later(browser, world):
    item = make_item(world)
    client = browser("office")
    page = client.get(f"/items/{item.pk}/").content.decode()
    assert f'href="/items/{item.pk}/edit/" data-submit="update"' in page  # "update" is a link to this page
    html = client.get(f"/items/{item.pk}/edit/").content.decode()
    assert f'value="{item.title}"' in html

    data = item_post(world, title="改后的标题", **{"ms-0-title": ""})
    response = client.post(f"/items/{item.pk}/edit/", data)

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "改后的标题" and item.status == ItemStatus.DRAFT
    advance(world, item, ItemStatus.PENDING_APPROVAL)
    refused = client.get(f"/items/{item.pk}/edit/")
    assert (
        refused.status_code == 409
        and 'data-error-code="action_not_allowed_in_status"' in refused.content.decode()
    )


# --- the live deadline preview ---------------------------------------------------------------------------------------


def test_deadline_preview_counts_working_days_from_today(browser, world, today):
    client = browser("office")

    response = client.get(
        "/items/deadline-preview/", {"deadline_basis": "workdays", "deadline_workdays": "15"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-due-date="{add_workdays(today, 15).isoformat()}"' in html and 'data-workdays="15"' in html
    default = client.get("/items/deadline-preview/", {"deadline_basis": "workdays", "source_type": "other"})
    assert f'data-due-date="{add_workdays(today, 15).isoformat()}"' in default.content.decode()
    by_date = client.get(
        "/items/deadline-preview/", {"deadline_basis": "date", "due_date": add_workdays(today, 7).isoformat()}
    )
    assert 'data-workdays="7"' in by_date.content.decode()
    past = client.get("/items/deadline-preview/", {"deadline_basis": "date", "due_date": today.isoformat()})
    assert 'class="preview error"' in past.content.decode()


def test_deadline_preview_warns_of_a_provisional_calendar(browser, world, today):
    covered = package_year_range()
    beyond = datetime.date(max(covered[1] + 1 if covered else today.year, today.year + 1), 6, 30)

    html = (
        browser("office")
        .get("/items/deadline-preview/", {"deadline_basis": "date", "due_date": beyond.isoformat()})
        .content.decode()
    )

    assert 'data-provisional="true"' in html and 'class="provisional"' in html
    near = browser("office").get(
        "/items/deadline-preview/", {"deadline_basis": "workdays", "deadline_workdays": "1"}
    )
    if not add_workdays_is_provisional(today):
        assert 'data-provisional="false"' in near.content.decode()


def add_workdays_is_provisional(today):
    from ducha.workcalendar.services import add_workdays_detailed

    return add_workdays_detailed(today, 1).is_provisional


def test_source_hint_follows_the_source_type(browser, world):
    client = browser("office")
    meeting = client.get("/items/source-hint/", {"source_type": "meeting_decision"}).content.decode()
    npc = client.get("/items/source-hint/", {"source_type": "npc_suggestion"}).content.decode()
    assert meeting.strip() and npc.strip() and meeting != npc
    assert client.get("/items/source-hint/", {"source_type": "nonsense"}).content.decode().strip() == ""


def test_report_status_after_head_return_is_visible_to_the_handler(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_report(item_id=item.pk, actor=world.user("fgw"), text="办结")
    services.item_report_return(item_id=item.pk, actor=world.user("fgw_head"), reason="请补充")

    html = browser("fgw").get(f"/items/{item.pk}/").content.decode()

    assert f'data-report-status="{ReportStatus.RETURNED_BY_HEAD}"' in html and "请补充" in html
