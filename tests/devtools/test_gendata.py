"""`ducha gendata`, the benchmarks' synthetic province, at a small size: it writes every column the models have
(the bench database is built with it before every measurement, so a new column must not break it), and its
accounts sign in."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from ducha.items.models import Item
from ducha.orgs.models import User
from tests.clock import moment

# gendata vacuums its tables on PostgreSQL, which cannot run inside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_small_province_is_generated_and_its_office_signs_in(client, capsys):
    with time_machine.travel(moment(2026, 11, 20, 10), tick=False):
        call_command("gendata", "--items", "300", "--cities", "1", "--counties-per-city", "2", "--years", "1")
        out = capsys.readouterr().out
        assert "items=300" in out
        assert Item.objects.count() == 300
        office = User.objects.get(username__startswith="bench_office_")
        assert office.password_changed_at is not None and not office.must_change_password
        assert client.login(username=office.username, password="Ducha@2026")
        assert client.get("/ledger/").status_code == 200
