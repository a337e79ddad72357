"""Batch work on the lists (to-do list, ledger): checkboxes, one POST per batch action, the result as a message
listing refusals; 催办 within reach (overdue rows, the top of the item page); the head's 审签 first."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.reminders.models import Chase
from ducha.reminders.services import chase_send
from tests.helpers import item_in, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def sign_in(client, world):
    def as_user(username):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return as_user


def status(item: Item) -> str:
    return Item.objects.get(pk=item.pk).status


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def sections(response) -> dict:
    return {section.key: section for section in response.context["sections"]}


def test_leader_batch_approves_from_the_todo_list(sign_in, world):
    first, second = item_in(world, ItemStatus.PENDING_APPROVAL), item_in(world, ItemStatus.PENDING_APPROVAL)
    client = sign_in("leader")
    html = client.get("/").content.decode()
    assert f'value="{first.pk}" form="batch-approval"' in html
    assert 'data-batch-action="approve"' in html

    response = client.post(
        "/items/batch/approve/", {"items": [first.pk, second.pk], "next": "/#todo-approval"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/#todo-approval"
    assert [status(first), status(second)] == ["registered", "registered"]


def test_partial_refusal_is_listed_and_changes_nothing_for_the_refused(sign_in, world):
    registered = item_in(world, ItemStatus.REGISTERED, title="待交办事项")
    running = item_in(world, ItemStatus.IN_PROGRESS, title="已在办理事项")
    before = Item.objects.values().get(pk=running.pk)

    response = sign_in("office").post(
        "/items/batch/assign/", {"items": [registered.pk, running.pk]}, follow=True
    )

    messages = texts(response)
    assert status(registered) == "assigned"
    assert Item.objects.values().get(pk=running.pk) == before
    assert len(messages) == 2
    assert "已在办理事项" in messages[1] or running.number in messages[1]


def test_nothing_ticked_is_refused_with_its_message(sign_in, world):
    response = sign_in("office").post("/items/batch/submit/", {"items": []}, follow=True)
    assert "batch_empty" in texts(response)[0]


def test_unknown_action_and_foreign_next(sign_in, world):
    client = sign_in("office")
    assert client.post("/items/batch/explode/", {"items": [1]}).status_code == 404
    response = client.post("/items/batch/submit/", {"items": [], "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_unit_batch_signs_from_the_todo_list(sign_in, world):
    first, second = item_in(world, ItemStatus.ASSIGNED), item_in(world, ItemStatus.ASSIGNED)
    client = sign_in("fgw")
    html = client.get("/").content.decode()
    assert f'value="{first.pk}" form="batch-sign"' in html

    client.post("/items/batch/sign/", {"items": [first.pk, second.pk]})

    assert [status(first), status(second)] == ["in_progress", "in_progress"]


def test_office_sections_offer_submit_and_assign(sign_in, world):
    make_item(world)
    item_in(world, ItemStatus.REGISTERED)
    html = sign_in("office").get("/").content.decode()
    assert 'form="batch-drafts"' in html and 'form="batch-assign"' in html
    assert 'data-batch-action="submit"' in html and 'data-batch-action="assign"' in html


def test_overdue_rows_offer_a_chase_and_count_the_chases_in_one_query(sign_in, world):
    items = [item_in(world, ItemStatus.IN_PROGRESS) for _ in range(3)]
    chase_send(item_id=items[0].pk, actor=world.user("office"), text="请加快")
    later = max(item.due_date for item in Item.objects.filter(pk__in=[i.pk for i in items]))
    with time_machine.travel(
        datetime.datetime.combine(later + datetime.timedelta(days=3), datetime.time(10)), tick=False
    ):
        client = sign_in("office")
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        overdue = sections(response)["overdue"]
        chases = {row.item.pk: row.chases for row in overdue.rows}
        assert chases[items[0].pk] == 2  # lead and co-unit
        assert chases[items[1].pk] == 0
        html = response.content.decode()
        assert 'data-action="chase"' in html and 'data-chases="2"' in html
        chase_queries = [q for q in queries.captured_queries if "reminders_chase" in q["sql"]]
        assert len(chase_queries) == 1

        client.post("/items/batch/chase/", {"items": [items[1].pk], "text": "请于本周内报送进展"})
    assert Chase.objects.filter(item_id=items[1].pk).count() == 2


def test_ledger_has_checkboxes_and_a_batch_bar_for_the_office_only(sign_in, world):
    item = item_in(world, ItemStatus.REGISTERED)
    html = sign_in("office").get("/ledger/").content.decode()
    assert f'value="{item.pk}" form="ledger-batch"' in html
    assert 'data-batch-action="assign"' in html and 'data-batch-action="chase"' in html
    html = sign_in("leader").get("/ledger/").content.decode()
    assert 'form="ledger-batch"' not in html


def test_chase_form_is_at_the_top_of_the_actions(sign_in, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    html = sign_in("office").get(f"/items/{item.pk}/").content.decode()
    aside = html[html.index('class="item-actions"') : html.index("</aside>")]
    assert 'id="chase"' in aside
    assert html.count('id="chase"') == 1


def test_the_heads_check_comes_first_for_a_unit_head(sign_in, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已完成。")
    response = sign_in("fgw_head").get("/")
    keys = [section.key for section in response.context["sections"]]
    assert keys[0] == "head_check"
    assert [row.item.pk for row in response.context["sections"][0].rows] == [item.pk]
