"""The items' share of `ducha demo` (`PART`, which ItemsConfig.demo_part points to): about 200 supervision items in
every stage in the demo county, and `demo_items_create` for the tests.

The first items created are the ones that give every demo account something waiting on it (`core_plans`); the
rest are drawn at random from the same catalogue. A `random.Random(seed)` drives every choice: the same seed on
the same day gives the same items.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ducha.devtools.demo.items.builder import Builder
from ducha.devtools.demo.items.daily_work import daily_work_items_create
from ducha.devtools.demo.items.handdown import handdown_items_create
from ducha.devtools.demo.items.plans import core_plans
from ducha.devtools.demo.items.sources import demo_sources_create
from ducha.devtools.demo.world import COUNTY_NAME, DemoWorld
from ducha.items.models import Item


@transaction.atomic
def demo_items_create(world: DemoWorld, *, count: int = 200, seed: int = 2026) -> int:
    """Create about `count` demo items in the demo county (at least the ones that leave something waiting on every
    demo account, see `core_plans`), driven through the services. Returns how many items were created,
    delegated child items included."""
    now = timezone.now()
    builder = Builder(world=world, rng=random.Random(seed), today=timezone.localdate(now), now=now)
    prepared = [builder.prepare(plan) for plan in core_plans(world)]
    planned = sum(one.size for one in prepared)
    while planned < count:
        prepared.append(builder.prepare(builder.random_plan()))
        planned += prepared[-1].size
    for one in sorted(prepared, key=lambda one: one.sort_key):
        builder.build(one)
    return builder.created


@dataclass(frozen=True)
class ItemsPart:
    """The items' share of `ducha demo` (a ducha.devtools.demo.parts.DemoPart)."""

    name: str = "items"

    def exists(self) -> bool:
        """Whether the demo county has items already (another government's, such as gendata's, do not count)."""
        return Item.objects.filter(government__name=COUNTY_NAME).exists()

    def create(self, world: DemoWorld, *, items: int) -> int:
        """About `items` supervision items (none when 0); returns how many were created."""
        if not items:
            return 0
        # The office-handled and the handed-down items, the source records with the items split from them and the
        # daily work's other paths come last, at the moment the demo runs.
        return (
            demo_items_create(world, count=items)
            + handdown_items_create(world)
            + demo_sources_create(world)
            + daily_work_items_create(world)
        )


PART = ItemsPart()
