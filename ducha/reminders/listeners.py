"""What the reminders hear from the domains (ducha.common.events), registered in `RemindersConfig.ready()`: each
item notification becomes a notice to the people it concerns (`services.notice_send`)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from ducha.common import events
from ducha.items import lifecycle as item_lifecycle
from ducha.items.models import Assignment, Confidentiality, Instruction
from ducha.items.services.instructions import INSTRUCTION_NOTICE as item_instruction_notice
from ducha.jobs import registry as job_registry
from ducha.jobs.models import Job, JobStatus
from ducha.jobs.services import JOB_FINISHED
from ducha.orgs.models import UNIT_ROLES, Role, User
from ducha.reminders.models import Message
from ducha.reminders.services import notice_send

ITEM_NOTICES = (
    item_lifecycle.ASSIGNED,
    item_lifecycle.REPORT_FILED,
    item_lifecycle.REPORT_SUBMITTED,
    item_lifecycle.EXTENSION,
)


def _item_notice(event: str, *, item_id: int, object_id: int | None = None) -> int:
    return notice_send(event=event, item_id=item_id, object_id=object_id)


# One listener per notification, made once: registering them again changes nothing.
_LISTENERS = {name: functools.partial(_item_notice, name) for name in ITEM_NOTICES}


def _instruction_notice(*, item_id: int, object_id: int) -> int:
    """A leader's 批示 (item.instruction): a message to the assigned units' people and the item's office, at once
    in the inbox. The subject names the item (its number, or its title unless it is secret) and quotes the
    instruction. Returns the messages written."""
    instruction = (
        Instruction.objects.filter(pk=object_id, item_id=item_id).select_related("item", "author").first()
    )
    if instruction is None:
        return 0
    item = instruction.item
    unit_ids = Assignment.objects.filter(item_id=item_id).values("unit_id")
    recipients = (
        User.objects.filter(is_active=True)
        .filter(
            Q(unit_id__in=unit_ids, role_grants__role__in=UNIT_ROLES)
            | Q(unit__government_id=item.government_id, role_grants__role=Role.OFFICE)
        )
        .exclude(pk=instruction.author_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    reference = item.number or ("" if item.confidentiality == Confidentiality.SECRET else item.title)
    with override(settings.LANGUAGE_CODE):
        subject = str(
            _("Leader's instruction (%(leader)s) on %(item)s: %(text)s")
            % {"leader": instruction.author.display_name, "item": reference, "text": instruction.text}
        )
    now = timezone.now()
    messages = [Message(recipient_id=pk, subject=subject[:200], created_at=now) for pk in recipients]
    Message.objects.bulk_create(messages)
    return len(messages)


def _job_notice(*, job_id: int, owner_id: int, kind: str, status: str) -> int:
    """A background job has ended (ducha.jobs, "job.finished"): a message to its owner, leading to the job's page —
    its file's link and the time it is kept until when done, the reason when it failed. A job its owner cancelled
    tells them nothing: they know. Returns the messages written."""
    if status not in (JobStatus.DONE, JobStatus.FAILED):
        return 0
    job = Job.objects.filter(pk=job_id, owner_id=owner_id).first()
    if job is None:
        return 0
    described = job_registry.get(kind)
    with override(settings.LANGUAGE_CODE):
        title = job.title or (str(described.label) if described is not None else kind)
        if status == JobStatus.FAILED:
            subject = _("Background job failed: %(title)s. %(error)s") % {"title": title, "error": job.error}
        elif job.expires_at is not None and job.file:
            subject = _("Background job done: %(title)s. The file can be downloaded until %(time)s.") % {
                "title": title,
                "time": timezone.localtime(job.expires_at).strftime("%Y-%m-%d %H:%M"),
            }
        else:
            subject = _("Background job done: %(title)s.") % {"title": title}
    Message.objects.create(
        recipient_id=owner_id,
        subject=str(subject)[:200],
        link=reverse("job-detail", args=[job_id]),
        created_at=timezone.now(),
    )
    return 1


def connect() -> None:
    for name, listener in _LISTENERS.items():
        events.listen(f"item.{name}", listener)
    events.listen(f"item.{item_instruction_notice}", _instruction_notice)
    events.listen(JOB_FINISHED, _job_notice)
