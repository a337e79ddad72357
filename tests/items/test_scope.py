"""Who sees which items: enforced in selectors.scope_q, for every role. Out of scope is NotFound."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ducha.audit.models import Event
from ducha.common.errors import NotFound
from ducha.items import selectors, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.orgs.models import Role
from ducha.orgs.services import user_create
from tests.helpers import item_in


def visible(world, username):
    return set(selectors.items_for_user(world.user(username)).values_list("pk", flat=True))


@pytest.fixture
def items(world):
    """One item per interesting situation, all owned by the county."""
    return {
        "draft": item_in(world, ItemStatus.DRAFT),
        "pending": item_in(world, ItemStatus.PENDING_APPROVAL),
        "assigned": item_in(world, ItemStatus.ASSIGNED),
        "archived": item_in(world, ItemStatus.ARCHIVED),
        "secret": item_in(world, ItemStatus.IN_PROGRESS, confidentiality="secret"),
        "zjj_lead": services.item_create(
            actor=world.user("office"),
            title="住建局事项",
            source_type="other",
            lead_unit_id=world.departments["zjj"].pk,
        ),
    }


def ids(items, *names):
    return {items[name].pk for name in names}


def test_county_office_and_leaders_see_everything_of_their_government(world, items):
    everything = ids(items, *items)
    assert visible(world, "office") == everything
    assert visible(world, "leader") == everything
    assert visible(world, "county_head") == everything


def test_lead_unit_users_see_assigned_items_only_once_assigned(world, items):
    for username in ("fgw", "fgw_head", "fgw_liaison"):
        assert visible(world, username) == ids(items, "assigned", "archived", "secret"), username


def test_co_unit_sees_the_item_but_not_the_secret_one_it_is_not_on(world, items):
    # the secret item also has 教育局 as co-unit (tests.helpers default), so it is visible to it
    assert visible(world, "jyj") == ids(items, "assigned", "archived", "secret")


def test_unrelated_unit_sees_nothing(world, items):
    # zjj_lead is still a draft: the unit does not see it before assignment
    assert visible(world, "zjj") == set()
    assert visible(world, "sjj_liaison") == set()


def test_upper_level_office_sees_lower_levels_but_not_their_secrets_nor_drafts(world, items):
    # Drafts (here "draft" and "zjj_lead") are the drafting office's own.
    assert visible(world, "city_office") == ids(items, "pending", "assigned", "archived")


def test_admin_role_alone_sees_no_items(world, items):
    assert visible(world, "admin") == set()


def test_a_user_without_a_unit_sees_nothing(world, items):
    loner = user_create(username="loner", password=None, unit=None, roles=[Role.OFFICE])
    assert set(selectors.items_for_user(loner)) == set()


def test_unit_above_sees_items_of_units_inside_it(world, items):
    from ducha.orgs.models import UnitKind, UnitLevel
    from ducha.orgs.services import unit_create

    section = unit_create(
        name="综合股", level=UnitLevel.COUNTY, kind=UnitKind.OTHER, parent=world.departments["fgw"]
    )
    item = services.item_create(
        actor=world.user("office"), title="交办到股室", source_type="other", lead_unit_id=section.pk
    )
    from tests.helpers import advance

    advance(world, item, ItemStatus.ASSIGNED)
    assert item.pk in visible(world, "fgw")


def test_delegated_child_is_seen_by_the_township_and_the_delegating_unit(world):
    parent = item_in(world, ItemStatus.IN_PROGRESS)
    child = services.item_delegate(
        item_id=parent.pk, actor=world.user("fgw"), unit_id=world.townships["cgz"].pk
    )
    assert visible(world, "cgz") == {child.pk}
    assert child.pk in visible(world, "fgw")
    assert child.pk in visible(world, "office")
    assert child.pk not in visible(world, "jyj")
    assert child.pk not in visible(world, "dhz_liaison")


def test_secret_child_is_not_seen_by_units_above_the_delegating_one(world):
    parent = item_in(world, ItemStatus.IN_PROGRESS, confidentiality="secret")
    child = services.item_delegate(
        item_id=parent.pk, actor=world.user("fgw"), unit_id=world.townships["cgz"].pk
    )
    assert child.confidentiality == "secret"
    assert child.pk in visible(world, "cgz")
    assert child.pk in visible(world, "fgw")
    assert child.pk not in visible(world, "city_office")


def test_get_item_for_user_hides_out_of_scope_items_as_not_found(world, items):
    with pytest.raises(NotFound):
        selectors.get_item_for_user(world.user("zjj"), items["assigned"].pk)
    with pytest.raises(NotFound):
        selectors.get_item_for_user(world.user("zjj"), 10**9)


def test_every_read_of_a_secret_item_is_logged(world, items):
    for _ in range(2):
        selectors.get_item_for_user(world.user("fgw"), items["secret"].pk)
    selectors.get_item_for_user(world.user("fgw"), items["assigned"].pk)
    views = Event.objects.filter(event_type="item_viewed")
    assert list(views.values_list("subject_id", "actor__username")) == [(items["secret"].pk, "fgw")] * 2


def test_keyset_pages_cover_every_item_once(world):
    for _ in range(7):
        item_in(world, ItemStatus.ASSIGNED)
    seen, cursor = [], None
    while True:
        page = selectors.item_list_for_user(world.user("fgw"), cursor=cursor, limit=3)
        seen += [item.pk for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(visible(world, "fgw"))
    assert len(seen) == 7


def test_list_costs_the_same_queries_for_5_and_20_items(world, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            page = selectors.item_list_for_user(world.user("office"), limit=50)
            for item in page.items:  # what the page renders per row
                [a.unit.name for a in item.assignments.all()]
                item.light  # noqa: B018
                item.government.name  # noqa: B018
        return len(captured)

    for _ in range(5):
        item_in(world, ItemStatus.ASSIGNED)
    count_queries()  # warm-up: the user's scope (governments below) is fetched once per user object
    five = count_queries()
    for _ in range(15):
        item_in(world, ItemStatus.ASSIGNED)
    assert count_queries() == five


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_get_consecutive_distinct_numbers(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer")
    first, second = item_in(world, ItemStatus.PENDING_APPROVAL), item_in(world, ItemStatus.PENDING_APPROVAL)
    barrier = threading.Barrier(2)
    errors = []

    def approve(item_id):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            services.item_approve(item_id=item_id, actor=world.user("leader"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(pk,)) for pk in (first.pk, second.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    numbers = sorted(Item.objects.filter(pk__in=[first.pk, second.pk]).values_list("number_seq", flat=True))
    assert numbers == [1, 2]
    assert len(set(Item.objects.filter(pk__in=[first.pk, second.pk]).values_list("number", flat=True))) == 2
