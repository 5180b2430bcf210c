"""Dates and relative times in Chinese and English, resolved against a given local `now`.

Every expression becomes a half-open range [start, end) of aware datetimes in `now`'s zone:
"明天上午" → tomorrow 09:00–12:00, "三天内" / "within 3 days" → now … now + 3 days,
"下周一" / "next Monday" → Monday of next week (whole day), "3天后" / "in 3 days" → that day,
"11月11日" → the next 11 November (whole day), "明天下午3点" → 15:00 (start == end).
Weeks start on Monday, as in China.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

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
_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
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
_WEEKDAY_RE_CN = re.compile(
    r"(?P<rel>下下个?|下个?|这个?|本|上个?)?\s*(?:周|星期|礼拜)(?P<d>[一二三四五六日天末])"
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
    r"\b(?:(?P<rel>next|this|last)\s+)?(?P<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)


@dataclass(frozen=True)
class TimeRange:
    """[start, end) in the shop's time zone; a moment has start == end."""

    start: datetime
    end: datetime


def _cn_int(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "半":
        return None
    from kefu.bot.nlu.entities import chinese_number

    value = chinese_number(text)
    return int(value) if value is not None and value == int(value) else None


def _day_start(d: datetime) -> datetime:
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def _whole_day(day: datetime) -> TimeRange:
    start = _day_start(day)
    return TimeRange(start, start + timedelta(days=1))


def _span(n: float, unit: str) -> timedelta:
    unit = unit.lower()
    if "小时" in unit or "钟头" in unit or unit.startswith("hour"):
        return timedelta(hours=n)
    if "分钟" in unit:
        return timedelta(minutes=n)
    if "周" in unit or "星期" in unit or "礼拜" in unit or unit.startswith("week"):
        return timedelta(weeks=n)
    if "月" in unit or unit.startswith("month"):
        return timedelta(days=30 * n)
    return timedelta(days=n)


def _add_business_days(now: datetime, n: int) -> datetime:
    day = now
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _duration(now: datetime, n: float, unit: str, within: bool) -> TimeRange:
    business = "工作日" in unit
    target = _add_business_days(now, int(n)) if business else now + _span(n, unit)
    if within:
        return TimeRange(now, target)
    coarse = not any(k in unit.lower() for k in ("小时", "钟头", "分钟", "hour"))
    return _whole_day(target) if coarse else TimeRange(target, target)


def _weekday(now: datetime, weekday: int, rel: str) -> TimeRange:
    monday = _day_start(now) - timedelta(days=now.weekday())
    if rel.startswith("下下"):
        base = monday + timedelta(weeks=2)
    elif rel.startswith("下") or rel == "next":
        base = monday + timedelta(weeks=1)
    elif rel.startswith("上") or rel == "last":
        base = monday - timedelta(weeks=1)
    elif rel:  # 这/本/this: this week's
        base = monday
    else:  # a bare weekday: the coming one (today counts)
        base = monday if weekday >= now.weekday() else monday + timedelta(weeks=1)
    return _whole_day(base + timedelta(days=weekday))


def _date(now: datetime, year: str | None, month: str, day: str) -> TimeRange | None:
    try:
        candidate = now.replace(
            year=int(year) if year else now.year, month=int(month), day=int(day)
        )
    except ValueError:
        return None
    if not year and _day_start(candidate) < _day_start(now):
        try:
            candidate = candidate.replace(year=now.year + 1)
        except ValueError:
            return None
    return _whole_day(candidate)


def _day_part(
    now: datetime, offset: int, part: tuple[int, int] | None, hour: int | None, minute: int
) -> TimeRange:
    day = _day_start(now) + timedelta(days=offset)
    if hour is not None and 0 <= hour <= 24:
        if part and part[0] >= 12 and hour < 12:
            hour += 12
        moment = day + timedelta(hours=hour, minutes=minute)
        return TimeRange(moment, moment)
    if part:
        return TimeRange(day + timedelta(hours=part[0]), day + timedelta(hours=part[1]))
    return TimeRange(day, day + timedelta(days=1))


def find_times(s: str, now: datetime) -> list[tuple[tuple[int, int], TimeRange, str]]:
    """((start, end) in `s`, range, text as written) for each time expression, left to right."""
    found: list[tuple[tuple[int, int], TimeRange, str]] = []

    def add(m: re.Match[str], value: TimeRange | None) -> None:
        if value is not None and all(m.end() <= a or m.start() >= b for (a, b), _, _ in found):
            found.append((m.span(), value, m.group(0)))

    for m in _DURATION_CN.finditer(s):
        n = 0.5 if m.group("n") == "半" else _cn_int(m.group("n"))
        if n is not None:
            add(m, _duration(now, n, m.group("unit"), within=m.group("rel").endswith("内")))
    for m in _DAY_PART_CN.finditer(s):
        word = m.group("day")
        part = _PARTS_CN.get(m.group("part") or "") or (
            _PARTS_CN["晚上"]
            if word.endswith("晚")
            else _PARTS_CN["早上"]
            if word == "明早"
            else None
        )
        hour = _cn_int(m.group("h")) if m.group("h") else None
        minute = 30 if m.group("m") == "半" else int(m.group("m")) if m.group("m") else 0
        add(m, _day_part(now, _DAY_CN[word], part, hour, minute))
    for m in _WEEKDAY_RE_CN.finditer(s):
        add(m, _weekday(now, _WEEKDAY_CN[m.group("d")], m.group("rel") or ""))
    for m in _DATE_CN.finditer(s):
        add(m, _date(now, m.group("y"), m.group("mo"), m.group("d")))
    for m in _DATE_ISO.finditer(s):
        add(m, _date(now, m.group("y"), m.group("mo"), m.group("d")))
    for m in _DURATION_EN.finditer(s):
        raw = m.group("n").lower()
        n = int(raw) if raw.isdigit() else _EN_NUMBERS[raw]
        unit = m.group("unit").lower() + (
            " 工作日" if re.search(r"business|working", m.group(0), re.I) else ""
        )
        add(m, _duration(now, n, unit, within=m.group("rel").lower() == "within"))
    for m in _DAY_PART_EN.finditer(s):
        word = m.group("day").lower()
        part = _PARTS_EN.get((m.group("part") or "").lower()) or (
            _PARTS_EN["tonight"] if word == "tonight" else None
        )
        add(m, _day_part(now, _DAY_EN[word], part, None, 0))
    for m in _WEEKDAY_RE_EN.finditer(s):
        add(m, _weekday(now, _WEEKDAY_EN[m.group("d").lower()], (m.group("rel") or "").lower()))
    return sorted(found, key=lambda f: f[0][0])
