"""Phone pages of a sane length (issue 16: "phone pages up to 17,890 px tall"): at 390×844 the workbench, the
ledger, the inbox and the tallest item pages of each role stay under PHONE_HEIGHT_LIMIT, long lists being folded
into a <details> that still holds every row.

Run alone: `.venv/bin/pytest -q -p no:cacheprovider tests/browser/test_phone_lengths.py -s` prints the heights.
"""

from __future__ import annotations

import pytest
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from ducha.audit.models import Event
from ducha.devtools.demo.parts import demo_parts
from ducha.items.models import Item
from ducha.items.selectors import scope_q
from ducha.orgs.models import User
from tests.browser.conftest import default_run_only

# Kept equal to tests/browser/test_accessibility.py's bound and demo size.
PHONE_HEIGHT_LIMIT = 6_000
DEMO_ITEMS = 60
ROLES = ("office", "leader", "fgw", "fgw_head", "fgw_liaison", "cgz")
MAIN_PAGES = ("/", "/ledger/", "/inbox/")
# Per role, the item pages most likely to be tall: the most events, reminders, reports, attachments.
TALLEST_ITEMS_PER_MEASURE = 1

pytestmark = [pytest.mark.filterwarnings("ignore"), default_run_only]


@pytest.fixture
def demo(world):
    for part in demo_parts():
        if not part.exists():
            part.create(world, items=DEMO_ITEMS)
    return world


def _tallest_items(username: str) -> list[int]:
    user = User.objects.get(username=username)
    events = (
        Event.objects.filter(subject_type="item", subject_id=OuterRef("pk"))
        .order_by()
        .values("subject_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    items = Item.objects.filter(scope_q(user)).annotate(
        event_count=Coalesce(Subquery(events, output_field=IntegerField()), Value(0))
    )
    chosen: list[int] = []
    for measure in ("event_count", "chases", "reports", "attachments"):
        ranked = items if measure == "event_count" else items.annotate(n=Count(measure, distinct=True))
        order = "-event_count" if measure == "event_count" else "-n"
        for pk in ranked.order_by(order, "pk").values_list("pk", flat=True)[:TALLEST_ITEMS_PER_MEASURE]:
            if pk not in chosen:
                chosen.append(pk)
    return chosen


def _height(page, url: str) -> int:
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: HTTP {response and response.status}"
    return page.evaluate("() => document.body.scrollHeight")


def test_main_and_item_pages_stay_a_sane_length_on_a_phone(page_for, demo):
    heights: dict[str, int] = {}
    for role in ROLES:
        page = page_for(role, phone=True)
        for url in [*MAIN_PAGES, *(f"/items/{pk}/" for pk in _tallest_items(role))]:
            heights[f"{role} {url}"] = _height(page, url)
        page.context.close()
    for name, height in sorted(heights.items(), key=lambda kv: -kv[1]):
        print(f"  {height:>6} px  {name}")
    too_tall = {name: h for name, h in heights.items() if h > PHONE_HEIGHT_LIMIT}
    assert not too_tall, f"pages taller than {PHONE_HEIGHT_LIMIT} px on a 390 px phone: {too_tall}"
