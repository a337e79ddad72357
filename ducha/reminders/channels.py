"""Notification channels: one interface, `send(outgoing) -> SendResult`, raising nothing for a failed send.

- inbox: the message is in the database already; nothing to do.
- email: Django's mail API (SMTP in production, configured by the EMAIL_* settings).
- sms: a gateway adapter — HTTP POST of JSON {"phone", "text"} to DUCHA_SMS_GATEWAY_URL (bearer token optional);
  a 2xx answer whose JSON does not report an error code counts as sent.
- webhook: a group robot in the style of 政务微信 (WeCom) or 钉钉 (DingTalk): HTTP POST of a text or markdown card;
  the robot's {"errcode": 0} is checked.

Messages about secret items never carry the item's title outside the inbox.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _
from django.utils.translation import override

from ducha.reminders.models import Channel as ChannelName
from ducha.reminders.models import WebhookStyle

SMS_MAX_CHARS = 300
WEBHOOK_MAX_LINES = 20


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: the message's stored text and lines, the address, and the robot's style."""

    subject: str
    lines: list[dict[str, Any]]
    line_count: int
    target: str
    inbox_url: str
    style: str = WebhookStyle.WECOM
    use_markdown: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str = ""
    response: str = ""
    # A failure that another attempt cannot fix (no address, no gateway configured): dead-lettered at once.
    permanent: bool = False


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> SendResult: ...


def line_text(line: dict[str, Any], *, external: bool) -> str:
    """One line of a digest: number, title (withheld for secret items outside the inbox), what is due."""
    title = _("(classified item)") if external and line.get("is_secret") else line.get("title", "")
    text = f"{line.get('number') or '#' + str(line.get('item'))} {title} — {line.get('label', '')}"
    if line.get("due_date"):
        text += " " + _("(due %(date)s)") % {"date": line["due_date"]}
    if line.get("note") and not (external and line.get("is_secret")):
        text += f": {line['note']}"
    return text


def plain_body(message: Outgoing, *, external: bool = True) -> str:
    rows = [f"- {line_text(line, external=external)}" for line in message.lines]
    more = message.line_count - len(message.lines)
    if more > 0:
        rows.append(_("… and %(count)d more") % {"count": more})
    rows.append("")
    rows.append(_("Open the platform to see and act: %(url)s") % {"url": message.inbox_url})
    return "\n".join(rows)


class InboxChannel:
    name: str = ChannelName.INBOX

    def send(self, message: Outgoing) -> SendResult:
        return SendResult(ok=True, response="stored")


class EmailChannel:
    name: str = ChannelName.EMAIL

    def send(self, message: Outgoing) -> SendResult:
        if not message.target:
            return SendResult(ok=False, error="no e-mail address", permanent=True)
        try:
            sent = EmailMessage(subject=message.subject, body=plain_body(message), to=[message.target]).send(
                fail_silently=False
            )
        except Exception as error:  # SMTP, socket and header errors alike: the attempt failed
            return SendResult(ok=False, error=f"{type(error).__name__}: {error}"[:2000])
        return SendResult(ok=bool(sent), error="" if sent else "not accepted", response=f"sent={sent}")


def _post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.DUCHA_NOTIFY_TIMEOUT_SECONDS) as response:
            return response.status, response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(1024).decode("utf-8", "replace")


def _check_json_answer(status: int, body: str, *, codes: tuple[str, ...]) -> SendResult:
    if not 200 <= status < 300:
        return SendResult(ok=False, error=f"HTTP {status}", response=body[:500])
    try:
        answer = json.loads(body) if body.strip() else {}
    except ValueError:
        return SendResult(ok=False, error="the answer is not JSON", response=body[:500])
    if isinstance(answer, dict):
        for code in codes:
            if code in answer and answer[code] not in (0, "0", "OK", "ok", True):
                return SendResult(ok=False, error=f"{code}={answer[code]}", response=body[:500])
        if answer.get("ok") is False or answer.get("success") is False:
            return SendResult(ok=False, error="the gateway refused", response=body[:500])
    return SendResult(ok=True, response=body[:500])


def _network_error(error: Exception) -> SendResult:
    return SendResult(ok=False, error=f"{type(error).__name__}: {error}"[:2000])


class SmsChannel:
    name: str = ChannelName.SMS

    def send(self, message: Outgoing) -> SendResult:
        url = settings.DUCHA_SMS_GATEWAY_URL
        if not url:
            return SendResult(
                ok=False, error="no SMS gateway configured (DUCHA_SMS_GATEWAY_URL)", permanent=True
            )
        if not message.target:
            return SendResult(ok=False, error="no mobile phone number", permanent=True)
        text = sms_text(message)
        headers = {}
        if settings.DUCHA_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.DUCHA_SMS_GATEWAY_TOKEN}"
        try:
            status, body = _post_json(url, {"phone": message.target, "text": text}, headers)
        except (OSError, ValueError) as error:
            return _network_error(error)
        return _check_json_answer(status, body, codes=("code", "errcode"))


def sms_text(message: Outgoing) -> str:
    first = message.lines[0] if message.lines else {}
    brand = _("Supervision")
    text = f"【{brand}】{message.subject}"
    if first:
        text += "：" + line_text(first, external=True)
    if message.line_count > 1:
        text += " " + _("and %(count)d more") % {"count": message.line_count - 1}
    return text[:SMS_MAX_CHARS]


def webhook_payload(message: Outgoing) -> dict[str, Any]:
    lines = message.lines[:WEBHOOK_MAX_LINES]
    more = message.line_count - len(lines)
    if message.use_markdown:
        rows = [f"### {message.subject}"]
        rows += [f"- {line_text(line, external=True)}" for line in lines]
        if more > 0:
            rows.append(_("… and %(count)d more") % {"count": more})
        open_inbox = _("Open the inbox")
        rows.append(f"[{open_inbox}]({message.inbox_url})")
        content = "\n".join(rows)
        if message.style == WebhookStyle.DINGTALK:
            return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": content}}
        return {"msgtype": "markdown", "markdown": {"content": content}}
    content = f"{message.subject}\n{plain_body(message)}"
    return {"msgtype": "text", "text": {"content": content}}


class WebhookChannel:
    name: str = ChannelName.WEBHOOK

    def send(self, message: Outgoing) -> SendResult:
        if not message.target:
            return SendResult(ok=False, error="no group robot configured", permanent=True)
        try:
            status, body = _post_json(message.target, webhook_payload(message))
        except (OSError, ValueError) as error:
            return _network_error(error)
        return _check_json_answer(status, body, codes=("errcode",))


CHANNELS: dict[str, Channel] = {
    ChannelName.INBOX: InboxChannel(),
    ChannelName.EMAIL: EmailChannel(),
    ChannelName.SMS: SmsChannel(),
    ChannelName.WEBHOOK: WebhookChannel(),
}


def channel_for(name: str) -> Channel:
    return CHANNELS[name]


def send(name: str, message: Outgoing) -> SendResult:
    """Send in the site's language (messages are rendered for the recipient, not for a request)."""
    with override(settings.LANGUAGE_CODE):
        return channel_for(name).send(message)
