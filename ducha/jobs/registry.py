"""The kinds of job, registered by the apps that run them (in their AppConfig.ready): the jobs package knows no
domain, only the names and functions it is given — like ducha.common.events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ducha.jobs.models import Job
    from ducha.jobs.services import Progress
    from ducha.orgs.models import User


def _owner_only(job: Job, user: User) -> bool:
    return job.owner_id == user.pk  # type: ignore[attr-defined]


@dataclass(frozen=True)
class JobKind:
    """What a kind of job is.

    - `name`: stored in Job.kind; `label`: what people see (a lazy translation).
    - `run(job, progress)`: does the work in a worker. It reads `job.params` (as `start` was given them), tells
      `progress` how far it is (which raises services.Cancelled when the user cancelled) and, if it makes a file,
      writes it to `progress.output(...)`. It returns the result to keep (a small JSON dict shown with the job),
      or None. Raising a DomainError fails the job with that error's code and message; any other exception
      fails it with a generic message (and is logged).
    - `may_read(job, user)`: whether `user` may see the job and download its file *now* — checked at every read,
      not only when it was asked (the user's scope may have changed since). The owner only, by default.
    - `keep_hours`: how long its file is kept (None: settings.DUCHA_JOB_FILE_HOURS).
    - `prepare(owner, params)`: checks and normalises the parameters a caller gives (a page's filter, an API
      client's body) before the job is keyed and stored, so that two asks for the same thing written differently
      join one job; raises a DomainError to refuse. None: the parameters are kept as given.
    - `refuse_download(job, user)`: an error code (ducha.common.error_codes) when `user` may still see the job but
      no longer its file — checked at download time, after `may_read` (the ledger's export: the owner's scope
      has changed since the file was made). None: no such check.
    - The result may hold a `summary` (a sentence, shown on the job's page); keys starting with "_" are the
      kind's own (kept for its checks, never shown).
    """

    name: str
    label: Any
    run: Callable[[Job, Progress], dict[str, Any] | None]
    may_read: Callable[[Job, User], bool] = _owner_only
    keep_hours: int | None = None
    prepare: Callable[[User, dict[str, Any]], dict[str, Any]] | None = None
    refuse_download: Callable[[Job, User], str | None] | None = None


_kinds: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    """Register `kind` (again: replaced, as an app's ready() may run more than once in tests)."""
    _kinds[kind.name] = kind


def get(name: str) -> JobKind | None:
    return _kinds.get(name)


def names() -> list[str]:
    return sorted(_kinds)
