"""Is the customer angry? Negative? — for routing (angry → senior agent) and escalation.

    from kefu.bot.nlu import emotion
    e = emotion.detect("你们就是骗子！！再不退款我就投诉")
    e.label, e.score, e.angry, e.negative      # "angry", 0.93, True, True

Chinese: two linear models over hashed character n-grams, shipped as one small file
(`emotion_model.npz`, int8 weights, ~0.7 MB) that `kefu nlu build-emotion` rebuilds from the public
data in ../shared/data (`zh_emotion/`: 6 Weibo emotions incl. angry; `zh_review_sentiment/`:
e-commerce review polarity). English: a small anger/negativity lexicon written for kefu, checked
against kefu's own seed examples (there is no English emotion data in ../shared/data). Both
languages also use the lexicon, which knows shop words the Weibo data lacks ("投诉", "退钱",
"骗子"). Nothing is downloaded or trained at run time; without the model file the lexicon alone
answers (and says so in `Emotion.source`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kefu.bot.nlu.normalize import has_cjk, normalize

MODEL_PATH = Path(__file__).with_name("emotion_model.npz")
ANGRY_THRESHOLD = 0.5
NEGATIVE_THRESHOLD = 0.5

# Words and patterns that carry anger in a shop conversation, with a weight (summed, squashed).
_ANGRY_ZH = {
    "投诉": 0.6,
    "骗子": 0.8,
    "骗人": 0.7,
    "欺诈": 0.8,
    "垃圾": 0.7,
    "滚": 0.6,
    "他妈": 0.9,
    "妈的": 0.9,
    "tmd": 0.9,
    "操": 0.6,
    "坑人": 0.7,
    "黑店": 0.8,
    "气死": 0.8,
    "恶心": 0.6,
    "曝光": 0.6,
    "12315": 0.8,
    "消协": 0.7,
    "工商局": 0.6,
    "举报": 0.6,
    "退钱": 0.5,
    "什么破": 0.7,
    "破东西": 0.7,
    "废物": 0.8,
    "太差": 0.5,
    "无语": 0.4,
    "离谱": 0.5,
    "忍无可忍": 0.8,
    "受够了": 0.7,
    "耍我": 0.7,
    "糊弄": 0.6,
    "敷衍": 0.6,
    "不要脸": 0.8,
    "差评": 0.5,
    "愤怒": 0.7,
    "生气": 0.6,
    "火大": 0.7,
    "你们还想不想": 0.6,
    "到底": 0.3,
    "凭什么": 0.5,
    "[怒]": 0.7,
    "[怒骂]": 0.9,
    "[鄙视]": 0.5,
    "[哼]": 0.3,
}
_ANGRY_EN = {
    "scam": 0.8,
    "scammer": 0.8,
    "fraud": 0.8,
    "ridiculous": 0.6,
    "unacceptable": 0.7,
    "worst": 0.6,
    "terrible": 0.5,
    "furious": 0.9,
    "angry": 0.7,
    "pissed": 0.8,
    "wtf": 0.8,
    "damn": 0.5,
    "hell": 0.4,
    "useless": 0.6,
    "incompetent": 0.7,
    "disgusting": 0.7,
    "liar": 0.7,
    "liars": 0.7,
    "rip off": 0.7,
    "ripoff": 0.7,
    "sue": 0.5,
    "lawyer": 0.5,
    "report you": 0.6,
    "complaint": 0.4,
    "never again": 0.5,
    "fed up": 0.7,
    "sick of": 0.6,
    "shit": 0.8,
    "fuck": 0.9,
    "fucking": 0.9,
    "crap": 0.6,
    "stupid": 0.6,
    "joke": 0.3,
    "outrageous": 0.7,
    "how dare": 0.7,
    "i demand": 0.5,
    "[怒]": 0.7,
    "[怒骂]": 0.9,
}
_NEGATIVE_ZH = {
    "失望": 0.6,
    "不满意": 0.6,
    "太慢": 0.5,
    "坏了": 0.5,
    "破损": 0.5,
    "假货": 0.6,
    "难用": 0.5,
    "后悔": 0.5,
    "郁闷": 0.5,
    "着急": 0.4,
    "担心": 0.3,
    "没人管": 0.6,
    "不行": 0.3,
    "质量差": 0.6,
    "[泪]": 0.5,
    "[失望]": 0.6,
}
_NEGATIVE_EN = {
    "disappointed": 0.6,
    "unhappy": 0.6,
    "broken": 0.5,
    "damaged": 0.5,
    "not happy": 0.6,
    "too slow": 0.5,
    "upset": 0.6,
    "annoyed": 0.6,
    "frustrated": 0.7,
    "waste": 0.5,
    "poor": 0.4,
    "bad": 0.4,
    "still waiting": 0.4,
    "[泪]": 0.5,
    "[失望]": 0.6,
}
_EXCLAIM = re.compile(r"[!！]{2,}|[?？]{3,}")
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_WORD = re.compile(r"[a-z']+|\[[^\]]+\]")


@dataclass(frozen=True)
class Emotion:
    """label: angry | negative | neutral | positive. score: confidence of that label (0..1).

    `angry` implies `negative`. `source` says what decided: "model+lexicon" or "lexicon".
    """

    label: str
    score: float
    angry: bool
    negative: bool
    source: str = "lexicon"


def _lexicon_score(text: str, lexicon: dict[str, float], *, words: set[str] | None) -> float:
    total = 0.0
    for term, weight in lexicon.items():
        if words is not None and " " not in term and term.isascii() and term.isalpha():
            hit = term in words
        else:
            hit = term in text
        if hit:
            total += weight
    return 1 - math.exp(-1.6 * total) if total else 0.0


def lexicon_scores(raw: str, clean: str) -> tuple[float, float]:
    """(anger, negativity) in 0..1 from the lexicons and punctuation."""
    words = set(_WORD.findall(clean))
    anger = max(
        _lexicon_score(clean, _ANGRY_ZH, words=None),
        _lexicon_score(clean, _ANGRY_EN, words=words),
    )
    boost = 0.15 * bool(_EXCLAIM.search(raw)) + 0.15 * bool(_SHOUT.search(raw))
    if anger:
        anger = min(1.0, anger + boost)
    negative = max(
        _lexicon_score(clean, _NEGATIVE_ZH, words=None),
        _lexicon_score(clean, _NEGATIVE_EN, words=words),
        anger,
    )
    return anger, negative


@lru_cache(maxsize=1)
def _model():  # noqa: ANN202
    from kefu.bot.nlu.emotion_model import EmotionModel

    return EmotionModel.load(MODEL_PATH) if MODEL_PATH.exists() else None


def detect(text: object) -> Emotion:
    """Emotion of one customer message. Never raises; empty text is neutral."""
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    clean = normalize(raw, keep_emoji=True)
    if not clean:
        return Emotion("neutral", 1.0, angry=False, negative=False)
    anger, negative = lexicon_scores(raw[:1024], clean)
    positive = 0.0
    source = "lexicon"
    model = _model()
    if model is not None and has_cjk(clean):
        source = "model+lexicon"
        m_angry, m_negative, m_positive = model.scores(clean)
        anger = max(anger, m_angry)
        negative = max(negative, m_negative, anger)
        positive = m_positive
    if anger >= ANGRY_THRESHOLD:
        return Emotion("angry", round(anger, 4), angry=True, negative=True, source=source)
    if negative >= NEGATIVE_THRESHOLD:
        return Emotion("negative", round(negative, 4), angry=False, negative=True, source=source)
    if positive >= 0.5:
        return Emotion("positive", round(positive, 4), angry=False, negative=False, source=source)
    return Emotion(
        "neutral", round(1 - max(anger, negative), 4), angry=False, negative=False, source=source
    )
