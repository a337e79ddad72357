"""Reads compiled once per process (issue 18): the prepared item probe answers exactly as the scope does, a scope's
compiled SQL depends on its signature alone, the badge and the saved filters read what their selectors read, and
the navigation kept per roles differs where the roles do. On any database."""

from __future__ import annotations

import pytest
from django.core.exceptions import EmptyResultSet
from django.template import Context, Template

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.items.selectors import ItemProbe, items_for_user, scope_q, scope_signature
from ducha.reminders.models import Message
from ducha.reminders.selectors import UNREAD_CAP
from ducha.reminders.selectors import unread_count as selector_unread_count
from ducha.reminders.services import chase_send
from ducha.workbench.context_processors import unread_count
from ducha.workbench.ledger import saved_filter_save, saved_filters_for_user
from ducha.workbench.prepared import PreparedQuery
from tests.helpers import item_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    return [
        item_in(world, ItemStatus.DRAFT),
        item_in(world, ItemStatus.ASSIGNED, co_units=("jyj",)),
        item_in(world, ItemStatus.IN_PROGRESS, confidentiality="secret", co_units=("zjj",)),
        item_in(world, ItemStatus.ARCHIVED),
    ]


def test_the_probe_sees_exactly_what_the_scope_sees(world, items):
    probe = ItemProbe(["status"])
    for user in world.users.values():
        for item in items:
            found = probe(user, item.pk)
            visible = items_for_user(user).filter(pk=item.pk).exists()
            assert (found is not None) == visible, (user.username, item.pk)
            if found is not None:
                assert found == {"status": item.status}
    assert probe(world.user("office"), 0) is None and probe(world.user("office"), 2**63) is None


def test_the_same_signature_compiles_to_the_same_sql(world):
    compiled: dict[tuple, str] = {}
    for user in world.users.values():
        queryset = Item.objects.filter(scope_q(user, literal_governments=False))
        try:
            sql = str(queryset.query)
        except EmptyResultSet:  # a scope of nothing compiles to no SQL at all
            sql = "nothing"
        signature = scope_signature(user)
        assert compiled.setdefault(signature, sql) == sql, user.username
    # and different scopes differ
    assert scope_signature(world.user("office")) != scope_signature(world.user("city_office"))
    assert scope_signature(world.user("fgw")) != scope_signature(world.user("jyj"))


def test_users_of_one_signature_share_one_compiled_probe(world, items):
    probe = ItemProbe(["id"])
    office, office2 = world.user("office"), world.user("office2")
    assert scope_signature(office) == scope_signature(office2)
    probe(office, items[0].pk)
    probe(office2, items[0].pk)
    probe(world.user("fgw"), items[0].pk)
    assert len(probe._compiled) == 2


def test_the_badge_counts_what_the_inbox_selector_counts(world):
    fgw = world.user("fgw")
    assert unread_count(fgw.pk) == selector_unread_count(fgw) == 0
    item = item_in(world, ItemStatus.IN_PROGRESS)
    for _ in range(3):
        chase_send(item_id=item.pk, actor=world.user("office"), text="请加快进度。")
    assert unread_count(fgw.pk) == selector_unread_count(fgw) == 3
    Message.objects.filter(recipient=fgw).update(read_at=Message.objects.first().created_at)
    assert unread_count(fgw.pk) == selector_unread_count(fgw) == 0
    assert unread_count(world.user("office").pk) == selector_unread_count(world.user("office"))


def test_the_badge_stops_counting_past_its_cap(world):
    from django.utils import timezone

    fgw = world.user("fgw")
    Message.objects.bulk_create(
        Message(recipient=fgw, subject=f"提醒{n}", created_at=timezone.now()) for n in range(UNREAD_CAP + 5)
    )
    assert unread_count(fgw.pk) == selector_unread_count(fgw) == UNREAD_CAP + 1


def test_the_saved_filters_are_each_users_own_in_name_order(world):
    office, leader = world.user("office"), world.user("leader")
    second = saved_filter_save(user=office, name="乙", query="status=assigned")
    first = saved_filter_save(user=office, name="甲", query="light=red")
    saved_filter_save(user=leader, name="领导的", query="")

    shown = saved_filters_for_user(office)
    assert [(s.pk, s.name, s.query) for s in shown] == sorted(
        [(first.pk, "甲", first.query), (second.pk, "乙", second.query)], key=lambda row: row[1]
    )
    assert [s.name for s in saved_filters_for_user(leader)] == ["领导的"]


def test_a_prepared_query_refuses_a_query_that_does_not_use_its_value_once():
    from ducha.workbench.models import SavedFilter

    with pytest.raises(RuntimeError):
        PreparedQuery(lambda value: SavedFilter.objects.all()).rows(1)
    with pytest.raises(RuntimeError):
        PreparedQuery(lambda value: SavedFilter.objects.filter(pk=value, user_id=value)).rows(1)


# --- the navigation kept per roles (workbench/templatetags/memo.py) -----------------------------------------------


def test_a_memo_keeps_one_rendering_per_value(world):
    template = Template("{% load memo %}{% memo roles %}{{ roles|join:',' }}:{{ other }}{% endmemo %}")
    office = template.render(Context({"roles": frozenset({"office"}), "other": "a"}))
    again = template.render(Context({"roles": frozenset({"office"}), "other": "b"}))
    leader = template.render(Context({"roles": frozenset({"leader"}), "other": "c"}))

    assert office == again == "office:a"  # what the tag does not name is not looked at again
    assert leader == "leader:c"


def test_the_navigation_follows_each_users_roles(client, world):
    from ducha.devtools.demo import DEMO_PASSWORD

    pages = {}
    for username in ("office", "fgw", "auditor", "office"):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD)
        pages.setdefault(username, []).append(client.get("/ledger/").content.decode())

    assert 'data-nav="bulletins"' in pages["office"][0] and 'data-nav="bulletins"' in pages["office"][1]
    assert 'data-nav="bulletins"' not in pages["fgw"][0]
    assert 'data-nav="audit"' in pages["auditor"][0] and 'data-nav="audit"' not in pages["office"][1]
    assert 'data-nav="account-locked"' in pages["office"][0]
    assert 'data-nav="account-locked"' not in pages["fgw"][0]


def test_a_memo_writes_each_requests_csrf_token_into_the_kept_part(world):
    template = Template("{% load memo %}{% memo %}<form>{% csrf_token %}</form>{{ csrf_token }}{% endmemo %}")
    first = template.render(Context({"csrf_token": "token-of-the-first-request"}))
    second = template.render(Context({"csrf_token": "token-of-the-second-request"}))

    assert first.count("token-of-the-first-request") == 2 and "second" not in first
    assert second.count("token-of-the-second-request") == 2 and "first" not in second
    assert "placeholder" not in first + second


def test_the_sign_out_form_carries_each_sessions_own_token(client, world):
    import re

    from django.test import Client

    from ducha.devtools.demo import DEMO_PASSWORD

    tokens = []
    for username in ("office", "office2"):
        browser = Client(enforce_csrf_checks=True)
        assert browser.login(username=username, password=DEMO_PASSWORD)
        html = browser.get("/ledger/").content.decode()
        form = re.search(r'<form method="post" action="/logout/".*?</form>', html, re.S).group(0)
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1))
        response = browser.post("/logout/", {"csrfmiddlewaretoken": tokens[-1]})
        assert response.status_code == 302  # the token written in is the session's own: accepted
    assert tokens[0] != tokens[1]
