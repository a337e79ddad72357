"""The reporter's identity never leaves its role downstream: once a signed clue's case becomes a supervision item,
neither the name nor the phone is in the item's page, the ledger's Excel export, the unit's workbench, the week's
brief or the warnings — for the office, the leader and the unit handling it."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ducha.clues import analytics, services
from ducha.clues.models import Place
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items.statuses import ItemStatus
from tests.clock import moment
from tests.clues.support import clue_county
from tests.helpers import advance

pytestmark = pytest.mark.django_db

NAME, PHONE = "司马保密人", "13700112233"


def _digits_absent(body: str) -> bool:
    return PHONE not in re.sub(r"\D", "", body)


def _signed_into(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_the_identity_is_in_no_export_page_or_brief_downstream(world):
    clue_county(world)
    place = Place.objects.get(name="槐树村")
    with time_machine.travel(moment(2026, 11, 16, 9), tick=False):
        clue = services.clue_submit(
            government=world.county,
            text="槐树村村口的养猪场臭气熏天，粪水直接排进水沟，我是附近住户，希望尽快处理。",
            category="implementation",
            township_id=place.township_id,
            place_id=place.pk,
            anonymous=False,
            name=NAME,
            phone=PHONE,
        )
        item = services.case_route(
            case_id=clue.case_id, actor=world.user("office"), unit_id=world.departments["fgw"].pk
        )
        advance(world, item, ItemStatus.IN_PROGRESS)
        brief = analytics.brief_draft(world.county, moment(2026, 11, 16).date())
        warnings = analytics.warnings_compute(world.county, moment(2026, 11, 16).date())
    assert NAME not in brief.text and _digits_absent(brief.text)
    assert all(NAME not in str(warning.topic) for warning in warnings)

    checked = 0
    for username in ("office", "leader", "fgw", "fgw_head"):
        client = _signed_into(username)
        for url in (reverse("home"), reverse("item-detail", args=[item.pk]), reverse("ledger")):
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            body = response.content.decode()
            assert NAME not in body and _digits_absent(body), (username, url)
            checked += 1
        export = client.get(reverse("ledger-export"))
        assert export.status_code == 200
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
        cells = " ".join(
            str(value)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value
        )
        assert "养猪场" in cells, "the export holds the item the clue became"
        assert NAME not in cells and _digits_absent(cells)
        checked += 1
    assert checked == 16
