"""Do two questions mean the same? A pair classifier over similarity features.

For FAQ matching data (`sentence1,sentence2,label`). Each pair becomes: TF-IDF cosine over
characters and over words, IDF-weighted word overlap, Jaccard over characters, character
bigrams and words, edit ratio, length differences — plus, sparse, the words the two sentences do
NOT share (a question about "花呗" is not one about "借呗", however similar the rest) and the
words they share. A logistic regression weighs them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from kefu.bot.nlu.features import mask_numbers, tokens
from kefu.bot.nlu.normalize import normalize


def _identity(doc: list[str]) -> list[str]:
    return doc


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


class PairModel:
    """`fit(pairs, labels)` / `predict_proba(pairs)` for (sentence1, sentence2) pairs."""

    # Regularisation strengths tried by the inner cross-validation of `fit`.
    C_GRID = (0.01, 0.03, 0.1, 0.3)

    def __init__(self, *, c: float | None = None) -> None:
        self.c = c
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
        self.classifier = LogisticRegression(C=c or 1.0, solver="liblinear", max_iter=3000)

    def _prepare(
        self, pairs: Sequence[tuple[str, str]]
    ) -> tuple[list[str], list[str], list[list[str]], list[list[str]]]:
        a = [mask_numbers(normalize(x)) for x, _ in pairs]
        b = [mask_numbers(normalize(y)) for _, y in pairs]
        return a, b, [tokens(x) for x in a], [tokens(y) for y in b]

    def _features(self, pairs: Sequence[tuple[str, str]], *, fit: bool) -> sparse.csr_matrix:
        a, b, wa, wb = self._prepare(pairs)
        if fit:
            self.char.fit(a + b)
            self.word.fit(wa + wb)
        ca, cb = self.char.transform(a), self.char.transform(b)
        va, vb = self.word.transform(wa), self.word.transform(wb)
        char_cos = np.asarray(ca.multiply(cb).sum(axis=1)).ravel()
        word_cos = np.asarray(va.multiply(vb).sum(axis=1)).ravel()
        idf = dict(zip(self.word.get_feature_names_out(), self.word.idf_, strict=True))
        default_idf = float(max(self.word.idf_)) if len(self.word.idf_) else 1.0
        dense = []
        bags = []
        for x, y, tx, ty, cc, wc in zip(a, b, wa, wb, char_cos, word_cos, strict=True):
            sx, sy = set(tx), set(ty)
            shared, differ = sx & sy, sx ^ sy
            w_shared = sum(idf.get(w, default_idf) for w in shared)
            w_all = sum(idf.get(w, default_idf) for w in sx | sy) or 1.0
            lx, ly = len(x), len(y)
            dense.append(
                [
                    cc,
                    wc,
                    w_shared / w_all,
                    _jaccard(set(x), set(y)),
                    _jaccard(_bigrams(x), _bigrams(y)),
                    _jaccard(sx, sy),
                    difflib.SequenceMatcher(None, x, y).ratio(),
                    abs(lx - ly) / max(lx, ly, 1),
                    min(lx, ly) / max(lx, ly, 1),
                    len(differ),
                ]
            )
            bags.append([f"d:{w}" for w in differ] + [f"s:{w}" for w in shared])
        d = np.array(dense, dtype=np.float64)
        d = self.scaler.fit_transform(d) if fit else self.scaler.transform(d)
        return sparse.hstack([sparse.csr_matrix(d), self.hasher.transform(bags)], format="csr")

    def fit(self, pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> PairModel:
        """Fit; without a fixed `c`, pick it by 3-fold cross-validation on these pairs only."""
        if self.c is None:
            self.c = self._choose_c(pairs, labels)
        self.classifier.set_params(C=self.c)
        self.classifier.fit(self._features(pairs, fit=True), list(labels))
        return self

    def _choose_c(self, pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> float:
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(labels)
        if min(np.unique(y, return_counts=True)[1]) < 3:
            return 1.0
        scores = dict.fromkeys(self.C_GRID, 0.0)
        for train, valid in StratifiedKFold(3, shuffle=True, random_state=7).split(pairs, y):
            inner = PairModel(c=1.0)
            x_train = inner._features([pairs[i] for i in train], fit=True)
            x_valid = inner._features([pairs[i] for i in valid], fit=False)
            for c in self.C_GRID:
                clf = LogisticRegression(C=c, solver="liblinear", max_iter=3000)
                clf.fit(x_train, y[train])
                scores[c] += float(np.mean(clf.predict(x_valid) == y[valid]))
        return max(scores, key=lambda c: scores[c])

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.classifier.classes_)

    def predict_proba(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return np.asarray(self.classifier.predict_proba(self._features(pairs, fit=False)))

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        probs = self.predict_proba(pairs)
        return [str(self.classes_[i]) for i in probs.argmax(axis=1)]
