"""The public site of 互联网+督查 with the Django test client: a clue sent anonymously or signed (the name and phone
sealed at rest), followed with its tracking code, and every refusal (the service's checks, the rate limit, the
picture code, the honeypot) leaving nothing stored and the reporter's input on the page."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from ducha.clues import services
from ducha.clues.models import Case, Category, Clue, CluePhoto, Place
from ducha.clues.selectors import PUBLIC_STATUS
from ducha.common import error_codes as codes
from ducha.common.crypto import digest, unseal
from ducha.devtools.demo.places import VILLAGES
from tests.clock import moment

TEXT = "城关镇槐树村村口的路灯坏了三个月，晚上一片漆黑，村民多次反映没人修。"


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(moment(2026, 11, 18, 10), tick=False):
        yield


@pytest.fixture(autouse=True)
def _public_settings(settings):
    settings.DUCHA_CLUE_CAPTCHA = False
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "5/3600"
    settings.DUCHA_CLUE_RATE_GLOBAL = "0"


@pytest.fixture
def places(world) -> dict[str, Place]:
    """The demo county's villages and communities (created here when the demo does not have them), by name."""
    for code, names in VILLAGES.items():
        township = world.townships[code]
        for name in names:
            Place.objects.get_or_create(township=township, name=name, defaults={"government": world.county})
    return {place.name: place for place in Place.objects.filter(government=world.county)}


@pytest.fixture
def county(world, places):
    return world.county


