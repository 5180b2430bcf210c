"""Time expressions: parts of the day, calendar months, weekends, weeks, months, days of month.

All resolved against a frozen `now` (Wednesday 25 November 2026, 10:30 in Shanghai).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.bot.nlu.entities import TimeRange, extract
from kefu.bot.nlu.timespans import add_months

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=SH)


def at(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


def times(text: str, now: datetime = NOW) -> list[TimeRange]:
    return [e.value for e in extract(text, now=now) if e.kind == "time"]  # type: ignore[misc]


def moment(text: str) -> datetime:
    [value] = times(text)
    assert value.start == value.end
    return value.start


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天中午1点", at(2026, 11, 26, 13)),  # noon runs 11–13: 1 can only be 13:00
        ("明天中午12点", at(2026, 11, 26, 12)),
        ("明天中午11点", at(2026, 11, 26, 11)),
        ("明天晚上12点", at(2026, 11, 27, 0)),  # the midnight that ends that evening
        ("今晚12点", at(2026, 11, 26, 0)),
        ("明天晚上8点", at(2026, 11, 26, 20)),
        ("明天下午3点", at(2026, 11, 26, 15)),
        ("明天上午10点", at(2026, 11, 26, 10)),
    ],
)
def test_clock_hours_within_a_part_of_the_day(text: str, expected: datetime) -> None:
    assert moment(text) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (at(2026, 1, 31), 1, at(2026, 2, 28)),
        (at(2028, 1, 31), 1, at(2028, 2, 29)),
        (at(2026, 12, 15), 1, at(2027, 1, 15)),
        (at(2026, 3, 31), -1, at(2026, 2, 28)),
        (at(2026, 11, 30), 3, at(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


def test_a_month_later_is_a_calendar_month() -> None:
    end_of_january = at(2026, 1, 31, 10)
    assert times("一个月后", now=end_of_january) == [TimeRange(at(2026, 2, 28), at(2026, 3, 1))]
    assert times("in 1 month", now=end_of_january) == [TimeRange(at(2026, 2, 28), at(2026, 3, 1))]
    assert times("3个月内") == [TimeRange(NOW, at(2027, 2, 25, 10) + timedelta(minutes=30))]
    assert times("半个月后") == [TimeRange(at(2026, 12, 10), at(2026, 12, 11))]


@pytest.mark.parametrize(
    ("text", "now", "start"),
    [
        ("这周末", NOW, at(2026, 11, 28)),
        ("周末", NOW, at(2026, 11, 28)),
        ("下周末", NOW, at(2026, 12, 5)),
        ("this weekend", NOW, at(2026, 11, 28)),
        ("周末", at(2026, 11, 29, 10), at(2026, 11, 28)),  # on Sunday: still this weekend
    ],
)
def test_weekend_covers_saturday_and_sunday(text: str, now: datetime, start: datetime) -> None:
    assert times(text, now=now) == [TimeRange(start, start + timedelta(days=2))]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("下周能到吗", at(2026, 11, 30), at(2026, 12, 7)),
        ("next week", at(2026, 11, 30), at(2026, 12, 7)),
        ("这周到货吗", at(2026, 11, 23), at(2026, 11, 30)),
        ("下个月", at(2026, 12, 1), at(2027, 1, 1)),
        ("next month", at(2026, 12, 1), at(2027, 1, 1)),
        ("上个月", at(2026, 10, 1), at(2026, 11, 1)),
        ("下个月3号", at(2026, 12, 3), at(2026, 12, 4)),
        ("本月28日", at(2026, 11, 28), at(2026, 11, 29)),
        ("3号能发货吗", at(2026, 12, 3), at(2026, 12, 4)),  # the 3rd has passed: next month's
        ("28号", at(2026, 11, 28), at(2026, 11, 29)),
        ("31号", at(2026, 12, 31), at(2027, 1, 1)),  # November has no 31st
        ("下周一", at(2026, 11, 30), at(2026, 12, 1)),  # still a weekday, not a week
        ("12月1号", at(2026, 12, 1), at(2026, 12, 2)),  # still a date, not a day of month
        ("2月29日", at(2028, 2, 29), at(2028, 3, 1)),  # the next one that exists
    ],
)
def test_weeks_months_and_days_of_the_month(text: str, start: datetime, end: datetime) -> None:
    assert times(text) == [TimeRange(start, end)]


@pytest.mark.parametrize(
    "text",
    ["3号楼", "地铁5号线", "五号电池", "第3号", "口红3号色", "这个月饼多少钱", "这周围有店吗",
     "within the next week", "下个月32号", "2027年2月29日"],
)  # fmt: skip
def test_words_that_only_look_like_dates(text: str) -> None:
    assert times(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("60个月内", True), ("70个月内", False), ("1800天内", True), ("5000000天内", False)],
)
def test_relative_amounts_are_held_to_a_horizon_of_about_five_years(text: str, found: bool) -> None:
    assert bool(times(text)) is found
