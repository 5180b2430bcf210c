"""Text → sparse features: jieba words and character n-grams for Chinese, word n-grams for
English, in one matrix so one linear model reads both languages (customers mix them).

Long digit runs (order, tracking and phone numbers) become one placeholder token: the number
itself says nothing about intent, and its n-grams would drown the words around it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

_LONG_DIGITS = re.compile(r"\d{5,}")
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+(?:['’][a-z]+)?|[^\s\w]", re.I)
_IS_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


# Shop words jieba's general dictionary splits wrongly ("开发票" → "开发" + "票").
SHOP_WORDS = (
    "开发票 开票 发票 电子发票 专票 普票 价保 保价 降价 差价 补差价 退差价 转人工 人工客服 真人 "
    "催发货 催单 快递单号 运单号 物流单号 改地址 修改地址 收货地址 退货 退款 换货 退换货 仅退款 "
    "七天无理由 运费险 包邮 发货 到货 签收 拒收 派送 揽收 支付失败 付不了款 扣款 花呗 白条 "
    "优惠券 满减 定金 尾款 预售 售后 质量问题 假货 差评 投诉 赔偿 客服经理 主管 负责人"
).split()


@lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202 — jieba has no types
    """A private jieba tokenizer (kefu's shop words do not leak into the global one)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in SHOP_WORDS:
        tokenizer.add_word(word, freq=20000)
    return tokenizer


def mask_numbers(text: str) -> str:
    return _LONG_DIGITS.sub(" 00000 ", text)


def tokens(text: str) -> list[str]:
    """Words of normalised text: jieba for Chinese runs, letters/digits for the rest."""
    out: list[str] = []
    jieba = None
    for run in _RUNS.findall(text):
        if _IS_CJK.match(run):
            jieba = jieba or _jieba()
            out.extend(jieba.lcut_for_search(run, HMM=False) if len(run) > 1 else [run])
        elif run.isalnum() or "'" in run or "’" in run:
            out.append(run)
    return out


def _identity(doc: list[str]) -> list[str]:
    return doc


class TextFeatures:
    """Word (1–2)-grams plus character (1–4)-grams, TF-IDF with sublinear counts.

    Picklable (no lambdas); `fit` on training texts, `transform` on anything.
    """

    def __init__(
        self,
        *,
        char_ngrams: tuple[int, int] = (1, 4),
        word_ngrams: tuple[int, int] = (1, 2),
        min_df: int = 1,
        max_features: int | None = None,
    ) -> None:
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=char_ngrams,
            sublinear_tf=True,
            min_df=min_df,
            max_features=max_features,
            dtype=np.float32,
        )
        self.word = TfidfVectorizer(
            analyzer="word",
            tokenizer=_identity,
            preprocessor=_identity,
            token_pattern=None,
            lowercase=False,
            ngram_range=word_ngrams,
            sublinear_tf=True,
            min_df=min_df,
            max_features=max_features,
            dtype=np.float32,
        )

    def _prepare(self, texts: list[str]) -> tuple[list[str], list[list[str]]]:
        masked = [mask_numbers(t) for t in texts]
        return masked, [tokens(t) for t in masked]

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        masked, words = self._prepare(texts)
        return sparse.hstack(
            [self.char.fit_transform(masked), self.word.fit_transform(words)], format="csr"
        )

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        masked, words = self._prepare(texts)
        return sparse.hstack(
            [self.char.transform(masked), self.word.transform(words)], format="csr"
        )
