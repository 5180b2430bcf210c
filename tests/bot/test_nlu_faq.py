"""FAQ retrieval: the right entry first, scores in 0..1, rebuilt in no time."""

from __future__ import annotations

import pickle

from kefu.bot.nlu.faq import FaqEntry, FaqIndex

ENTRIES = [
    FaqEntry(id="invoice", texts=["怎么开发票", "发票怎么开", "can I get an invoice"]),
    FaqEntry(id="ship", texts=["多久发货", "什么时候发货", "when will you ship"]),
    FaqEntry(id="huabei", texts=["可以用花呗付款吗"]),
    FaqEntry(id="jiebei", texts=["借呗怎么还款"]),
    (42, ["七天无理由退货怎么操作", "how do returns work"]),
]


def test_search_finds_paraphrases_in_both_languages_and_scripts() -> None:
    index = FaqIndex.build(ENTRIES)
    assert index.search("能开發票吗")[0][0] == "invoice"
    assert index.search("啥时候发货啊")[0][0] == "ship"
    assert index.search("invoice please")[0][0] == "invoice"
    assert index.search("退货流程")[0][0] == 42
    assert index.search("花呗能付款吗")[0][0] == "huabei"
    assert index.search("借呗还款")[0][0] == "jiebei"


def test_scores_are_sorted_and_bounded() -> None:
    index = FaqIndex.build(ENTRIES)
    hits = index.search("发票", k=10)
    assert 1 <= len(hits) <= len(ENTRIES)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert len({i for i, _ in hits}) == len(hits)  # one row per entry, not per paraphrase


def test_exact_question_scores_higher_than_a_loose_match() -> None:
    index = FaqIndex.build(ENTRIES)
    exact = dict(index.search("什么时候发货", k=5))["ship"]
    loose = dict(index.search("发货", k=5))["ship"]
    assert exact > loose


def test_bad_input_and_empty_index() -> None:
    index = FaqIndex.build(ENTRIES)
    for text in ["", "😀😀", "\x00", "x" * 100_000]:
        assert isinstance(index.search(text), list)
    assert index.search("") == []
    empty = FaqIndex.build([])
    assert len(empty) == 0 and empty.search("发票") == []
    assert FaqIndex.build([("blank", ["", "  "])]).search("x") == []


def test_index_pickles() -> None:
    index = pickle.loads(pickle.dumps(FaqIndex.build(ENTRIES)))
    assert index.search("发票怎么开")[0][0] == "invoice"
