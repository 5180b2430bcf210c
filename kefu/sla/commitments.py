"""Time commitments in agent replies, proposed as promises for the agent to confirm.

A customer was told "三天内会有专人跟我联系" and nobody called for 22 days: the promise
lived only in the agent's words. `find_commitments` reads a reply ("我们会在三天内安排专人给您
回电", "退款将在1-3个工作日内原路退回", "I'll call you back by tomorrow 10am") and returns
each time promise with its kind and deadline; the agent confirms or corrects it, and the SLA
layer tracks it. Pure: no database, no clock — `now` is passed in.

Reading rules:

- Calendar-relative spans (三天内, within 24 hours) end at `now` plus the span: hours and
  minutes elapse, days follow the local wall clock. Ranges (1-3个工作日, 3到5天) take the
  upper bound.
- Working-time spans (3个工作日内, within 3 business days) come back as `business`, with
  `due=None`: only the caller's business calendar can place them.
- Anchors are local to `tz`, results UTC. Defaults: a day alone ends 23:59:59; 早上/明早
  09:00; 上午/morning 12:00; 中午/noon 12:00; 下午/afternoon and 下班/EOD 18:00;
  晚上/tonight 21:00. 周五/by Friday is the next one (today included), 下周五/next Friday
  next week's, 本周一 this week's (possibly past). 12-hour clocks follow their period
  (下午3点 = 15:00); a bare 1–7点 is read as afternoon.
- A phrase with its own deadline word (内/之内/以内/前/最迟/within/in/by/before/EOD) is a
  promise wherever it stands. Other anchors (明天, tomorrow morning, 下午3点) need an action
  word (回电, 发货, refund…) or a future word (会, 将, will, 'll) between them and the
  neighbouring time phrases of their clause. Spans of working days are promise talk even
  without 内 ("三个工作日到账").
- Not promises: the past (三天前, 3 days ago, "三天内没人联系"), look-backs (近三天内), policy
  names and the customer's own obligations (7天无理由退货, 请您在24小时内完成支付, if you…),
  "24小时客服". A past deadline that carries a deadline word (今天10点前, said at 11:00) is
  kept with confidence ≤ 0.4 — the caller refuses it; an unmarked past day is narrative.
- Vague promises (尽快, 第一时间, as soon as possible) have no deadline and confidence ≤ 0.3,
  so the UI can ask for one; weak ones (马上, soon) only count beside an action word, and none
  is reported where the same clause names a real deadline.
- The kind comes from the nearest action word in the phrase's own stretch of the clause,
  else the nearest one in its sentence (delimiters 。！？!?；; and newline) that no other
  phrase has claimed, else "other".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.sla import commitments_en, commitments_zh
from kefu.sla.commitments_base import Duration, Mention

__all__ = ["Commitment", "Duration", "Kind", "find_commitments"]

Kind = Literal["callback", "refund", "shipment", "replacement", "update", "other"]


@dataclass(frozen=True)
class Commitment:
    """One promise found in a reply; `due` (aware UTC) or `business`, or neither if vague."""

    span: tuple[int, int]
    phrase: str
    kind: Kind
    due: datetime | None
    business: Duration | None
    confidence: float


# Full-width ASCII (０-９, ：, ～, ！, ，…) folds to half-width one for one, so offsets hold.
_FOLD = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}
_SENTENCE_END = re.compile(r"[。!?;\n…]|\.(?=\s|$)")
_CLAUSE_END = re.compile(r",")
_EN = r"(?<![A-Za-z])(?:{})(?![A-Za-z])"

_KIND_WORDS: tuple[tuple[Kind, str, str], ...] = (  # kind, Chinese words, English words
    (
        "callback",
        r"回个?电话|回复电话|回电|致电|来电|去电|打给(?:您|你)|打电话|电话联系|专人"
        r"|联系(?:您|你)|(?:与|跟|和|同)(?:您|你|我)们?联系",
        r"call(?:ing)?\s+(?:you|u)|call\s+back|give\s+you\s+a\s+(?:call|ring)"
        r"|(?:phone|ring|contact)\s+you|reach\s+out|get\s+in\s+touch",
    ),
    ("refund", r"退款|退回|退还|返还|原路返回|到账|退钱", r"refund\w*"),
    ("shipment", r"发货|寄出|补发|发出|出库", r"ship(?:s|ped|ping|ment)?|dispatch\w*"),
    ("replacement", r"换货|补寄|更换|换新|调换", r"replace\w*|exchange\w*"),
    (
        "update",
        r"答复|回复|反馈|给(?:您|你)结果|结果|通知(?:您|你)|告知|告诉(?:您|你)|进展|进度",
        r"update\w*|get\s+back\s+to\s+you|let\s+you\s+know|keep\s+you\s+(?:posted|updated"
        r"|informed)|follow\s+up|respon\w*|repl(?:y|ies)",
    ),
)
_KINDS = tuple(
    (kind, re.compile(zh + "|" + _EN.format(en), re.IGNORECASE)) for kind, zh, en in _KIND_WORDS
)
_FUTURE = re.compile(
    r"会|将|再|争取|保证|确保|预计|安排|尽量|负责|[为给帮](?:您|你)|'ll(?![A-Za-z])|"
    + _EN.format(r"will|shall|going\s+to|gonna|expect|aim|promise|make\s+sure|ensure"),
    re.IGNORECASE,
)
# The customer's obligations and policy terms, unless the clause says who acts for us.
_NOT_OURS = re.compile(
    r"请(?:您|你|在|于|稍)|麻烦(?:您|你)|(?:您|你)(?:需要?|必须|可以?|要)|需要(?:您|你)"
    r"|可以?申请|支持|享受|无理由|保修|质保|三包|有效|逾期|过期|如果|如若|若是|假如|万一|倘若|"
    + _EN.format(
        r"please|you\s+(?:need|must|can|may|have\s+to|should)|if|unless|valid"
        r"|expires?|eligible|warranty"
    ),
    re.IGNORECASE,
)
_OURS = re.compile(r"我们|我会|我将|我这边|专人|" + _EN.format(r"we'll|we\s+will|i'll|i\s+will"))
_PAST_AFTER = re.compile(r"[没未已]|过了")
_PAST_EN = re.compile(
    _EN.format(
        r"ago|yesterday|last|didn't|did\s+not|haven't|hasn't|have\s+not|has\s+not"
        r"|wasn't|weren't|never"
    ),
    re.IGNORECASE,
)


class _Keyword(NamedTuple):
    start: int
    end: int
    kind: Kind


def find_commitments(text: str, *, now: datetime, tz: str = "Asia/Shanghai") -> list[Commitment]:
    """Time promises in an agent's reply, in text order, for the agent to confirm."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("find_commitments needs an aware `now` (UTC)")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    folded = text.translate(_FOLD)
    local_now = now.astimezone(zone)
    scanned = [*commitments_zh.scan(folded, local_now), *commitments_en.scan(folded, local_now)]
    mentions = _disjoint([_trim(folded, m) for m in scanned])
    sentence_ends = [m.start() for m in _SENTENCE_END.finditer(folded)]
    clause_ends = sorted(sentence_ends + [m.start() for m in _CLAUSE_END.finditer(folded)])
    keywords = _keywords(folded)
    size = len(folded)
    clauses = [_bounds(clause_ends, m.start, m.end, size) for m in mentions]
    regions = [
        (
            max(clauses[i][0], mentions[i - 1].end if i else 0),
            min(clauses[i][1], mentions[i + 1].start if i + 1 < len(mentions) else size),
        )
        for i in range(len(mentions))
    ]
    kept: dict[int, Commitment] = {}
    # Concrete phrases first: a vague one is dropped where its clause has a real deadline.
    for i in sorted(range(len(mentions)), key=lambda i: mentions[i].vague is not None):
        mention, (lo, hi) = mentions[i], regions[i]
        if mention.vague and any(
            clauses[j] == clauses[i] and mentions[j].vague is None for j in kept
        ):
            continue
        around = folded[lo : mention.start] + " " + folded[mention.end : hi]
        near = [k for k in keywords if _inside(k, (lo, hi)) and _apart(k, mention)]
        # "给我回电话了": an action already done supports no unmarked phrase.
        acts = any(folded[k.end : k.end + 1] != "了" for k in near)
        if not _is_promise(folded, mention, lo, hi, around, acts):
            continue
        if not near:  # fall back on the sentence's action words no other phrase claims
            sentence = _bounds(sentence_ends, mention.start, mention.end, size)
            others = regions[:i] + regions[i + 1 :]
            near = [k for k in keywords if _inside(k, sentence) and _apart(k, mention)]
            near = [k for k in near if not any(_inside(k, r) for r in others)]
        kind = min(near, key=lambda k: _distance(k, mention)).kind if near else "other"
        confidence = _confidence(mention, kind, folded, sentence_ends, local_now)
        if confidence is None:
            continue
        kept[i] = Commitment(
            span=(mention.start, mention.end),
            phrase=text[mention.start : mention.end],
            kind=kind,
            due=mention.due.astimezone(UTC) if mention.due is not None else None,
            business=mention.business,
            confidence=confidence,
        )
    return [kept[i] for i in sorted(kept)]


