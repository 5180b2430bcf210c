"""Intent classification with calibrated confidence and out-of-scope detection.

    model = IntentModel.train([("我的快递到哪了", "where_is_my_order"), ...])
    p = model.predict("快递怎么还没到")
    p.label, p.confidence, p.top, p.out_of_scope

The classifier averages a multinomial logistic regression and a linear SVM over `TextFeatures`
(jieba words, character n-grams, English word n-grams): the averaged probability of the best
intent is the confidence. A shop's training set has
no examples of what it does *not* handle, so the out-of-scope threshold is fixed on the training
data by cross-validation with pretend-unknown intents: in each round a quarter of the intents is
held out entirely, the model is trained on the rest, and the threshold that best separates
"held-out intent" from "known intent, answered correctly" (class-balanced: both error kinds
weigh the same) is kept. If the training data does contain explicit out-of-scope examples (the
`oos_label`), they are used as they are. Never a test set.

The SVM's C is chosen the same way — on the training data — when there is enough of it
(`MIN_ROWS_FOR_C_CV`): a stratified fifth is held out, each C of `SVM_C_GRID` is fitted on the rest
and the most accurate wins. On Weibo emotion posts a smaller C (a smoother SVM) was clearly better
than the old fixed 0.5; on a shop's few hundred examples a held-out fifth is too small to choose
from, so `DEFAULT_SVM_C` stays. The same fifth decides whether NB-LR (`linear.NBLogisticRegression`)
takes the logistic regression's place: it did on product reviews, not on intents or emotions.

With a dense sentence encoder (`encoder`, optional, off by default) a regression over its vectors
is blended in, with a weight chosen from out-of-fold predictions on the training data
(`kefu.bot.nlu.dense`); weight 0 (the encoder left out) unless it helps. The out-of-scope rounds
then train the blended model, so the threshold fits what answers.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from kefu.bot.nlu import dense as dense_member
from kefu.bot.nlu.encoder import SentenceEncoder
from kefu.bot.nlu.features import TextFeatures
from kefu.bot.nlu.linear import DEFAULT_SVM_C, LinearEnsemble, choose_nb, choose_svm_c
from kefu.bot.nlu.normalize import normalize

# Below this many examples per intent the held-out-intent rounds are not worth running; the
# threshold then falls back to DEFAULT_THRESHOLD.
MIN_LABELS_FOR_CV = 4
DEFAULT_THRESHOLD = 0.35
# Explicit out-of-scope examples are learnt as one more class under this name ("background").
OOS_CLASS = "__oos__"
LARGE_SET = 20_000
MIN_ROWS_FOR_C_CV = 1_000


@dataclass(frozen=True)
class Prediction:
    """What the model thinks a message asks for.

    `label` is the best in-scope intent even when `out_of_scope` is true (the caller may offer
    `top` as "did you mean …?" buttons); act on `label` only when `out_of_scope` is false.
    """

    label: str
    confidence: float
    top: list[tuple[str, float]]
    out_of_scope: bool


@dataclass
class IntentModel:
    features: TextFeatures
    classifier: LinearEnsemble | _SingleClass
    labels: list[str]
    threshold: float
    train_seconds: float = 0.0  # wall clock
    train_cpu_seconds: float = 0.0  # this process's CPU time (what a busy machine does not inflate)
    threshold_report: dict[str, float] = field(default_factory=dict)
    c: float = 10.0  # the logistic regression's
    svm_c: float = DEFAULT_SVM_C  # chosen on the training data (see the module docstring)
    nb: bool = False  # NB-LR instead of plain logistic regression, chosen the same way
    # The optional dense member (kefu.bot.nlu.dense): its regression and blend weight, chosen on
    # the training data; None / 0 when no encoder was given or it did not help.
    encoder: SentenceEncoder | None = None
    dense: LogisticRegression | None = None
    dense_weight: float = 0.0
    dense_c: float = 0.0
    dense_report: dict[float, float] = field(default_factory=dict)
    # Vectors of the training texts while training runs (the CV rounds re-read them).
    known_vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    # -- training -------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[str, str]],
        *,
        oos_label: str | None = None,
        threshold: float | None = None,
        cv_rounds: int = 5,
        c: float = 10.0,
        seed: int = 13,
        encoder: SentenceEncoder | None = None,
    ) -> IntentModel:
        """Fit on (text, intent) pairs. Seconds for a shop (thousands of examples).

        `oos_label` marks examples that are explicitly out of scope (kept out of the classes).
        `threshold` fixes the out-of-scope threshold instead of choosing it by cross-validation.
        `encoder` offers the dense member; it joins only if the training data says it helps.
        """
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = [(normalize(t), str(y)) for t, y in examples]
        inscope = [(t, y) for t, y in rows if y != oos_label]
        oos_texts = [t for t, y in rows if oos_label is not None and y == oos_label]
        if len({y for _, y in inscope}) < 1:
            raise ValueError("no in-scope examples to learn from")
        background = [(t, OOS_CLASS) for t in oos_texts]
        vectors: dict[str, np.ndarray] = {}
        if encoder is not None:
            unique = sorted({t for t, _ in rows if encoder.reads(t)})
            vectors = dict(zip(unique, encoder.encode(unique), strict=True))
        model = cls._fit(inscope + background, c=c, encoder=encoder, vectors=vectors)
        report: dict[str, float] = {}
        if threshold is None:
            threshold, report = _choose_threshold(
                inscope, oos_texts, like=model, rounds=cv_rounds, seed=seed
            )
        model.known_vectors = {}
        model.threshold = threshold
        model.threshold_report = report
        model.train_seconds = time.perf_counter() - started
        model.train_cpu_seconds = time.process_time() - cpu_started
        return model

    @classmethod
    def _fit(
        cls,
        rows: Sequence[tuple[str, str]],
        *,
        c: float,
        svm_c: float | None = None,
        nb: bool | None = None,
        encoder: SentenceEncoder | None = None,
        vectors: dict[str, np.ndarray] | None = None,
        dense_choice: tuple[float, float] | None = None,
    ) -> IntentModel:
        """`dense_choice` (weight, C) fixes the dense member's settings; None chooses them when
        there is an encoder (`vectors`: its vector of every text in `rows` it reads)."""
        texts = [t for t, _ in rows]
        labels = [y for _, y in rows]
        # Big sets (reviews, posts): drop n-grams seen once, or the vocabulary runs to millions.
        features = TextFeatures(min_df=2 if len(texts) >= LARGE_SET else 1)
        x = features.fit_transform(texts)
        classes = sorted(set(labels) - {OOS_CLASS})
        classifier: LinearEnsemble | _SingleClass
        if svm_c is None:
            svm_c = choose_svm_c(x, labels) if len(texts) >= MIN_ROWS_FOR_C_CV else DEFAULT_SVM_C
        if nb is None:
            nb = (
                choose_nb(x, labels, c=c, svm_c=svm_c) if len(texts) >= MIN_ROWS_FOR_C_CV else False
            )
        if len(set(labels)) == 1:
            # One intent and nothing else taught: there is nothing to tell it apart from, so every
            # message gets it with confidence 1 (teach out-of-scope examples to get a "no").
            classifier = _SingleClass(labels[0])
        else:
            # One BLAS thread: the matrices are small, and threads fight on a busy server.
            with threadpool_limits(limits=1):
                classifier = LinearEnsemble(c=c, svm_c=svm_c, nb=nb).fit(x, labels)
        model = cls(
            features=features,
            classifier=classifier,
            labels=classes,
            threshold=0.0,
            c=c,
            svm_c=svm_c,
            nb=nb,
            known_vectors=vectors or {},
        )
        if encoder is not None and vectors:
            model._add_dense(rows, encoder, dense_choice)
        return model

    def _add_dense(
        self,
        rows: Sequence[tuple[str, str]],
        encoder: SentenceEncoder,
        choice: tuple[float, float] | None,
    ) -> None:
        """Choose (or take) the dense member's weight on the rows the encoder reads (those with
        `known_vectors`); the rows it does not read stay in every lexical fit."""
        readable = [(t, y) for t, y in rows if t in self.known_vectors]
        unread = [(t, y) for t, y in rows if t not in self.known_vectors]
        texts, labels = [t for t, _ in readable], [y for _, y in readable]
        if len(set(labels)) < 2:
            return
        matrix = np.stack([self.known_vectors[t] for t in texts])
        if choice is None:

            def lexical(train: list[int], valid: list[int]) -> np.ndarray:
                fold = IntentModel._fit(
                    [readable[i] for i in train] + unread, c=self.c, svm_c=self.svm_c, nb=self.nb
                )
                probs = fold.probabilities([texts[i] for i in valid], normalized=True)
                return dense_member.columns(
                    probs, list(fold.classifier.classes_), sorted(set(labels))
                )

            chosen = dense_member.choose(
                labels, matrix, lexical, held_out_fifth=len(rows) >= LARGE_SET
            )
            choice, self.dense_report = (chosen.weight, chosen.c), chosen.accuracy
        self.dense_weight, self.dense_c = choice
        if self.dense_weight > 0:
            self.encoder = encoder
            self.dense = dense_member.fit_dense(matrix, labels, c=self.dense_c)

    # -- prediction -----------------------------------------------------------------------

    def probabilities(self, texts: Sequence[str], *, normalized: bool = False) -> np.ndarray:
        clean = list(texts) if normalized else [normalize(t) for t in texts]
        probs = np.asarray(self.classifier.predict_proba(self.features.transform(clean)))
        if self.dense is None or self.encoder is None:
            return probs
        rows = [i for i, t in enumerate(clean) if self.encoder.reads(t)]
        if not rows:
            return probs
        read = [clean[i] for i in rows]
        missing = [t for t in read if t not in self.known_vectors]
        fresh = dict(zip(missing, self.encoder.encode(missing), strict=True)) if missing else {}
        matrix = np.stack([fresh[t] if t in fresh else self.known_vectors[t] for t in read])
        dense = dense_member.columns(
            self.dense.predict_proba(matrix),
            list(self.dense.classes_),
            list(self.classifier.classes_),
        )
        probs[rows] = dense_member.blend(probs[rows], dense, self.dense_weight)
        return probs

    def predict(self, text: str, *, k: int = 3) -> Prediction:
        """Best intent, its probability, the top `k`, and whether to say "not sure"."""
        clean = normalize(text)
        if not clean or not any(ch.isalnum() for ch in clean):
            return Prediction(label=self.labels[0], confidence=0.0, top=[], out_of_scope=True)
        probs = self.probabilities([clean], normalized=True)[0]
        return self._prediction(probs, k=k)

    def predict_many(self, texts: Sequence[str], *, k: int = 3) -> list[Prediction]:
        clean = [normalize(t) for t in texts]
        probs = self.probabilities(clean, normalized=True)
        out = []
        for text, row in zip(clean, probs, strict=True):
            if not text or not any(ch.isalnum() for ch in text):
                out.append(
                    Prediction(label=self.labels[0], confidence=0.0, top=[], out_of_scope=True)
                )
            else:
                out.append(self._prediction(row, k=k))
        return out

    def _prediction(self, probs: np.ndarray, *, k: int) -> Prediction:
        classes = [str(c) for c in self.classifier.classes_]
        background = classes[int(np.argmax(probs))] == OOS_CLASS
        order = [i for i in np.argsort(-probs) if classes[i] != OOS_CLASS][:k]
        top = [(classes[i], float(probs[i])) for i in order]
        label, confidence = top[0]
        return Prediction(
            label=label,
            confidence=confidence,
            top=top,
            out_of_scope=background or confidence < self.threshold,
        )


class _SingleClass:
    """Stands in for the classifier when a workspace has taught the bot a single intent."""

    def __init__(self, label: str) -> None:
        self.classes_ = np.array([label])

    def predict_proba(self, x) -> np.ndarray:  # noqa: ANN001
        return np.ones((x.shape[0], 1))


def _scored(model: IntentModel, texts: list[str]) -> list[tuple[str, float]]:
    """(best in-scope label, its probability — 0 when the background class wins) per text."""
    model.threshold = 0.0
    return [
        (p.label, 0.0 if p.out_of_scope else p.confidence)
        for p in (
            model._prediction(row, k=1) for row in model.probabilities(texts, normalized=True)
        )
    ]


def _choose_threshold(
    inscope: Sequence[tuple[str, str]],
    oos_texts: Sequence[str],
    *,
    like: IntentModel,
    rounds: int,
    seed: int,
) -> tuple[float, dict[str, float]]:
    """Class-balanced out-of-scope threshold from held-out-intent cross-validation, each round's
    model fitted with the settings `like` was (its training data chose them)."""
    rng = random.Random(seed)  # noqa: S311 — reproducible folds, not secrets
    labels = sorted({y for _, y in inscope})
    if len(labels) < MIN_LABELS_FOR_CV:
        return DEFAULT_THRESHOLD, {"fallback": 1.0}
    known_ok: list[float] = []  # max prob of held-out rows of seen intents, answered correctly
    known_bad: list[float] = []  # … answered wrongly (counts as an error at any threshold)
    unknown: list[float] = []  # max prob of rows whose intent the model never saw
    oos_order = list(oos_texts)
    rng.shuffle(oos_order)
    for r in range(rounds):
        held = set(rng.sample(labels, max(1, len(labels) // 4)))
        by_label: dict[str, list[str]] = {}
        for t, y in inscope:
            by_label.setdefault(y, []).append(t)
        train_rows: list[tuple[str, str]] = []
        valid_rows: list[tuple[str, str]] = []
        for y, texts in by_label.items():
            if y in held:
                continue
            texts = texts[:]
            rng.shuffle(texts)
            n_valid = len(texts) // 5 if len(texts) >= 5 else 0
            valid_rows += [(t, y) for t in texts[:n_valid]]
            train_rows += [(t, y) for t in texts[n_valid:]]
        held_texts = [t for t, y in inscope if y in held]
        # Explicit out-of-scope examples: each round holds out its own slice, learns the rest.
        held_oos = set(range(r, len(oos_order), rounds))
        held_texts += [t for i, t in enumerate(oos_order) if i in held_oos]
        train_rows += [(t, OOS_CLASS) for i, t in enumerate(oos_order) if i not in held_oos]
        if len({y for _, y in train_rows} - {OOS_CLASS}) < 2:
            continue
        model = IntentModel._fit(
            train_rows,
            c=like.c,
            svm_c=like.svm_c,
            nb=like.nb,
            encoder=like.encoder,
            vectors=like.known_vectors,
            dense_choice=(like.dense_weight, like.dense_c),
        )
        if valid_rows:
            for (_, y), (label, score) in zip(
                valid_rows, _scored(model, [t for t, _ in valid_rows]), strict=True
            ):
                (known_ok if label == y else known_bad).append(score)
        if held_texts:
            unknown += [score for _, score in _scored(model, held_texts)]
    if not unknown or not (known_ok or known_bad):
        return DEFAULT_THRESHOLD, {"fallback": 1.0}
    ok = np.sort(np.array(known_ok))
    unk = np.sort(np.array(unknown))
    n_known = len(known_ok) + len(known_bad)
    best_t, best_score, best_kept, best_rejected = DEFAULT_THRESHOLD, -1.0, 0.0, 0.0
    for t in np.unique(np.concatenate([ok, unk, [0.0]])):
        # At threshold t: known rows count when correct and kept; unknown when rejected.
        kept_ok = len(ok) - np.searchsorted(ok, t, side="left")
        rejected = np.searchsorted(unk, t, side="left")
        score = 0.5 * kept_ok / n_known + 0.5 * rejected / len(unk)
        if score > best_score:
            best_t, best_score = float(t), float(score)
            best_kept, best_rejected = kept_ok / n_known, rejected / len(unk)
    return best_t, {
        "balanced_accuracy": round(best_score, 4),
        "known_answered_correctly": round(float(best_kept), 4),
        "unknown_rejected": round(float(best_rejected), 4),
        "known": float(n_known),
        "unknown": float(len(unk)),
    }


def label_counts(examples: Iterable[tuple[str, str]]) -> Counter[str]:
    return Counter(y for _, y in examples)
