"""The clue router: the duties (三定) as cold-start knowledge, and the office's decisions learnt (no database)."""

from __future__ import annotations

import functools

import pytest

from ducha.clues.routing import TOWNSHIP, Router, duties_examples
from ducha.devtools.demo.duties import DUTIES, TOWNSHIP_DUTIES
from ducha.devtools.demo.world import DEPARTMENTS


@functools.cache
def duty_examples() -> tuple[tuple[str, str], ...]:
    out = []
    for code, text in DUTIES.items():
        out.extend(duties_examples(code, text))
    out.extend(duties_examples(TOWNSHIP, TOWNSHIP_DUTIES))
    return tuple(out)


@functools.cache
def cold_router() -> Router:
    return Router().fit(list(duty_examples()))


def test_every_department_has_duties() -> None:
    assert set(DUTIES) == {code for _name, _short, code in DEPARTMENTS}
    for code, text in DUTIES.items():
        assert 8 <= len(duties_examples(code, text)) <= 15, code
    assert len(duties_examples(TOWNSHIP, TOWNSHIP_DUTIES)) >= 8


def test_duties_examples_one_per_duty_without_boilerplate() -> None:
    text = "主要职责：\n（一）负责甲。\n（二）负责乙和丙。\n（三）完成县委、县政府交办的其他任务。"
    assert duties_examples("x", text) == [("负责甲。", "x"), ("负责乙和丙。", "x")]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("工地老板拖欠我们农民工工资三个月了，一直不发", "rsj"),
        ("村边养殖场粪污直排，恶臭扰民", "sthjj"),
        ("开发商逾期交房一年多了", "zjj"),
        ("饭店卖过期变质的食品", "scjgj"),
        ("村里的垃圾没人清运，邻里纠纷也没人调解", TOWNSHIP),
        ("有人在河道里非法采砂", "slj"),
    ],
)
def test_the_department_whose_duties_name_the_matter_comes_first(text: str, unit: str) -> None:
    ranked = cold_router().rank([text], k=3)[0]
    assert ranked[0][0] == unit
    assert len(ranked) == 3
    scores = [s for _u, s in ranked]
    assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)


def test_the_router_learns_a_new_decision() -> None:
    phrase = "充电宝押金一直不退"
    before = cold_router().rank([phrase])[0]
    assert before[0][0] != "scjgj"
    router = Router().fit([*duty_examples(), ("共享充电宝的押金退不了，客服也联系不上", "scjgj")])
    assert router.rank([phrase])[0][0][0] == "scjgj"


def test_rank_is_deterministic_batched_and_bounded() -> None:
    texts = ["路灯不亮", "欠薪", "物业乱收费"] * 10
    a = Router().fit(list(duty_examples())).rank(texts, k=5)
    b = Router().fit(list(duty_examples())).rank(texts, k=5)
    assert a == b
    assert len(a) == 30 and all(len(r) == 5 for r in a)
    assert Router().fit(list(duty_examples())).rank([]) == []
    assert Router().rank(["欠薪", "路灯不亮"]) == [[], []]  # never fitted: no suggestion
    assert Router().fit([("欠薪", "rsj")]).rank(["路灯不亮"]) == [[("rsj", 1.0)]]
    with pytest.raises(ValueError):
        Router().fit([])
