"""Count where the replica router sends each read of a request, and say it in a response header."""

from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse

from ducha.common.replica import ReplicaRouter

HEADER = "X-Scaleout-Reads"

_counts: contextvars.ContextVar[Counter[str] | None] = contextvars.ContextVar("scaleout_reads", default=None)


class CountingReplicaRouter(ReplicaRouter):
    """The product's router, unchanged, counting its read decisions for the request being handled."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        alias = super().db_for_read(model, **hints)
        counts = _counts.get()
        if counts is not None:
            counts[alias or DEFAULT_DB_ALIAS] += 1
        return alias


class ReadCountMiddleware:
    """`X-Scaleout-Reads: primary=N replica=M`: the router's read decisions while this request was handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counts: Counter[str] = Counter()
        token = _counts.set(counts)
        try:
            response = self.get_response(request)
        finally:
            _counts.reset(token)
        response[HEADER] = f"primary={counts[DEFAULT_DB_ALIAS]} replica={counts['replica']}"
        return response
