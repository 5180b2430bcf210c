"""Do two questions mean the same? A pair classifier over similarity features.

For FAQ matching data (`sentence1,sentence2,label`). Each pair becomes a row of `FEATURES`:
TF-IDF cosine over characters and over words, IDF-weighted word overlap, Jaccard over
characters, character bigrams and words, edit ratios over characters and over words, the longest
common run, length differences, how rare the words are that only one side has, and mismatches
that overlap measures miss — a negation on one side only ("能" / "不能"), different numbers, a
different question type ("为什么" vs "怎么", "when" vs "how"). Sparse, next to them: the words
the two sentences do NOT share (a question about "花呗" is not one about "借呗", however similar
the rest) and the words they share.

A logistic regression weighs them. `fit` chooses by 3-fold cross-validation on the pairs it is
given (never a test set) its C (from `C_GRID`) and the decision threshold on the probability of
"same": the one that maximises out-of-fold accuracy — with weak features that can mean "say
'same' rarely", so the model does not fall below the majority class by guessing. Gradient-boosted
trees over the dense features were tried as a second learner: on AFQMC they never won the inner
cross-validation and cost most of the training time, so they are not offered.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from kefu.bot.nlu.features import mask_numbers, tokens
from kefu.bot.nlu.normalize import normalize

FEATURES = (
    "char_cosine",
    "word_cosine",
    "idf_overlap",
    "char_jaccard",
    "bigram_jaccard",
    "word_jaccard",
    "char_edit_ratio",
    "word_edit_ratio",
    "longest_common_run",
    "length_difference",
    "length_ratio",
    "unshared_words",
    "unshared_max_idf",
    "unshared_mean_idf",
    "negation_mismatch",
    "negation_count_difference",
    "number_mismatch",
    "question_type_mismatch",
)

_NEGATION = re.compile(
    r"[不没无未别非否]|\b(?:not|no|never|cannot|can't|don't|doesn't|didn't|won't)\b"
)
# Numbers, including masked ones ("***" in AFQMC, "00000" from `mask_numbers`) and Chinese ones.
_NUMBER = re.compile(
    r"\d+(?:\.\d+)?|\*{3}|[零一二两三四五六七八九十百千万]+(?=[个块元天月年期次号])"
)
# Question types: a "why" question is not a "how" question, however many words they share.
_QUESTION_TYPES = {
    "why": re.compile(r"为什么|为何|为啥|咋不|怎么不|怎么没|凭什么|\bwhy\b"),
    "how": re.compile(r"怎么|如何|怎样|咋|\bhow\b"),
    "when": re.compile(r"什么时候|多久|几时|何时|几天|\bwhen\b|how long"),
    "amount": re.compile(r"多少|几个|\bhow (?:much|many)\b"),
    "where": re.compile(r"哪里|哪儿|在哪|\bwhere\b"),
    "which": re.compile(r"哪个|哪些|什么|\bwhat\b|\bwhich\b"),
    "yes_no": re.compile(r"吗|么$|能不能|可不可以|是不是|有没有|\b(?:can|could|is|are|do|does)\b"),
}


def _identity(doc: list[str]) -> list[str]:
    return doc


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def question_types(text: str) -> frozenset[str]:
    return frozenset(name for name, pattern in _QUESTION_TYPES.items() if pattern.search(text))


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def pair_row(
    x: str, y: str, tx: list[str], ty: list[str], idf: dict[str, float], unseen_idf: float
) -> list[float]:
    """The `FEATURES` of one normalised pair (without the two cosines, filled in by the caller)."""
    sx, sy = set(tx), set(ty)
    shared, differ = sx & sy, sx ^ sy
    w_shared = sum(idf.get(w, unseen_idf) for w in shared)
    w_all = sum(idf.get(w, unseen_idf) for w in sx | sy) or 1.0
    unshared_idf = [idf.get(w, unseen_idf) for w in differ]
    lx, ly = len(x), len(y)
    matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
    longest = matcher.find_longest_match(0, lx, 0, ly).size
    nx, ny = len(_NEGATION.findall(x)), len(_NEGATION.findall(y))
    numbers_x, numbers_y = _numbers(x), _numbers(y)
    return [
        w_shared / w_all,
        _jaccard(set(x), set(y)),
        _jaccard(_bigrams(x), _bigrams(y)),
        _jaccard(sx, sy),
        matcher.ratio(),
        difflib.SequenceMatcher(None, tx, ty, autojunk=False).ratio(),
        longest / max(1, min(lx, ly)),
        abs(lx - ly) / max(lx, ly, 1),
        min(lx, ly) / max(lx, ly, 1),
        float(len(differ)),
        max(unshared_idf, default=0.0),
        sum(unshared_idf) / (len(unshared_idf) + 1),
        float((nx > 0) != (ny > 0)),
        float(abs(nx - ny)),
        float(numbers_x != numbers_y and bool(numbers_x) and bool(numbers_y)),
        float(len(question_types(x) ^ question_types(y))),
    ]


class PairModel:
    """`fit(pairs, labels)` / `predict_proba(pairs)` / `predict(pairs)` for (sentence1, sentence2)."""

    # Regularisation strengths of the logistic regression tried by the inner cross-validation.
    C_GRID = (0.01, 0.03, 0.1, 0.3)
    INNER_FOLDS = 3

    def __init__(self, *, c: float | None = None, threshold: float | None = None) -> None:
        self.c = c  # None: chosen by inner cross-validation
        self.threshold = threshold  # on P(classes_[1]); None: choose (two classes only)
        self.char = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.word = TfidfVectorizer(
            analyzer="word",
            tokenizer=_identity,
            preprocessor=_identity,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
        )
        self.hasher = FeatureHasher(n_features=2**16, input_type="string", alternate_sign=False)
        self.scaler = StandardScaler()
        self.idf: dict[str, float] = {}
        self.unseen_idf = 1.0
        self.classifier: Any = None
        self.report: dict[str, Any] = {}

    # -- features ---------------------------------------------------------------------------

    def _prepare(
        self, pairs: Sequence[tuple[str, str]]
    ) -> tuple[list[str], list[str], list[list[str]], list[list[str]]]:
        a = [mask_numbers(normalize(x)) for x, _ in pairs]
        b = [mask_numbers(normalize(y)) for _, y in pairs]
        return a, b, [tokens(x) for x in a], [tokens(y) for y in b]

    def dense_features(self, pairs: Sequence[tuple[str, str]], *, fit: bool = False) -> np.ndarray:
        """One row of `FEATURES` per pair (unscaled). `fit=True` learns the IDF from `pairs`."""
        return self._features(pairs, fit=fit)[0]

    def _features(
        self, pairs: Sequence[tuple[str, str]], *, fit: bool
    ) -> tuple[np.ndarray, list[list[str]]]:
        a, b, wa, wb = self._prepare(pairs)
        if fit:
            self.char.fit(a + b)
            self.word.fit(wa + wb)
            self.idf = dict(zip(self.word.get_feature_names_out(), self.word.idf_, strict=True))
            self.unseen_idf = float(max(self.word.idf_)) if len(self.word.idf_) else 1.0
        ca, cb = self.char.transform(a), self.char.transform(b)
        va, vb = self.word.transform(wa), self.word.transform(wb)
        char_cos = np.asarray(ca.multiply(cb).sum(axis=1)).ravel()
        word_cos = np.asarray(va.multiply(vb).sum(axis=1)).ravel()
        rows = []
        bags = []
        for x, y, tx, ty, cc, wc in zip(a, b, wa, wb, char_cos, word_cos, strict=True):
            rows.append([float(cc), float(wc), *pair_row(x, y, tx, ty, self.idf, self.unseen_idf)])
            sx, sy = set(tx), set(ty)
            bags.append([f"d:{w}" for w in sx ^ sy] + [f"s:{w}" for w in sx & sy])
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES)), bags

    def _linear_matrix(self, dense: np.ndarray, bags: list[list[str]], *, fit: bool) -> Any:
        d = self.scaler.fit_transform(dense) if fit else self.scaler.transform(dense)
        return sparse.hstack([sparse.csr_matrix(d), self.hasher.transform(bags)], format="csr")

    # -- training ---------------------------------------------------------------------------

    @staticmethod
    def _learner(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, solver="liblinear", max_iter=3000)

    def _fit_matrix(self, pairs: Sequence[tuple[str, str]]) -> Any:
        dense, bags = self._features(pairs, fit=True)
        return self._linear_matrix(dense, bags, fit=True)

    def _matrix(self, pairs: Sequence[tuple[str, str]]) -> Any:
        dense, bags = self._features(pairs, fit=False)
        return self._linear_matrix(dense, bags, fit=False)

    def fit(self, pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> PairModel:
        """Fit; the learner and threshold not fixed in `__init__` come from inner 3-fold CV."""
        y = np.asarray([str(v) for v in labels])
        if self.c is None or (self.threshold is None and len(set(y)) == 2):
            chosen_c, chosen_t = self._choose(pairs, y)
            self.c = chosen_c if self.c is None else self.c
            self.threshold = chosen_t if self.threshold is None else self.threshold
        self.classifier = self._learner(self.c if self.c is not None else 1.0)
        self.classifier.fit(self._fit_matrix(pairs), y)
        return self

    def _choose(self, pairs: Sequence[tuple[str, str]], y: np.ndarray) -> tuple[float, float]:
        """(C, threshold) with the best out-of-fold accuracy over `INNER_FOLDS` folds."""
        from sklearn.model_selection import StratifiedKFold

        classes, counts = np.unique(y, return_counts=True)
        if len(classes) != 2 or counts.min() < self.INNER_FOLDS:
            return 1.0, 0.5
        oof = {c: np.zeros(len(y)) for c in self.C_GRID}
        splitter = StratifiedKFold(self.INNER_FOLDS, shuffle=True, random_state=7)
        for train, valid in splitter.split(np.zeros(len(y)), y):
            inner = PairModel(c=1.0, threshold=0.5)
            x_train = inner._fit_matrix([pairs[i] for i in train])
            x_valid = inner._matrix([pairs[i] for i in valid])
            for c in self.C_GRID:
                clf = self._learner(c).fit(x_train, y[train])
                oof[c][valid] = clf.predict_proba(x_valid)[:, 1]
        positive = y == classes[1]
        best: tuple[float, float, float] = (-1.0, 1.0, 0.5)
        for c in self.C_GRID:
            threshold, accuracy = _best_threshold(oof[c], positive)
            if accuracy > best[0] + 1e-9:
                best = (accuracy, c, threshold)
        self.report = {"inner_cv_accuracy": round(best[0], 4), "c": best[1]}
        return best[1], best[2]

    # -- prediction -------------------------------------------------------------------------

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.classifier.classes_)

    def predict_proba(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return np.asarray(self.classifier.predict_proba(self._matrix(pairs)))

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        probs = self.predict_proba(pairs)
        classes = self.classes_
        if len(classes) == 2 and self.threshold is not None:
            return [str(classes[1] if p >= self.threshold else classes[0]) for p in probs[:, 1]]
        return [str(classes[i]) for i in probs.argmax(axis=1)]


def _best_threshold(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """(threshold, accuracy): predict positive at score >= threshold, best accuracy wins."""
    order = np.sort(np.unique(np.concatenate([scores, [1.0 + 1e-9]])))
    best_t, best_acc = 0.5, -1.0
    for t in order:
        predicted = scores >= t
        accuracy = float(np.mean(predicted == positive))
        # Ties go to the threshold nearest 0.5 (the calibrated default).
        if accuracy > best_acc + 1e-9 or (
            abs(accuracy - best_acc) <= 1e-9 and abs(t - 0.5) < abs(best_t - 0.5)
        ):
            best_t, best_acc = float(t), accuracy
    return best_t, best_acc