def jpeg(name: str = "lamp.jpg", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def form_data(world, places, **changes):
    data = {
        "category": Category.CONDUCT,
        "township": world.townships["cgz"].pk,
        "place": places["槐树村"].pk,
        "text": TEXT,
        "identity": "anonymous",
        "name": "",
        "phone": "",
        "website": "",
    }
    data.update(changes)
    return data


def new_url(county) -> str:
    return reverse("public-clue-new", args=[county.pk])


def sent_code(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"/clues/sent/([A-Z0-9]+)/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def message(code: str) -> str:
    return str(codes.message_for(code))


def shown(code: str) -> str:
    """The message as the page shows it (HTML-escaped)."""
    return escape(message(code))


# --- the pages -------------------------------------------------------------------------------------------------


def test_the_index_goes_to_the_only_government_with_places(client, county):
    response = client.get("/public/")
    assert response.status_code == 302
    assert response["Location"] == reverse("public-government", args=[county.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert county.name in body
    assert reverse("public-clue-new", args=[county.pk]) in body
    assert 'name="viewport"' in body and "public/public.css" in body
    assert "htmx" not in body


def test_the_index_lists_the_governments_when_several_are_served(client, world, county):
    city_township = world.townships["dhz"]
    Place.objects.create(government=world.city, township=city_township, name="示范市测试村")
    body = client.get("/public/").content.decode()
    assert world.city.name in body and county.name in body


def test_a_unit_that_is_not_a_served_government_is_not_found(client, world, county):
    for unit in (world.departments["fgw"], world.townships["cgz"], world.city):
        assert client.get(reverse("public-government", args=[unit.pk])).status_code == 404
        assert client.get(reverse("public-clue-new", args=[unit.pk])).status_code == 404
    assert client.get("/public/999999/").status_code == 404


def test_the_form_offers_the_categories_townships_villages_and_photos(
    client, world, county, places, settings
):
    settings.DUCHA_CLUE_CAPTCHA = True
    response = client.get(new_url(county))
    assert response.status_code == 200
    body = response.content.decode()
    for value, _label in Category.choices:
        assert f'value="{value}"' in body
    assert body.count('type="radio" name="category"') == 4
    assert f'<option value="{world.townships["cgz"].pk}">' in body
    assert "<optgroup" in body and f'value="{places["槐树村"].pk}"' in body
    assert 'accept="image/*"' in body and "multiple" in body
    assert 'name="website"' in body and 'class="hp"' in body
    assert 'name="captcha_1"' in body and "/captcha/image/" in body
    assert "no-store" in response["Cache-Control"]


# --- sending a clue --------------------------------------------------------------------------------------------


def test_an_anonymous_clue_is_received_and_tracked_by_its_code(client, world, county, places):
    response = client.post(
        new_url(county), form_data(world, places, photos=[jpeg()]), REMOTE_ADDR="203.0.113.7"
    )
    code = sent_code(response)
    clue = Clue.objects.get(code=code)
    assert clue.government == county and clue.channel == "public"
    assert clue.anonymous and clue.reporter_name == "" and clue.reporter_phone == ""
    assert clue.township == world.townships["cgz"] and clue.place == places["槐树村"]
    assert clue.text == TEXT and clue.category == Category.CONDUCT
    assert clue.source_digest == digest("203.0.113.7")
    assert CluePhoto.objects.filter(clue=clue).count() == 1

    sent = client.get(response["Location"])
    assert sent.status_code == 200
    assert code in sent.content.decode()
    assert "no-store" in sent["Cache-Control"]

    progress = client.get(reverse("public-track-code", args=[code]))
    assert progress.status_code == 200
    assert "no-store" in progress["Cache-Control"]
    body = progress.content.decode()
    assert 'data-progress="received"' in body
    assert str(PUBLIC_STATUS["received"]) in body
    assert "槐树村" in body


def test_a_signed_clue_keeps_the_name_and_phone_sealed(client, world, county, places):
    data = form_data(world, places, identity="signed", name="王建国", phone="13812345678")
    code = sent_code(client.post(new_url(county), data))
    clue = Clue.objects.get(code=code)
    assert not clue.anonymous
    raw = Clue.objects.filter(pk=clue.pk).values("reporter_name", "reporter_phone", "reporter_masked").get()
    assert "王建国" not in raw["reporter_name"] and "13812345678" not in raw["reporter_phone"]
    assert unseal(raw["reporter_name"]) == "王建国" and unseal(raw["reporter_phone"]) == "13812345678"
    assert "王建国" not in raw["reporter_masked"] and "13812345678" not in raw["reporter_masked"]
    assert raw["reporter_masked"].startswith("王") and "5678" in raw["reporter_masked"]

    body = client.get(reverse("public-track-code", args=[code])).content.decode()
    for secret in ("王建国", "13812345678", raw["reporter_masked"], "5678"):
        assert secret not in body


def test_anonymous_discards_a_name_and_phone_typed_before_choosing_it(client, world, county, places):
    data = form_data(world, places, identity="anonymous", name="王建国", phone="12")
    clue = Clue.objects.get(code=sent_code(client.post(new_url(county), data)))
    assert clue.anonymous and clue.reporter_name == "" and clue.reporter_phone == ""


def test_the_tracking_page_shows_the_closing_reason_and_the_published_answer(client, world, county, places):
    first = Clue.objects.get(code=sent_code(client.post(new_url(county), form_data(world, places))))
    services.case_close(case_id=first.case_id, actor=world.user("office"), reason="已由城关镇当场修复。")
    body = client.get(reverse("public-track-code", args=[first.code.lower()])).content.decode()
    assert 'data-progress="closed"' in body and "已由城关镇当场修复。" in body

    other = form_data(
        world,
        places,
        text="南桥镇沙河村的垃圾一周没人清运，臭气熏天，影响附近学校。",
        township=world.townships["nqz"].pk,
        place=places["沙河村"].pk,
    )
    second = Clue.objects.get(code=sent_code(client.post(new_url(county), other)))
    case = Case.objects.get(pk=second.case_id)
    services.case_accept(case_id=case.pk, actor=world.user("office"))
    answer = services.answer_draft(
        case_id=case.pk, actor=world.user("office"), text="垃圾已清运，建立每日清运制度。"
    )
    services.answer_submit(answer_id=answer.pk, actor=world.user("office"))
    services.answer_publish(answer_id=answer.pk, actor=world.user("office2"))
    body = client.get(reverse("public-track-code", args=[second.code])).content.decode()
    assert 'data-progress="answered"' in body and "垃圾已清运，建立每日清运制度。" in body


# --- refusals: nothing stored, the input kept ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"text": "路灯坏了"}, "text", codes.CLUE_TEXT_LENGTH),
        ({"identity": "signed", "name": "王建国", "phone": "12345"}, "phone", codes.CLUE_PHONE_INVALID),
        ({"identity": "signed", "name": "", "phone": "13812345678"}, "name", codes.CLUE_NAME_REQUIRED),
        ({"place": "VILLAGE_OF_NQZ"}, "place", codes.CLUE_PLACE_INVALID),
    ],
)
def test_invalid_input_is_shown_next_to_its_field_and_nothing_is_stored(
    client, world, county, places, changes, field, code
):
    if changes.get("place") == "VILLAGE_OF_NQZ":
        changes = {"place": places["沙河村"].pk}  # a village of 南桥镇, with 城关镇 chosen
    data = form_data(world, places, **changes)
    response = client.post(new_url(county), data)
    assert response.status_code == 400
    assert Clue.objects.count() == 0
    form = response.context["form"]
    assert form.errors[field] == [message(code)]
    body = response.content.decode()
    assert shown(code) in body
    # What was typed is all there again.
    assert data["text"] in body
    assert re.search(rf'<input type="radio" name="category" value="{data["category"]}"[^>]*checked', body)
    assert re.search(rf'<option value="{data["place"]}" selected>', body)
    if data["phone"]:
        assert f'value="{data["phone"]}"' in body


def test_a_text_file_named_jpg_is_refused_and_the_photos_must_be_chosen_again(client, world, county, places):
    fake = SimpleUploadedFile("lamp.jpg", b"just some text, not a picture", content_type="image/jpeg")
    response = client.post(new_url(county), form_data(world, places, photos=[jpeg(), fake]))
    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == [message(codes.CLUE_PHOTO_TYPE)]
    assert response.context["photos_again"] is True
    assert TEXT in response.content.decode()
    assert Clue.objects.count() == 0 and CluePhoto.objects.count() == 0


def test_too_many_photos_are_refused(client, world, county, places, settings):
    photos = [jpeg(f"p{i}.jpg") for i in range(settings.DUCHA_CLUE_PHOTOS_MAX + 1)]
    response = client.post(new_url(county), form_data(world, places, photos=photos))
    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == [message(codes.CLUE_PHOTOS_TOO_MANY)]
    assert Clue.objects.count() == 0 and CluePhoto.objects.count() == 0


def test_a_missing_category_or_township_is_refused_by_the_form(client, world, county, places):
    response = client.post(new_url(county), form_data(world, places, category="", township=""))
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"category", "township"}
    assert Clue.objects.count() == 0


def test_the_rate_limit_refuses_the_third_clue_from_one_address(client, world, county, places, settings):
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "2/3600"
    for _ in range(2):
        sent_code(client.post(new_url(county), form_data(world, places), REMOTE_ADDR="198.51.100.4"))
    # A forwarded-for header does not make the same address another sender.
    response = client.post(
        new_url(county),
        form_data(world, places),
        REMOTE_ADDR="198.51.100.4",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429
    assert shown(codes.CLUE_RATE_LIMITED) in response.content.decode()
    assert TEXT in response.content.decode()
    assert Clue.objects.count() == 2
    # Another address is not held back.
    sent_code(client.post(new_url(county), form_data(world, places), REMOTE_ADDR="198.51.100.5"))
    assert Clue.objects.count() == 3


def test_the_captcha_refuses_a_wrong_answer_and_takes_the_right_one(client, world, county, places, settings):
    settings.DUCHA_CLUE_CAPTCHA = True
    page = client.get(new_url(county)).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    wrong = form_data(world, places, captcha_0=key, captcha_1="wrong")
    response = client.post(new_url(county), wrong)
    assert response.status_code == 400
    assert response.context["form"].errors["captcha"] == [message(codes.CLUE_CAPTCHA)]
    assert Clue.objects.count() == 0
    assert TEXT in response.content.decode()
    # The refused picture is spent; the page shows a new one, which is answered right.
    assert not CaptchaStore.objects.filter(hashkey=key).exists()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', response.content.decode()).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    sent_code(client.post(new_url(county), form_data(world, places, captcha_0=key, captcha_1=answer)))
    assert Clue.objects.count() == 1


def test_the_captcha_in_test_mode_takes_passed(client, world, county, places, settings, monkeypatch):
    from captcha.conf import settings as captcha_settings

    settings.DUCHA_CLUE_CAPTCHA = True
    settings.CAPTCHA_TEST_MODE = True
    # django-simple-captcha reads CAPTCHA_TEST_MODE once, when it is imported.
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    sent_code(client.post(new_url(county), form_data(world, places, captcha_0="x", captcha_1="PASSED")))
    assert Clue.objects.count() == 1


def test_a_bot_filling_the_honeypot_gets_the_sent_page_and_nothing_is_stored(client, world, county, places):
    response = client.post(new_url(county), form_data(world, places, website="http://spam.example"))
    code = sent_code(response)
    assert client.get(response["Location"]).status_code == 200
    assert Clue.objects.count() == 0 and Case.objects.count() == 0
    assert client.get(reverse("public-track-code", args=[code])).status_code == 404


# --- tracking ----------------------------------------------------------------------------------------------------


def test_an_unknown_code_says_so(client, county):
    response = client.get(reverse("public-track-code", args=["ABCDEFGHJKLM"]))
    assert response.status_code == 404
    assert shown(codes.CLUE_CODE_UNKNOWN) in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_tracking_form_tidies_the_typed_code(client, world, county, places):
    code = sent_code(client.post(new_url(county), form_data(world, places)))
    typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
    response = client.get(reverse("public-track"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == reverse("public-track-code", args=[code])
    assert client.get(reverse("public-track")).status_code == 200
    empty = client.get(reverse("public-track"), {"code": "  "})
    assert empty.status_code == 200 and 'role="alert"' in empty.content.decode()
