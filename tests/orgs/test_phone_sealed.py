"""Users' mobile numbers sealed at rest (ducha.common.fields.SealedTextField on User.phone): the database holds only
"sm4gcm:…", Python code (the SMS reminders, the user's own preferences) reads the number; the migration seals the
plain numbers already there, skipping sealed ones; lists show the number masked (ducha.common.masking)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import FieldError
from django.db import connection
from django.test import Client

from ducha.common import crypto
from ducha.common.fields import column_reseal
from ducha.common.masking import mask_phone, mask_reporter
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs.models import User
from ducha.orgs.services import user_create
from ducha.reminders.selectors import channel_preferences

PHONE = "13812345678"
TABLE = User._meta.db_table

migration = importlib.import_module("ducha.orgs.migrations.0004_user_phone_sealed")


def _raw(user_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {TABLE} WHERE id = %s", [user_id])
        return str(cursor.fetchone()[0])


def _write_raw(user_id: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET phone = %s WHERE id = %s", [value, user_id])


def test_the_column_holds_the_phone_sealed_and_the_model_reads_it(world):
    user = user_create(username="sms_user", password=None, unit=world.supervision_office, phone=PHONE)

    raw = _raw(user.pk)
    assert raw.startswith("sm4gcm:") and PHONE not in raw and "12345678" not in raw
    assert crypto.unseal(raw) == PHONE
    assert User.objects.get(pk=user.pk).phone == PHONE
    assert User.objects.filter(pk=user.pk).values_list("phone", flat=True).get() == PHONE
    assert User.objects.filter(pk=user.pk).values("phone").get() == {"phone": PHONE}


def test_an_empty_phone_stays_empty_and_can_be_filtered(world):
    user = user_create(username="no_phone", password=None, unit=world.supervision_office)
    assert _raw(user.pk) == ""
    assert User.objects.filter(pk=user.pk, phone="").exists()
    assert not User.objects.filter(pk=user.pk).exclude(phone="").exists()


def test_the_sealed_column_cannot_be_searched(world):
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__icontains="138"))
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__startswith="138"))


def test_the_reminders_read_the_plain_phone(world):
    # The user's own preferences (API /me/notification-preferences) show their own full number.
    fgw = world.user("fgw")
    fgw.phone = PHONE
    fgw.save(update_fields=["phone"])
    assert _raw(fgw.pk).startswith("sm4gcm:")

    assert channel_preferences(User.objects.get(pk=fgw.pk))["addresses"]["sms"] == PHONE
    assert User.objects.only("id", "phone").get(pk=fgw.pk).phone == PHONE  # as deliveries load recipients


def test_the_migration_seals_plain_phones_and_skips_sealed_ones(world):
    plain, sealed_before, empty = (
        user_create(username=name, password=None, unit=world.supervision_office)
        for name in ("p1", "p2", "p3")
    )
    _write_raw(plain.pk, PHONE)  # as the column held numbers before the migration
    already = crypto.seal("13900001111")
    _write_raw(sealed_before.pk, already)

    migration.seal_phones(django_apps, None)

    assert _raw(plain.pk).startswith("sm4gcm:") and PHONE not in _raw(plain.pk)
    assert User.objects.get(pk=plain.pk).phone == PHONE
    assert _raw(sealed_before.pk) == already  # skipped, not sealed twice
    assert _raw(empty.pk) == ""
    # Safe to re-run: nothing changes.
    sealed_now = _raw(plain.pk)
    migration.seal_phones(django_apps, None)
    assert _raw(plain.pk) == sealed_now


def test_sealing_goes_in_batches_to_the_end(world):
    users = [user_create(username=f"b{n}", password=None, unit=world.supervision_office) for n in range(5)]
    for n, user in enumerate(users):
        _write_raw(user.pk, f"1380000000{n}")

    counts = column_reseal(User, "phone", plain=True, rotate=False, batch_size=2)

    assert counts.sealed >= 5
    assert all(_raw(user.pk).startswith("sm4gcm:") for user in users)
    assert [User.objects.get(pk=user.pk).phone for user in users] == [f"1380000000{n}" for n in range(5)]


def test_mask_phone():
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "****"
    assert mask_reporter("王建国", PHONE) == "王** 138****5678"
    assert mask_reporter("", "") == ""


def test_the_admin_user_list_shows_phones_masked(world):
    fgw = world.user("fgw")
    fgw.phone = PHONE
    fgw.save(update_fields=["phone"])
    client = Client()
    assert client.login(username="admin", password=DEMO_PASSWORD)

    response = client.get("/admin/orgs/user/", {"q": "fgw"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "138****5678" in body
    assert PHONE not in body
