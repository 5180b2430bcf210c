"""Public-holiday data behind business calendars: a small port and its mainland-China source.

Holiday dates and make-up working days (调休上班日) cannot be computed: the State Council
publishes them each year (《国务院办公厅关于YYYY年部分节假日安排的通知》, usually Nov–Dec).
So a provider must say which years it really knows (`covers`) and never guess the others;
the calendar decides what to do with an uncovered year (strict: refuse; otherwise provisional).
`coverage_warning` tells admins at start-up which of this year and next year are uncovered.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import chinese_calendar

from kefu.errors import Invalid


class DayType(enum.Enum):
    """What a holiday source says about one date."""

    ORDINARY = "ordinary"  # nothing special: the team's weekday hours apply
    HOLIDAY = "holiday"  # off by decree (a public holiday or a swapped rest day)
    MAKEUP_WORKDAY = "makeup_workday"  # 调休: a rest day that is a working day


class HolidayProvider(Protocol):
    """A source of public holidays. `day_type` is only asked for years it `covers`."""

    @property
    def source(self) -> str: ...

    def covers(self, year: int) -> bool: ...

    def day_type(self, day: date) -> DayType: ...


class ChineseCalendarProvider:
    """Mainland China holidays and 调休 from the `chinesecalendar` package.

    As of chinesecalendar 1.11.0 (2025-11) it holds 2004–2026; 2026 matches the State Council
    notice of 2025-11-04 (cn_rules §2.3). It raises NotImplementedError for other years, which
    is what we want: `covers` turns that into False instead of a silent guess (unlike
    `holidays`, which invents a 2027 with no make-up days).
    """

    @property
    def source(self) -> str:
        return f"chinesecalendar {chinese_calendar.__version__}"

    def covers(self, year: int) -> bool:
        return _cc_covers(year)

    def day_type(self, day: date) -> DayType:
        return _cc_day_type(day)

    def is_workday(self, day: date) -> bool:
        return bool(chinese_calendar.is_workday(day))

    def is_holiday(self, day: date) -> bool:
        return bool(chinese_calendar.is_holiday(day))


@functools.cache
def _cc_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=8192)
def _cc_day_type(day: date) -> DayType:
    # get_holiday_detail: (True, name) for a holiday, (False, name) for a 调休 working day,
    # (is_weekend, None) for an ordinary day.
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if name is None:
        return DayType.ORDINARY
    return DayType.HOLIDAY if on_holiday else DayType.MAKEUP_WORKDAY


# Provisional rule for a year no source covers: the fixed-date statutory days of
# 《全国年节及纪念日放假办法》 (as amended, effective 2025-01-01) — New Year Jan 1, Labour Day
# May 1–2, National Day Oct 1–3 — plus the team's weekdays. Lunar holidays and 调休 are
# decided yearly and are NOT guessed; results built on this are flagged provisional.
FIXED_DATE_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
)


def provisional_day_type(day: date) -> DayType:
    """The best certain knowledge about a date in an uncovered year."""
    if (day.month, day.day) in FIXED_DATE_HOLIDAYS:
        return DayType.HOLIDAY
    return DayType.ORDINARY


DEFAULT_PROVIDER = ChineseCalendarProvider()


class CalendarUncovered(Invalid):
    """A strict calendar was asked about a year no holiday source covers."""

    def __init__(self, years: Iterable[int], source: str) -> None:
        self.years = tuple(sorted(set(years)))
        listed = "、".join(str(y) for y in self.years)
        super().__init__(
            "sla.calendar_uncovered",
            zh=f"{listed}年的法定节假日和调休安排尚未收录（数据来源：{source}），"
            "无法可靠计算工作时间截止点。请管理员在工作区日历中补录该年的放假安排。",
            en=f"No public-holiday data for {', '.join(str(y) for y in self.years)} "
            f"(source: {source}); a business-time due date cannot be computed reliably. "
            "An admin must add that year's holiday schedule to the workspace calendar.",
        )


@dataclass(frozen=True)
class CoverageWarning:
    years: tuple[int, ...]
    zh: str
    en: str

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def coverage_warning(
    today: date,
    provider: HolidayProvider | None = None,
    *,
    covered_years: Iterable[int] = (),
) -> CoverageWarning | None:
    """For the start-up warning: which of this year and next year have no holiday data."""
    source = provider if provider is not None else DEFAULT_PROVIDER
    entered = set(covered_years)
    years = tuple(
        y for y in (today.year, today.year + 1) if y not in entered and not source.covers(y)
    )
    if not years:
        return None
    listed = "、".join(str(y) for y in years)
    return CoverageWarning(
        years=years,
        zh=f"节假日数据（{source.source}）不含{listed}年：涉及该年的工作时间截止点将被标记为"
        "暂定（严格模式下拒绝计算）。国务院通知发布后，请升级节假日数据包或在工作区日历中补录。",
        en=f"Holiday data ({source.source}) does not cover {', '.join(map(str, years))}: "
        "business-time due dates in that year are provisional (refused in strict mode). "
        "Upgrade the holiday package or enter the State Council notice as workspace overrides.",
    )
