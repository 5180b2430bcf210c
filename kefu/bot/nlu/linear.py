"""The linear classifiers under `IntentModel`, and the two choices made for them on the training
data: the SVM's C, and whether NB-LR replaces the plain logistic regression.

Both choices use the same stratified fifth of the training rows, held out, and only when there are
enough rows (`intent.MIN_ROWS_FOR_C_CV`): on a shop's few hundred examples a fifth is too small to
choose from, and the defaults stay.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

DEFAULT_SVM_C = 0.5
SVM_C_GRID = (0.05, 0.1, 0.2, 0.5)
# Smoothing of NB-LR's log-count ratios (3-fold CV on zh_review_sentiment's training file: 0.5
# and 1 within 0.05 points of each other).
NB_ALPHA = 0.5


class LinearEnsemble:
    """Logistic regression and a linear SVM, their probabilities averaged.

    The SVM's margins become probabilities by a softmax with a fixed temperature
    (`SVM_SHARPNESS`); averaging the two was better than either alone in 5-fold
    cross-validation on the training files of all three English intent sets.
    """

    SVM_SHARPNESS = 5.0

    def __init__(self, *, c: float = 10.0, svm_c: float = DEFAULT_SVM_C, nb: bool = False) -> None:
        self.svm_c = svm_c
        self.lr = _regression(c, nb=nb)
        self.svm = LinearSVC(C=svm_c, class_weight="balanced")

    def fit(self, x: Any, labels: Sequence[str]) -> LinearEnsemble:
        # A shop's odd example set may stop the solvers short of full convergence; the model is
        # still usable, and a warning would only reach a log nobody reads (or fail strict tests).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.lr.fit(x, labels)
            self.svm.fit(x, labels)
        self.classes_ = self.lr.classes_
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        return self.average(self.lr.predict_proba(x), self.svm.decision_function(x))

    @classmethod
    def average(cls, p_lr: np.ndarray, margins: np.ndarray) -> np.ndarray:
        """The regression's probabilities and the SVM's margins (as a softmax), averaged."""
        if margins.ndim == 1:  # two classes: one margin, for classes_[1]
            margins = np.column_stack([-margins, margins]) / 2
        z = cls.SVM_SHARPNESS * margins
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return np.asarray((p_lr + e / e.sum(axis=1, keepdims=True)) / 2)


def _regression(c: float, *, nb: bool) -> LogisticRegression | NBLogisticRegression:
    if nb:
        return NBLogisticRegression(c=c)
    return LogisticRegression(C=c, max_iter=2000, class_weight="balanced")


class NBLogisticRegression:
    """NB-LR (Wang & Manning 2012): one-vs-rest logistic regressions, the one for intent k over
    the features scaled by k's log-count ratio r = log((p / |p|₁) / (q / |q|₁)), where p and q
    count the training texts with and without k that contain each feature (+ `alpha`). Two
    classes need one regression. The scaling is folded into the weights after fitting, so a
    prediction costs what a plain linear model's does.
    """

    def __init__(self, *, c: float = 10.0, alpha: float = NB_ALPHA) -> None:
        self.c, self.alpha = c, alpha

    def fit(self, x: Any, labels: Sequence[str]) -> NBLogisticRegression:
        y = np.asarray(labels)
        self.classes_, index = np.unique(y, return_inverse=True)
        present = sparse.csr_matrix(x, copy=True)
        present.data[:] = 1.0
        # Texts containing each feature, per class, in one product (a row per class).
        rows = sparse.csr_matrix((np.ones(len(y)), (index, np.arange(len(y)))))
        per_class = np.asarray((rows @ present).todense())
        everywhere = per_class.sum(axis=0)
        coef, intercept = [], []
        for k in [1] if len(self.classes_) == 2 else range(len(self.classes_)):
            mine = index == k
            p = self.alpha + per_class[k]
            q = self.alpha + everywhere - per_class[k]
            r = np.log((p / p.sum()) / (q / q.sum()))
            lr = LogisticRegression(C=self.c, solver="liblinear", class_weight="balanced")
            lr.fit(x @ sparse.diags(r), mine.astype(int))
            coef.append(lr.coef_.ravel() * r)
            intercept.append(lr.intercept_[0])
        self.coef_ = np.asarray(coef, dtype=np.float32)
        self.intercept_ = np.asarray(intercept)
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        p = 1 / (1 + np.exp(-(np.asarray(x @ self.coef_.T) + self.intercept_)))
        if len(self.classes_) == 2:
            return np.column_stack([1 - p[:, 0], p[:, 0]])
        return np.asarray(p / p.sum(axis=1, keepdims=True))


def choose_nb(x: Any, labels: Sequence[str], *, c: float, svm_c: float, seed: int = 13) -> bool:
    """Whether NB-LR beats plain logistic regression in the ensemble on a held-out fifth of
    (x, labels) — the split `choose_svm_c` uses; training data only."""
    y = np.asarray(labels)
    split = _held_out_fifth(y, seed)
    if split is None:
        return False
    train, valid = split
    accuracy = []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # The SVM is the same in both ensembles: fitted once, only the regressions compete.
        svm = LinearSVC(C=svm_c, class_weight="balanced").fit(x[train], y[train])
        margins = svm.decision_function(x[valid])
        for nb in (False, True):
            lr = _regression(c, nb=nb).fit(x[train], y[train])
            probs = LinearEnsemble.average(lr.predict_proba(x[valid]), margins)
            predicted = lr.classes_[np.argmax(probs, axis=1)]
            accuracy.append(float(np.mean(predicted == y[valid])))
    # Ties keep the plain regression (the one the rest of kefu's figures were measured with).
    return accuracy[1] > accuracy[0]


def choose_svm_c(x: Any, labels: Sequence[str], *, seed: int = 13) -> float:
    """The C of `SVM_C_GRID` most accurate on a held-out fifth of (x, labels); training data only.

    The TF-IDF vocabulary was fitted on all of x: it uses no labels, and refitting it per split
    would cost more than the choice is worth.
    """
    y = np.asarray(labels)
    split = _held_out_fifth(y, seed)
    if split is None:
        return DEFAULT_SVM_C
    train, valid = split
    best_c, best = DEFAULT_SVM_C, -1.0
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in SVM_C_GRID:
            svm = LinearSVC(C=c, class_weight="balanced").fit(x[train], y[train])
            accuracy = float(np.mean(svm.predict(x[valid]) == y[valid]))
            if accuracy > best:
                best_c, best = c, accuracy
    return best_c


def folds(labels: Sequence[str], k: int, *, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k shuffled (train, held-out) index splits — stratified when every label can be spread over
    the folds; k shrinks to the largest label's row count (at least 2)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    k = max(2, min(k, int(counts.max())))
    if counts.min() >= k:
        return list(
            StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels)
        )
    return list(KFold(k, shuffle=True, random_state=seed).split(np.zeros(len(labels))))


def _held_out_fifth(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Row indices (train, held out), stratified; None when a label has fewer than two rows."""
    from sklearn.model_selection import train_test_split

    counts = np.unique(y, return_counts=True)[1]
    if len(counts) < 2 or counts.min() < 2:
        return None
    train, valid = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)
    return train, valid
