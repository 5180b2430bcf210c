"""Chinese time phrases: numerals, durations (三天内, 1-3个工作日内), calendar anchors
(明天上午10点前, 下周一, 10月8日前, 今天下班前) and vague promises (尽快).

Input is already folded to half-width (full-width digits, ：～－ and so on are ASCII).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from kefu.sla.commitments_base import (
    Mention,
    after,
    at,
    business,
    business_too_long,
    clock_hour,
    end_of_day,
    end_of_month,
    month_day,
    vague_mentions,
    weekday,
)

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH = "零〇一二两三四五六七八九十百"
_NUM = rf"[0-9]+(?:\.[0-9]+)?|[{_ZH}]+"
_SMALL = r"[0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3}"


def number(token: str) -> float | None:
    """'3', '1.5', '十五', '二十四', '一百零五', '两' → value; '两三', '三五' (colloquial
    ranges) → the upper bound. None for what is no number ("十十十…" runs past 10 000)."""
    if token[0].isascii():
        return float(token)
    if len(token) == 2 and all(c in _DIGITS for c in token):
        low, high = _DIGITS[token[0]], _DIGITS[token[1]]
        if 0 < low < high:
            return float(high)
    total, pending = 0, None
    for ch in token:
        if ch in _DIGITS:
            pending = _DIGITS[ch] if pending is None else pending * 10 + _DIGITS[ch]
        else:
            total += (1 if pending is None else pending) * (10 if ch == "十" else 100)
            pending = None
        if total > 10_000 or (pending or 0) > 10_000:
            return None
    return float(total + (pending or 0))


# -- durations ----------------------------------------------------------------------------

_UNITS = {
    "分钟": "minutes",
    "小时": "hours",
    "钟头": "hours",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "天": "days",
    "日": "days",
    "周": "weeks",
    "星期": "weeks",
    "礼拜": "weeks",
    "月": "months",
    "工作日": "business_days",
    "工作天": "business_days",
    "工作小时": "business_hours",
}
_DURATION = re.compile(
    rf"(?<![0-9.第每{_ZH}])"
    rf"(?:(?P<n>{_NUM})(?:\s*(?:-|~|〜|—|–|到|至)\s*(?P<n2>{_NUM}))?\s*(?:个?\s*(?P<half>半))?"
    r"|(?P<half0>半))\s*个?\s*"
    r"(?P<unit>工作日|工作天|工作小时|分钟|小时|钟头|[hH](?:rs?)?(?![a-zA-Z])|天|日|周|星期|礼拜|月)"
    r"(?P<suffix>\s*(?:之内|以内|内|以后|之后|后|之前|以前|前))?"
)
# "近三天内", "过去3天内", "前三天内", "头两天内" look back, not forward.
_LOOKBACK = ("近", "过去", "前", "头")


def _durations(text: str, now: datetime) -> Iterator[Mention]:
    for m in _DURATION.finditer(text):
        suffix = (m.group("suffix") or "").strip()
        unit_word = m.group("unit")
        unit = _UNITS[unit_word.lower()] if unit_word[0] in "hH" else _UNITS[unit_word]
        if "前" in suffix or text[: m.start()].endswith(_LOOKBACK):
            continue  # 三天前: in the past
        if unit == "months" and "个" not in m.group(0):
            continue  # 3月内 is March, not three months
        upper = m.group("n2") or m.group("n")
        amount = number(upper) if upper else 0.0
        if amount is None:
            continue
        if m.group("half") or m.group("half0"):
            amount += 0.5
        if amount <= 0:
            continue
        ranged = m.group("n2") is not None
        if "内" in suffix:
            marked, confidence = True, 0.85 if ranged else 0.9
        elif suffix:  # 三天后
            marked, confidence = False, 0.7
        elif unit.startswith("business"):  # "三个工作日到账": working days are promise talk
            marked, confidence = True, 0.75
        elif ranged:  # "3到5天送达"
            marked, confidence = False, 0.7
        else:
            continue  # "24小时客服", "7天无理由退货"
        if unit.startswith("business"):
            if business_too_long(amount, unit):
                continue
            yield Mention(
                m.start(),
                m.end(),
                business=business(amount, unit),
                confidence=confidence,
                marked=marked,
            )
            continue
        if unit == "days" and m.group("half0") and amount == 0.5:  # 半天: loose talk
            amount, unit, confidence = 12, "hours", 0.6
        try:
            due = after(now, amount, unit)
        except (OverflowError, ValueError):
            continue
        yield Mention(m.start(), m.end(), due=due, confidence=confidence, marked=marked)


# -- calendar anchors ---------------------------------------------------------------------

_PERIODS = {  # word → (clock reading, default deadline hour)
    "凌晨": ("am", 6),
    "早上": ("am", 9),
    "早晨": ("am", 9),
    "清晨": ("am", 9),
    "早": ("am", 9),
    "晨": ("am", 9),
    "上午": ("am", 12),
    "中午": ("noon", 12),
    "下午": ("pm", 18),
    "傍晚": ("pm", 18),
    "下班": ("pm", 18),
    "晚上": ("night", 21),
    "晚间": ("night", 21),
    "夜里": ("night", 21),
    "夜间": ("night", 21),
    "晚": ("night", 21),
    "夜": ("night", 21),
}
_DAYS = {"今天": 0, "今日": 0, "今儿": 0, "今": 0, "明天": 1, "明日": 1, "明儿": 1, "明": 1}
_DAYS |= {"后天": 2, "大后天": 3}
_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_ANCHOR = re.compile(
    r"(?P<lead>最迟|最晚|不晚于|不迟于|截至|截止到?)?\s*"
    r"(?:(?P<day>大后天|后天|今天|今日|今儿|明天|明日|明儿|今(?=[早晚晨夜])|明(?=[早晚晨]))"
    r"|(?:(?P<wpre>下下个?|下个?|本|这个?)\s*)?(?<!上)(?<!上个)(?:周|星期|礼拜)"
    r"(?P<wd>[一二三四五六日天1-7])"
    r"|(?:(?P<year>[0-9]{4})\s*年\s*)?(?:(?P<mon>[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*)?"
    r"(?<![0-9])(?P<mday>[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*(?:日|号|號))?\s*"
    r"(?P<period>凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|下班|晚上|晚间|夜里|夜间"
    r"|早(?![些点])|晚(?![些点])|晨|夜)?\s*"
    rf"(?:(?<![0-9第])(?P<hour>{_SMALL})\s*(?:点钟|点|點|时|時)"
    rf"(?:\s*(?P<minute>半|一刻|三刻|{_SMALL})(?:\s*分)?)?"
    r"|(?<![0-9])(?P<hh>[0-9]{1,2})\s*:\s*(?P<mm>[0-9]{2})(?![0-9]))?"
    r"\s*(?P<deadline>之前|以前|前|为止)?"
)
_MINUTES = {"半": 30, "一刻": 15, "三刻": 45}


def _anchors(text: str, now: datetime) -> Iterator[Mention]:
    for m in _ANCHOR.finditer(text):
        try:
            mention = _anchor(m, now)
        except (OverflowError, ValueError):
            continue
        if mention is not None:
            yield mention


def _anchor(m: re.Match[str], now: datetime) -> Mention | None:
    g = m.group
    named_day = g("day") or g("wd") or g("mday")
    hour_text = g("hour") or g("hh")
    if not (named_day or g("period") or hour_text):
        return None
    if g("period") in ("早", "晚", "晨", "夜") and not named_day:
        return None  # a lone 早/晚 is no time of day
    if g("hour") and not g("hour").isascii() and not (named_day or g("period") or g("deadline")):
        return None  # 快一点, 多两点: no clock
    today = now.date()
    if g("day"):
        day = today + timedelta(days=_DAYS[g("day")])
    elif g("wd"):
        iso = int(g("wd")) if g("wd").isdigit() else _WEEKDAYS[g("wd")]
        prefix = (g("wpre") or "").rstrip("个")
        mode = {"下": "next", "下下": "after_next", "本": "this", "这": "this"}.get(prefix)
        day = weekday(today, iso, mode or "upcoming")
    elif g("mday"):
        month = int(number(g("mon")) or 0) if g("mon") else None
        year = int(g("year")) if g("year") else None
        day = month_day(today, month, int(number(g("mday")) or 0), year)
    else:
        day = today
    reading, default_hour = _PERIODS.get(g("period") or "", (None, 0))
    if hour_text:
        minute_text = g("minute") or g("mm") or "0"
        minute = _MINUTES.get(minute_text)
        if minute is None:
            minute = int(number(minute_text) or 0)
        hour = int(number(hour_text) or 0)
        due = at(day, clock_hour(hour, reading), minute, now)
        confidence = 0.9
    elif g("period"):
        due, confidence = at(day, default_hour, 0, now), 0.8
    else:
        due, confidence = end_of_day(day, now), 0.85
    marked = bool(g("lead") or g("deadline"))
    return Mention(m.start(), m.end(), due=due, confidence=confidence, marked=marked)


# 本周内, 月底前, 下个月: the end of a week, month or year.
_SCOPE = re.compile(
    r"(?P<scope>本周|这周|这个?星期|本星期|下周|下个?星期|本月底|本月|这个?月底|这个?月|月底"
    r"|下个?月底|下个?月|年底|今年底)(?P<suffix>之内|以内|内|之前|以前|前)?"
)


def _scopes(text: str, now: datetime) -> Iterator[Mention]:
    today = now.date()
    for m in _SCOPE.finditer(text):
        scope = m.group("scope")
        if "周" in scope or "星期" in scope:
            day = weekday(today, 7, "next" if scope.startswith("下") else "this")
        elif "月" in scope:
            day = end_of_month(today, 1 if scope.startswith("下") else 0)
        else:
            day = today.replace(month=12, day=31)
        yield Mention(
            m.start(),
            m.end(),
            due=end_of_day(day, now),
            confidence=0.75,
            marked=m.group("suffix") is not None,
        )


# -- vague promises -----------------------------------------------------------------------

_VAGUE = re.compile(
    r"(?P<strong>尽快|尽早|尽速|第一时间|稍后|晚些时候|抓紧)"
    r"|(?P<weak>马上|立刻|立即|很快|及时|随后|近期|近日|后续|晚点|回头)"
)


def _vague(text: str) -> Iterator[Mention]:
    return vague_mentions(_VAGUE, text)


def scan(text: str, now: datetime) -> Iterator[Mention]:
    """Every Chinese time phrase in `text` (overlaps allowed); `now` is local."""
    yield from _durations(text, now)
    yield from _anchors(text, now)
    yield from _scopes(text, now)
    yield from _vague(text)
