"""How well the clue engine (ducha.clues.text, ducha.clues.routing) does on labelled messages: duplicate grouping
(pairwise precision/recall/F1), routing (5-fold cross-validation top-1/top-3, cold start on the duties alone, and
a holdout written after tuning), category accuracy, urgency precision/recall, and throughput.

The labelled sets (clues_data/labelled.jsonl, clues_data/holdout.jsonl), one JSON object a line:
    id, text, township (code the submitter picked, or null), village (or null), unit, category, urgent, group.

How the responsible `unit` was labelled (the rule the office follows):
- A matter some department's 三定 duties name goes to that department (ducha/devtools/demo/duties.py): wages owed,
  social insurance, labour contracts -> rsj; pollution by a farm or factory (odour, sewage, fumes, machine noise)
  -> sthjj; property companies, house delivery, house certificates of developers, old estates, water pressure and
  gas pipes of town supply -> zjj; food, prices, weights, fake goods, lifts (special equipment), pharmacies
  -> scjgj; in the county seat's streets (城区): stalls, smoke of barbecues, building-site noise at night,
  muck trucks, illegal structures, street lamps, manholes, square-dance noise -> cgj; county and provincial roads,
  buses, taxis, ferries, overloaded lorries -> jtj; rural drinking water, irrigation, river sand, dikes -> slj;
  farmland, forests, land acquisition compensation, landslides, registration of rural homesteads -> zrzyj;
  seeds, fertiliser, farm subsidies, land transfer rents, dead livestock -> nyncj; and so on for every department.
- Matters of the place itself (属地管理) go to the township ("township"): village sanitation and refuse, village
  roads and their street lamps, village squares and facilities, neighbour and homestead disputes, village
  cadres' conduct and village affairs, stray dogs and free-ranging poultry, the township's own service counter.
- A complaint about a department's own staff goes to that department (a clinic doctor's manner -> wjj).

Duplicates: messages in id order go through the product's grouping (Analyzer.analyze, then match against every
earlier message as a candidate whose case is its group so far; no match -> a new group). A null `group` is a
singleton. Pairs are counted over all messages.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from ducha.clues import routing
from ducha.clues.text import Analyzer, Candidate, Gazetteer, analyzer_for, match

DATA = Path(__file__).resolve().parent / "clues_data"
FOLDS = 5


def load(name: str = "labelled.jsonl") -> list[dict]:
    path = DATA / name
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(rows, key=lambda r: r["id"])


def demo_gazetteer() -> tuple[Gazetteer, dict[str, int], dict[str, int]]:
    """The demo county's places with stand-in ids: (gazetteer, township id by code, place id by village name)."""
    from ducha.devtools.demo.places import VILLAGES
    from ducha.devtools.demo.world import TOWNSHIPS

    township_ids = {code: i for i, (_name, code) in enumerate(TOWNSHIPS, 1)}
    place_ids: dict[str, int] = {}
    villages: dict[str, tuple[int, int]] = {}
    for code, names in VILLAGES.items():
        for name in names:
            place_ids[name] = len(place_ids) + 1
            villages[name] = (township_ids[code], place_ids[name])
    gazetteer = Gazetteer(townships={name: township_ids[code] for name, code in TOWNSHIPS}, villages=villages)
    return gazetteer, township_ids, place_ids


def duty_examples() -> list[tuple[str, str]]:
    from ducha.devtools.demo.duties import DUTIES, TOWNSHIP_DUTIES

    out = []
    for code, text in DUTIES.items():
        out.extend(routing.duties_examples(code, text))
    out.extend(routing.duties_examples(routing.TOWNSHIP, TOWNSHIP_DUTIES))
    return out


# --- duplicates -------------------------------------------------------------------------------------------------


def analyses(rows: Sequence[dict], analyzer: Analyzer, township_ids: dict, place_ids: dict) -> list:
    return [
        analyzer.analyze(
            r["text"],
            township_id=township_ids.get(r["township"]) if r["township"] else None,
            place_id=place_ids.get(r["village"]) if r["village"] else None,
        )
        for r in rows
    ]


