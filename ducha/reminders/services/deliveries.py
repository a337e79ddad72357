"""Deliveries on the external channels: claimed before sending, one attempt row per try, backoff, dead letters."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import (
    F,
    Q,
)
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db.backend import DatabaseBackend

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted
from ducha.orgs.models import Role, User
from ducha.reminders import channels, timing
from ducha.reminders.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    MandatoryChannel,
    Message,
    ReminderRun,
    WebhookEndpoint,
)
from ducha.reminders.selectors import channels_for, message_lines
from ducha.reminders.services.base import DISPATCH_BATCH, REQUEUE_AFTER, SENDING_LEASE, logger

# --- deliveries ---------------------------------------------------------------------------------------------------


def _webhook_targets() -> tuple[dict[int, WebhookEndpoint], WebhookEndpoint | None]:
    by_unit: dict[int, WebhookEndpoint] = {}
    default: WebhookEndpoint | None = None
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        if endpoint.unit_id is None:
            default = default or endpoint
        else:
            by_unit[endpoint.unit_id] = endpoint
    if default is None and settings.DUCHA_WEBHOOK_URL:
        default = WebhookEndpoint(
            name="default", url=settings.DUCHA_WEBHOOK_URL, style=settings.DUCHA_WEBHOOK_STYLE
        )
    return by_unit, default


def _deliveries_create(run: ReminderRun, kinds: dict[int, dict[str, int]]) -> list[int]:
    """Per message of the run, one delivery per external channel the recipient chose or the office made mandatory
    for one of the message's kinds (`kinds`: the digest's counts by recipient and kind). Returns the new
    deliveries' ids."""
    messages = dict(Message.objects.filter(run=run).values_list("recipient_id", "id"))
    if not messages:
        return []
    mandatory: dict[str, set[str]] = defaultdict(set)
    for kind, channel in MandatoryChannel.objects.values_list("kind", "channel"):
        mandatory[kind].add(channel)
    chosen = channels_for(messages)
    by_unit, default_robot = _webhook_targets()
    users = User.objects.filter(pk__in=list(messages)).only("id", "email", "phone", "unit_id")
    not_before = timing.next_send_moment(run.at)
    created = timezone.now()
    deliveries = []
    for user in users:
        wanted = set(chosen.get(user.pk, set()))
        required: set[str] = set()
        for kind in kinds.get(user.pk, {}):
            required |= mandatory.get(kind, set())
        for channel in sorted(wanted | required):
            robot = by_unit.get(user.unit_id or 0, default_robot) if channel == Channel.WEBHOOK else None
            targets: dict[str, str] = {
                Channel.EMAIL: user.email,
                Channel.SMS: user.phone,
                Channel.WEBHOOK: robot.url if robot else "",
            }
            target = targets[channel]
            if not target and channel not in required:
                continue  # chosen but no address: nothing to try; a mandatory one is dead-lettered for the admin
            deliveries.append(
                Delivery(
                    message_id=messages[user.pk],
                    channel=channel,
                    target=target,
                    next_attempt_at=not_before,
                    created_at=created,
                )
            )
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    return list(Delivery.objects.filter(message__run=run).order_by("id").values_list("id", flat=True))


def _backend_defers() -> bool:
    from django_tasks import default_task_backend

    return bool(default_task_backend.supports_defer)


def deliveries_enqueue(delivery_ids: list[int]) -> int:
    """Queue a send task for each delivery: those due now at once, later ones deferred where the task backend
    can defer (else the sweep's dispatch queues them when they are due). The delivery keeps when it was queued
    and the task's id, so that the sweep's dispatch can tell a task waiting its turn from a lost one. Returns how
    many were queued."""
    # The one import that must wait: the task module imports these services to run them.
    from ducha.reminders.tasks import deliver

    if not delivery_ids:
        return 0
    now = timezone.now()
    defers = _backend_defers()
    queued = 0
    rows = Delivery.objects.filter(
        pk__in=delivery_ids, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY]
    ).values_list("id", "next_attempt_at")
    for delivery_id, next_attempt_at in list(rows):
        # Marked before the task exists: a task that runs at once (or a crash right after queueing) must find the
        # delivery already marked; a crash before queueing leaves a mark without a task id, which the dispatch
        # treats as lost.
        if next_attempt_at <= now:
            stamp = now
            Delivery.objects.filter(pk=delivery_id).update(enqueued_at=stamp, task_id="")
            result = deliver.enqueue(delivery_id)
        elif defers:
            stamp = next_attempt_at
            Delivery.objects.filter(pk=delivery_id).update(enqueued_at=stamp, task_id="")
            result = deliver.using(run_after=next_attempt_at).enqueue(delivery_id)
        else:
            continue
        # Only if the task has not already run and changed the delivery (a backend that runs tasks at once).
        Delivery.objects.filter(pk=delivery_id, enqueued_at=stamp, task_id="").update(
            task_id=str(result.id)[:64]
        )
        queued += 1
    return queued


def _tasks_waiting(task_ids: list[str]) -> set[str] | None:
    """Of these task ids, those the task backend still holds waiting to run; None when the backend cannot tell
    (one that keeps no results, such as the immediate backend: its tasks ran when they were queued)."""
    from ducha.reminders.tasks import deliver

    backend = deliver.get_backend()
    if not backend.supports_get_result:
        return None
    ids = [task_id for task_id in task_ids if task_id]
    if not ids:
        return set()
    if isinstance(backend, DatabaseBackend):
        # django-tasks-db: one query for the batch rather than one per task (its model, once the apps are loaded).
        from django_tasks_db.models import DBTaskResult

        uuids = []
        for task_id in ids:
            try:
                uuids.append(uuid.UUID(task_id))
            except ValueError:
                continue  # queued on another backend before a switch: lost to this one
        waiting = DBTaskResult.objects.filter(pk__in=uuids, status=TaskResultStatus.READY)
        return {str(pk) for pk in waiting.values_list("pk", flat=True)}
    held = set()
    for task_id in ids:
        try:
            result = backend.get_result(task_id)
        except TaskResultDoesNotExist:
            continue
        if result.status == TaskResultStatus.READY:
            held.add(task_id)
    return held


