"""`kefu nlu eval`: the figures of docs/benchmarks.md, computed the same way every time.

Intent / classification sets (`text,label` CSV): train on the train file, score the test file.
Figures: accuracy and macro-F1 over all test rows (an out-of-scope row counts as correct only
when the model says "not sure"), out-of-scope precision/recall when the data has an out-of-scope
label, recall of `angry` when present, training time, and the latency of one `predict()` call on
one core (p50/p99 over test utterances, after a warm-up). Pair sets (`sentence1,sentence2,label`)
are small: they are cross-validated. Nothing here looks at a test file to choose a setting.
"""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from kefu.bot.nlu.encoder import SentenceEncoder
from kefu.bot.nlu.intent import IntentModel
from kefu.bot.nlu.linear import DEFAULT_SVM_C, folds
from kefu.bot.nlu.pairs import PairModel

LATENCY_SAMPLES = 300
WATCHED_LABELS = ("angry",)


def read_rows(path: str | Path, columns: Sequence[str]) -> list[tuple[str, ...]]:
    """Rows of a UTF-8 CSV with a header holding `columns` (extra columns are ignored)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        return [tuple((row[c] or "").strip() for c in columns) for row in reader]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@contextmanager
def one_core():  # noqa: ANN201
    """Pin this process to one CPU and BLAS to one thread, as a single request would run."""
    from threadpoolctl import threadpool_limits

    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if affinity:
        os.sched_setaffinity(0, {min(affinity)})
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if affinity:
            os.sched_setaffinity(0, affinity)


def latency_ms(call: Callable[[Any], object], texts: Sequence[Any]) -> dict[str, float]:
    """Wall-clock p50/p99 of one call, and the same in CPU time of the calling thread (on a
    machine shared with other work the wall clock also counts time spent waiting for a core)."""
    sample = list(texts[:LATENCY_SAMPLES])
    if not sample:
        return {"p50": 0.0, "p99": 0.0, "cpu_p50": 0.0, "cpu_p99": 0.0}
    with one_core():
        for text in sample[:20]:
            call(text)
        wall, cpu = [], []
        for text in sample:
            started, cpu_started = time.perf_counter(), time.thread_time()
            call(text)
            cpu.append((time.thread_time() - cpu_started) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    return {
        "p50": round(percentile(wall, 50), 3),
        "p99": round(percentile(wall, 99), 3),
        "cpu_p50": round(percentile(cpu, 50), 3),
        "cpu_p99": round(percentile(cpu, 99), 3),
    }


def scores(
    truth: Sequence[str], predicted: Sequence[str], *, oos_label: str | None
) -> dict[str, Any]:
    t, p = np.asarray(truth), np.asarray(predicted)
    out: dict[str, Any] = {
        "accuracy": round(float(np.mean(t == p)), 4),
        "macro_f1": round(float(f1_score(t, p, average="macro", zero_division=0)), 4),
    }
    if oos_label is not None and oos_label in set(truth):
        flagged, actual = p == oos_label, t == oos_label
        hits = int(np.sum(flagged & actual))
        out["oos_precision"] = round(hits / max(1, int(flagged.sum())), 4)
        out["oos_recall"] = round(hits / max(1, int(actual.sum())), 4)
        out["inscope_accuracy"] = round(float(np.mean(p[~actual] == t[~actual])), 4)
    recall = {
        label: round(float(np.mean(p[t == label] == label)), 4)
        for label in WATCHED_LABELS
        if label in set(truth)
    }
    if recall:
        out["recall"] = recall
    return out


def _uses_oos(oos_label: str | None, *label_sets: set[str]) -> bool:
    return oos_label is not None and any(oos_label in labels for labels in label_sets)


def _train(
    rows: Sequence[tuple[str, str]],
    oos_label: str | None,
    use_oos: bool,
    encoder: SentenceEncoder | None,
) -> IntentModel:
    # Without out-of-scope rows to score, the threshold would only cost accuracy: switch it off.
    return IntentModel.train(
        rows, oos_label=oos_label, threshold=None if use_oos else 0.0, encoder=encoder
    )


def _labels(model: IntentModel, texts: Sequence[str], oos_label: str | None) -> list[str]:
    return [
        oos_label if (p.out_of_scope and oos_label is not None) else p.label
        for p in model.predict_many(texts)
    ]


def evaluate_intents(
    train: Sequence[tuple[str, str]],
    test: Sequence[tuple[str, str]],
    *,
    oos_label: str | None,
    encoder: SentenceEncoder | None = None,
) -> dict[str, Any]:
    use_oos = _uses_oos(oos_label, {y for _, y in train}, {y for _, y in test})
    model = _train(train, oos_label, use_oos, encoder)
    predicted = _labels(model, [t for t, _ in test], oos_label if use_oos else None)
    result = {
        "mode": "train/test",
        "train_rows": len(train),
        "test_rows": len(test),
        "labels": len(model.labels),
        **scores([y for _, y in test], predicted, oos_label=oos_label if use_oos else None),
        "train_s": round(model.train_seconds, 3),
        "train_cpu_s": round(model.train_cpu_seconds, 3),
        "latency_ms": latency_ms(model.predict, [t for t, _ in test]),
    }
    if use_oos:
        result["oos_threshold"] = round(model.threshold, 4)
        # What the training-data cross-validation expected at that threshold, to set beside the
        # test figures (a gap means the test traffic differs from the training examples).
        result["oos_threshold_cv"] = model.threshold_report
    if model.svm_c != DEFAULT_SVM_C:
        result["svm_c"] = model.svm_c
    if model.nb:
        result["nb_lr"] = True  # the held-out fifth chose NB-LR (see kefu.bot.nlu.intent)
    return {**result, **_dense_figures(model, encoder)}


def _dense_figures(model: IntentModel, encoder: SentenceEncoder | None) -> dict[str, Any]:
    """What the training data decided about the dense member (kefu.bot.nlu.dense)."""
    if encoder is None:
        return {}
    return {
        "encoder": encoder.name,
        "dense_weight": model.dense_weight,
        "dense_c": model.dense_c,
        "dense_cv_accuracy": {str(w): a for w, a in model.dense_report.items()},
    }


def cross_validate_intents(
    rows: Sequence[tuple[str, str]],
    *,
    k: int,
    oos_label: str | None,
    encoder: SentenceEncoder | None = None,
) -> dict[str, Any]:
    use_oos = _uses_oos(oos_label, {y for _, y in rows})
    labels = [y for _, y in rows]
    truth: list[str] = []
    predicted: list[str] = []
    train_s: list[float] = []
    model = None
    for train_idx, test_idx in _folds(labels, k):
        model = _train([rows[i] for i in train_idx], oos_label, use_oos, encoder)
        train_s.append(model.train_seconds)
        truth += [labels[i] for i in test_idx]
        predicted += _labels(model, [rows[i][0] for i in test_idx], oos_label if use_oos else None)
    assert model is not None
    return {
        "mode": f"{k}-fold cv",
        "rows": len(rows),
        "labels": len(set(labels)),
        **scores(truth, predicted, oos_label=oos_label if use_oos else None),
        "train_s": round(float(np.mean(train_s)), 3),
        "latency_ms": latency_ms(model.predict, [t for t, _ in rows]),
    }


def cross_validate_pairs(rows: Sequence[tuple[str, ...]], *, k: int) -> dict[str, Any]:
    labels = [y for _, _, y in rows]
    pairs = [(a, b) for a, b, _ in rows]
    truth: list[str] = []
    predicted: list[str] = []
    train_s: list[float] = []
    model = None
    for train_idx, test_idx in _folds(labels, k):
        started = time.perf_counter()
        model = PairModel().fit([pairs[i] for i in train_idx], [labels[i] for i in train_idx])
        train_s.append(time.perf_counter() - started)
        truth += [labels[i] for i in test_idx]
        predicted += model.predict([pairs[i] for i in test_idx])
    assert model is not None
    fitted = model
    majority = max(set(labels), key=labels.count)
    return {
        "mode": f"{k}-fold cv",
        "rows": len(rows),
        **scores(truth, predicted, oos_label=None),
        "majority_baseline": round(labels.count(majority) / len(labels), 4),
        "train_s": round(float(np.mean(train_s)), 3),
        "latency_ms": latency_ms(lambda pair: fitted.predict([pair]), pairs),
    }


def _folds(labels: Sequence[str], k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if k < 2:
        raise ValueError("cross-validation needs k >= 2")
    return folds(labels, k, seed=0)
