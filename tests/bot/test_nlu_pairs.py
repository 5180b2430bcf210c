"""The pair matcher: its similarity features say what they claim, and it never crashes."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.bot.nlu.pairs import FEATURES, PairModel, question_types

SAME = [
    ("花呗怎么还款", "花呗如何还款"),
    ("借呗额度怎么提高", "怎么提升借呗额度"),
    ("花呗为什么不能用了", "花呗为啥用不了"),
    ("怎么开发票", "发票怎么开"),
]
OTHER = [
    ("花呗怎么还款", "借呗额度怎么提高"),
    ("怎么开发票", "快递到哪了"),
    ("花呗为什么不能用了", "花呗什么时候能用"),
    ("借呗能提前还款吗", "借呗不能提前还款吗"),
]


def features(pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    model = PairModel(c=1.0, threshold=0.5)
    x = model.dense_features(SAME + OTHER + pairs, fit=True)[len(SAME + OTHER) :]
    return {name: x[:, i] for i, name in enumerate(FEATURES)}


def test_one_value_per_named_feature() -> None:
    x = PairModel().dense_features(SAME, fit=True)
    assert x.shape == (len(SAME), len(FEATURES))
    assert np.isfinite(x).all()


def test_identical_sentences_are_maximally_similar() -> None:
    f = features([("花呗怎么还款", "花呗怎么还款"), ("花呗怎么还款", "快递到哪了")])
    for name in ("char_cosine", "word_cosine", "idf_overlap", "char_jaccard", "char_edit_ratio"):
        assert f[name][0] == pytest.approx(1.0, abs=1e-6), name
        assert f[name][1] < 0.5, name
    assert f["unshared_words"][0] == 0
    assert f["length_difference"][0] == 0 and f["length_ratio"][0] == 1


def test_features_are_symmetric() -> None:
    f = features(
        [("借呗额度怎么提高", "怎么提升借呗额度"), ("怎么提升借呗额度", "借呗额度怎么提高")]
    )
    for name in FEATURES:
        assert f[name][0] == pytest.approx(f[name][1], abs=1e-6), name


def test_negation_number_and_question_type_mismatches() -> None:
    f = features(
        [
            ("借呗能提前还款吗", "借呗不能提前还款吗"),
            ("借呗能提前还款吗", "借呗可以提前还款吗"),
            ("分3期要多少手续费", "分6期要多少手续费"),
            ("花呗为什么不能用", "花呗怎么用"),
        ]
    )
    assert f["negation_mismatch"].tolist()[:2] == [1.0, 0.0]
    assert f["number_mismatch"][2] == 1.0 and f["number_mismatch"][1] == 0.0
    assert f["question_type_mismatch"][3] > 0


def test_question_types() -> None:
    assert "why" in question_types("花呗为什么不能用")
    assert "when" in question_types("退款什么时候到账")
    assert "how" in question_types("how do i pay")
    assert question_types("") == frozenset()


def test_unshared_rare_words_weigh_more() -> None:
    # "花呗" vs "借呗": the only difference is a rare word; its IDF is what the feature reports.
    f = features([("花呗怎么还款", "借呗怎么还款")])
    assert f["unshared_max_idf"][0] > 0 and f["unshared_words"][0] >= 2
    assert f["word_cosine"][0] < 1.0


def test_fit_predict_learns_the_obvious_and_chooses_settings_by_cv() -> None:
    pairs = SAME * 4 + OTHER * 4
    labels = ["1"] * len(SAME) * 4 + ["0"] * len(OTHER) * 4
    model = PairModel().fit(pairs, labels)
    assert model.c in PairModel.C_GRID
    assert model.threshold is not None and 0.0 <= model.threshold <= 1.0 + 1e-6
    assert model.predict(SAME) == ["1"] * len(SAME)
    probs = model.predict_proba([("", ""), ("😀", "!!!"), ("x" * 5000, "花呗")])
    assert probs.shape == (3, 2) and np.isfinite(probs).all()


def test_fixed_settings_are_kept() -> None:
    pairs = SAME * 3 + OTHER * 3
    labels = ["1"] * len(SAME) * 3 + ["0"] * len(OTHER) * 3
    model = PairModel(c=0.3, threshold=0.5).fit(pairs, labels)
    assert model.c == 0.3 and model.threshold == 0.5
