"""Channels against real local servers, retries with backoff, dead letters, preferences and mandatory kinds."""

from __future__ import annotations

import datetime
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from ducha.common.errors import NotPermitted
from ducha.reminders import selectors, services
from ducha.reminders.models import Delivery, DeliveryAttempt, MandatoryChannel, WebhookEndpoint

from .conftest import moment
from .support import running_item, sweep

D = datetime.date
pytestmark = pytest.mark.django_db


def _due_today_items(world, travel, count: int = 1, **fields):
    travel(2026, 11, 2, 10)
    return [
        running_item(world, due=D(2026, 11, 13), title=f"老旧小区改造{n}", **fields) for n in range(count)
    ]


def _enable(user, **channels: bool) -> None:
    services.preferences_set(user=user, channels_enabled=channels)


def test_webhook_robot_gets_one_markdown_card_per_recipient(
    world, travel, django_capture_on_commit_callbacks, http_server
):
    WebhookEndpoint.objects.create(
        name="发改局工作群", url=f"{http_server.url}/wecom", unit=world.departments["fgw"]
    )
    _enable(world.user("fgw_liaison"), webhook=True)
    _due_today_items(world, travel, count=5)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    assert len(http_server.requests) == 1  # a digest: five items, one card
    body = http_server.requests[0].body
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert all(f"老旧小区改造{n}" in content for n in range(5))
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts, delivery.target) == ("sent", 1, f"{http_server.url}/wecom")
    assert DeliveryAttempt.objects.get(delivery=delivery).is_success


def test_dingtalk_style_and_secret_titles_stay_in_the_inbox(
    world, travel, django_capture_on_commit_callbacks, http_server
):
    WebhookEndpoint.objects.create(name="默认机器人", url=f"{http_server.url}/ding", style="dingtalk")
    _enable(world.user("fgw"), webhook=True)
    _due_today_items(world, travel, confidentiality="secret")

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    [request] = http_server.requests
    assert set(request.body["markdown"]) == {"title", "text"}
    assert "老旧小区改造" not in request.body["markdown"]["text"]
    [message] = selectors.with_lines(list(world.user("fgw").messages.all()))
    assert "老旧小区改造" in message.lines[0]["title"]


def test_sms_gateway_is_posted_phone_and_text_and_its_answer_is_checked(
    world, travel, django_capture_on_commit_callbacks, http_server, settings
):
    settings.DUCHA_SMS_GATEWAY_URL = f"{http_server.url}/sms"
    settings.DUCHA_SMS_GATEWAY_TOKEN = "s3cret"
    http_server.script = [(200, {"code": 1001, "message": "quota exceeded"}), (200, {"code": 0})]
    liaison = world.user("fgw_liaison")
    liaison.phone = "13800000002"
    liaison.save(update_fields=["phone"])
    _enable(liaison, sms=True)
    _due_today_items(world, travel)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    delivery = Delivery.objects.get(channel="sms")
    # The gateway answered 200 with an error code: that is a failure, retried after the backoff.
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("retry", 1, "code=1001")
    assert delivery.next_attempt_at == moment(2026, 11, 13, 9, 1)
    request = http_server.requests[0]
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.body["phone"] == "13800000002" and "老旧小区改造0" in request.body["text"]

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(http_server.requests) == 2


def test_email_goes_through_a_real_smtp_server(
    world, travel, django_capture_on_commit_callbacks, smtp_server
):
    liaison = world.user("fgw_liaison")
    liaison.email = "fgw-liaison@example.gov.cn"
    liaison.save(update_fields=["email"])
    _enable(liaison, email=True)
    _due_today_items(world, travel, count=2)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["fgw-liaison@example.gov.cn"]
    mail = message_from_bytes(envelope.content)
    body = mail.get_payload(decode=True).decode()
    assert "老旧小区改造0" in body and "老旧小区改造1" in body
    assert str(make_header(decode_header(mail["Subject"])))
    assert Delivery.objects.get(channel="email").status == "sent"