def deliveries_dispatch(*, at: dt.datetime | None = None) -> tuple[int, int]:
    """Housekeeping that every sweep does first: dead-letter deliveries whose worker died while sending (their
    outcome is unknown; resending could send twice), and queue due deliveries that no task is waiting for
    (retries on a backend that cannot defer, a lost queue, a crash between commit and queueing).

    A delivery queued more than REQUEUE_AFTER ago and still unsent is not queued again while its task still waits
    in the queue (a long queue behind a slow channel): it is marked as seen waiting now instead. It is queued again
    only when its task is gone (lost, failed, or ran without claiming it, such as a worker that died before the
    claim), or has no task id (a crash between marking and queueing), or the backend cannot tell. So however many
    sweeps pass, a delivery has one task waiting at a time. Returns (dead-lettered, queued)."""
    at = at or timezone.now()
    dead = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=at - SENDING_LEASE).update(
        status=DeliveryStatus.DEAD,
        dead_at=at,
        last_error="interrupted while sending; the outcome is unknown, so it was not resent",
    )
    candidates = list(
        Delivery.objects.filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=at - REQUEUE_AFTER),
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY],
            next_attempt_at__lte=at,
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", "enqueued_at", "task_id")[:DISPATCH_BATCH]
    )
    waiting = _tasks_waiting([task_id for _pk, enqueued_at, task_id in candidates if enqueued_at is not None])
    still_queued = [
        pk
        for pk, enqueued_at, task_id in candidates
        if enqueued_at is not None and task_id in (waiting or ())
    ]
    if still_queued:
        Delivery.objects.filter(pk__in=still_queued).update(enqueued_at=at)
    skipped = set(still_queued)
    due = [pk for pk, _enqueued_at, _task_id in candidates if pk not in skipped]
    return dead, deliveries_enqueue(due)


def _outgoing(delivery: Delivery) -> channels.Outgoing:
    message = delivery.message
    style, use_markdown = settings.DUCHA_WEBHOOK_STYLE, True
    if delivery.channel == Channel.WEBHOOK:
        endpoint = WebhookEndpoint.objects.filter(url=delivery.target).first()
        if endpoint is not None:
            style, use_markdown = endpoint.style, endpoint.use_markdown
    return channels.Outgoing(
        subject=message.subject,
        lines=message_lines([message], limit=channels.WEBHOOK_MAX_LINES).get(message.pk, []),
        line_count=message.line_count,
        target=delivery.target,
        inbox_url=f"{settings.DUCHA_SITE_URL}/inbox/",
        style=style,
        use_markdown=use_markdown,
    )


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: the base doubled each time (60 s, 2 min, 4 min …), at most a day."""
    seconds = settings.DUCHA_DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 86400))


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Try to send one delivery (the task's body). The delivery is claimed first with a conditional UPDATE: if
    it is not due, already sent, dead or being sent by another worker, nothing happens (returns None).
    Otherwise one DeliveryAttempt is recorded; on failure the delivery waits (exponential backoff) or, after the
    last attempt, becomes a dead letter. Returns the new status."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY],
        next_attempt_at__lte=now,
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("message").get(pk=delivery_id)
    attempt = DeliveryAttempt.objects.create(
        delivery=delivery, number=delivery.attempt_log.count() + 1, started_at=now
    )
    try:
        result = channels.send(delivery.channel, _outgoing(delivery))
    except Exception as error:  # a channel must not leave the delivery claimed for ever
        logger.exception("channel %s failed", delivery.channel)
        result = channels.SendResult(ok=False, error=f"{type(error).__name__}: {error}")
    finished = timezone.now()
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        finished_at=finished, is_success=result.ok, error=result.error, response=result.response[:500]
    )
    if result.ok:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.SENT, sent_at=finished, last_error=""
        )
        return DeliveryStatus.SENT
    if result.permanent or delivery.attempts >= settings.DUCHA_DELIVERY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.DEAD, dead_at=finished, last_error=result.error
        )
        return DeliveryStatus.DEAD
    next_attempt = timing.next_send_moment(finished + backoff(delivery.attempts))
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.RETRY, next_attempt_at=next_attempt, last_error=result.error, enqueued_at=None
    )
    if _backend_defers():
        deliveries_enqueue([delivery_id])
    return DeliveryStatus.RETRY


def _require_admin(actor: User) -> None:
    if not (actor.is_staff or actor.is_superuser or actor.has_role(Role.ADMIN)):
        raise NotPermitted(codes.ROLE_REQUIRED)


def delivery_retry(*, delivery_id: int, actor: User) -> Delivery:
    """An administrator sends a dead letter again: it gets a fresh round of attempts, starting now."""
    _require_admin(actor)
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        dead_at=None,
        enqueued_at=None,
        claimed_at=None,
    )
    if not updated:
        if not Delivery.objects.filter(pk=delivery_id).exists():
            raise NotFound()
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    transaction.on_commit(lambda: deliveries_enqueue([delivery_id]), robust=True)
    return Delivery.objects.get(pk=delivery_id)
