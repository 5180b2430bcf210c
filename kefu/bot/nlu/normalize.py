"""One cleaning step in front of every model: the same text in, whatever the customer typed.

Full-width → half-width (NFKC), traditional → simplified Chinese (OpenCC t2s), lower case,
control and zero-width characters dropped, a hard length cap so a pasted novel costs the same
as a sentence. Emoji are either dropped (intent, FAQ) or turned into words (emotion), because
"😡😡" says more about the customer's mood than about what they want.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters kept per message. Customers' questions are short; a longer message is almost always
# a paste (logs, a novel, an attack) and the first part says what it is about.
MAX_CHARS = 512

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\ufeff]")
_SPACE = re.compile(r"\s+")
# Emoji and pictographs (the ranges that matter in chat; skin tones and joiners go with them).
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u3297\u3299\ufe0f\u200d\U0001f3fb-\U0001f3ff]"
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Emoji that carry a mood, in words the emotion model knows (Weibo spells them [怒], [哈哈] …).
EMOJI_WORDS: dict[str, str] = {
    "😡": "[怒]",
    "😠": "[怒]",
    "🤬": "[怒骂]",
    "💢": "[怒]",
    "👿": "[怒]",
    "😤": "[哼]",
    "🖕": "[鄙视]",
    "😭": "[泪]",
    "😢": "[泪]",
    "😞": "[失望]",
    "😩": "[失望]",
    "😱": "[吃惊]",
    "😨": "[害怕]",
    "😰": "[害怕]",
    "😂": "[笑cry]",
    # Not "[微笑]": on Weibo, where the emotion data comes from, that one means contempt.
    "😊": "[开心]",
    "😀": "[哈哈]",
    "😄": "[哈哈]",
    "😁": "[嘻嘻]",
    "👍": "[赞]",
    "❤": "[心]",
    "🙏": "[祈祷]",
}


@lru_cache(maxsize=1)
def _t2s():  # noqa: ANN202 — opencc has no types
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese; other scripts pass through unchanged."""
    if not _CJK.search(text):
        return text
    return str(_t2s().convert(text))


def strip_emoji(text: str) -> str:
    return _EMOJI.sub(" ", text)


def emoji_to_words(text: str) -> str:
    """Replace mood-carrying emoji with bracketed words; drop the rest."""
    for emoji, word in EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, f" {word} ")
    return strip_emoji(text)


def normalize(text: object, *, keep_emoji: bool = False, max_chars: int = MAX_CHARS) -> str:
    """Clean one message for the models. Never raises: None and non-strings become text.

    `keep_emoji=True` turns mood emoji into words (for emotion); otherwise emoji are dropped.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    # Cap twice: before the work (bounded cost), and after NFKC, which may expand characters.
    s = s[: max_chars * 2]
    s = unicodedata.normalize("NFKC", s)
    s = _CONTROL.sub(" ", s)
    s = emoji_to_words(s) if keep_emoji else strip_emoji(s)
    s = to_simplified(s).lower()
    s = _SPACE.sub(" ", s).strip()
    return s[:max_chars]


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def mostly_chinese(text: str) -> bool:
    """Whether Chinese characters make up more than 30 % of the letters ("订单 order 123" is;
    "order 订单 status please" is not)."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(_CJK.findall(text)) > 0.3 * max(1, len(letters))
