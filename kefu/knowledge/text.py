"""Text handling for the knowledge base: sanitised rich text, normalisation, jieba tokens.

One tokenizer for indexing and querying, so a question and the text that answers it meet on the
same tokens: NFKC (full-width → half-width), traditional → simplified Chinese, lower case, jieba's
search mode (long words also yield their parts: 退换货 → 退换, 换货, 退换货), word characters only.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from functools import lru_cache

import jieba
import nh3
from opencc import OpenCC

# Rich text an answer may carry: formatting, lists, links, images, simple tables. nh3 (ammonia)
# removes everything else — <script>, <style>, event handler attributes, javascript: URLs.
ALLOWED_TAGS = {
    "a", "b", "strong", "i", "em", "u", "s", "p", "br", "ul", "ol", "li", "h3", "h4",
    "blockquote", "code", "pre", "span", "img", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}

# Words of the shop's trade that jieba's general dictionary splits badly.
DOMAIN_WORDS = (
    "价保", "保价", "尾款", "定金", "预售", "双11", "双十一", "退换货", "七天无理由", "7天无理由",
    "运费险", "发货", "催发货", "退款", "换货", "优惠券", "满减", "差价", "包邮", "签收",
)  # fmt: skip

# Tokens that carry no meaning for retrieval (question words stay: "什么时候" is informative).
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 么 是 我 我的 你 你们 您 在 和 与 及 或 就 都 也 还 又 请 请问 "
    "一下 这个 那个 这 那 有 没 能 可以 怎么 如何 哪 谁 "
    "a an the is are was were be to of in on at for and or my me i you your it this that "
    "do does did can could would should will what how please".split()
)
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|h3|h4|tr|blockquote|pre)>|<br\s*/?>", re.I)


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    # A tokenizer of our own: the domain words must not change how other modules segment text.
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    for word in DOMAIN_WORDS:
        tk.add_word(word, freq=20000)
    return tk


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def sanitize(rich: str) -> str:
    """Safe HTML for an answer: allowed tags and attributes only, links marked noopener."""
    return nh3.clean(rich, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES).strip()


def plain(rich: str) -> str:
    """The text of sanitised HTML, block ends as line breaks (for chat and for the index)."""
    text = _BLOCK_END.sub("\n", rich)
    text = html.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _t2s().convert(text).lower()


def tokens(text: str) -> list[str]:
    """Search tokens of `text`, in order, stop words dropped (duplicates kept: they are weight)."""
    out = []
    for piece in _jieba().cut_for_search(normalize(text)):
        for word in _WORD.findall(piece):
            if word not in STOPWORDS and not word.isspace():
                out.append(word)
    return out


def index_text(*parts: str) -> str:
    """The space-joined tokens the full-text index stores."""
    return " ".join(t for part in parts for t in tokens(part))
