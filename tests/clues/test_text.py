"""The clue text engine: terms, places, duplicates, urgency and category (no database)."""

from __future__ import annotations

import pytest

from ducha.clues.text import (
    CATEGORIES,
    DUPLICATE_THRESHOLD,
    SIMILAR_THRESHOLD,
    URGENCY_KINDS,
    Candidate,
    Gazetteer,
    analyzer_for,
    match,
    places_compatible,
    similarity,
)

CGZ, DHZ = 1, 2
HUAISHU, SHILIPU, DONGHU = 11, 12, 21


def gazetteer() -> Gazetteer:
    return Gazetteer(
        townships={"城关镇": CGZ, "东湖镇": DHZ},
        villages={"槐树村": (CGZ, HUAISHU), "十里铺村": (CGZ, SHILIPU), "东湖村": (DHZ, DONGHU)},
    )


def analyze(text: str, **kwargs):  # type: ignore[no-untyped-def]
    return analyzer_for(gazetteer()).analyze(text, **kwargs)


def candidate(
    clue_id: int, text: str, *, case_id: int | None = None, case_open: bool = True, **kwargs
) -> Candidate:
    a = analyze(text, **kwargs)
    return Candidate(
        clue_id=clue_id,
        case_id=case_id if case_id is not None else 100 + clue_id,
        terms=a.terms,
        township_id=a.township_id,
        place_id=a.place_id,
        case_open=case_open,
    )


def test_constants() -> None:
    assert CATEGORIES == ("implementation", "conduct", "policy", "suggestion")
    assert URGENCY_KINDS == ("safety", "health", "wages", "children", "disasters")
    assert 0 < SIMILAR_THRESHOLD < DUPLICATE_THRESHOLD < 1


def test_gazetteer_is_hashable_and_the_analyzer_cached() -> None:
    assert hash(gazetteer()) == hash(gazetteer())
    assert analyzer_for(gazetteer()) is analyzer_for(gazetteer())
    other = Gazetteer(townships={"城关镇": CGZ}, villages={})
    assert analyzer_for(other) is not analyzer_for(gazetteer())


def test_terms_are_normalised_without_places_and_stopwords() -> None:
    a = analyze("城关镇槐树村的工钱没给，老板跑了，希望政府尽快解决问题！")
    assert "拖欠工资" in a.terms  # 工钱没给 -> its canonical term
    assert not any("槐树" in t or "城关" in t for t in a.terms)
    assert not {"希望", "政府", "解决", "问题", "尽快"} & set(a.terms)
    assert abs(sum(w * w for w in a.terms.values()) - 1.0) < 1e-9
    assert 0 < len(a.keys) <= 8 and a.keys[0] in a.terms
    assert all(a.terms[k] >= a.terms[t] for k in a.keys[:1] for t in a.terms)


def test_places_found_in_the_text_and_the_form_wins() -> None:
    a = analyze("槐树村村口的垃圾没人清运")
    assert (a.township_id, a.place_id) == (CGZ, HUAISHU)
    a = analyze("城关那边的路灯不亮")  # the short form of 城关镇
    assert (a.township_id, a.place_id) == (CGZ, None)
    a = analyze("东湖镇的垃圾没人清运")
    assert (a.township_id, a.place_id) == (DHZ, None)
    # The submitter picked a place: it wins over the text.
    a = analyze("槐树村村口的垃圾没人清运", township_id=DHZ)
    assert (a.township_id, a.place_id) == (DHZ, None)
    a = analyze("村口的垃圾没人清运", place_id=SHILIPU)
    assert (a.township_id, a.place_id) == (CGZ, SHILIPU)
    a = analyze("路灯不亮")
    assert (a.township_id, a.place_id) == (None, None)


def test_similarity_bounds() -> None:
    a = analyze("养猪场的粪水排到河里，臭气熏天")
    b = analyze("疫苗接种点排队太长")
    assert similarity(a.terms, a.terms) == pytest.approx(1.0)
    assert similarity(a.terms, b.terms) == 0.0
    assert similarity({}, a.terms) == 0.0


