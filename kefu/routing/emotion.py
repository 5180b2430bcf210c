"""Is the customer angry? The bot's emotion model when it is installed, a keyword list until then.

The seam is this one function: routing never imports the bot at module level, so it works (and is
tested) with or without `kefu.bot.nlu.emotion`.
"""

from __future__ import annotations

import importlib
import logging
import re

log = logging.getLogger(__name__)

# Complaints, threats to report (12315 is the consumer-rights hotline), demands for money back.
_ANGRY = re.compile(
    r"投诉|骗子|垃圾|退钱|12315|消协|曝光|气死|太差|什么破|差评|"
    r"\bangry\b|\bridiculous\b|\bscam\b|\bunacceptable\b|\bworst\b|\bdisgusting\b",
    re.IGNORECASE,
)


def keyword_angry(text: str) -> bool:
    return bool(_ANGRY.search(text))


def is_angry(text: str) -> bool:
    """True when the text reads as angry: `kefu.bot.nlu.emotion.detect(text).angry` if present."""
    if not text:
        return False
    try:
        emotion = importlib.import_module("kefu.bot.nlu.emotion")
    except ImportError:
        return keyword_angry(text)
    try:
        return bool(emotion.detect(text).angry)
    except Exception:
        # A model that fails must not stop a customer reaching a human.
        log.exception("emotion detection failed; falling back to keywords")
        return keyword_angry(text)