def test_failures_back_off_exponentially_then_become_dead_letters_an_admin_can_retry(
    world, travel, django_capture_on_commit_callbacks, http_server
):
    http_server.script = [(500, "boom")]
    WebhookEndpoint.objects.create(name="默认机器人", url=f"{http_server.url}/robot")
    _enable(world.user("fgw_liaison"), webhook=True)
    _due_today_items(world, travel)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.next_attempt_at) == ("retry", moment(2026, 11, 13, 9, 1))

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9, 0, 30)  # too early: nothing
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "retry",
        2,
        moment(2026, 11, 13, 9, 3),  # 2 minutes after the second failure
    )
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9, 3)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("dead", 3, "HTTP 500")
    assert len(http_server.requests) == 3
    assert [a.number for a in DeliveryAttempt.objects.filter(delivery=delivery)] == [1, 2, 3]

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 10)  # dead letters stay put
    assert len(http_server.requests) == 3

    with pytest.raises(NotPermitted):
        services.delivery_retry(delivery_id=delivery.pk, actor=world.user("office"))
    http_server.script = [(200, {"errcode": 0})]
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery_id=delivery.pk, actor=world.user("admin"))
    delivery.refresh_from_db()
    assert (delivery.status, len(http_server.requests)) == ("sent", 4)


def test_office_hours_end_defers_a_retry_to_the_next_working_day(
    world, travel, django_capture_on_commit_callbacks, http_server
):
    http_server.script = [(502, "bad gateway"), (200, {"errcode": 0})]
    WebhookEndpoint.objects.create(name="默认机器人", url=f"{http_server.url}/robot")
    _enable(world.user("fgw_liaison"), webhook=True)
    _due_today_items(world, travel)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 16, 59, 30)

    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.next_attempt_at == moment(2026, 11, 16, 9)  # Friday evening → Monday 9:00


def test_a_robot_answering_an_error_code_is_a_failure(
    world, travel, django_capture_on_commit_callbacks, http_server
):
    http_server.script = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    WebhookEndpoint.objects.create(name="默认机器人", url=f"{http_server.url}/robot")
    _enable(world.user("fgw_liaison"), webhook=True)
    _due_today_items(world, travel)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    assert Delivery.objects.get(channel="webhook").last_error == "errcode=93000"


def test_channel_preferences_decide_and_mandatory_kinds_override(
    world, travel, django_capture_on_commit_callbacks, http_server, settings
):
    settings.DUCHA_SMS_GATEWAY_URL = f"{http_server.url}/sms"
    http_server.script = [(200, {"code": 0})]
    fgw, liaison = world.user("fgw"), world.user("fgw_liaison")
    for user, phone in ((fgw, "13800000003"), (liaison, "13800000004")):
        user.phone = phone
        user.save(update_fields=["phone"])
    _enable(fgw, sms=False)
    _enable(liaison, sms=True)
    _due_today_items(world, travel)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)
    assert {r.body["phone"] for r in http_server.requests} == {"13800000004"}

    services.mandatory_channels_set(actor=world.user("office"), pairs=[("overdue", "sms")])
    assert list(MandatoryChannel.objects.values_list("kind", "channel")) == [("overdue", "sms")]
    with pytest.raises(NotPermitted):
        services.mandatory_channels_set(actor=fgw, pairs=[])

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)  # overdue: SMS whatever fgw chose
    assert sorted(r.body["phone"] for r in http_server.requests) == [
        "13800000003",
        "13800000004",
        "13800000004",
    ]


def test_a_mandatory_channel_without_an_address_is_a_dead_letter_at_once(
    world, travel, django_capture_on_commit_callbacks, settings, http_server
):
    settings.DUCHA_SMS_GATEWAY_URL = f"{http_server.url}/sms"
    MandatoryChannel.objects.create(kind="due_today", channel="sms")
    _due_today_items(world, travel)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    deliveries = Delivery.objects.filter(channel="sms")
    assert {(d.status, d.attempts, d.last_error) for d in deliveries} == {
        ("dead", 1, "no mobile phone number")
    }
    assert http_server.requests == []
