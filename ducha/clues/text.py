"""The Chinese-text engine for public clues: what problem a message describes (weighted terms), where (township and
village), what kind (category) and whether it is urgent; and which earlier clues describe the same problem.

Pure Python (jieba), no database: the clues services hand in a Gazetteer of the county's places and Candidates of
earlier clues. The lexicon (ducha/clues/lexicon/) holds the domain terms, the colloquial variants of common
complaint topics and the stopwords; it is read once per process.

How a text becomes terms: NFKC and lower case; one longest-match scan replaces every place name by a gap (noting
the first township and village named) and every colloquial variant by its canonical term ("工钱没给" -> "拖欠工资");
jieba (HMM off, the lexicon added to a private Tokenizer, never jieba's global one) segments the rest; stopwords,
single characters and numbers go; each term weighs tf x idf (jieba's bundled IDF table; lexicon terms boosted),
and the vector is L2-normalised so that similarity is a cosine in [0, 1].
"""

from __future__ import annotations

import functools
import math
import re
import threading
import types
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

CATEGORIES = ("implementation", "conduct", "policy", "suggestion")
URGENCY_KINDS = ("safety", "health", "wages", "children", "disasters")

# Tuned on ducha/devtools/clues_data/labelled.jsonl (ducha clues_quality).
DUPLICATE_THRESHOLD = 0.42
SIMILAR_THRESHOLD = 0.25
# Added to the cosine when both clues name the same village (or the same township and no village differs): two
# reports from one village about one kind of matter are most often the same problem.
SAME_PLACE_BONUS = 0.08
SAME_TOWNSHIP_BONUS = 0.03
# Subtracted when either clue names no township: a problem without a place is only the same as another one when
# the words say so more clearly.
UNKNOWN_PLACE_PENALTY = 0.20
BOTH_UNKNOWN_PENALTY = 0.05

DOMAIN_BOOST = 1.4
TOPIC_WEIGHT = 0.2
OOV_IDF_QUANTILE = 0.9
MAX_KEYS = 8
TF_LOG = 1.0

LEXICON = Path(__file__).resolve().parent / "lexicon"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"^[a-z][a-z0-9]+$")
# Quantities and times ("二十多万", "三个月", "好几次"): words made only of numerals and measure words.
_QUANTITY = re.compile(
    r"^[0-9零一二三四五六七八九十百千万亿两几多半好每个块元亩天年月日次户人层楼号斤米里小时周星期趟遍回晚]+$"
)


