"""Plain-data setup of a business calendar: working hours, overrides, freezes, the spec.

Frozen dataclasses, so specs can be loaded from the database or config and shared freely.
Semantics of each field are described in `kefu.sla.calendar`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[time, time]
Hours = tuple[Interval, ...]
_DAY = timedelta(days=1)
# A calendar with no working time for this long is a configuration error, not a due time.
_MAX_IDLE_DAYS = 3660
_MAX_SPAN_DAYS = 3660  # business days (or 24-hour days of working time) one `add` may place


def parse_intervals(text: str) -> Hours:
    """ "09:00-12:00, 13:30-18:00" → intervals; "" → none; "00:00-24:00" → the whole day."""
    out: list[Interval] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        start, sep, end = part.partition("-")
        if not sep:
            raise ValueError(f"working interval {part!r} is not HH:MM-HH:MM")
        end = end.strip()
        stop = time(0) if end == "24:00" else time.fromisoformat(end)
        out.append((time.fromisoformat(start.strip()), stop))
    return _check_hours(out)


def _offset(t: time, *, end: bool) -> timedelta:
    if t.tzinfo is not None:
        raise ValueError("working hours are local clock times: pass a naive time")
    if end and t == time(0):
        return _DAY
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _check_hours(hours: Iterable[Sequence[time]] | str) -> Hours:
    if isinstance(hours, str):
        return parse_intervals(hours)
    result = tuple((s, e) for s, e in hours)
    previous_end = timedelta(0)
    for s, e in result:
        start, end = _offset(s, end=False), _offset(e, end=True)
        if not start < end or start < previous_end:
            raise ValueError(f"working intervals must be ascending and not overlap: {result}")
        previous_end = end
    return result


def week(mon_fri: Hours | str, sat: Hours | str = (), sun: Hours | str = ()) -> tuple[Hours, ...]:
    """Hours by weekday (Monday first) for the common shape: the same hours Monday to Friday."""
    weekday = _check_hours(mon_fri)
    return (weekday,) * 5 + (_check_hours(sat), _check_hours(sun))


def daily(hours: Hours | str) -> tuple[Hours, ...]:
    """The same hours every day of the week."""
    return (_check_hours(hours),) * 7


@dataclass(frozen=True)
class MakeupDay:
    """A date that is a working day (调休上班 or a company swap); hours None → make-up hours."""

    day: date
    hours: Hours | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.hours is not None:
            object.__setattr__(self, "hours", _check_hours(self.hours))


@dataclass(frozen=True)
class FreezeWindow:
    """Local dates `start`..`end` (inclusive) on which the SLA clock is stopped entirely."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"freeze window ends before it starts: {self.start}..{self.end}")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Overrides:
    """Per-workspace calendar data entered by admins (plain data; later stored in the DB).

    `covered_years`: years whose holidays the admins entered in full (e.g. from a new State
    Council notice before the package is updated); those years are then not provisional.
    """

    holidays: frozenset[date] = frozenset()
    makeup_days: tuple[MakeupDay, ...] = ()
    freezes: tuple[FreezeWindow, ...] = ()
    covered_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_days", tuple(self.makeup_days))
        object.__setattr__(self, "freezes", tuple(self.freezes))
        object.__setattr__(self, "covered_years", frozenset(self.covered_years))

    def merged(self, other: Overrides) -> Overrides:
        """Both sets of overrides (e.g. workspace + team); `other`'s make-up hours win."""
        mine = {m.day: m for m in self.makeup_days}
        mine.update({m.day: m for m in other.makeup_days})
        return Overrides(
            holidays=self.holidays | other.holidays,
            makeup_days=tuple(sorted(mine.values(), key=lambda m: m.day)),
            freezes=self.freezes + other.freezes,
            covered_years=self.covered_years | other.covered_years,
        )


@dataclass(frozen=True)
class CalendarSpec:
    """One team's business calendar: hours by weekday (Monday first), zone, holidays, overrides.

    `strict`: a computation touching a day whose holidays no source covers raises
    `CalendarUncovered`; otherwise it is computed provisionally and flagged on the result.
    """

    hours: tuple[Hours, ...] = field(default_factory=lambda: week("09:00-18:00"))
    timezone: str = "Asia/Shanghai"
    holidays_follow_provider: bool = True
    makeup_hours: Hours | None = None
    overrides: Overrides = field(default_factory=Overrides)
    strict: bool = False

    def __post_init__(self) -> None:
        hours = tuple(_check_hours(h) for h in self.hours)
        if len(hours) != 7:
            raise ValueError("hours must give seven weekdays, Monday first")
        if not any(hours):
            raise ValueError("a business calendar needs working hours on at least one weekday")
        object.__setattr__(self, "hours", hours)
        if self.makeup_hours is not None:
            object.__setattr__(self, "makeup_hours", _check_hours(self.makeup_hours))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc


# Presets. Hours: cn_rules §1.1 (as of 2025-06). Holidays: chinesecalendar 1.11.0, whose 2026
# data matches the State Council notice of 2025-11-04 (cn_rules §2.3).
DEFAULT_CALENDARS: Mapping[str, CalendarSpec] = MappingProxyType(
    {
        # Back-office queues (refunds, after-sales tickets): Mon–Fri 09:00–18:00 on Chinese
        # working days, 调休 included — the window of JD's 加速处理 rule (银爪网 2020-10-12).
        "back_office": CalendarSpec(hours=week("09:00-18:00")),
        # Chat: 08:00–23:00 every day, the window in which Taobao 旺旺, Douyin 飞鸽 and PDD
        # measure reply rates (cn_rules §1.1, sources 2019–2025). Platforms measure on public
        # holidays too, so holidays do not stop this clock; a platform's Spring Festival pause
        # is a workspace freeze window.
        "chat": CalendarSpec(hours=daily("08:00-23:00"), holidays_follow_provider=False),
    }
)
