"""The dense member of the intent model: a logistic regression over sentence vectors
(`encoder.SentenceEncoder`), blended into the lexical model's probabilities.

    p = (1 - w) · p_lexical + w · p_dense

w and the regression's C are chosen on the training data alone, from out-of-fold predictions
(5 folds, `linear.folds`, or the first of them on big sets), the way the lexical model's own settings are: the
most accurate pair wins, and ties go to the smaller w, so w = 0 — the encoder left out — unless
it helps on this shop's own examples.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from kefu.bot.nlu.linear import folds

WEIGHTS = (0.0, 0.25, 0.5, 0.75)
C_GRID = (1.0, 10.0, 100.0)
FOLDS = 5


@dataclass
class DenseChoice:
    weight: float
    c: float
    accuracy: dict[float, float]  # out-of-fold accuracy at each weight (best C), for the report


def fit_dense(vectors: np.ndarray, labels: Sequence[str], *, c: float) -> LogisticRegression:
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(vectors, labels)


def blend(p_lexical: np.ndarray, p_dense: np.ndarray, weight: float) -> np.ndarray:
    return np.asarray((1 - weight) * p_lexical + weight * p_dense)


def choose(
    labels: Sequence[str],
    vectors: np.ndarray,
    lexical: Callable[[list[int], list[int]], np.ndarray],
    *,
    held_out_fifth: bool,
    seed: int = 13,
) -> DenseChoice:
    """Best (w, C) by out-of-fold accuracy. `lexical(train_idx, valid_idx)` fits the lexical model
    on the train rows and returns its probabilities for the valid rows, columns in the order of
    `sorted(set(labels))`."""
    y = np.asarray(labels)
    classes = sorted(set(labels))
    truth, p_lex = [], []
    p_dense: dict[float, list[np.ndarray]] = {c: [] for c in C_GRID}
    splits = folds(labels, FOLDS, seed=seed)
    for train, valid in splits[:1] if held_out_fifth else splits:
        if len(set(y[train])) < 2:
            continue
        truth.append(y[valid])
        p_lex.append(lexical(list(train), list(valid)))
        for c in C_GRID:
            model = fit_dense(vectors[train], y[train], c=c)
            p_dense[c].append(columns(model.predict_proba(vectors[valid]), model.classes_, classes))
    best = DenseChoice(weight=0.0, c=C_GRID[1], accuracy={})
    if not truth:
        return best
    t, lex = np.concatenate(truth), np.concatenate(p_lex)
    names = np.asarray(classes)
    best_score = -1.0
    for w in WEIGHTS:
        for c in C_GRID if w else C_GRID[1:2]:
            score = float(
                np.mean(names[np.argmax(blend(lex, np.concatenate(p_dense[c]), w), axis=1)] == t)
            )
            best.accuracy[w] = max(best.accuracy.get(w, 0.0), round(score, 4))
            if score > best_score:  # strict: a tie keeps the smaller weight
                best_score, best.weight, best.c = score, w, c
    return best


def columns(probs: np.ndarray, have: Sequence[str], want: Sequence[str]) -> np.ndarray:
    """Probabilities re-laid to `want`'s columns (a fold may miss a rare class: zeros there)."""
    out = np.zeros((probs.shape[0], len(want)))
    index = {name: i for i, name in enumerate(want)}
    for j, name in enumerate(have):
        out[:, index[str(name)]] = probs[:, j]
    return out
