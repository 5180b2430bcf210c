"""Shared pieces of commitment parsing: the `Duration` result type, the scanners' `Mention`,
and local-calendar arithmetic.

Scanners (`commitments_zh`, `commitments_en`) only find time phrases and work out what time
they name; whether a phrase is a promise, and of what kind, is decided from its context in
`kefu.sla.commitments`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, cast

BusinessUnit = Literal["business_days", "business_hours"]

# A phrase naming more than this much time is no customer-service promise (and would overflow).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Duration:
    """Working time the caller must place on a business calendar (`BusinessCalendar.add`)."""

    amount: float
    unit: BusinessUnit


@dataclass(frozen=True)
class Mention:
    """A time phrase found by a scanner, before its context is weighed.

    `marked`: the phrase carries its own deadline word (内/之内/前/within/by/EOD), so it is a
    promise wherever it stands; an unmarked one ("明天", "tomorrow morning") needs an action
    or a future word next to it. `vague`: "strong" (尽快, ASAP) is always reported, "weak"
    (马上, soon) only beside an action word.
    """

    start: int
    end: int
    due: datetime | None = None
    business: Duration | None = None
    confidence: float = 0.8
    marked: bool = False
    vague: Literal["strong", "weak"] | None = None


# Working time a reply can promise: a few years, like the bot's horizon (bot.nlu.timespans). More
# is a typo or a probe, and the calendar would walk every working day of it.
MAX_BUSINESS_DAYS = 2 * 366


def business_too_long(amount: float, unit: str) -> bool:
    """Whether "N个工作日/工作小时" names more working time than anyone promises."""
    days = amount if unit == "business_days" else amount / 24
    return days > MAX_BUSINESS_DAYS


def business(amount: float, unit: str) -> Duration:
    """A working-time span; 3.0 is kept as 3 so the `Duration` reads as written."""
    if unit not in ("business_days", "business_hours"):
        raise ValueError(f"not a business unit: {unit}")
    return Duration(int(amount) if amount == int(amount) else amount, cast(BusinessUnit, unit))


def after(now: datetime, amount: float, unit: str) -> datetime:
    """`now` plus a calendar-relative span: minutes/hours elapse, days/weeks/months follow
    the local wall clock (三天内 said at 09:00 ends at 09:00 three days on, across DST too)."""
    if unit in ("minutes", "hours"):
        delta = timedelta(minutes=amount) if unit == "minutes" else timedelta(hours=amount)
        if delta > timedelta(days=MAX_DAYS):
            raise OverflowError("span too long")
        return (now.astimezone(UTC) + delta).astimezone(now.tzinfo)
    days = amount * {"days": 1, "weeks": 7, "months": 30}[unit]
    if days > MAX_DAYS:
        raise OverflowError("span too long")
    if unit == "months" and amount == int(amount):
        return add_months(now, int(amount))
    return now + timedelta(days=days)


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def at(day: date, hour: int, minute: int, now: datetime) -> datetime:
    """Local `hour:minute` on `day` in `now`'s zone; 24:00 is the next day's midnight."""
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        raise ValueError("no such clock time")
    if hour == 24:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=now.tzinfo)
    return datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)


def end_of_day(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=now.tzinfo)


def end_of_month(day: date, months_ahead: int = 0) -> date:
    index = day.month - 1 + months_ahead
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def weekday(today: date, iso_day: int, mode: str) -> date:
    """The ISO weekday `iso_day` (1 = Monday): "next" → next week's (下周三), "this" → this
    week's, Monday-based, which may be past (本周一 said on a Wednesday); "upcoming" → the
    next occurrence, today included (周五前, by Friday)."""
    monday = today - timedelta(days=today.isoweekday() - 1)
    if mode == "next":
        return monday + timedelta(days=7 + iso_day - 1)
    if mode == "after_next":
        return monday + timedelta(days=14 + iso_day - 1)
    if mode == "this":
        return monday + timedelta(days=iso_day - 1)
    return today + timedelta(days=(iso_day - today.isoweekday()) % 7)


def month_day(today: date, month: int | None, day: int, year: int | None = None) -> date:
    """A calendar date said without a year (10月8日) or a month (8号): the nearest one that is
    not long past — a date up to 90 days back stays in the past (and is flagged there), an
    earlier one means next year; a bare day of month already gone means next month."""
    if year is not None and month is not None:
        return date(year, month, day)
    if month is None:
        if day >= today.day:
            return date(today.year, today.month, day)
        first = end_of_month(today) + timedelta(days=1)
        return date(first.year, first.month, day)
    this_year = date(today.year, month, day) if _valid(today.year, month, day) else None
    if this_year is not None and this_year >= today - timedelta(days=90):
        return this_year
    return date(today.year + 1, month, day)


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def clock_hour(hour: int, period: str | None) -> int:
    """A 12-hour clock read in context: afternoon and night add 12 (下午3点 = 15:00, 晚上8点 =
    20:00; 下午12点 is noon, 晚上12点 midnight = 24:00); noon keeps 12 and lifts 1–5 (中午1点 =
    13:00); with no period 1–7 are read as afternoon hours (a service desk's "3点前" means
    15:00), 8–12 and 13–24 as said."""
    if period in ("pm", "night") and hour < 12:
        return hour + 12
    if period == "night" and hour == 12:
        return 24
    if period == "noon" and 1 <= hour <= 5:
        return hour + 12
    if period is None and 1 <= hour <= 7:
        return hour + 12
    return hour


def vague_mentions(pattern: re.Pattern[str], text: str) -> Iterator[Mention]:
    """ "尽快" / "ASAP": no due time, low confidence; a `strong` group marks the surer words."""
    for m in pattern.finditer(text):
        strong = m.group("strong") is not None
        yield Mention(
            m.start(),
            m.end(),
            confidence=0.3 if strong else 0.2,
            vague="strong" if strong else "weak",
        )