def _is_promise(
    folded: str, mention: Mention, lo: int, hi: int, around: str, has_action: bool
) -> bool:
    """Whether the phrase's stretch of its clause makes it our promise (see module rules)."""
    if _NOT_OURS.search(around) and not _OURS.search(around):
        return False
    if _PAST_AFTER.search(folded, mention.end, hi) or _PAST_EN.search(around):
        return False
    if "了" in folded[max(lo, mention.start - 2) : mention.start]:
        return False  # 等了三个工作日
    if mention.vague == "weak" or (mention.vague is None and not mention.marked):
        return has_action or (mention.vague is None and _FUTURE.search(around) is not None)
    return True


def _confidence(
    mention: Mention, kind: Kind, folded: str, sentence_ends: list[int], now: datetime
) -> float | None:
    """The phrase's confidence in context; None when it turns out to be narrative."""
    confidence = mention.confidence
    if mention.vague is None and kind == "other":
        confidence -= 0.1
    if mention.due is not None and mention.due < now:
        if not mention.marked and mention.due.astimezone(now.tzinfo).date() < now.date():
            return None  # "9月28号发的货": a day gone by, told as a story
        confidence = min(confidence, 0.4)
    end = bisect_left(sentence_ends, mention.end)
    if end < len(sentence_ends) and folded[sentence_ends[end]] == "?":
        confidence = min(confidence, 0.5)  # "三天内给您回电可以吗？" asks, not promises
    return round(confidence, 2)