def _lines(name: str) -> list[str]:
    out = []
    for line in (LEXICON / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class Lexicon:
    synonyms: Mapping[str, str]  # variant -> canonical term
    domain: frozenset[str]  # canonical and domain terms (boosted; added to the segmenter)
    stopwords: frozenset[str]
    urgency: Mapping[str, tuple[str, ...]]  # kind -> words
    child_words: tuple[str, ...]
    categories: Mapping[str, tuple[tuple[str, float], ...]]  # category -> (cue, weight)


@functools.cache
def lexicon() -> Lexicon:
    synonyms: dict[str, str] = {}
    canonical: set[str] = set()
    for line in _lines("synonyms.txt"):
        head, _sep, rest = line.partition(":")
        head = _fold(head.strip())
        canonical.add(head)
        for variant in rest.split():
            variant = _fold(variant)
            if variant != head:
                synonyms.setdefault(variant, head)
    domain = set(canonical)
    for line in _lines("domain.txt"):
        domain.update(_fold(w) for w in line.split())
    stopwords = {_fold(w) for line in _lines("stopwords.txt") for w in line.split()}
    urgency: dict[str, tuple[str, ...]] = {}
    child_words: tuple[str, ...] = ()
    for line in _lines("urgency.txt"):
        head, _sep, rest = line.partition(":")
        words = tuple(_fold(w) for w in rest.split())
        if head.strip() == "children_words":
            child_words = words
        else:
            urgency[head.strip()] = words
    categories: dict[str, tuple[tuple[str, float], ...]] = {}
    for line in _lines("categories.txt"):
        head, _sep, rest = line.partition(":")
        items = rest.split()
        categories[head.strip()] = tuple(
            (_fold(items[i]), float(items[i + 1])) for i in range(0, len(items) - 1, 2)
        )
    return Lexicon(
        synonyms=types.MappingProxyType(synonyms),
        domain=frozenset(domain - stopwords),
        stopwords=frozenset(stopwords),
        urgency=types.MappingProxyType(urgency),
        child_words=child_words,
        categories=types.MappingProxyType(categories),
    )


# --- jieba, lazily, once per process ---------------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, object] = {}


def _tokenizer():  # type: ignore[no-untyped-def]
    tok = _state.get("tokenizer")
    if tok is None:
        with _lock:
            tok = _state.get("tokenizer")
            if tok is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                lex = lexicon()
                for word in sorted(lex.domain):
                    tok.add_word(word, freq=200000)
                for word in sorted(lex.stopwords):
                    if len(word) > 1:
                        tok.add_word(word, freq=20000)
                _state["tokenizer"] = tok
    return tok


def _idf() -> tuple[Mapping[str, float], float]:
    table = _state.get("idf")
    if table is None:
        with _lock:
            table = _state.get("idf")
            if table is None:
                import jieba.analyse

                path = Path(jieba.analyse.__file__).resolve().parent / "idf.txt"
                idf: dict[str, float] = {}
                for line in path.read_text(encoding="utf-8").splitlines():
                    word, _sep, value = line.rpartition(" ")
                    if word:
                        idf[word] = float(value)
                values = sorted(idf.values())
                # Words the table lacks (names of firms and estates, found by jieba's HMM) are rare by nature.
                table = (idf, values[int(len(values) * OOV_IDF_QUANTILE)])
                _state["idf"] = table
    return table  # type: ignore[return-value]


def segment(text: str) -> list[str]:
    """jieba words of an already normalised text (the lexicon's terms kept whole)."""
    return _tokenizer().lcut(text, HMM=True)


# --- places and variants: one longest-match scan ----------------------------------------------------------------


class _Scanner:
    """Longest match at each position over a table of phrases (place names and colloquial variants)."""

    def __init__(self, table: Mapping[str, tuple[str, object]]) -> None:
        by_first: dict[str, list[str]] = {}
        for phrase in table:
            by_first.setdefault(phrase[0], []).append(phrase)
        self.by_first = {c: sorted(v, key=len, reverse=True) for c, v in by_first.items()}
        self.table = table

    def scan(self, text: str) -> tuple[str, list[tuple[str, object]]]:
        out: list[str] = []
        found: list[tuple[str, object]] = []
        i, n, start = 0, len(text), 0
        by_first, table = self.by_first, self.table
        while i < n:
            phrases = by_first.get(text[i])
            if phrases:
                for phrase in phrases:
                    if text.startswith(phrase, i):
                        kind, value = table[phrase]
                        out.append(text[start:i])
                        if kind == "term":
                            out.append(f" {value} ")
                        else:
                            out.append(" ")
                            found.append((kind, value))
                        i += len(phrase)
                        start = i
                        break
                else:
                    i += 1
                continue
            i += 1
        out.append(text[start:])
        return "".join(out), found


@functools.cache
def _variant_table() -> Mapping[str, tuple[str, object]]:
    return types.MappingProxyType({v: ("term", c) for v, c in lexicon().synonyms.items()})


@functools.cache
def _plain_scanner() -> _Scanner:
    return _Scanner(_variant_table())


def normalize(text: str) -> str:
    """The text with its colloquial variants replaced by their canonical terms (no places removed)."""
    return _plain_scanner().scan(_fold(text))[0]


# --- the interface ----------------------------------------------------------------------------------------------


def _frozen(mapping: Mapping) -> Mapping:  # type: ignore[type-arg]
    return types.MappingProxyType(dict(mapping))


@dataclass(frozen=True, eq=False)
class Gazetteer:
    townships: Mapping[
        str, int
    ]  # township name -> township unit id ("城关镇" -> 7); short forms ("城关") match too
    villages: Mapping[str, tuple[int, int]]  # village/community name -> (township unit id, place id)

    def __post_init__(self) -> None:
        object.__setattr__(self, "townships", _frozen(self.townships))
        object.__setattr__(self, "villages", _frozen({k: tuple(v) for k, v in self.villages.items()}))
        key = (tuple(sorted(self.townships.items())), tuple(sorted(self.villages.items())))
        object.__setattr__(self, "_key", key)

    def __hash__(self) -> int:
        return hash(self._key)  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gazetteer) and self._key == other._key  # type: ignore[attr-defined]


