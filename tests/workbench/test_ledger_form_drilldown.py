"""The ledger's filter form keeps the dashboard's drill-down filters: `unit`, `lead_within`, `completed_from` /
`completed_to`, `completion` and `light=none` are fields of the form, show the values of the link followed, and
pressing "Apply filters" without changing anything shows the same items. The unit pickers name only the units the
user may filter by (their government's tree), as the lead and co-unit pickers do."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache

from ducha.devtools.demo.items.part import demo_items_create
from tests.clock import moment

# The suite's default instant, pinned here too: the demo's history of the year behind the dashboard's links.
pytestmark = pytest.mark.time_machine(moment(2026, 11, 18, 10))

DATA = re.compile(r'<script id="dashboard-data" type="application/json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    cache.clear()


class FilterFormReader(HTMLParser):
    """What a browser sends when the ledger's filter form (#ledger-filter-form) is submitted unchanged: the
    inputs' values, the checked boxes and each select's selected option (or its first one). Also each field's
    options, to see what the form shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.options: dict[str, list[tuple[str, bool]]] = {}
        self.option_text: dict[tuple[str, str], str] = {}
        self._select: str | None = None
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("id") == "ledger-filter-form":
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.pairs.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select":
            self._select = attributes["name"]
            self.options[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = attributes.get("value", "")
            self.options[self._select].append((self._option, "selected" in attributes))

    def handle_data(self, data: str) -> None:
        if self._select is not None and self._option is not None:
            key = (self._select, self._option)
            self.option_text[key] = self.option_text.get(key, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self.options[self._select]
            chosen = [value for value, selected in options if selected] or [options[0][0]]
            self.pairs.append((self._select, chosen[0]))
            self._select = None

    def selected(self, name: str) -> list[str]:
        return [value for value, selected in self.options[name] if selected]

    def value(self, name: str) -> list[str]:
        return [value for field, value in self.pairs if field == name]


def filter_form(response) -> FilterFormReader:
    assert response.status_code == 200
    reader = FilterFormReader()
    reader.feed(response.content.decode())
    assert reader.pairs, "the page has no filter form"
    return reader


def submitted(client, response):
    """The ledger after pressing "Apply filters" on `response`'s form, nothing changed."""
    return client.get("/ledger/", filter_form(response).pairs)


def dashboard_links(client, **query: Any) -> set[str]:
    response = client.get("/dashboard/", query)
    links: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            links.add(value)
        elif isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    match = DATA.search(response.content.decode())
    assert match is not None
    collect(json.loads(match.group(1))["links"])
    return {link for link in links if link.startswith("/ledger/")}


@pytest.fixture
def history(world):
    demo_items_create(world, count=40, seed=13)
    return world


@pytest.mark.parametrize(
    ("username", "unit"),
    [
        pytest.param("office", "jyj", id="office-unit-filter"),  # every link names `unit`
        pytest.param("city_office", None, id="city-office"),  # the county's row: `lead_within`
        pytest.param("fgw", None, id="unit-user"),
    ],
)
def test_submitting_the_form_after_a_drill_down_keeps_the_items(browser, history, username, unit):
    client = browser(username)
    query = {"unit": history.departments[unit].pk} if unit else {}
    links = dashboard_links(client, **query)
    parameters = {name for link in links for name in re.findall(r"[?&]([a-z_]+)=", link)}
    assert {"completed_from", "completed_to", "completion"} <= parameters
    assert "light=none" in "".join(links)
    if unit or username == "fgw":
        assert "unit" in parameters
    if username == "city_office":
        assert "lead_within" in parameters

    counted = 0
    for link in sorted(links):
        followed = client.get(link)
        again = submitted(client, followed)
        assert again.status_code == 200, link
        assert list(again.context["notices"]) == [], link
        assert again.context["spec"] == followed.context["spec"], link
        assert again.context["page"].count == followed.context["page"].count, link
        rows = [row.item_id for row in again.context["page"].rows]
        assert rows == [row.item_id for row in followed.context["page"].rows], link
        counted += followed.context["page"].count or 0
    assert counted > 0


def test_the_form_shows_the_drill_down_values(browser, world):
    client = browser("office")
    jyj, county = world.departments["jyj"], world.county
    response = client.get(
        "/ledger/",
        {
            "light": "none",
            "unit": jyj.pk,
            "lead_within": county.pk,
            "completed_from": "2026-01-01",
            "completed_to": "2026-12-31",
            "completion": "late",
        },
    )
    form = filter_form(response)

    assert form.selected("light") == ["none"]  # not "All lights"
    assert form.option_text[("light", "")] and form.option_text[("light", "none")]
    assert form.selected("unit") == [str(jyj.pk)]
    assert form.option_text[("unit", str(jyj.pk))] == jyj.name
    assert form.selected("lead_within") == [str(county.pk)]
    assert form.option_text[("lead_within", str(county.pk))] == county.name
    assert form.value("completed_from") == ["2026-01-01"] and form.value("completed_to") == ["2026-12-31"]
    assert form.selected("completion") == ["late"]
    assert [value for value, _selected in form.options["completion"]] == ["", "on_time", "late"]
    # The lead and co-unit pickers stay empty.
    assert form.selected("lead") == [] and form.selected("co") == []


def test_an_unfiltered_form_shows_no_drill_down_values(browser, world):
    form = filter_form(browser("office").get("/ledger/"))

    for name in ("light", "unit", "lead_within", "completion"):
        assert form.selected(name) == [], name
        assert form.value(name) == [""], name
    assert form.value("completed_from") == [""] and form.value("completed_to") == [""]


def test_the_unit_pickers_name_only_the_users_units(browser, world):
    """The county's office may not filter by the city's units: a link naming one shows no such option (the
    picker loads the county's units), as for the lead unit."""
    client = browser("office")
    city_office = world.city_office
    response = client.get("/ledger/", {"unit": city_office.pk, "lead_within": city_office.pk})
    form = filter_form(response)

    assert response.context["form"].within_unit is None
    assert response.context["form"].lead_within_unit is None
    assert form.selected("unit") == [] and form.selected("lead_within") == []
    assert city_office.name not in response.content.decode()
    options = client.get("/ledger/unit-options/", {"selected": world.departments["fgw"].pk}).content.decode()
    assert f'<option value="{world.departments["fgw"].pk}" selected>' in options
    assert f'value="{city_office.pk}"' not in options
