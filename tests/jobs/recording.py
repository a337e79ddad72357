"""A stand-in for ducha.jobs.services.Progress that records what a kind's function reports, for the tests of the
kinds (the import, the notices batch, the scores): the stages with their totals and counts; after `cancel_after`
steps the owner's cancel is seen, as Progress raises it."""

from __future__ import annotations

import threading

from ducha.jobs import services as jobs


class Recorder:
    def __init__(self, cancel_after: int | None = None) -> None:
        self.stages: list[list] = []
        self.cancelled = threading.Event()
        self.cancel_after = cancel_after
        self.advanced = 0

    def begin(self, total, stage=""):
        self.stages.append([stage, total, 0])

    def set_stage(self, stage, total=None):
        self.begin(total, stage)

    def advance(self, count=1):
        self.stages[-1][2] += count
        self.advanced += count
        if self.cancel_after is not None and self.advanced >= self.cancel_after:
            self.cancelled.set()
        self.check()

    def check(self):
        if self.cancelled.is_set():
            raise jobs.Cancelled
