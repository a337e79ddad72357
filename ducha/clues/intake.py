"""Taking clues in: every channel (the public form, an upper platform's batch, the 12345 hotline, the office) goes
through `clues_take_in`, which analyses each text (ducha.clues.text), finds its likely duplicates through the
blocking index (ClueKey) and groups it into a case, ranks the units that could handle it (ducha.clues.routing),
and writes the batch set-based: one INSERT for the new cases, one for the clues, one for their keys.

The duplicate search reads only the clues of the last DUCHA_CLUE_DUPLICATE_DAYS that share a distinctive term with
the new clue *in the same township* (or with no township known): an indexed lookup of a few keys, whatever the
number of clues held. Within a batch, each clue also sees the ones before it."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Max, Min, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.clues import routing, text
from ducha.clues.models import SETTLED, Case, Clue, ClueKey, Place, RoutingExample, UnitDuties
from ducha.common.crypto import seal
from ducha.common.masking import mask_reporter
from ducha.orgs.models import Unit, UnitKind, UnitLevel, User

CANDIDATES = 50


@dataclass
class Incoming:
    """One clue to take in, as its channel gave it."""

    text: str
    channel: str
    category: str = ""
    township_id: int | None = None
    place_id: int | None = None
    submitted_at: datetime.datetime | None = None
    source: str = ""
    source_ref: str = ""
    name: str = ""
    phone: str = ""
    source_digest: str = ""
    photos: list[Any] = field(default_factory=list)


# --- the county's places and routing knowledge, cached per process until they change --------------------------


def townships_of(government_id: int) -> list[Unit]:
    return list(
        Unit.objects.filter(
            parent_id=government_id, kind=UnitKind.GOVERNMENT, level=UnitLevel.TOWNSHIP, is_active=True
        ).order_by("sort_order", "id")
    )


_gazetteers: dict[int, tuple[Any, text.Gazetteer]] = {}


def gazetteer_for(government_id: int) -> text.Gazetteer:
    """The government's township and village names, for finding the place a text names."""
    places = Place.objects.filter(government_id=government_id, is_active=True)
    version = tuple(places.aggregate(n=Count("id"), last_id=Max("id"), latest=Max("updated_at")).values())
    cached = _gazetteers.get(government_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    # A township by its full name (城关镇人民政府) and the name people use (城关镇).
    townships = {
        name: unit.pk for unit in townships_of(government_id) for name in {unit.name, unit.short_name} if name
    }
    villages = {
        name: (township_id, pk) for pk, name, township_id in places.values_list("pk", "name", "township_id")
    }
    gazetteer = text.Gazetteer(townships=townships, villages=villages)
    _gazetteers[government_id] = (version, gazetteer)
    return gazetteer


_routers: dict[int, tuple[Any, routing.Router]] = {}


def router_for(government_id: int) -> routing.Router:
    """The government's router, trained on its units' duties and its latest routing decisions; trained again
    when either changed."""
    duties = UnitDuties.objects.filter(
        Q(unit__government_id=government_id) | Q(unit__parent_id=government_id)
    )
    examples = RoutingExample.objects.filter(government_id=government_id)
    version = (
        *duties.aggregate(n=Count("id"), last_id=Max("id"), latest=Max("updated_at")).values(),
        examples.aggregate(latest=Max("id"))["latest"],
    )
    cached = _routers.get(government_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    township_ids = {unit.pk for unit in townships_of(government_id)}
    training: list[tuple[str, str]] = []
    for unit_id, duty_text in duties.values_list("unit_id", "text"):
        label = routing.TOWNSHIP if unit_id in township_ids else str(unit_id)
        training.extend(routing.duties_examples(label, duty_text))
    limit = int(settings.DUCHA_CLUE_ROUTING_EXAMPLES)
    for unit_id, example_text in examples.order_by("-id").values_list("unit_id", "text")[:limit]:
        training.append((example_text, routing.TOWNSHIP if unit_id in township_ids else str(unit_id)))
    router = routing.Router().fit(training) if training else routing.Router()
    _routers[government_id] = (version, router)
    return router


def caches_clear() -> None:
    """Forget the cached gazetteers and routers (tests; a process that changed them behind the ORM's back)."""
    _gazetteers.clear()
    _routers.clear()


def suggestions(
    ranked: Sequence[tuple[str, float]], township_id: int | None, *, k: int = 3
) -> list[dict[str, Any]]:
    """The router's labels as units: a township matter goes to the clue's township (skipped when none is known)."""
    out: list[dict[str, Any]] = []
    for label, score in ranked:
        if label == routing.TOWNSHIP:
            if township_id is None:
                continue
            unit_id = township_id
        else:
            unit_id = int(label)
        if all(entry["unit_id"] != unit_id for entry in out):
            out.append({"unit_id": unit_id, "score": round(float(score), 3)})
        if len(out) == k:
            break
    return out


# --- the blocking index ---------------------------------------------------------------------------------------


def key_of(government_id: int, township_id: int | None, term: str) -> int:
    digest = hashlib.blake2b(f"{government_id}:{township_id or 0}:{term}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _search_keys(government_id: int, analysis: text.Analysis, all_townships: Sequence[int]) -> list[int]:
    """The keys a new clue looks up: its township's and the unplaced clues'; every township's when it names none."""
    townships: Iterable[int | None] = (
        (analysis.township_id, None) if analysis.township_id is not None else (None, *all_townships)
    )
    places = list(townships)
    return [key_of(government_id, township, term) for township in places for term in analysis.keys]


def candidates_for(
    government_id: int, analysis: text.Analysis, since: datetime.datetime, all_townships: Sequence[int]
) -> list[text.Candidate]:
    """The stored clues sharing most distinctive terms with `analysis` (at most CANDIDATES)."""
    keys = _search_keys(government_id, analysis, all_townships)
    if not keys:
        return []
    ids = [
        row["clue_id"]
        for row in ClueKey.objects.filter(key__in=keys, submitted_at__gte=since)
        .values("clue_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "-clue_id")[:CANDIDATES]
    ]
    if not ids:
        return []
    rows = Clue.objects.filter(pk__in=ids, status="active").values(
        "pk", "case_id", "terms", "township_id", "place_id", "case__status"
    )
    return [
        text.Candidate(
            clue_id=row["pk"],
            case_id=row["case_id"],
            terms=row["terms"],
            township_id=row["township_id"],
            place_id=row["place_id"],
            case_open=row["case__status"] not in SETTLED,
        )
        for row in rows
    ]


# --- taking a batch in ------------------------------------------------------------------------------------------


def title_of(body: str) -> str:
    line = " ".join(body.split())
    return line if len(line) <= 40 else line[:40] + "…"


@transaction.atomic
def clues_take_in(*, government: Unit, incoming: Sequence[Incoming], actor: User | None = None) -> list[Clue]:
    """Analyse, group and store `incoming` (already validated) as clues of `government`, in order. Returns the
    clues created (with their cases)."""
    if not incoming:
        return []
    now = timezone.now()
    analyzer = text.analyzer_for(gazetteer_for(government.pk))
    all_townships = [unit.pk for unit in townships_of(government.pk)]
    analyses = [
        analyzer.analyze(entry.text, township_id=entry.township_id, place_id=entry.place_id)
        for entry in incoming
    ]
    router = router_for(government.pk)
    # A government whose duties are not entered yet has an untrained router: no suggestion, but the clue is taken.
    ranked = (
        router.rank([entry.text for entry in incoming], k=4) if router.labels_ else [[] for _ in incoming]
    )
    window = datetime.timedelta(days=int(settings.DUCHA_CLUE_DUPLICATE_DAYS))

    # Group each clue: into a stored case, into a case opened earlier in this batch, or into a new one.
    batch_keys: dict[int, list[int]] = defaultdict(list)  # key -> indexes of earlier clues in this batch
    batch_case: list[int | str] = []  # per clue: a stored case id, or "n<k>" for the k-th new case
    scores: list[float | None] = []
    similar_lists: list[list[dict[str, Any]]] = []
    new_cases: list[int] = []  # index of the clue that opens each new case
    for index, (entry, analysis) in enumerate(zip(incoming, analyses, strict=True)):
        submitted = entry.submitted_at or now
        stored = candidates_for(government.pk, analysis, submitted - window, all_townships)
        earlier = {
            position
            for key in _search_keys(government.pk, analysis, all_townships)
            for position in batch_keys.get(key, ())
        }
        batch_candidates = [
            text.Candidate(
                clue_id=-(position + 1),
                case_id=-(position + 1),
                terms=analyses[position].terms,
                township_id=analyses[position].township_id,
                place_id=analyses[position].place_id,
                case_open=True,
            )
            for position in sorted(earlier)
        ]
        case_id, similar = text.match(analysis, [*stored, *batch_candidates])
        if case_id is not None and case_id < 0:
            assigned: int | str = batch_case[-case_id - 1]
        elif case_id is not None:
            assigned = case_id
        else:
            assigned = f"n{len(new_cases)}"
            new_cases.append(index)
        batch_case.append(assigned)
        scores.append(round(similar[0][1], 3) if case_id is not None and similar else None)
        # Similar clues of this batch are named once stored (their ids are known below).
        similar_lists.append([{"id": clue_id, "score": round(score, 3)} for clue_id, score in similar])
        for key in {key_of(government.pk, analysis.township_id, term) for term in analysis.keys}:
            batch_keys[key].append(index)

    # A new case's figures come from this batch alone: no recount needed for it.
    members: dict[str, list[int]] = defaultdict(list)
    for index, assigned in enumerate(batch_case):
        if isinstance(assigned, str):
            members[assigned].append(index)
    cases = Case.objects.bulk_create(
        [
            Case(
                government=government,
                title=title_of(incoming[index].text),
                category=incoming[index].category or analyses[index].category,
                township_id=analyses[index].township_id,
                place_id=analyses[index].place_id,
                urgent=any(analyses[member].urgent_reasons for member in members[f"n{k}"]),
                clue_count=len(members[f"n{k}"]),
                first_at=min(incoming[member].submitted_at or now for member in members[f"n{k}"]),
                last_at=max(incoming[member].submitted_at or now for member in members[f"n{k}"]),
            )
            for k, index in enumerate(new_cases)
        ]
    )
    case_numbers_set(cases)
    case_ids = [
        cases[int(assigned[1:])].pk if isinstance(assigned, str) else assigned for assigned in batch_case
    ]
    clues = Clue.objects.bulk_create(
        [
            Clue(
                government=government,
                channel=entry.channel,
                source=entry.source,
                source_ref=entry.source_ref,
                category=entry.category or analysis.category,
                township_id=analysis.township_id,
                place_id=analysis.place_id,
                text=entry.text,
                submitted_at=entry.submitted_at or now,
                case_id=case_id,
                anonymous=not (entry.name or entry.phone),
                reporter_name=seal(entry.name),
                reporter_phone=seal(entry.phone),
                reporter_masked=mask_reporter(entry.name, entry.phone),
                source_digest=entry.source_digest,
                terms=analysis.terms,
                similar=similar,
                suggested_units=suggestions(ranks, analysis.township_id),
                suggested_category=analysis.category,
                urgent_reasons=list(analysis.urgent_reasons),
                grouped_score=score,
                created_by=actor,
            )
            for entry, analysis, case_id, similar, ranks, score in zip(
                incoming, analyses, case_ids, similar_lists, ranked, scores, strict=True
            )
        ]
    )
    # Similar clues of this same batch were named by position: now they have ids.
    renamed = []
    for clue in clues:
        if any(entry["id"] < 0 for entry in clue.similar):
            clue.similar = [
                {**entry, "id": clues[-entry["id"] - 1].pk} if entry["id"] < 0 else entry
                for entry in clue.similar
            ]
            renamed.append(clue)
    if renamed:
        Clue.objects.bulk_update(renamed, ["similar"])
    ClueKey.objects.bulk_create(
        [
            ClueKey(clue=clue, key=key, submitted_at=clue.submitted_at)
            for clue, analysis in zip(clues, analyses, strict=True)
            for key in {key_of(government.pk, analysis.township_id, term) for term in analysis.keys}
        ],
        batch_size=2000,
    )
    recount({assigned for assigned in batch_case if isinstance(assigned, int)})
    Event.objects.bulk_create(
        Event(
            event_type=EventType.CLUES_RECEIVED,
            subject_type="clue",
            subject_id=clue.pk,
            actor=actor,
            actor_unit_id=getattr(actor, "unit_id", None),
            new={"channel": clue.channel, "case": clue.case_id, "source_ref": clue.source_ref},
        )
        for clue in clues
    )
    return clues


def case_numbers_set(cases: Sequence[Case]) -> None:
    """ "XS<year>-<id>": one UPDATE per year the new cases began in."""
    years: dict[int, list[int]] = defaultdict(list)
    for case in cases:
        years[case.first_at.year].append(case.pk)
        case.number = f"XS{case.first_at.year}-{case.pk}"
    for year, ids in years.items():
        Case.objects.filter(pk__in=ids).update(number=Concat(Value(f"XS{year}-"), Cast("id", CharField())))


def recount(case_ids: Iterable[int]) -> None:
    """The cases' reporter counts, first and last times and urgency, from their active clues (set-based)."""
    ids = sorted(case_ids)
    if not ids:
        return
    figures = (
        Clue.objects.filter(case_id__in=ids, status="active")
        .values("case_id")
        .annotate(n=Count("id"), first=Min("submitted_at"), last=Max("submitted_at"))
    )
    urgent = set(
        Clue.objects.filter(case_id__in=ids, status="active")
        .exclude(urgent_reasons=[])
        .values_list("case_id", flat=True)
    )
    by_case = {row["case_id"]: row for row in figures}
    cases = list(Case.objects.filter(pk__in=ids))
    for case in cases:
        row = by_case.get(case.pk)
        case.clue_count = row["n"] if row else 0
        if row:
            case.first_at, case.last_at = row["first"], row["last"]
        case.urgent = case.pk in urgent
    Case.objects.bulk_update(cases, ["clue_count", "first_at", "last_at", "urgent"])
