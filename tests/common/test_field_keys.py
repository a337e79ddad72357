"""Field keys (ducha.common.crypto): versioned SM4 keys — the first in DUCHA_FIELD_KEYS seals, the others still
unseal, DUCHA_FIELD_KEY is version 1, no key at all is the development key (version 1) — and `ducha
rotate_field_key`, which re-seals every sealed column under the current key, idempotently, logging one
FIELD_KEY_ROTATED event; `--check` counts what remains under older keys."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.clues.models import Category, Channel, Clue
from ducha.common import crypto
from ducha.common.fields import stored
from ducha.orgs.models import User

KEY2 = "00112233445566778899aabbccddeeff"
KEY3 = "ffeeddccbbaa99887766554433221100"


@pytest.fixture
def no_keys(settings):
    settings.DUCHA_FIELD_KEYS = ""
    settings.DUCHA_FIELD_KEY = ""
    return settings


def _key1() -> str:
    """The development key (no key configured), spelled out: what was sealed so far is under it, version 1."""
    return crypto._derived_key(crypto.settings.SECRET_KEY).hex()


def _raw_phone(user: User) -> str:
    return User.objects.annotate(raw=stored("phone")).values_list("raw", flat=True).get(pk=user.pk)


def _raw_reporter(clue: Clue) -> tuple[str, str]:
    return (
        Clue.objects.annotate(name=stored("reporter_name"), phone=stored("reporter_phone"))
        .values_list("name", "phone")
        .get(pk=clue.pk)
    )


# --- keys -------------------------------------------------------------------------------------------------------


def test_without_keys_the_development_key_is_version_1_and_reads_what_was_sealed_before(no_keys):
    sealed = crypto.seal("13812345678")
    assert sealed.startswith("sm4gcm:1:") and crypto.sealed_version(sealed) == 1
    assert crypto.unseal(sealed) == "13812345678"
    # The same key spelled as the old single key, then by its version in the list: still version 1, still read.
    no_keys.DUCHA_FIELD_KEY = _key1()
    assert crypto.unseal(sealed) == "13812345678" and crypto.current_version() == 1
    no_keys.DUCHA_FIELD_KEY = ""
    no_keys.DUCHA_FIELD_KEYS = f"2:{KEY2},1:derived"
    assert crypto.unseal(sealed) == "13812345678"


def test_the_first_key_seals_and_the_others_unseal(no_keys):
    no_keys.DUCHA_FIELD_KEYS = f"2:{KEY2}"
    under_2 = crypto.seal("张三")
    no_keys.DUCHA_FIELD_KEYS = f"3:{KEY3},2:{KEY2}"  # the override is seen at once: no cache to clear

    under_3 = crypto.seal("张三")

    assert under_2.startswith("sm4gcm:2:") and under_3.startswith("sm4gcm:3:")
    assert crypto.unseal(under_2) == crypto.unseal(under_3) == "张三"
    assert crypto.needs_reseal(under_2) and not crypto.needs_reseal(under_3)
    assert crypto.sealed_version("13812345678") is None and not crypto.needs_reseal("13812345678")
    assert crypto.reseal(under_2).startswith("sm4gcm:3:") and crypto.reseal(under_3) == under_3


def test_a_value_under_a_version_not_configured_is_refused(no_keys):
    no_keys.DUCHA_FIELD_KEYS = f"2:{KEY2}"
    under_2 = crypto.seal("13812345678")
    no_keys.DUCHA_FIELD_KEYS = f"3:{KEY3}"
    with pytest.raises(ValueError, match="version 2"):
        crypto.unseal(under_2)
    # A version named with a key of another version's value does not read either (the tag fails).
    forged = under_2.replace("sm4gcm:2:", "sm4gcm:3:", 1)
    with pytest.raises(ValueError):
        crypto.unseal(forged)


def test_the_old_single_key_stays_version_1_beside_the_list(no_keys):
    no_keys.DUCHA_FIELD_KEY = KEY3
    under_1 = crypto.seal("x")
    no_keys.DUCHA_FIELD_KEYS = f"2:{KEY2}"
    assert crypto.current_version() == 2 and crypto.unseal(under_1) == "x"


@pytest.mark.parametrize(
    "field_keys, field_key",
    [
        ("2:0011", ""),  # too short
        ("2:zz112233445566778899aabbccddeeff", ""),  # not hex
        (KEY2, ""),  # no version
        (f"0:{KEY2}", ""),  # versions start at 1
        (f"v2:{KEY2}", ""),
        (f"2:{KEY2},2:{KEY3}", ""),  # a version twice
        (f"1:{KEY2}", KEY3),  # DUCHA_FIELD_KEY is version 1: another version 1 contradicts it
        ("", "0011"),
        ("", "not a key"),
    ],
)
def test_malformed_keys_are_refused_with_improperly_configured(no_keys, field_keys, field_key):
    no_keys.DUCHA_FIELD_KEYS = field_keys
    no_keys.DUCHA_FIELD_KEY = field_key
    with pytest.raises(ImproperlyConfigured, match="DUCHA_FIELD_KEY"):
        crypto.seal("x")


# --- rotation ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sealed_under_key_1(world, no_keys):
    no_keys.DUCHA_FIELD_KEY = _key1()
    users = [world.user("fgw"), world.user("jyj")]
    for number, user in zip(("13812345678", "13900001111"), users, strict=True):
        user.phone = number
        user.save(update_fields=["phone"])
    clue = Clue.objects.create(
        government=world.county,
        channel=Channel.PUBLIC,
        category=Category.IMPLEMENTATION,
        text="村口排水沟堵塞",
        submitted_at=timezone.now(),
        anonymous=False,
        reporter_name=crypto.seal("王建国"),
        reporter_phone=crypto.seal("13700112233"),
    )
    assert all(_raw_phone(user).startswith("sm4gcm:1:") for user in users)
    return users, clue


def test_rotation_reseals_every_column_under_the_new_key_and_they_still_read_after_the_old_is_dropped(
    sealed_under_key_1, settings
):
    (fgw, jyj), clue = sealed_under_key_1
    settings.DUCHA_FIELD_KEY = ""
    settings.DUCHA_FIELD_KEYS = f"2:{KEY2},1:{_key1()}"
    # Before: the check counts what is under key 1, exits 1, and changes nothing.
    with pytest.raises(CommandError) as refused:
        call_command("rotate_field_key", "--check")
    assert refused.value.returncode == 1
    assert (
        _raw_phone(fgw).startswith("sm4gcm:1:")
        and not Event.objects.filter(event_type=EventType.FIELD_KEY_ROTATED).exists()
    )

    call_command("rotate_field_key")

    assert _raw_phone(fgw).startswith("sm4gcm:2:") and _raw_phone(jyj).startswith("sm4gcm:2:")
    assert all(value.startswith("sm4gcm:2:") for value in _raw_reporter(clue))
    event = Event.objects.get(event_type=EventType.FIELD_KEY_ROTATED)
    assert (event.subject_type, event.subject_id, event.new["key_version"]) == ("system", 0, 2)
    assert event.new["fields"]["orgs.User.phone"]["resealed"] == 2
    assert event.new["fields"]["clues.Clue.reporter_name"]["resealed"] == 1
    assert event.new["fields"]["clues.Clue.reporter_phone"]["resealed"] == 1
    call_command("rotate_field_key", "--check")  # nothing left: no error

    # Key 1 dropped: everything still reads.
    settings.DUCHA_FIELD_KEYS = f"2:{KEY2}"
    assert User.objects.get(pk=fgw.pk).phone == "13812345678"
    assert dict(User.objects.filter(pk__in=[fgw.pk, jyj.pk]).values_list("username", "phone")) == {
        "fgw": "13812345678",
        "jyj": "13900001111",
    }
    name, phone = _raw_reporter(clue)
    assert (crypto.unseal(name), crypto.unseal(phone)) == ("王建国", "13700112233")


def test_rotation_is_idempotent(sealed_under_key_1, settings):
    (fgw, _jyj), _clue = sealed_under_key_1
    settings.DUCHA_FIELD_KEY = ""
    settings.DUCHA_FIELD_KEYS = f"2:{KEY2},1:{_key1()}"
    call_command("rotate_field_key")
    after_first = _raw_phone(fgw)

    call_command("rotate_field_key")

    assert _raw_phone(fgw) == after_first  # already under the current key: untouched
    second = Event.objects.filter(event_type=EventType.FIELD_KEY_ROTATED).order_by("-id").first()
    assert second is not None and second.new["fields"]["orgs.User.phone"]["resealed"] == 0


def test_rotation_leaves_a_value_under_a_dropped_key_as_it_is_and_says_so(sealed_under_key_1, settings):
    (fgw, _jyj), _clue = sealed_under_key_1
    before = _raw_phone(fgw)
    settings.DUCHA_FIELD_KEY = ""
    settings.DUCHA_FIELD_KEYS = f"2:{KEY2}"  # key 1 dropped too early

    with pytest.raises(CommandError) as refused:
        call_command("rotate_field_key")

    assert refused.value.returncode == 2
    assert _raw_phone(fgw) == before
    with pytest.raises(ValueError):
        User.objects.get(pk=fgw.pk)  # an unreadable phone is an error, never silently empty
