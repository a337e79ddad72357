"""The hook by which each app contributes its part of `ducha demo` (ducha.devtools.demo.parts)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from ducha.devtools.demo import accountability as accountability_part
from ducha.devtools.demo import clues as clues_part
from ducha.devtools.demo import evaluation as evaluation_part
from ducha.devtools.demo import inspections as inspections_part
from ducha.devtools.demo import items as items_part
from ducha.devtools.demo.parts import HOOK, demo_part_load, demo_parts


def test_the_parts_are_the_installed_apps_in_their_order():
    pointing = [config.label for config in apps.get_app_configs() if hasattr(config, HOOK)]

    assert pointing == ["items", "inspections", "evaluation", "accountability", "clues"]
    assert demo_parts() == [
        items_part.PART,
        inspections_part.PART,
        evaluation_part.PART,
        accountability_part.PART,
        clues_part.PART,
    ]
    assert [part.name for part in demo_parts()] == [
        "items",
        "inspections",
        "evaluation",
        "accountability",
        "clues",
    ]


def test_a_domain_app_names_its_part_with_a_string():
    # The domain apps import nothing from devtools: their AppConfig holds a path.
    assert apps.get_app_config("items").demo_part == "ducha.devtools.demo.items:PART"
    assert apps.get_app_config("inspections").demo_part == "ducha.devtools.demo.inspections:PART"


@pytest.mark.parametrize("path", ["ducha.devtools.demo.items.PART", "ducha.devtools.demo.items:", ":PART"])
def test_a_malformed_path_is_refused(path):
    with pytest.raises(ImproperlyConfigured):
        demo_part_load(path)


def test_the_parts_know_whether_their_data_exists(world):
    assert not items_part.PART.exists()
    assert not inspections_part.PART.exists()

    assert items_part.PART.create(world, items=0) == 0
    assert not items_part.PART.exists()
    assert inspections_part.PART.create(world, items=0) == 0
    assert inspections_part.PART.exists()
