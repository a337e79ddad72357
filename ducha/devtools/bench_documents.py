"""The documents' benchmark (`ducha bench_documents`, docs/benchmarks.md): a 督办通知单's .docx and its PDF, each
side by side with a reference in the same run (python-docx writing a one-line file; the PDF engine converting
it), latency (p50/p95) alone and throughput with two writers at once; then the day's batch of N notices (issued,
converted and merged by the same code the background task runs) with its time and memory sampled as it goes.

Runs on the database it is given, in a transaction rolled back at the end, with uploads in a temporary folder:
nothing it makes is kept. The PDF engine must be running (`ducha pdf_engine`).
"""

from __future__ import annotations

import datetime
import io
import os
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from docx import Document as Docx

from ducha.documents import batch, services
from ducha.documents.kinds import KINDS
from ducha.documents.models import BatchStatus, DocumentBatch, DocumentProfile
from ducha.documents.pdf import docx_to_pdf, engine_addresses, pdf_unavailable
from ducha.items import services as item_services
from ducha.items.models import Item
from ducha.orgs.models import Role, Unit, UnitKind, User

CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}


class _Rollback(Exception):
    pass


@dataclass
class Row:
    name: str
    p50_ms: float
    p95_ms: float
    note: str = ""


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _side_by_side(cases: list[tuple[str, Callable[[], object]]], runs: int) -> list[Row]:
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _name, call in cases:
        call()  # warm-up
    for _ in range(runs):
        for name, call in cases:
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return [
        Row(name, statistics.median(taken), _percentile(taken, 0.95), "side by side")
        for name, taken in samples.items()
    ]


def _throughput(call: Callable[[], object], *, threads: int, each: int) -> float:
    """Calls per second with `threads` callers at once."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                call()
        except BaseException as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return threads * each / (time.perf_counter() - started)


def _reference_docx() -> bytes:
    document = Docx()
    document.add_paragraph("督查督办")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _office() -> User:
    user = (
        User.objects.filter(role_grants__role=Role.OFFICE, unit__government__isnull=False)
        .order_by("id")
        .first()
    )
    if user is None:
        raise RuntimeError("No office account: run `ducha demo` (or `ducha gendata`) first.")
    return user


def _leader(government: Unit) -> User:
    leader = (
        User.objects.filter(role_grants__role=Role.LEADER, unit__government=government).order_by("id").first()
    )
    if leader is None:
        raise RuntimeError("No leader of the office's government to approve the benchmark's items.")
    return leader


def _assigned_items(office: User, count: int) -> list[Item]:
    government = office.unit.government  # type: ignore[union-attr]
    assert government is not None
    leader = _leader(government)
    lead = Unit.objects.filter(government=government, is_active=True, kind=UnitKind.DEPARTMENT).order_by("id")
    units = [unit for unit in lead if unit.users.exists()][:5]
    items = []
    for n in range(count):
        item = item_services.item_create(
            actor=office,
            title=f"基准测试事项{n + 1}：推进重点项目建设",
            source_type="meeting_decision",
            content="按照县政府常务会议决定，加快推进重点项目建设，确保年内完成投资任务。",
            lead_unit_id=units[n % len(units)].pk,
            co_units=[item_services.CoUnit(unit_id=units[(n + 1) % len(units)].pk, share=30)],
        )
        item_services.item_submit(item_id=item.pk, actor=office)
        item_services.item_approve(item_id=item.pk, actor=leader)
        items.append(item_services.item_assign(item_id=item.pk, actor=office))
    return items


def run(*, runs: int, batch_size: int, write: Callable[[str], None]) -> None:
    reason = pdf_unavailable()
    if reason:
        raise RuntimeError(reason)
    office = _office()
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        try:
            with transaction.atomic():
                _run(office, runs=runs, batch_size=batch_size, write=write)
                raise _Rollback
        except _Rollback:
            pass


def _run(office: User, *, runs: int, batch_size: int, write: Callable[[str], None]) -> None:
    government = office.unit.government  # type: ignore[union-attr]
    assert government is not None
    profile = services.profile_for(government)
    DocumentProfile.objects.filter(pk=profile.pk).update(**CONTACT)
    started = time.perf_counter()
    items = _assigned_items(office, batch_size)
    write(f"{batch_size} items assigned today in {time.perf_counter() - started:.1f} s")
    kind = KINDS["supervision_notice"]
    item = items[0]
    notice = services.document_draft(kind=kind, subject=item, actor=office, inputs=CONTACT).docx
    reference = _reference_docx()

    rows = _side_by_side(
        [
            (
                "督办通知单 .docx (draft, read + layout)",
                lambda: services.document_draft(kind=kind, subject=item, actor=office, inputs=CONTACT),
            ),
            ("reference: python-docx one-line file", _reference_docx),
        ],
        runs,
    )
    rows += _side_by_side(
        [
            ("督办通知单 PDF (LibreOffice via unoserver)", lambda: docx_to_pdf(notice)),
            ("reference: one-line .docx to PDF", lambda: docx_to_pdf(reference)),
        ],
        max(5, runs // 2),
    )
    write("\n| measure | p50 ms | p95 ms | note |\n|---|---:|---:|---|")
    for row in rows:
        write(f"| {row.name} | {row.p50_ms:.0f} | {row.p95_ms:.0f} | {row.note} |")

    # Threads have their own connections, which do not see this transaction: they lay out content read once.
    content = services.document_draft(kind=kind, subject=item, actor=office, inputs=CONTACT).draft.content

    def layout_only() -> bytes:
        return services.render_docx(content)

    one = _throughput(layout_only, threads=1, each=runs)
    two = _throughput(layout_only, threads=2, each=runs)
    pdf_one = _throughput(lambda: docx_to_pdf(notice), threads=1, each=max(5, runs // 2))
    pdf_two = _throughput(lambda: docx_to_pdf(notice), threads=2, each=max(5, runs // 2))
    write(
        f"\nthroughput: .docx {one:.1f}/s with one writer, {two:.1f}/s with two; "
        f"PDF {pdf_one:.1f}/s with one, {pdf_two:.1f}/s with two "
        f"({len(engine_addresses())} engines; more callers than engines queue)"
    )

    queued = DocumentBatch.objects.create(
        government=government,
        kind="supervision_notice",
        day=timezone.localdate(),
        total=batch_size,
        created_by=office,
        created_at=timezone.now(),
    )
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        # Memory only: the batch's progress is written in this (rolled-back) transaction, out of another's sight.
        while not stop.is_set():
            samples.append(_rss_mb())
            stop.wait(2)

    tracemalloc.start()
    sampler = threading.Thread(target=sample)
    rss_before = _rss_mb()
    sampler.start()
    started = time.perf_counter()
    result = batch.batch_run(queued.pk)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.status == BatchStatus.DONE, (result.status, result.error, result.skipped)
    size = result.file.size if result.file else 0
    rss = samples
    write(
        f"\nbatch of {result.done} notices issued, converted and merged: {seconds:.1f} s "
        f"({result.done / seconds:.1f}/s), one PDF of {size / 1e6:.1f} MB; Python heap peak {peak / 1e6:.1f} MB; "
        f"RSS {rss_before:.0f} MB before, samples every 2 s: {', '.join(f'{mb:.0f}' for mb in rss)} MB"
    )
    write(f"(measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, database rolled back)")
