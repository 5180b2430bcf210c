"""The dense member joins the intent model only when the training data says it helps.

A stand-in encoder with known vectors makes both cases certain: vectors that carry the intent
while the words do not (it must join, and carry the predictions), and vectors that are noise
while the words carry the intent (it must stay out, and the model equal the lexical one).
"""

from __future__ import annotations

import pickle
import random
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from kefu.bot.nlu.intent import IntentModel
from kefu.bot.nlu.normalize import normalize

LABELS = ["track", "refund", "invoice"]


class KnownVectors:
    """Encoder stand-in: a fixed vector per text, counting what it was asked to encode."""

    name = "known"

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        return np.stack([self.vectors[t] for t in texts])

    def reads(self, text: str) -> bool:
        return True


class EnglishOnly(KnownVectors):
    def reads(self, text: str) -> bool:
        return text.isascii()


def gibberish(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))


def meaningful_vectors(rows: list[tuple[str, str]], rng: np.random.Generator) -> dict[str, Any]:
    centre = {y: rng.standard_normal(32) * 3 for y in LABELS}
    return {normalize(t): centre[y] + rng.standard_normal(32) for t, y in rows}


def test_vectors_that_carry_the_intent_join_and_decide() -> None:
    rnd, rng = random.Random(3), np.random.default_rng(3)
    train = [(gibberish(rnd), y) for y in LABELS for _ in range(20)]
    test = [(gibberish(rnd), y) for y in LABELS for _ in range(10)]
    encoder = KnownVectors(meaningful_vectors(train + test, rng))
    model = IntentModel.train(train, threshold=0.0, encoder=encoder)  # type: ignore[arg-type]
    lexical = IntentModel.train(train, threshold=0.0)
    assert model.dense_weight > 0 and model.encoder is encoder
    assert model.dense_report[model.dense_weight] > model.dense_report[0.0]
    right = [model.predict(t).label == y for t, y in test]
    by_words = [lexical.predict(t).label == y for t, y in test]
    assert np.mean(right) >= 0.9 > np.mean(by_words) + 0.3
    # Training texts are encoded once, however many folds and rounds reuse them.
    assert encoder.encoded == len(train) + len(test)
    assert not model.known_vectors  # not kept after training


def test_noise_vectors_stay_out_and_change_nothing() -> None:
    words = {
        "track": ["where is my parcel", "track my order", "parcel not arrived", "delivery status"],
        "refund": ["i want a refund", "money back", "refund my order", "return for refund"],
        "invoice": ["send an invoice", "invoice please", "need a receipt", "tax invoice"],
    }
    train = [(f"{t} {n}", y) for y, texts in words.items() for t in texts for n in range(5)]
    rng = np.random.default_rng(5)
    encoder = KnownVectors({normalize(t): rng.standard_normal(32) for t, _ in train})
    model = IntentModel.train(train, encoder=encoder)  # type: ignore[arg-type]
    lexical = IntentModel.train(train)
    assert model.dense_weight == 0.0 and model.encoder is None and model.dense is None
    for text in ["parcel status", "refund please", "receipt", "what is the weather"]:
        got, alone = model.predict(text), lexical.predict(text)
        assert (got.label, got.out_of_scope) == (alone.label, alone.out_of_scope)
        # LinearSVC shuffles its coordinates: two fits of one set differ by ~1e-5, no more.
        assert abs(got.confidence - alone.confidence) < 1e-3


def test_a_model_with_its_dense_member_pickles() -> None:
    rnd, rng = random.Random(4), np.random.default_rng(4)
    train = [(gibberish(rnd), y) for y in LABELS for _ in range(12)]
    model = IntentModel.train(
        train,
        threshold=0.0,
        encoder=KnownVectors(meaningful_vectors(train, rng)),  # type: ignore[arg-type]
    )
    again = pickle.loads(pickle.dumps(model))
    assert [again.predict(t).label for t, _ in train] == [model.predict(t).label for t, _ in train]


def test_an_english_only_encoder_leaves_chinese_to_the_words() -> None:
    rnd, rng = random.Random(6), np.random.default_rng(6)
    english = [(gibberish(rnd), y) for y in LABELS for _ in range(15)]
    chinese = [
        (t, y)
        for y, texts in {
            "track": ["快递到哪了", "查物流", "包裹在哪"],
            "refund": ["我要退款", "申请退款", "退钱"],
            "invoice": ["开发票", "发票怎么开", "要专票"],
        }.items()
        for t in texts
    ]
    test = [(gibberish(rnd), y) for y in LABELS for _ in range(5)]
    encoder = EnglishOnly(meaningful_vectors(english + test, rng))
    model = IntentModel.train(english + chinese, threshold=0.0, encoder=encoder)  # type: ignore[arg-type]
    lexical = IntentModel.train(english + chinese, threshold=0.0)
    assert model.dense_weight > 0
    for text in ["物流到哪了", "怎么退款", "发票"]:
        got, alone = model.predict(text), lexical.predict(text)
        assert got.label == alone.label and abs(got.confidence - alone.confidence) < 1e-3
    assert encoder.encoded == len(english)  # never asked about a Chinese text
    assert np.mean([model.predict(t).label == y for t, y in test]) >= 0.9