_ADMIN_SUFFIXES = ("社区", "村", "镇", "乡", "街道")


def _short(name: str, minimum: int) -> str | None:
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= minimum:
            return name[: -len(suffix)]
    return None


@dataclass(frozen=True)
class Analysis:
    terms: dict[str, float]
    keys: list[str]
    township_id: int | None
    place_id: int | None
    category: str
    urgent_reasons: list[str]


class Analyzer:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        table: dict[str, tuple[str, object]] = dict(_variant_table())
        # Villages: the full name, and the name without 村/社区 when at least three characters remain ("杨家湾").
        for name, (township_id, place_id) in gazetteer.villages.items():
            value = (township_id, place_id)
            table[_fold(name)] = ("village", value)
            short = _short(name, 3)
            if short:
                table.setdefault(_fold(short), ("village", value))
        for name, township_id in gazetteer.townships.items():
            table[_fold(name)] = ("township", township_id)
            short = _short(name, 2)
            if short:
                table.setdefault(_fold(short), ("township", township_id))
        self.scanner = _Scanner(table)
        self.township_of_place = {p: t for t, p in gazetteer.villages.values()}
        self.lexicon = lexicon()
        _tokenizer()
        _idf()

    def analyze(self, text: str, *, township_id: int | None = None, place_id: int | None = None) -> Analysis:
        normalized, found = self.scanner.scan(_fold(text))
        text_township: int | None = None
        text_place: int | None = None
        for kind, value in found:
            if kind == "village" and text_place is None:
                text_township, text_place = cast("tuple[int, int]", value)
            elif kind == "township" and text_township is None:
                text_township = cast("int", value)
        if place_id is not None and township_id is None:
            township_id = self.township_of_place.get(place_id)
        if township_id is None:
            township_id, place_id = text_township, text_place
        elif (
            place_id is None
            and text_place is not None
            and self.township_of_place.get(text_place) == township_id
        ):
            place_id = text_place
        terms = self._terms(normalized)
        keys = [t for t, _w in sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_KEYS]]
        return Analysis(
            terms=terms,
            keys=keys,
            township_id=township_id,
            place_id=place_id,
            category=self._category(normalized),
            urgent_reasons=self._urgency(normalized, _fold(text)),
        )

    def _terms(self, normalized: str) -> dict[str, float]:
        lex = self.lexicon
        stop, domain = lex.stopwords, lex.domain
        counts: dict[str, int] = {}
        for token in segment(normalized):
            if len(token) < 2 or token in stop:
                continue
            if not (_CJK.search(token) or _WORD.match(token)) or _QUANTITY.match(token):
                continue
            counts[token] = counts.get(token, 0) + 1
        idf, median = _idf()
        weights = {}
        for token, count in counts.items():
            w = (1.0 + TF_LOG * math.log(count)) * idf.get(token, median)
            if token in domain:
                w *= DOMAIN_BOOST
            weights[token] = w
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def _category(self, normalized: str) -> str:
        best, best_score = "implementation", 0.0
        for category, cues in self.lexicon.categories.items():
            score = sum(weight for cue, weight in cues if cue in normalized)
            if score > best_score + 1e-9 and score >= 2:
                best, best_score = category, score
        return best

    def _urgency(self, normalized: str, folded: str) -> list[str]:
        lex = self.lexicon
        reasons = []
        for kind in URGENCY_KINDS:
            words = lex.urgency.get(kind, ())
            hit = any(w in normalized or w in folded for w in words)
            if kind == "children":
                hit = hit and any(w in normalized or w in folded for w in lex.child_words)
            if hit:
                reasons.append(kind)
        return reasons