def group_sequentially(found: Sequence) -> list[int]:
    """Each message's predicted group (a case id), as the product would group them arriving in this order."""
    groups: list[int] = []
    candidates: list[Candidate] = []
    for i, a in enumerate(found):
        case_id, _similar = match(a, candidates)
        if case_id is None:
            case_id = i + 1
        groups.append(case_id)
        candidates.append(
            Candidate(
                clue_id=i + 1,
                case_id=case_id,
                terms=a.terms,
                township_id=a.township_id,
                place_id=a.place_id,
                case_open=True,
            )
        )
    return groups


def pairwise(predicted: Sequence, truth: Sequence) -> dict[str, float]:
    """Pairwise precision/recall/F1: a pair is positive when both messages are in one group."""
    tp = fp = fn = 0
    n = len(predicted)
    for i in range(n):
        for j in range(i + 1, n):
            p = predicted[i] == predicted[j]
            t = truth[i] is not None and truth[i] == truth[j]
            tp += p and t
            fp += p and not t
            fn += t and not p
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": tp + fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def duplicates(rows: Sequence[dict]) -> dict[str, float]:
    gazetteer, township_ids, place_ids = demo_gazetteer()
    found = analyses(rows, analyzer_for(gazetteer), township_ids, place_ids)
    truth = [r["group"] for r in rows]
    return pairwise(group_sequentially(found), truth)


# --- routing ----------------------------------------------------------------------------------------------------


def _accuracy(router: routing.Router, rows: Sequence[dict]) -> tuple[int, int]:
    ranked = router.rank([r["text"] for r in rows], k=3)
    top1 = sum(1 for r, best in zip(rows, ranked, strict=True) if best and best[0][0] == r["unit"])
    top3 = sum(1 for r, best in zip(rows, ranked, strict=True) if r["unit"] in [u for u, _s in best])
    return top1, top3


def routing_cv(rows: Sequence[dict], folds: int = FOLDS) -> dict[str, float]:
    duties = duty_examples()
    top1 = top3 = 0
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        test = [r for i, r in enumerate(rows) if i % folds == k]
        router = routing.Router().fit(duties + [(r["text"], r["unit"]) for r in train])
        a, b = _accuracy(router, test)
        top1 += a
        top3 += b
    return {"top1": top1 / len(rows), "top3": top3 / len(rows)}


def routing_cold(rows: Sequence[dict]) -> dict[str, float]:
    router = routing.Router().fit(duty_examples())
    a, b = _accuracy(router, rows)
    return {"top1": a / len(rows), "top3": b / len(rows)}


def routing_holdout(train: Sequence[dict], test: Sequence[dict]) -> dict[str, float]:
    router = routing.Router().fit(duty_examples() + [(r["text"], r["unit"]) for r in train])
    a, b = _accuracy(router, test)
    return {"top1": a / len(test), "top3": b / len(test)}


# --- category and urgency ---------------------------------------------------------------------------------------


def categories_and_urgency(rows: Sequence[dict]) -> dict[str, float]:
    gazetteer, township_ids, place_ids = demo_gazetteer()
    found = analyses(rows, analyzer_for(gazetteer), township_ids, place_ids)
    correct = sum(1 for r, a in zip(rows, found, strict=True) if a.category == r["category"])
    tp = fp = fn = 0
    for r, a in zip(rows, found, strict=True):
        predicted, truth = set(a.urgent_reasons), set(r["urgent"])
        tp += len(predicted & truth)
        fp += len(predicted - truth)
        fn += len(truth - predicted)
    return {
        "category_accuracy": correct / len(rows),
        "urgency_precision": tp / (tp + fp) if tp + fp else 1.0,
        "urgency_recall": tp / (tp + fn) if tp + fn else 1.0,
    }


# --- throughput -------------------------------------------------------------------------------------------------


