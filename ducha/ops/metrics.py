"""The Prometheus metrics of a node (served at /metrics by ducha.ops.views).

Interface used by other processes' code (filled in by the metrics work):
- record_sweep(...): the scheduler reports each sweep round.
- worker_exited(pid): gunicorn's child_exit hook, so a dead worker's multiprocess files are merged and dropped.
"""

from __future__ import annotations


def record_sweep(
    *, seconds: float, ok: bool, reminders: int = 0, messages: int = 0, dispatched: int = 0, dead_lettered: int = 0
) -> None:
    """One sweep round of `ducha scheduler`: how long it took, whether it failed, and what it wrote."""


def worker_exited(pid: int) -> None:
    """A gunicorn worker has exited (gunicorn's child_exit hook)."""
