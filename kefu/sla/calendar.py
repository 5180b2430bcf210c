"""Business time for SLAs: working hours, Chinese public holidays with 调休, overrides, freezes.

Pure Python, no database: a `CalendarSpec` (plain, frozen data — a later step loads the
per-workspace `Overrides` from the database) plus a `HolidayProvider` make a `BusinessCalendar`.

Semantics. Local dates and clock times are in the spec's time zone; every instant in or out is
an aware datetime (results are UTC); a naive datetime is a ValueError. A local date's type, in
order of precedence:

1. inside a freeze window → frozen: no working time, even on a make-up day (the SLA clock
   stops, as JD stops its service metrics over Spring Festival; cn_rules §2.1 keeps this
   `platform_freeze` layer apart from holidays);
2. an override make-up day → working, with its own hours (default below);
3. an override holiday → off;
4. if the spec follows the provider: its holiday → off, its 调休 day → working with make-up
   hours; for a year the provider does not cover (and no override declares covered) the day
   is *provisional*: only the fixed-date statutory days are taken as holidays;
5. otherwise the team's hours for that weekday (none → rest day).

Make-up hours: the make-up day's own hours, else `spec.makeup_hours`, else the weekday's own
hours, else the first weekday (Mon→Sun) that has hours (so a Saturday 调休 of a Mon–Fri
09:00–18:00 team runs 09:00–18:00).

Working intervals are half-open local [start, end); an end of 00:00 means 24:00. Durations
are real elapsed time: a 00:00–24:00 day across a DST switch has 23 or 25 hours. A clock time
the DST gap skips means the switch instant; an ambiguous end (DST fold) takes its later
reading, an ambiguous start its earlier one, and intervals never share real time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.errors import Invalid
from kefu.sla.calendar_spec import (
    _DAY,
    _MAX_IDLE_DAYS,
    _MAX_SPAN_DAYS,
    DEFAULT_CALENDARS,
    CalendarSpec,
    FreezeWindow,
    Hours,
    MakeupDay,
    Overrides,
    _offset,
    daily,
    parse_intervals,
    week,
)
from kefu.sla.holidays import (
    DEFAULT_PROVIDER,
    CalendarUncovered,
    CoverageWarning,
    DayType,
    HolidayProvider,
    coverage_warning,
    provisional_day_type,
)

__all__ = [
    "DEFAULT_CALENDARS",
    "BusinessCalendar",
    "CalendarSpec",
    "CalendarUncovered",
    "CoverageWarning",
    "Day",
    "DayKind",
    "DueTime",
    "FreezeWindow",
    "HolidayProvider",
    "MakeupDay",
    "Overrides",
    "coverage_warning",
    "daily",
    "parse_intervals",
    "week",
]


class DayKind(enum.Enum):
    """What a local date is for one calendar (after overrides and freezes)."""

    WORKDAY = "workday"
    MAKEUP_WORKDAY = "makeup_workday"
    REST_DAY = "rest_day"
    HOLIDAY = "holiday"
    FROZEN = "frozen"


@dataclass(frozen=True)
class Day:
    """One local date of a calendar: its kind, local hours and the same hours as UTC instants."""

    date: date
    kind: DayKind
    hours: Hours
    windows: tuple[tuple[datetime, datetime], ...]
    provisional: bool

    @property
    def is_working(self) -> bool:
        return bool(self.windows)


@dataclass(frozen=True)
class DueTime:
    """A computed due time; `provisional` when it rests on days no holiday source covers."""

    at: datetime
    provisional: bool = False
    uncovered_years: tuple[int, ...] = ()


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("business-calendar instants must be timezone-aware (UTC)")
    return instant.astimezone(UTC)


class _Uncovered:
    """Collects the uncovered years a computation touched; strict calendars raise at once."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.years: set[int] = set()

    def day(self, day: date) -> Day:
        info = self.calendar.day(day)
        if info.provisional:
            if self.calendar.spec.strict:
                raise CalendarUncovered([day.year], self.calendar.provider.source)
            self.years.add(day.year)
        return info


