"""What the API fuzzer (tests/api/test_fuzz.py) runs on: the OpenAPI document as clients get it, loaded into
schemathesis and answered in-process by Django's WSGI handler inside the test's transaction; the checks a response
must pass; the world it fuzzes (a little of everything, so generated ids reach real rows); and the marker that keeps
it to the pinned instant."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ducha.devtools.demo import DemoWorld
from tests import clock

# The fuzz run is the same on every date: it runs in the SQLite and the PostgreSQL passes at the suite's pinned
# instant, not again at the real date, at the calendar's edges or under libfaketime.
pinned_instant_only = pytest.mark.skipif(
    os.environ.get(clock.ENV, "").strip() not in ("", clock.DEFAULT_INSTANT),
    reason="the API fuzz run runs at the suite's pinned instant only",
)

# Every answer: no server error; a status code its operation documents (ERRORS: 400/401/403/404/409, 429 where
# relevant); the content type documented for that status; a body matching the documented schema.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def document() -> dict[str, Any]:
    """The OpenAPI document exactly as /api/v1/openapi.json serves it (ninja builds it the same way there)."""
    import ducha.api.urls  # noqa: F401  (assembles the routers)
    from ducha.api.base import api

    return api.get_openapi_schema()


def load_schema() -> Any:
    """The document loaded into schemathesis, its requests sent to Django's own WSGI handler (no server)."""
    schema = schemathesis.openapi.from_dict(document())
    schema.app = WSGIHandler()
    return schema


def operations(schema_document: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation, in the document's order."""
    return [
        (method.upper(), path) for path, entries in schema_document["paths"].items() for method in entries
    ]


@contextmanager
def same_connection() -> Iterator[None]:
    """Requests answered inside the test's transaction: Django closes the connection at the start and end of each
    request (close_old_connections), which inside a test's atomic block would end it. Its test client
    disconnects the same handler for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@dataclass(frozen=True)
class Seeded:
    """The rows the fuzzer's ids are steered to, by path parameter name."""

    ids: dict[str, int]


INSPECTION_IDS = ("{inspection_id}", "{finding_id}", "{conclusion_id}", "{rectification_id}")


def seed(world: DemoWorld, path: str) -> Seeded:
    """A little of what `path`'s ids name (seeded only where named: it costs): an item in progress (发改局 leads,
    教育局 co-handles); an inspection of 发改局 being rectified (a finding, its conclusion, its rectification);
    this year; 发改局."""
    from ducha.inspections.models import Conclusion, Finding, Rectification
    from tests.helpers import item_in
    from tests.inspections.helpers import inspection_in

    ids = {"unit_id": world.departments["fgw"].pk, "year": timezone.localdate().year}
    if "{item_id}" in path:
        ids["item_id"] = item_in(world, "in_progress").pk
    if any(name in path for name in INSPECTION_IDS):
        inspection = inspection_in(world, "rectifying", targets=("fgw",))
        ids["inspection_id"] = inspection.pk
        for name, model in (
            ("finding_id", Finding),
            ("conclusion_id", Conclusion),
            ("rectification_id", Rectification),
        ):
            ids[name] = model.objects.filter(inspection=inspection).values_list("pk", flat=True)[0]
    return Seeded(ids=ids)