def throughput(rows: Sequence[dict]) -> dict[str, float]:
    gazetteer, _township_ids, _place_ids = demo_gazetteer()
    analyzer = analyzer_for(gazetteer)
    texts = [r["text"] for r in rows]
    for t in texts[:50]:
        analyzer.analyze(t)
    start = time.perf_counter()
    done = 0
    while done < 2000:
        for t in texts:
            analyzer.analyze(t)
        done += len(texts)
    analyze_per_s = done / (time.perf_counter() - start)
    found = [analyzer.analyze(t) for t in texts[:51]]
    candidates = [
        Candidate(clue_id=i, case_id=i, terms=a.terms, township_id=None, place_id=None, case_open=True)
        for i, a in enumerate(found[1:])
    ]
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(200):
            match(found[0], candidates)
        runs.append((time.perf_counter() - start) / 200)
    router = routing.Router().fit(duty_examples() + [(r["text"], r["unit"]) for r in rows])
    batch = (texts * 2)[:200]
    router.rank(batch[:10])
    start = time.perf_counter()
    router.rank(batch)
    rank_s = time.perf_counter() - start
    start = time.perf_counter()
    routing.Router().fit(duty_examples() + [(r["text"], r["unit"]) for r in rows])
    fit_s = time.perf_counter() - start
    return {
        "analyze_per_s": analyze_per_s,
        "match_50_ms": statistics.median(runs) * 1000,
        "rank_200_s": rank_s,
        "fit_s": fit_s,
    }


def report(*, with_throughput: bool = True) -> dict[str, object]:
    rows = load("labelled.jsonl")
    holdout = load("holdout.jsonl") if (DATA / "holdout.jsonl").exists() else []
    out: dict[str, object] = {
        "messages": len(rows),
        "groups": len({r["group"] for r in rows if r["group"]}),
        "units": len({r["unit"] for r in rows}),
        "duplicates": duplicates(rows),
        "routing": routing_cv(rows),
        "routing_cold": routing_cold(rows),
        **categories_and_urgency(rows),
    }
    if holdout:
        out["holdout"] = {
            "messages": len(holdout),
            "groups": len({r["group"] for r in holdout if r["group"]}),
            "duplicates": duplicates(holdout),
            "routing": routing_holdout(rows, holdout),
            "routing_cold": routing_cold(holdout),
            **categories_and_urgency(holdout),
        }
    if with_throughput:
        out["throughput"] = throughput(rows)
    return out


def markdown(figures: dict) -> str:
    def dup(d: dict) -> str:
        return (
            f"P {d['precision']:.3f} / R {d['recall']:.3f} / F1 **{d['f1']:.3f}** ({d['pairs']} true pairs)"
        )

    def route(d: dict) -> str:
        return f"top-1 **{d['top1']:.3f}** / top-3 **{d['top3']:.3f}**"

    lines = ["| figure | labelled.jsonl | holdout.jsonl |", "|---|---|---|"]
    h = figures.get("holdout") or {}
    lines.append(
        f"| messages / duplicate groups | {figures['messages']} / {figures['groups']} | "
        f"{h.get('messages', '-')} / {h.get('groups', '-')} |"
    )
    lines.append(
        f"| duplicates (pairwise) | {dup(figures['duplicates'])} | {dup(h['duplicates']) if h else '-'} |"
    )
    lines.append(
        f"| routing (5-fold CV; holdout: trained on labelled) | {route(figures['routing'])} | "
        f"{route(h['routing']) if h else '-'} |"
    )
    lines.append(
        f"| routing, duties only (cold start) | {route(figures['routing_cold'])} | "
        f"{route(h['routing_cold']) if h else '-'} |"
    )
    lines.append(
        f"| category accuracy | {figures['category_accuracy']:.3f} | {h['category_accuracy']:.3f} |"
        if h
        else f"| category accuracy | {figures['category_accuracy']:.3f} | - |"
    )
    lines.append(
        f"| urgency precision / recall | {figures['urgency_precision']:.3f} / {figures['urgency_recall']:.3f} | "
        + (f"{h['urgency_precision']:.3f} / {h['urgency_recall']:.3f} |" if h else "- |")
    )
    t = figures.get("throughput")
    if t:
        lines += [
            "",
            "| throughput | |",
            "|---|---|",
            f"| analyze (single core, warm) | {t['analyze_per_s']:.0f} texts/s |",
            f"| match over 50 candidates | {t['match_50_ms']:.3f} ms |",
            f"| Router.rank of 200 texts | {t['rank_200_s']:.3f} s |",
            f"| Router.fit (duties + labelled) | {t['fit_s']:.2f} s |",
        ]
    return "\n".join(lines)
