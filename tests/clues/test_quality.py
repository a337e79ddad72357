"""The quality claim of the clue engine on the labelled messages (ducha clues_quality), asserted (no database)."""

from __future__ import annotations

import collections

from ducha.clues.routing import TOWNSHIP
from ducha.devtools import clues_quality
from ducha.devtools.demo.places import VILLAGES
from ducha.devtools.demo.world import DEPARTMENTS, TOWNSHIPS

CATEGORIES = {"implementation", "conduct", "policy", "suggestion"}
URGENCY = {"safety", "health", "wages", "children", "disasters"}


def test_places_are_unique_and_per_township() -> None:
    assert set(VILLAGES) == {code for _name, code in TOWNSHIPS}
    names = [v for vs in VILLAGES.values() for v in vs]
    assert len(names) == len(set(names))
    assert all(5 <= len(vs) <= 8 for vs in VILLAGES.values())
    assert all(v.endswith(("村", "社区")) for v in names)


def test_the_labelled_sets_are_well_formed() -> None:
    units = {code for _name, _short, code in DEPARTMENTS} | {TOWNSHIP}
    village_township = {v: code for code, vs in VILLAGES.items() for v in vs}
    for name, minimum in (("labelled.jsonl", 320), ("holdout.jsonl", 100)):
        rows = clues_quality.load(name)
        assert len(rows) >= minimum
        assert len({r["id"] for r in rows}) == len(rows)
        for r in rows:
            assert r["unit"] in units and r["category"] in CATEGORIES and set(r["urgent"]) <= URGENCY, r["id"]
            if r["village"]:
                assert village_township[r["village"]] == r["township"], r["id"]
        sizes = collections.Counter(r["group"] for r in rows if r["group"])
        assert all(2 <= n <= 5 for n in sizes.values())
    rows = clues_quality.load()
    assert {r["unit"] for r in rows} == units
    assert 60 <= len({r["group"] for r in rows if r["group"]}) <= 90


def test_the_targets_are_reached_on_the_labelled_set() -> None:
    rows = clues_quality.load()
    duplicates = clues_quality.duplicates(rows)
    assert duplicates["f1"] >= 0.90, duplicates
    routing = clues_quality.routing_cv(rows)
    assert routing["top1"] >= 0.85 and routing["top3"] >= 0.97, routing


def test_pairwise_counts() -> None:
    figures = clues_quality.pairwise([1, 1, 2, 3], ["a", "a", None, None])
    assert (figures["tp"], figures["fp"], figures["fn"], figures["f1"]) == (1, 0, 0, 1.0)
    figures = clues_quality.pairwise([1, 1, 1, 2], ["a", "a", None, "a"])
    assert (figures["tp"], figures["fp"], figures["fn"]) == (1, 2, 2)
