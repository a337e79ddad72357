"""scope_q narrows a unit user's items to `unit_candidates` first (a performance device): the items it selects
must be exactly those of the unit rules alone, written out here as they read without it."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from ducha.devtools.demo.items import demo_items_create
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, Confidentiality, Item
from ducha.items.selectors import scope_q, unit_candidates
from ducha.orgs.models import User


def unit_rules(unit) -> Q:
    in_subtree = Exists(Assignment.objects.filter(item=OuterRef("pk"), unit__path__startswith=unit.path))
    own_unit = Exists(Assignment.objects.filter(item=OuterRef("pk"), unit_id=unit.pk))
    secret = Q(confidentiality=Confidentiality.SECRET)
    return Q(status__in=ItemStatus.visible_to_units()) & (
        (~secret & (in_subtree | Q(delegating_unit__path__startswith=unit.path)))
        | (secret & (own_unit | Q(delegating_unit_id=unit.pk)))
    )


def test_unit_users_see_exactly_what_the_rules_say(world):
    demo_items_create(world, count=80)
    assert Item.objects.filter(delegating_unit__isnull=False).exists()  # delegations are covered
    assert Item.objects.filter(confidentiality=Confidentiality.SECRET).exists()  # and secret items
    checked = 0
    for user in User.objects.filter(unit__isnull=False).select_related("unit"):
        if not user.has_role("unit_head", "liaison", "handler") or user.has_role("office", "leader"):
            continue
        expected = set(Item.objects.filter(unit_rules(user.unit)).values_list("pk", flat=True))
        assert set(Item.objects.filter(scope_q(user)).values_list("pk", flat=True)) == expected, user.username
        checked += bool(expected)
    assert checked >= 5


def test_the_candidates_hold_assigned_and_delegated_items(world):
    demo_items_create(world, count=80)
    child = Item.objects.filter(delegating_unit__isnull=False).select_related("delegating_unit").first()
    assert child is not None
    unit = child.delegating_unit
    candidates = set(Item.objects.filter(pk__in=unit_candidates(unit)).values_list("pk", flat=True))
    assert child.pk in candidates
    assigned = set(
        Assignment.objects.filter(unit__path__startswith=unit.path).values_list("item_id", flat=True)
    )
    assert assigned <= candidates
    assert candidates <= assigned | set(
        Item.objects.filter(delegating_unit__path__startswith=unit.path).values_list("pk", flat=True)
    )
