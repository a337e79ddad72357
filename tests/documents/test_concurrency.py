"""Numbers under concurrency, on PostgreSQL: office staff issuing at the same moment in separate transactions get
consecutive numbers, none repeated and none skipped — also when one of them fails after taking its number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ducha.documents import services
from ducha.documents.kinds import KINDS
from ducha.documents.models import Document, DocumentSequence
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in

CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}
WRITERS = 8


def _at_once(calls) -> list:
    barrier = threading.Barrier(len(calls))
    errors: list = []

    def run(call) -> None:
        try:
            barrier.wait(timeout=20)
            call()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_consecutive_numbers_without_gaps(world, monkeypatch, today):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises every writer)")
    office = world.user("office")
    items = [item_in(world, ItemStatus.IN_PROGRESS, title=f"并发事项{n}") for n in range(WRITERS)]
    chase = KINDS["chase_notice"]
    # One writer fails after its number is taken (the layout raises): its number must go back.
    real_render = services.render_docx
    failing = items[3].title

    def render(content):
        if failing in content.title or any(failing in block.text for block in content.body):
            raise RuntimeError("the layout failed")
        return real_render(content)

    monkeypatch.setattr(services, "render_docx", render)
    calls = [
        (lambda item=item: services.document_issue(kind=chase, subject=item, actor=office, inputs=CONTACT))
        for item in items
    ]
    errors = _at_once(calls)

    assert [str(error) for error in errors] == ["the layout failed"]
    numbers = sorted(Document.objects.filter(kind="chase_notice").values_list("number_seq", flat=True))
    assert numbers == list(range(1, WRITERS))
    assert DocumentSequence.objects.get(kind="chase_notice", year=today.year).last == WRITERS - 1
    assert {n for n in Document.objects.values_list("number", flat=True)} == {
        f"示范县督催〔{today.year}〕{n}号" for n in range(1, WRITERS)
    }