def test_synonyms_group_paraphrases() -> None:
    first = candidate(1, "十里铺村鑫达建材厂老板拖欠我们十几个工人的工资，三个月没发了", township_id=CGZ)
    a = analyze("鑫达建材厂欠薪不还，我们的血汗钱拿不到，找老板就躲", township_id=CGZ)
    case_id, similar = match(a, [first])
    assert case_id == first.case_id
    assert similar and similar[0][0] == 1 and similar[0][1] >= DUPLICATE_THRESHOLD
    # Colloquial forms of one odour complaint.
    first = candidate(2, "东湖村北头的养猪场臭气熏天，粪水直接排到沟里")
    a = analyze("东湖村那个猪场味道太难闻了，猪屎往水沟里排")
    assert match(a, [first])[0] == first.case_id


def test_near_misses_stay_apart() -> None:
    # The same village, another problem.
    garbage = candidate(1, "槐树村村口的垃圾池满了半个月没人清运，臭得不行")
    a = analyze("槐树村村道的路灯坏了一个多月，晚上黑灯瞎火")
    case_id, similar = match(a, [garbage])
    assert case_id is None and similar == []
    # The same problem in another township: not even shown as similar.
    farm = candidate(2, "东湖村的养猪场臭气熏天，粪水直排")
    a = analyze("槐树村的养猪场臭气熏天，粪水直排")
    assert match(a, [farm]) == (None, [])
    # The same firm, another complaint.
    wages = candidate(3, "鑫达建材厂拖欠工人工资三个月", township_id=CGZ)
    a = analyze("鑫达建材厂晚上偷偷排放废气，味道刺鼻", township_id=CGZ)
    assert match(a, [wages])[0] is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((None, None), (None, None), True),
        ((CGZ, None), (None, None), True),
        ((CGZ, None), (CGZ, HUAISHU), True),
        ((CGZ, HUAISHU), (CGZ, HUAISHU), True),
        ((CGZ, HUAISHU), (CGZ, SHILIPU), False),
        ((CGZ, None), (DHZ, None), False),
        ((CGZ, HUAISHU), (DHZ, DONGHU), False),
        ((None, HUAISHU), (None, SHILIPU), False),
    ],
)
def test_places_compatible(a: tuple, b: tuple, expected: bool) -> None:
    assert places_compatible(*a, *b) is expected
    assert places_compatible(*b, *a) is expected


def test_match_picks_the_best_open_case_and_ignores_closed_cases() -> None:
    text = "东湖村北头的养猪场臭气熏天，粪水直接排到沟里，夏天窗户都不敢开"
    closed = candidate(1, text, case_id=501, case_open=False)
    weaker = candidate(2, "东湖村养猪场臭味很大，粪水排到沟里", case_id=502)
    stronger = candidate(3, "东湖村北头养猪场臭气熏天，粪水排到沟里", case_id=503)
    other = candidate(4, "东湖村的自来水三天两头停水", case_id=504)
    a = analyze(text)
    case_id, similar = match(a, [closed, weaker, stronger, other])
    assert case_id == 503
    ids = [clue_id for clue_id, _s in similar]
    assert ids[0] == 1 and set(ids) == {1, 2, 3}  # the closed one is still shown as similar
    assert [s for _c, s in similar] == sorted((s for _c, s in similar), reverse=True)
    assert match(a, [closed]) == (None, [(1, similar[0][1])])
    assert match(a, []) == (None, [])
    many = [candidate(10 + i, text, case_id=600 + i) for i in range(15)]
    assert len(match(a, many)[1]) == 10


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("新华路口的井盖丢了，晚上有人差点掉下去", ["safety"]),
        ("那家饭店的菜不干净，我们一家吃完上吐下泻住院了", ["health"]),
        ("工地老板欠了我们农民工半年工钱", ["wages"]),
        ("校车严重超载，一辆车塞了三十多个孩子", ["children"]),
        ("后山下雨后出现裂缝，担心山体滑坡", ["safety", "disasters"]),
        ("建议增加公交班次", []),
    ],
)
def test_urgent_words_flagged_per_kind(text: str, kinds: list[str]) -> None:
    assert analyze(text).urgent_reasons == kinds


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("村口的垃圾堆了半个月没人清运", "implementation"),
        ("去便民服务中心办事，工作人员态度恶劣，互相推诿，让我跑了好几趟", "conduct"),
        ("环评要求先有规划许可，规划又要求先有环评，两个部门互为前置，政策互相矛盾", "policy"),
        ("建议在村口增设一个公交站台，方便老人出行", "suggestion"),
    ],
)
def test_category_cues(text: str, category: str) -> None:
    assert analyze(text).category == category
