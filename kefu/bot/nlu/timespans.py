"""Calendar arithmetic behind `timeexpr`: days, weeks, months and durations as [start, end) ranges.

Everything here works on aware datetimes in the shop's zone and returns `TimeRange`s; the
regular expressions that find the words live in `timeexpr`. Resolvers return None for what the
calendar cannot hold (31 February, a duration past `HORIZON_DAYS`) so the caller skips it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

# Relative amounts beyond this are not promises anyone makes ("5000000天内"), and refusing them
# keeps the arithmetic far from datetime's year-9999 limit, where it raises OverflowError.
HORIZON_DAYS = 5 * 366
# Explicit years further than this from now are typos or jokes ("9999年"), not dates to act on.
MAX_YEARS_AWAY = 100


@dataclass(frozen=True)
class TimeRange:
    """[start, end) in the shop's time zone; a moment has start == end."""

    start: datetime
    end: datetime


def day_start(d: datetime) -> datetime:
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def whole_day(day: datetime) -> TimeRange:
    start = day_start(day)
    return TimeRange(start, start + timedelta(days=1))


def add_months(d: datetime, n: int) -> datetime:
    """`d` moved by `n` calendar months; the day is clamped to the month's end (31 Jan + 1 → 28 Feb)."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return d.replace(year=year, month=month0 + 1, day=min(d.day, last))


def month_start(now: datetime, offset: int) -> datetime:
    """Midnight on the first day of the month `offset` months from now's."""
    return add_months(day_start(now).replace(day=1), offset)


def _is_month(unit: str) -> bool:
    return "月" in unit or unit.lower().startswith("month")


def _unit_days(unit: str) -> float:
    """Rough length of one `unit` in days: the horizon check, and "半个月" (half a month)."""
    unit = unit.lower()
    if "分钟" in unit or unit.startswith("minute"):
        return 1 / 1440
    if "小时" in unit or "钟头" in unit or unit.startswith("hour"):
        return 1 / 24
    if "周" in unit or "星期" in unit or "礼拜" in unit or unit.startswith("week"):
        return 7
    if _is_month(unit):
        return 30
    if "工作日" in unit:
        return 7 / 5  # five business days take a week
    return 1


def _shift(now: datetime, n: float, unit: str) -> datetime:
    if "工作日" in unit:
        return _add_business_days(now, int(n))
    if _is_month(unit) and n == int(n):
        # Calendar months, not 30 days: a month after 31 January is 28 February, not 2 March.
        return add_months(now, int(n))
    return now + timedelta(days=n * _unit_days(unit))


def _add_business_days(now: datetime, n: int) -> datetime:
    day = now
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def duration(now: datetime, n: float, unit: str, within: bool) -> TimeRange | None:
    """ "三天内" → [now, now + 3 days); "3天后" → that whole day; "2小时后" → that moment."""
    if n * _unit_days(unit) > HORIZON_DAYS:
        return None
    target = _shift(now, n, unit)
    if within:
        return TimeRange(now, target)
    coarse = not any(k in unit.lower() for k in ("小时", "钟头", "分钟", "hour", "minute"))
    return whole_day(target) if coarse else TimeRange(target, target)


def week_monday(now: datetime, rel: str, weekday: int = 0) -> datetime:
    """Monday of the week `rel` names (下/next, 下下, 上/last, 这/本/this).

    Without `rel`, the week of the coming `weekday`: this week while that day is today or
    still ahead, else next week.
    """
    monday = day_start(now) - timedelta(days=now.weekday())
    if rel.startswith("下下"):
        return monday + timedelta(weeks=2)
    if rel.startswith("下") or rel == "next":
        return monday + timedelta(weeks=1)
    if rel.startswith("上") or rel == "last":
        return monday - timedelta(weeks=1)
    if rel or weekday >= now.weekday():
        return monday
    return monday + timedelta(weeks=1)


def weekday(now: datetime, day: int, rel: str) -> TimeRange:
    """ "下周一" / "next Monday" → that whole day."""
    return whole_day(week_monday(now, rel, day) + timedelta(days=day))


def weekend(now: datetime, rel: str) -> TimeRange:
    """ "周末" → Saturday 00:00 to Monday 00:00; on a Sunday the bare word still means today's."""
    saturday = week_monday(now, rel, 6) + timedelta(days=5)
    return TimeRange(saturday, saturday + timedelta(days=2))


def week(now: datetime, rel: str) -> TimeRange:
    """ "下周" / "next week" → Monday 00:00 to the following Monday 00:00."""
    monday = week_monday(now, rel)
    return TimeRange(monday, monday + timedelta(weeks=1))


def month(now: datetime, offset: int) -> TimeRange:
    """ "下个月" / "next month" → the 1st of that month to the 1st of the one after."""
    return TimeRange(month_start(now, offset), month_start(now, offset + 1))


def day_of_month(now: datetime, offset: int | None, day: int) -> TimeRange | None:
    """ "下个月3号" (offset 1) → that day. With no month said ("3号"), the coming one:
    this month's while it is today or ahead, else the next month that has that day."""
    if day < 1:
        return None
    if offset is not None:
        first = month_start(now, offset)
        if not 1 <= day <= calendar.monthrange(first.year, first.month)[1]:
            return None
        return whole_day(first.replace(day=day))
    for ahead in range(3):  # "31号" in November: December has one
        first = month_start(now, ahead)
        if day <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=day)
            if candidate >= day_start(now):
                return whole_day(candidate)
    return None


def date(now: datetime, year: int | None, month_: int, day: int) -> TimeRange | None:
    """ "11月11日" → the next 11 November (today counts); with a year, exactly that day.

    Without a year, "2月29日" is the next 29 February that exists, up to four years ahead.
    """
    if year is not None:
        if abs(year - now.year) > MAX_YEARS_AWAY:
            return None
        try:
            return whole_day(now.replace(year=year, month=month_, day=day))
        except ValueError:  # 31 April, or 29 February outside a leap year
            return None
    for y in range(now.year, now.year + 5):
        try:
            candidate = now.replace(year=y, month=month_, day=day)
        except ValueError:
            continue
        if day_start(candidate) >= day_start(now):
            return whole_day(candidate)
    return None


def clock_hour(part: tuple[int, int] | None, hour: int) -> int:
    """The 24-hour clock hour meant by `hour` said within a part of the day.

    "下午3点" → 15; "中午1点" → 13 (noon runs 11–13, so 1 can only be 13:00); "晚上12点" → 24,
    the midnight that ends that evening; "上午10点" → 10.
    """
    if part is None:
        return hour
    start, end = part
    if hour == 12 and end == 24:
        return 24
    if hour < 12 and (start >= 12 or start <= hour + 12 <= end):
        return hour + 12
    return hour


def day_part(
    now: datetime, offset: int, part: tuple[int, int] | None, hour: int | None, minute: int
) -> TimeRange:
    """ "明天上午" → tomorrow 09:00–12:00; "明天下午3点" → that moment; "后天" → that day."""
    day = day_start(now) + timedelta(days=offset)
    if hour is not None and 0 <= hour <= 24:
        moment = day + timedelta(hours=clock_hour(part, hour), minutes=minute)
        return TimeRange(moment, moment)
    if part:
        return TimeRange(day + timedelta(hours=part[0]), day + timedelta(hours=part[1]))
    return TimeRange(day, day + timedelta(days=1))
