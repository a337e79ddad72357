"""What every lifecycle table shares (items, inspections and their parts): a transition, the fixed order in which a
refusal is decided — who (403), then the status (409), then the action's own guard (409) — and the runner that
executes a transition from its table.

A transition names where it may start (`sources`), who may take it (`permission`), what else must hold
(`guard`), and its outcomes: for each, the status it leads to, the audit event written and the notification
published on commit. Most transitions have one outcome; a decision has one per answer (a review accepts or
returns). The table is executed, not only declared (viewflow's fsm):

    Lifecycle.run(action, subject_id=…, actor=…, apply=…)
      transaction.atomic → lock the row → re-check who / status / guard → apply(subject), the service's own part,
      which validates its input and returns a Change → status from the table → save with update_fields →
      the table's audit event → the table's notification, published on commit.

A service keeps only what is particular to it (its input, the rows it writes besides the subject, extra values
for the audit event). The status of a subject is set here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.db import transaction
from django.utils.functional import Promise

from ducha.common import error_codes as codes
from ducha.common import events
from ducha.common.errors import DomainError, InvalidState, NotPermitted

# A check answers with the code of the refusal, or None when it passes.
Check = Callable[[Any, Any], "str | None"]

# The outcome of a transition that has only one.
DONE = "done"


def no_guard(subject: Any, user: Any) -> None:
    return None


@dataclass(frozen=True)
class Outcome:
    """Where one outcome of a transition leads: the status (None: unchanged), the audit event the runner writes
    (None: the service records nothing, or records its own) and the notification published on commit."""

    target: str | None = None
    event: str | None = None
    notify: str | None = None


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: frozenset[str]
    # The status of the single outcome; None when the status does not change or depends on the outcome.
    target: str | None
    permission: Check
    guard: Check = no_guard
    event: str | None = None
    notify: str | None = None
    # Several outcomes (a decision): name → Outcome. Empty: one outcome, DONE, from target / event / notify.
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcomes:
            if self.target is not None or self.event is not None or self.notify is not None:
                raise ValueError(f"{self.action}: give target, event and notify per outcome")
        else:
            object.__setattr__(self, "outcomes", {DONE: Outcome(self.target, self.event, self.notify)})

    def outcome(self, name: str) -> Outcome:
        try:
            return self.outcomes[name]
        except KeyError:
            raise ValueError(f"{self.action} has no outcome {name!r}") from None

    @property
    def targets(self) -> frozenset[str]:
        """Every status this transition may lead to."""
        return frozenset(outcome.target for outcome in self.outcomes.values() if outcome.target is not None)


def transition_refusal(transition: Transition, subject: Any, user: Any) -> DomainError | None:
    """Why `user` may not take `transition` on `subject` (anything with a `status`) now, or None."""
    if code := transition.permission(subject, user):
        return NotPermitted(code)
    if subject.status not in transition.sources:
        return InvalidState(codes.ACTION_NOT_ALLOWED)
    if code := transition.guard(subject, user):
        return InvalidState(code)
    return None


@dataclass
class Change:
    """What a service's own part did, for the runner to finish: which outcome (for a decision), the other fields
    of the subject it set (saved with the status), values for the audit event beside the status, the notification's
    payload beside the subject's id, and what the service returns when not the subject itself."""

    outcome: str = DONE
    fields: Sequence[str] = ()
    old: Mapping[str, Any] | None = None
    new: Mapping[str, Any] | None = None
    comment: str = ""
    notice: Mapping[str, Any] = field(default_factory=dict)
    result: Any = None


class Subject(Protocol):
    pk: Any
    status: Any

    def save(self, *, update_fields: Sequence[str]) -> None: ...


S = TypeVar("S", bound=Subject)

# record(subject, event_type, actor, old=…, new=…, comment=…): writes the audit event.
Recorder = Callable[..., None]


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """One table's runner: how to lock its subject, how its audit events are written, and the name its
    notifications are published under (`<name>.<notify>`, payload `<name>_id` plus the change's notice)."""

    name: str
    table: Mapping[str, Transition]
    lock: Callable[[int], S]
    record: Recorder
    # Called on refusal checks: lets a table with several kinds of subject find the right one.
    refusal: Callable[[str, Any, Any], DomainError | None] | None = None

    def ensure_allowed(self, action: str, subject: S, actor: Any) -> None:
        check = self.refusal or (lambda name, what, user: transition_refusal(self.table[name], what, user))
        if error := check(action, subject, actor):
            raise error

    def run(
        self,
        action: str,
        *,
        subject_id: int,
        actor: Any,
        apply: Callable[[S], Change | None] | None = None,
    ) -> Any:
        """Take `action` on the subject `subject_id` as `actor`: lock, check, the service's `apply`, then the
        outcome from the table. Returns `change.result`, or the subject. Any error rolls everything back."""
        with transaction.atomic():
            subject = self.lock(subject_id)
            self.ensure_allowed(action, subject, actor)
            change = (apply(subject) if apply is not None else None) or Change()
            self.enter(action, subject, actor, change)
        return subject if change.result is None else change.result

    def enter(self, action: str, subject: S, actor: Any, change: Change | None = None) -> S:
        """Finish `action` on a subject already locked and checked (by `run`, or by a service acting on several
        subjects at once, such as a withdrawal that takes the open child items with it): the status and event
        from the table, the save, the notification."""
        change = change or Change()
        outcome = self.table[action].outcome(change.outcome)
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        fields = list(change.fields)
        if outcome.target is not None and outcome.target != subject.status:
            old["status"] = str(subject.status)
            new["status"] = str(outcome.target)
            subject.status = outcome.target
            fields.append("status")
        if fields:
            subject.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        if outcome.event is not None:
            old.update(change.old or {})
            new.update(change.new or {})
            self.record(
                subject, outcome.event, actor, old=old or None, new=new or None, comment=change.comment
            )
        if outcome.notify is not None:
            events.publish_on_commit(
                f"{self.name}.{outcome.notify}", **{f"{self.name}_id": subject.pk, **change.notice}
            )
        return subject