def _span(days: float, *, hours: float, minutes: float, seconds: float) -> timedelta:
    """The working time to add, refused past ten years: each day on the way is computed and
    cached, so a typo like 99999999 working days would take a minute and a gigabyte, then fail."""
    if days < 0 or min(hours, minutes, seconds) < 0:
        raise ValueError("business time can only be added forwards")
    try:
        duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        duration = timedelta.max
    if days > _MAX_SPAN_DAYS or duration > timedelta(days=_MAX_SPAN_DAYS):
        raise Invalid(
            "sla.span_too_long",
            zh="工作时间跨度过长（超过十年），无法计算截止时间",
            en="that much working time (over ten years) cannot be placed on the calendar",
        )
    return duration


class BusinessCalendar:
    """Business-time arithmetic over a `CalendarSpec`; cheap per day, cached per local date."""

    def __init__(self, spec: CalendarSpec, provider: HolidayProvider | None = None) -> None:
        self.spec = spec
        self.provider = provider if provider is not None else DEFAULT_PROVIDER
        self.zone = ZoneInfo(spec.timezone)
        ov = spec.overrides
        self._makeup = {m.day: m.hours for m in ov.makeup_days}
        self._days: dict[date, Day] = {}

    # -- days ---------------------------------------------------------------------------

    def day(self, day: date) -> Day:
        """What `day` (a local date) is for this calendar; never raises for uncovered years."""
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = self._compute(day)
        return info

    def is_working_day(self, day: date) -> bool:
        """Whether the local date has working time (strict calendars refuse uncovered years)."""
        return _Uncovered(self).day(day).is_working

    def uncovered_years(self, start: datetime, end: datetime) -> tuple[int, ...]:
        """Years between two instants whose holidays no source covers (provisional there)."""
        first, last = sorted((self._local_date(start), self._local_date(end)))
        return tuple(y for y in range(first.year, last.year + 1) if not self._covers(y))

    def _covers(self, year: int) -> bool:
        return (
            not self.spec.holidays_follow_provider
            or year in self.spec.overrides.covered_years
            or self.provider.covers(year)
        )

    def _makeup_hours(self, day: date, own: Hours | None) -> Hours:
        if own is not None:
            return own
        if self.spec.makeup_hours is not None:
            return self.spec.makeup_hours
        weekday = self.spec.hours[day.weekday()]
        return weekday or next(h for h in self.spec.hours if h)

    def _compute(self, day: date) -> Day:
        spec, ov = self.spec, self.spec.overrides
        provisional = False
        kind: DayKind
        hours: Hours
        if any(day in w for w in ov.freezes):
            kind, hours = DayKind.FROZEN, ()
        elif day in self._makeup:
            kind, hours = DayKind.MAKEUP_WORKDAY, self._makeup_hours(day, self._makeup[day])
        elif day in ov.holidays:
            kind, hours = DayKind.HOLIDAY, ()
        else:
            source = DayType.ORDINARY
            if not spec.holidays_follow_provider or day.year in ov.covered_years:
                pass  # the team's weekdays plus the overrides above are the whole truth
            elif self.provider.covers(day.year):
                source = self.provider.day_type(day)
            else:
                provisional = True
                source = provisional_day_type(day)
            if source is DayType.HOLIDAY:
                kind, hours = DayKind.HOLIDAY, ()
            elif source is DayType.MAKEUP_WORKDAY:
                kind, hours = DayKind.MAKEUP_WORKDAY, self._makeup_hours(day, None)
            else:
                hours = spec.hours[day.weekday()]
                kind = DayKind.WORKDAY if hours else DayKind.REST_DAY
        windows: list[tuple[datetime, datetime]] = []
        for s, e in hours:
            start = self._to_utc(day, _offset(s, end=False), end=False)
            end = self._to_utc(day, _offset(e, end=True), end=True)
            if windows:  # around a DST switch two wall-clock intervals may share real time
                start = max(start, windows[-1][1])
            if start < end:  # an interval inside a DST gap has no real time
                windows.append((start, end))
        return Day(day, kind, hours, tuple(windows), provisional)

    def _to_utc(self, day: date, offset: timedelta, *, end: bool) -> datetime:
        wall = datetime.combine(day, time(0)) + offset
        first = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        if second < first:  # the clock skips this time (DST gap): it means the switch instant
            return self._switch_instant(second, first)
        if not end or offset == _DAY:  # 24:00 is the next day's 00:00, read the same way
            return first
        return second  # an ambiguous end (DST fold) takes its later reading

    def _switch_instant(self, before: datetime, after: datetime) -> datetime:
        """The first whole second in (before, after] with the post-switch UTC offset."""
        old = before.astimezone(self.zone).utcoffset()
        lo, hi = int(before.timestamp()), int(after.timestamp())
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self.zone).utcoffset() == old:
                lo = mid
            else:
                hi = mid
        return datetime.fromtimestamp(hi, UTC)

    def _local_date(self, instant: datetime) -> date:
        return _aware_utc(instant).astimezone(self.zone).date()

    # -- arithmetic ---------------------------------------------------------------------

    def add(
        self,
        instant: datetime,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> DueTime:
        """`instant` plus business days, then business hours/minutes/seconds.

        Days: the same local clock time that many working days later (a start outside working
        time first rolls forward to the next working start; a clock time the target day does
        not work moves to that day's next working instant, or its end of work). A fraction of a
        day is that share of the working time of the day the whole days end on ("1.5个工作日":
        one day, then 4.5 hours of a 09:00–18:00 day). Durations: only working time is consumed.
        Zero of everything rolls forward to working time.
        """
        at = _aware_utc(instant)
        duration = _span(days, hours=hours, minutes=minutes, seconds=seconds)
        tracker = _Uncovered(self)
        whole = int(days)
        if whole:
            at = self._add_days(at, whole, tracker)
        if days > whole:
            at = self._add_duration(at, self._share_of_day(at, days - whole, tracker), tracker)
        if duration or not days:
            at = self._add_duration(at, duration, tracker)
        years = tuple(sorted(tracker.years))
        return DueTime(at=at, provisional=bool(years), uncovered_years=years)

    def _add_duration(self, at: datetime, remaining: timedelta, tracker: _Uncovered) -> datetime:
        day = at.astimezone(self.zone).date()
        idle = 0
        while True:
            info = tracker.day(day)
            for start, end in info.windows:
                if end <= at:
                    continue
                start = max(start, at)
                if remaining <= end - start:
                    return start + remaining
                remaining -= end - start
                at = end
            idle = 0 if info.windows else idle + 1
            self._check_idle(idle)
            day += _DAY

    def _share_of_day(self, at: datetime, share: float, tracker: _Uncovered) -> timedelta:
        """`share` of the working time of the working day `at` falls on (or rolls forward to)."""
        day = self._add_duration(at, timedelta(0), tracker).astimezone(self.zone).date()
        worked = sum((end - start for start, end in tracker.day(day).windows), timedelta(0))
        return worked * share

    def _add_days(self, at: datetime, days: int, tracker: _Uncovered) -> datetime:
        anchor = self._add_duration(at, timedelta(0), tracker).astimezone(self.zone)
        day = anchor.date()
        clock = anchor.replace(tzinfo=None) - datetime.combine(day, time(0))
        idle = 0
        while days:
            day += _DAY
            if tracker.day(day).is_working:
                days, idle = days - 1, 0
            else:
                idle += 1
                self._check_idle(idle)
        windows = self.day(day).windows
        target = self._to_utc(day, clock, end=False)
        for start, end in windows:
            if end > target:
                return max(start, target)
        return windows[-1][1]

    @staticmethod
    def _check_idle(idle: int) -> None:
        if idle > _MAX_IDLE_DAYS:
            raise Invalid(
                "sla.calendar_no_working_time",
                zh="该日历十年内没有任何工作时间，请检查工作时间和冻结期设置",
                en="this calendar has no working time for ten years; check its hours and freezes",
            )

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); negative when end is before start."""
        a, b = _aware_utc(start), _aware_utc(end)
        if b < a:
            return -self.business_time_between(b, a)
        tracker = _Uncovered(self)
        total = timedelta(0)
        day, last = self._local_date(a), self._local_date(b)
        while day <= last:
            for s, e in tracker.day(day).windows:
                if e > a and s < b:
                    total += min(e, b) - max(s, a)
            day += _DAY
        return total