def _trim(folded: str, mention: Mention) -> Mention:
    """Without the blanks a pattern's optional parts may have taken on either side."""
    phrase = folded[mention.start : mention.end]
    start = mention.start + len(phrase) - len(phrase.lstrip())
    return replace(mention, start=start, end=start + len(phrase.strip()))


def _disjoint(mentions: list[Mention]) -> list[Mention]:
    """Longest phrases win overlaps (三日内 over 3日, 下周一 over 下周), concrete before vague."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.start - m.end, m.vague is not None, m.start)):
        if all(m.end <= k.start or k.end <= m.start for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _keywords(folded: str) -> list[_Keyword]:
    """Action words, longest first where they overlap (回复电话 is a callback, not an update)."""
    found = [_Keyword(m.start(), m.end(), kind) for kind, p in _KINDS for m in p.finditer(folded)]
    kept: list[_Keyword] = []
    for k in sorted(found, key=lambda k: (k.start - k.end, k.start)):
        if all(k.end <= o.start or o.end <= k.start for o in kept):
            kept.append(k)
    return kept


def _bounds(ends: list[int], start: int, end: int, size: int) -> tuple[int, int]:
    """The stretch between the delimiters around [start, end); delimiters inside are ignored."""
    before = bisect_left(ends, start)
    after = bisect_left(ends, end)
    return (ends[before - 1] + 1 if before else 0, ends[after] if after < len(ends) else size)


def _inside(keyword: _Keyword, stretch: tuple[int, int]) -> bool:
    return stretch[0] <= keyword.start and keyword.end <= stretch[1]


def _apart(keyword: _Keyword, mention: Mention) -> bool:
    return keyword.end <= mention.start or mention.end <= keyword.start


def _distance(keyword: _Keyword, mention: Mention) -> tuple[int, int]:
    """Characters between word and phrase; on a tie the word after wins (三天内给您回电)."""
    if keyword.start >= mention.end:
        return keyword.start - mention.end, 0
    return mention.start - keyword.end, 1
