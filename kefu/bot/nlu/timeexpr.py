"""Dates and relative times in Chinese and English, resolved against a given local `now`.

Every expression becomes a half-open range [start, end) of aware datetimes in `now`'s zone:
"明天上午" → tomorrow 09:00–12:00, "三天内" / "within 3 days" → now … now + 3 days,
"下周一" / "next Monday" → Monday of next week (whole day), "3天后" / "in 3 days" → that day,
"11月11日" → the next 11 November (whole day), "明天下午3点" → 15:00 (start == end),
"周末" → Saturday and Sunday, "下周" / "下个月" → that whole week / month, "3号" / "下个月3号" → a
day of the month. Weeks start on Monday, as in China. The calendar arithmetic is in `timespans`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from kefu.bot.nlu import timespans as ts
from kefu.bot.nlu.timespans import TimeRange

log = logging.getLogger(__name__)

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fourteen": 14,
    "thirty": 30,
}
_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_EN = {
    d: i
    for i, d in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}

# Parts of the day: (start hour, end hour).
_PARTS_CN = {
    "凌晨": (0, 6),
    "早上": (6, 9),
    "早晨": (6, 9),
    "上午": (9, 12),
    "中午": (11, 13),
    "下午": (13, 18),
    "傍晚": (17, 19),
    "晚上": (18, 24),
    "今晚": (18, 24),
    "夜里": (20, 24),
    "白天": (9, 18),
}
_PARTS_EN = {
    "morning": (9, 12),
    "noon": (11, 13),
    "afternoon": (13, 18),
    "evening": (18, 24),
    "night": (20, 24),
    "tonight": (18, 24),
}
_DAY_CN = {
    "前天": -2,
    "昨天": -1,
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "明天": 1,
    "明日": 1,
    "明早": 1,
    "明晚": 1,
    "后天": 2,
    "大后天": 3,
}
_DAY_EN = {
    "yesterday": -1,
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
}

_NUM_CN = r"\d+|[零〇一二两三四五六七八九十百]+|半"
_UNIT_CN = r"个?小时|个?钟头|分钟|个?工作日|天|日|个?星期|周|个?礼拜|个?月"
_DURATION_CN = re.compile(
    rf"(?P<n>{_NUM_CN})\s*(?P<unit>{_UNIT_CN})\s*(?P<rel>之内|以内|内|之后|以后|后)"
)
_DAY_PART_CN = re.compile(
    r"(?P<day>大后天|后天|明天|明日|今天|今日|昨天|前天|今晚|明早|明晚)\s*(?P<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|白天)?"
    rf"\s*(?:(?P<h>\d{{1,2}}|[{''.join(_CN_DIGITS)}十]+)\s*[点时:](?P<m>\d{{1,2}}|半)?分?)?"
)
_REL_CN = r"下下个?|下个?|这个?|本|上个?"
_WEEKDAY_RE_CN = re.compile(rf"(?P<rel>{_REL_CN})?\s*(?:周|星期|礼拜)(?P<d>[一二三四五六日天末])")
# "下周" on its own; "下周一" is a weekday and is matched (first) by the pattern above.
# "这周围" (around here), "周年", "周期" and "周边" are not weeks.
_WEEK_CN = re.compile(rf"(?P<rel>{_REL_CN})\s*(?:周|星期|礼拜)(?![一二三四五六日天末围年期边])")
_DAY_NUM_CN = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
# "下个月" / "下个月3号"; "这个月饼" (this mooncake) is not a month.
_MONTH_CN = re.compile(
    rf"(?P<rel>{_REL_CN})\s*月(?![饼亮光球嫂])(?:\s*(?P<d>{_DAY_NUM_CN})\s*[号日])?"
)
# A bare "3号" is a day of the month, but "3号楼", "5号线", "五号电池", "3号色", "第3号" are not; the
# guards keep numbers that are part of something else (years, months, codes) out.
_DAY_OF_MONTH_CN = re.compile(
    rf"(?<![\dA-Za-z.年月第型编单零〇一二两三四五六七八九十百千万])(?P<d>{_DAY_NUM_CN})\s*号"
    r"(?![楼线门床店仓库窗柜箱包位机码院馆厅房室桌口台车厂字键球电色])"
)
_DATE_CN = re.compile(r"(?:(?P<y>\d{4})\s*年)?\s*(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
_DATE_ISO = re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
_DURATION_EN = re.compile(
    r"\b(?P<rel>in|within|after)\s+(?:the\s+next\s+)?(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)\s+(?:business\s+|working\s+)?(?P<unit>hours?|days?|weeks?|months?)\b",
    re.I,
)
_DAY_PART_EN = re.compile(
    r"\b(?P<day>the day after tomorrow|day after tomorrow|yesterday|today|tonight|tomorrow)(?:\s+(?:in\s+the\s+)?(?P<part>morning|noon|afternoon|evening|night))?\b",
    re.I,
)
_WEEKDAY_RE_EN = re.compile(
    r"\b(?:(?P<rel>next|this|last)\s+)?(?P<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)\b",
    re.I,
)
# "next week" / "this month" as calendar spans; "within the next week" reads as a duration, so
# it is left alone rather than turned into next Monday–Sunday.
_PERIOD_EN = re.compile(r"(?<!the\s)\b(?P<rel>next|this|last)\s+(?P<unit>week|month)\b", re.I)

Resolver = Callable[[re.Match[str], datetime], TimeRange | None]


def _cn_int(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "半":
        return None
    from kefu.bot.nlu.entities import chinese_number

    value = chinese_number(text)
    return int(value) if value is not None and value == int(value) else None


def _offset(rel: str) -> int:
    """How many weeks/months away 下下 / 下 / next, 上 / last, 这 / 本 / this point."""
    rel = rel.lower()
    if rel.startswith("下下"):
        return 2
    if rel.startswith("下") or rel == "next":
        return 1
    if rel.startswith("上") or rel == "last":
        return -1
    return 0


def _cn_duration(m: re.Match[str], now: datetime) -> TimeRange | None:
    n = 0.5 if m.group("n") == "半" else _cn_int(m.group("n"))
    if n is None:
        return None
    return ts.duration(now, n, m.group("unit"), within=m.group("rel").endswith("内"))


def _cn_day_part(m: re.Match[str], now: datetime) -> TimeRange | None:
    word = m.group("day")
    part = _PARTS_CN.get(m.group("part") or "") or (
        _PARTS_CN["晚上"] if word.endswith("晚") else _PARTS_CN["早上"] if word == "明早" else None
    )
    hour = _cn_int(m.group("h")) if m.group("h") else None
    minute = 30 if m.group("m") == "半" else int(m.group("m")) if m.group("m") else 0
    return ts.day_part(now, _DAY_CN[word], part, hour, minute)


def _cn_weekday(m: re.Match[str], now: datetime) -> TimeRange | None:
    rel = m.group("rel") or ""
    if m.group("d") == "末":
        return ts.weekend(now, rel)
    return ts.weekday(now, _WEEKDAY_CN[m.group("d")], rel)


def _week(m: re.Match[str], now: datetime) -> TimeRange | None:
    return ts.week(now, m.group("rel").lower())


def _cn_month(m: re.Match[str], now: datetime) -> TimeRange | None:
    offset = _offset(m.group("rel"))
    if not m.group("d"):
        return ts.month(now, offset)
    day = _cn_int(m.group("d"))
    return None if day is None else ts.day_of_month(now, offset, day)


def _cn_day_of_month(m: re.Match[str], now: datetime) -> TimeRange | None:
    day = _cn_int(m.group("d"))
    return None if day is None else ts.day_of_month(now, None, day)


def _date(m: re.Match[str], now: datetime) -> TimeRange | None:
    year = int(m.group("y")) if m.group("y") else None
    return ts.date(now, year, int(m.group("mo")), int(m.group("d")))


def _en_duration(m: re.Match[str], now: datetime) -> TimeRange | None:
    raw = m.group("n").lower()
    n = int(raw) if raw.isdigit() else _EN_NUMBERS[raw]
    business = re.search(r"business|working", m.group(0), re.I)
    unit = m.group("unit").lower() + (" 工作日" if business else "")
    return ts.duration(now, n, unit, within=m.group("rel").lower() == "within")


def _en_day_part(m: re.Match[str], now: datetime) -> TimeRange | None:
    word = m.group("day").lower()
    part = _PARTS_EN.get((m.group("part") or "").lower()) or (
        _PARTS_EN["tonight"] if word == "tonight" else None
    )
    return ts.day_part(now, _DAY_EN[word], part, None, 0)


def _en_weekday(m: re.Match[str], now: datetime) -> TimeRange | None:
    rel = (m.group("rel") or "").lower()
    if m.group("d").lower() == "weekend":
        return ts.weekend(now, rel)
    return ts.weekday(now, _WEEKDAY_EN[m.group("d").lower()], rel)


def _en_period(m: re.Match[str], now: datetime) -> TimeRange | None:
    if m.group("unit").lower() == "week":
        return _week(m, now)
    return ts.month(now, _offset(m.group("rel")))


# In order of precedence: an earlier pattern's match wins over any later one it overlaps
# ("下周一" is a weekday before "下周" is a week; "12月1号" a date before "1号" a day of month).
_PATTERNS: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (_DURATION_CN, _cn_duration),
    (_DAY_PART_CN, _cn_day_part),
    (_WEEKDAY_RE_CN, _cn_weekday),
    (_WEEK_CN, _week),
    (_MONTH_CN, _cn_month),
    (_DATE_CN, _date),
    (_DATE_ISO, _date),
    (_DAY_OF_MONTH_CN, _cn_day_of_month),
    (_DURATION_EN, _en_duration),
    (_DAY_PART_EN, _en_day_part),
    (_WEEKDAY_RE_EN, _en_weekday),
    (_PERIOD_EN, _en_period),
)


def _resolve(resolve: Resolver, m: re.Match[str], now: datetime) -> TimeRange | None:
    try:
        return resolve(m, now)
    except (OverflowError, ValueError):
        # A date at the calendar's edge ("9999年12月31日") is skipped on its own, so one odd
        # expression never costs the other entities of the message (extract never raises).
        log.debug("time expression %r not resolved", m.group(0), exc_info=True)
        return None


def find_times(s: str, now: datetime) -> list[tuple[tuple[int, int], TimeRange, str]]:
    """((start, end) in `s`, range, text as written) for each time expression, left to right."""
    found: list[tuple[tuple[int, int], TimeRange, str]] = []
    for pattern, resolve in _PATTERNS:
        for m in pattern.finditer(s):
            if any(m.start() < b and m.end() > a for (a, b), _, _ in found):
                continue
            value = _resolve(resolve, m, now)
            if value is not None:
                found.append((m.span(), value, m.group(0)))
    return sorted(found, key=lambda f: f[0][0])


__all__ = ["TimeRange", "find_times"]