@functools.lru_cache(maxsize=32)
def analyzer_for(gazetteer: Gazetteer) -> Analyzer:
    return Analyzer(gazetteer)


def similarity(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    score = sum(w * b.get(t, 0.0) for t, w in a.items())
    return min(1.0, max(0.0, score))


@dataclass(frozen=True)
class Candidate:
    clue_id: int
    case_id: int | None
    terms: Mapping[str, float]
    township_id: int | None
    place_id: int | None
    case_open: bool  # the case may still take new clues (not answered/closed)


def places_compatible(
    a_township: int | None, a_place: int | None, b_township: int | None, b_place: int | None
) -> bool:
    if a_township is not None and b_township is not None and a_township != b_township:
        return False
    return not (a_place is not None and b_place is not None and a_place != b_place)


def _topic_cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """The cosine over the lexicon's terms only (what kind of matter), ignoring the incidental words."""
    domain = lexicon().domain
    dot = na = nb = 0.0
    for t, w in a.items():
        if t in domain:
            na += w * w
            dot += w * b.get(t, 0.0)
    if dot <= 0.0:
        return 0.0
    for t, w in b.items():
        if t in domain:
            nb += w * w
    return min(1.0, dot / math.sqrt(na * nb))


def score(analysis: Analysis, candidate: Candidate) -> float:
    """A blend of the cosine of all the terms and of the lexicon's terms alone (two reports of one problem name
    the same kind of matter), with a small bonus when both name the same place and a malus when a place is
    unknown."""
    s = similarity(analysis.terms, candidate.terms)
    if s <= 0.0:
        return 0.0
    s = (1.0 - TOPIC_WEIGHT) * s + TOPIC_WEIGHT * _topic_cosine(analysis.terms, candidate.terms)
    if s <= 0.0:
        return 0.0
    if analysis.place_id is not None and analysis.place_id == candidate.place_id:
        s += SAME_PLACE_BONUS
    elif analysis.township_id is not None and analysis.township_id == candidate.township_id:
        s += SAME_TOWNSHIP_BONUS
    elif analysis.township_id is None and candidate.township_id is None:
        s -= BOTH_UNKNOWN_PENALTY
    elif analysis.township_id is None or candidate.township_id is None:
        s -= UNKNOWN_PLACE_PENALTY
    return min(1.0, max(0.0, s))


def match(analysis: Analysis, candidates: Sequence[Candidate]) -> tuple[int | None, list[tuple[int, float]]]:
    """(the case to group into, or None; [(clue_id, score)] of compatible similar clues, best first, at most 10)."""
    scored: list[tuple[float, int, Candidate]] = []
    for c in candidates:
        if not places_compatible(analysis.township_id, analysis.place_id, c.township_id, c.place_id):
            continue
        s = score(analysis, c)
        if s >= SIMILAR_THRESHOLD:
            scored.append((s, c.clue_id, c))
    scored.sort(key=lambda x: (-x[0], x[1]))
    case_id = None
    for s, _clue_id, c in scored:
        if s < DUPLICATE_THRESHOLD:
            break
        if c.case_open and c.case_id is not None:
            case_id = c.case_id
            break
    return case_id, [(clue_id, round(s, 4)) for s, clue_id, _c in scored[:10]]
