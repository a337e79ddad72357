"""Which unit should handle a clue: a text classifier over the county's duties (三定 主要职责, one example per duty)
and the office's past routing decisions (clue text -> unit). Pure Python + scikit-learn, no database.

Features: TF-IDF of jieba words (after the lexicon's colloquial variants are replaced by canonical terms, so that
"工钱没给" meets the duty "拖欠农民工工资") and of character 2-3-grams (robust to typos and unknown words);
classifier: a linear SVM (one-vs-rest, classes balanced; fits 20,000 examples in seconds), whose margins pass
through a softmax into a confidence in [0, 1] over the labels. Deterministic (random_state).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ducha.clues.text import lexicon, normalize, segment

TOWNSHIP = "township"  # matters the township of the place handles (属地管理)

_DUTY_NUMBER = re.compile(r"^[（(][一二三四五六七八九十]+[)）]\s*")
_DUTY_SPLIT = re.compile(r"[\n；;]+")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fffa-z]")
_PUNCT = re.compile(r"[\s，。、！？：；“”‘’（）()《》【】,.!?:;\"'\-—…·~～/\\|0-9]+")
_SKIP_DUTIES = ("完成县委", "交办的其他任务", "主要职责")


def duties_examples(label: str, duties: str) -> list[tuple[str, str]]:
    """A 三定 text split into one (duty, label) example per numbered duty (the boilerplate lines left out)."""
    out = []
    for line in _DUTY_SPLIT.split(duties):
        line = _DUTY_NUMBER.sub("", line.strip())
        if len(line) < 4 or any(s in line for s in _SKIP_DUTIES):
            continue
        out.append((line, label))
    return out


def _words(text: str) -> list[str]:
    stop = lexicon().stopwords
    return [
        t
        for t in segment(text)
        if len(t) >= 2 and t not in stop and _CJK_OR_WORD.search(t) and not t.isdigit()
    ]


def _chars(text: str) -> str:
    return _PUNCT.sub(" ", text)


class Router:
    def __init__(
        self,
        *,
        c: float = 1.0,
        char_weight: float = 1.0,
        class_weight: str | None = "balanced",
        temperature: float = 4.0,
        random_state: int = 0,
    ) -> None:
        self.c = c
        self.char_weight = char_weight
        self.class_weight = class_weight
        self.temperature = temperature
        self.random_state = random_state
        self.labels_: list[str] = []
        self._model = None

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return [normalize(t) for t in texts]

    def fit(self, examples: Sequence[tuple[str, str]]) -> Router:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        if not examples:
            raise ValueError("no examples")
        texts = self._prepare([t for t, _ in examples])
        labels = [label for _, label in examples]
        self._words = TfidfVectorizer(analyzer=_words, sublinear_tf=True, min_df=1)
        self._chars_vec = TfidfVectorizer(
            analyzer="char",
            ngram_range=(2, 3),
            sublinear_tf=True,
            min_df=1,
            preprocessor=_chars,
            max_features=60000,
        )
        x = hstack(
            [self._words.fit_transform(texts), self._chars_vec.fit_transform(texts) * self.char_weight]
        ).tocsr()
        self.labels_ = sorted(set(labels))
        if len(self.labels_) == 1:
            self._model = None
            return self
        model = LinearSVC(C=self.c, class_weight=self.class_weight, random_state=self.random_state)
        model.fit(x, labels)
        self._model = model
        self.labels_ = [str(c) for c in model.classes_]
        return self

    def _x(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        from scipy.sparse import hstack

        prepared = self._prepare(texts)
        return hstack(
            [self._words.transform(prepared), self._chars_vec.transform(prepared) * self.char_weight]
        ).tocsr()

    def rank(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        import numpy as np

        if not texts:
            return []
        if not self.labels_:  # never fitted (no duties, no decisions yet): no suggestion
            return [[] for _ in texts]
        if self._model is None:
            return [[(self.labels_[0], 1.0)] for _ in texts]
        margins = self._model.decision_function(self._x(texts))
        if margins.ndim == 1:  # two labels
            margins = np.column_stack([-margins, margins])
        # A softmax of the margins: a confidence in [0, 1] that sums to 1 over the labels.
        z = (margins - margins.max(axis=1, keepdims=True)) * self.temperature
        proba = np.exp(z)
        proba /= proba.sum(axis=1, keepdims=True)
        out = []
        for row in proba:
            order = sorted(range(len(row)), key=lambda i: (-row[i], self.labels_[i]))[:k]
            out.append([(self.labels_[i], float(round(row[i], 4))) for i in order])
        return out
