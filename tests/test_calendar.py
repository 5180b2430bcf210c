"""Business calendar: working hours, Chinese holidays with 调休, overrides, freezes, strict mode.

Pure service-level tests: no database, no sleeping, every date passed explicitly.
Figures in the first block are the SLA issue's (Asia/Shanghai, Mon–Fri 09:00–18:00).
"""

from __future__ import annotations

import time as wallclock
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.errors import Invalid
from kefu.sla.calendar import (
    DEFAULT_CALENDARS,
    BusinessCalendar,
    CalendarSpec,
    CalendarUncovered,
    DayKind,
    FreezeWindow,
    MakeupDay,
    Overrides,
    coverage_warning,
    daily,
    parse_intervals,
    week,
)
from kefu.sla.holidays import ChineseCalendarProvider, DayType

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
BACK_OFFICE = DEFAULT_CALENDARS["back_office"]
CAL = BusinessCalendar(BACK_OFFICE)
STRICT = BusinessCalendar(replace(BACK_OFFICE, strict=True))


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def local(instant: datetime, zone: ZoneInfo = SH) -> datetime:
    assert instant.tzinfo is UTC
    return instant.astimezone(zone)


# -- the figures ------------------------------------------------------------------


def test_three_business_days_skip_national_day_and_land_on_makeup_saturday():
    due = CAL.add(sh(2026, 9, 30, 9), days=3)
    assert local(due.at) == sh(2026, 10, 10, 9)
    assert not due.provisional and due.uncovered_years == ()
    # Naive Mon–Fri arithmetic lands on a holiday, five days early.
    naive = BusinessCalendar(replace(BACK_OFFICE, holidays_follow_provider=False))
    assert local(naive.add(sh(2026, 9, 30, 9), days=3).at) == sh(2026, 10, 5, 9)


def test_two_business_hours_cross_national_day():
    due = CAL.add(sh(2026, 9, 30, 17), hours=2)
    assert local(due.at) == sh(2026, 10, 8, 10)
    assert CAL.business_time_between(sh(2026, 9, 30, 17), due.at) == timedelta(hours=2)


def test_due_time_in_2027_is_refused_in_strict_mode():
    with pytest.raises(CalendarUncovered) as caught:
        STRICT.add(sh(2026, 12, 30, 9), days=5)
    error = caught.value
    assert isinstance(error, Invalid) and error.status == 422
    assert error.code == "sla.calendar_uncovered"
    assert error.years == (2027,)
    assert "2027" in error.message("zh") and "节假日" in error.message("zh")
    assert "2027" in error.message("en") and "holiday" in error.message("en")
    assert error.message("zh") != error.message("en")


def test_due_time_in_2027_is_provisional_when_not_strict():
    due = CAL.add(sh(2026, 12, 30, 9), days=5)
    assert due.provisional and due.uncovered_years == (2027,)
    # Weekends plus the fixed-date statutory New Year's Day; no guessed 调休.
    assert local(due.at) == sh(2027, 1, 7, 9)
    assert CAL.uncovered_years(sh(2026, 12, 30), due.at) == (2027,)


def test_strict_calendar_computes_inside_covered_years():
    due = STRICT.add(sh(2026, 12, 30, 9), days=1)
    assert local(due.at) == sh(2026, 12, 31, 9) and not due.provisional
    with pytest.raises(CalendarUncovered):
        STRICT.is_working_day(date(2027, 3, 1))
    with pytest.raises(CalendarUncovered):
        STRICT.business_time_between(sh(2026, 12, 31, 9), sh(2027, 1, 4, 12))


# -- 2026 holidays and 调休 -----------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20)]
    + [date(2026, 10, 10)],
)
def test_2026_makeup_days_are_working_days(day):
    assert day.weekday() >= 5
    assert CAL.is_working_day(day)
    info = CAL.day(day)
    assert info.kind is DayKind.MAKEUP_WORKDAY
    assert info.hours == parse_intervals("09:00-18:00")


DAYS_2026 = [date(2026, 1, 1) + timedelta(n) for n in range(365)]


def test_2026_makeup_days_match_the_state_council_notice():
    makeup = {d for d in DAYS_2026 if CAL.day(d).kind is DayKind.MAKEUP_WORKDAY}
    assert makeup == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert sum(CAL.is_working_day(d) for d in DAYS_2026) == 248  # cn_rules §2.3


def test_spring_festival_2026_is_skipped():
    for n in range(9):
        day = date(2026, 2, 15) + timedelta(n)
        assert not CAL.is_working_day(day)
        assert CAL.day(day).kind is DayKind.HOLIDAY
    assert local(CAL.add(sh(2026, 2, 14, 17), hours=2).at) == sh(2026, 2, 24, 10)
    assert local(CAL.add(sh(2026, 2, 13, 9), days=2).at) == sh(2026, 2, 24, 9)
    assert CAL.business_time_between(sh(2026, 2, 14, 9), sh(2026, 2, 24, 9)) == timedelta(hours=9)


def test_start_outside_working_time_rolls_forward():
    assert local(CAL.add(sh(2026, 10, 3, 12)).at) == sh(2026, 10, 8, 9)
    assert local(CAL.add(sh(2026, 10, 3, 12), days=1).at) == sh(2026, 10, 9, 9)
    assert local(CAL.add(sh(2026, 9, 30, 18), minutes=30).at) == sh(2026, 10, 8, 9, 30)
    assert local(CAL.add(sh(2026, 9, 30, 7), minutes=30).at) == sh(2026, 9, 30, 9, 30)
    # Ending exactly at the end of work stays there.
    assert local(CAL.add(sh(2026, 9, 30, 17), hours=1).at) == sh(2026, 9, 30, 18)


def test_days_and_hours_combine_days_first():
    due = CAL.add(sh(2026, 9, 30, 16), days=1, hours=3)
    assert local(due.at) == sh(2026, 10, 9, 10)


# -- overrides -----------------------------------------------------------------------------


def with_overrides(spec: CalendarSpec, **overrides: object) -> BusinessCalendar:
    return BusinessCalendar(replace(spec, overrides=Overrides(**overrides)))  # type: ignore[arg-type]


def test_extra_company_holiday_moves_due_time():
    cal = with_overrides(BACK_OFFICE, holidays=[date(2026, 10, 9)])
    assert local(cal.add(sh(2026, 9, 30, 9), days=3).at) == sh(2026, 10, 12, 9)
    assert cal.day(date(2026, 10, 9)).kind is DayKind.HOLIDAY


def test_extra_makeup_day_with_own_hours():
    cal = with_overrides(
        BACK_OFFICE,
        makeup_days=[
            MakeupDay(date(2026, 10, 17), hours=parse_intervals("10:00-16:00"), note="盘点")
        ],
    )
    assert cal.is_working_day(date(2026, 10, 17))
    assert local(cal.add(sh(2026, 10, 16, 17), hours=2).at) == sh(2026, 10, 17, 11)
    # The same clock time a day later is after that day's hours: the deadline is its end of work.
    assert local(cal.add(sh(2026, 10, 16, 17), days=1).at) == sh(2026, 10, 17, 16)
    assert local(cal.add(sh(2026, 10, 16, 9), days=1).at) == sh(2026, 10, 17, 10)


def test_makeup_day_defaults_to_normal_working_hours_or_spec_makeup_hours():
    cal = with_overrides(BACK_OFFICE, makeup_days=[MakeupDay(date(2026, 10, 17))])
    assert cal.day(date(2026, 10, 17)).hours == parse_intervals("09:00-18:00")
    short = BusinessCalendar(
        replace(BACK_OFFICE, makeup_hours=parse_intervals("09:00-12:00"), strict=True)
    )
    assert short.day(date(2026, 10, 10)).hours == parse_intervals("09:00-12:00")


def test_override_precedence():
    cal = with_overrides(
        BACK_OFFICE,
        holidays=[date(2026, 10, 10), date(2026, 10, 12)],
        makeup_days=[MakeupDay(date(2026, 10, 5)), MakeupDay(date(2026, 10, 12))],
    )
    assert not cal.is_working_day(date(2026, 10, 10))  # override holiday beats provider 调休
    assert cal.is_working_day(date(2026, 10, 5))  # override make-up beats provider holiday
    assert cal.is_working_day(date(2026, 10, 12))  # override make-up beats override holiday


def test_freeze_window_stops_the_clock_even_on_makeup_days():
    # JD-style Spring Festival metrics freeze: 除夕−5 (2026-02-11) → 初八 (2026-02-24).
    freeze = FreezeWindow(date(2026, 2, 11), date(2026, 2, 24), label="春节服务指标暂停")
    chat = with_overrides(DEFAULT_CALENDARS["chat"], freezes=[freeze])
    assert local(chat.add(sh(2026, 2, 10, 22, 30), minutes=60).at) == sh(2026, 2, 25, 8, 30)
    office = with_overrides(BACK_OFFICE, freezes=[freeze])
    assert office.day(date(2026, 2, 14)).kind is DayKind.FROZEN
    assert not office.is_working_day(date(2026, 2, 14))
    assert local(office.add(sh(2026, 2, 10, 9), days=1).at) == sh(2026, 2, 25, 9)
    with pytest.raises(ValueError):
        FreezeWindow(date(2026, 2, 24), date(2026, 2, 11))


def test_admin_entered_year_is_covered_in_strict_mode():
    # A hypothetical schedule typed in from the State Council notice before the package update.
    strict = replace(BACK_OFFICE, strict=True)
    cal = with_overrides(
        strict,
        holidays=[date(2027, 1, 1), date(2027, 1, 4)],
        makeup_days=[MakeupDay(date(2027, 1, 3))],
        covered_years=[2027],
    )
    due = cal.add(sh(2026, 12, 31, 9), days=3)
    assert local(due.at) == sh(2027, 1, 6, 9) and not due.provisional
    assert cal.is_working_day(date(2027, 1, 3))
    assert cal.uncovered_years(sh(2026, 1, 1), sh(2027, 12, 31)) == ()


def test_overrides_merge_workspace_and_team():
    workspace = Overrides(holidays=frozenset({date(2026, 6, 1)}), covered_years=frozenset({2027}))
    team = Overrides(
        makeup_days=(MakeupDay(date(2026, 6, 6), hours=parse_intervals("10:00-12:00")),),
        freezes=(FreezeWindow(date(2026, 11, 11), date(2026, 11, 11)),),
    )
    merged = workspace.merged(team)
    assert merged.holidays == {date(2026, 6, 1)} and merged.covered_years == {2027}
    assert [m.day for m in merged.makeup_days] == [date(2026, 6, 6)]
    assert len(merged.freezes) == 1


# -- presets, hours, time zones ------------------------------------------------------------


def test_chat_preset_runs_every_day_including_holidays():
    chat = BusinessCalendar(DEFAULT_CALENDARS["chat"])
    assert chat.is_working_day(date(2026, 10, 1))
    assert local(chat.add(sh(2026, 10, 1, 22, 30), minutes=60).at) == sh(2026, 10, 2, 8, 30)
    assert chat.business_time_between(sh(2026, 10, 3), sh(2026, 10, 4)) == timedelta(hours=15)
    # No holiday source is consulted, so no year is uncovered.
    assert not chat.add(sh(2027, 10, 1, 9), days=3).provisional


def test_split_shifts():
    spec = CalendarSpec(hours=week("09:00-12:00, 13:30-18:00"), strict=True)
    cal = BusinessCalendar(spec)
    assert local(cal.add(sh(2026, 6, 1, 11), hours=2).at) == sh(2026, 6, 1, 14, 30)
    assert local(cal.add(sh(2026, 6, 1, 12, 30)).at) == sh(2026, 6, 1, 13, 30)
    assert local(cal.add(sh(2026, 6, 1, 12, 30), days=1).at) == sh(2026, 6, 2, 13, 30)
    assert cal.business_time_between(sh(2026, 6, 1), sh(2026, 6, 2)) == timedelta(
        hours=7, minutes=30
    )
    # Friday 17:00 + 2h: one hour Friday, then Monday 09:00 + 1h.
    assert local(cal.add(sh(2026, 6, 5, 17), hours=2).at) == sh(2026, 6, 8, 10)


def test_end_of_day_24_00():
    assert parse_intervals("18:00-24:00") == ((time(18), time(0)),)
    cal = BusinessCalendar(CalendarSpec(hours=daily("00:00-24:00"), holidays_follow_provider=False))
    start = sh(2026, 9, 30, 17)
    assert cal.add(start, hours=48).at == start + timedelta(hours=48)
    assert cal.business_time_between(start, start + timedelta(days=10)) == timedelta(days=10)


def test_berlin_team_across_dst_switches():
    spec = CalendarSpec(
        hours=week("09:00-18:00"), timezone="Europe/Berlin", holidays_follow_provider=False
    )
    cal = BusinessCalendar(spec)

    def be(y: int, mo: int, d: int, h: int = 0) -> datetime:
        return datetime(y, mo, d, h, tzinfo=BERLIN)

    # Spring forward on Sunday 2026-03-29: Friday CET (UTC+1), Monday CEST (UTC+2).
    due = cal.add(be(2026, 3, 27, 17), hours=2)
    assert local(due.at, BERLIN) == be(2026, 3, 30, 10)
    assert due.at == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert cal.add(be(2026, 3, 27, 9), days=1).at == datetime(2026, 3, 30, 7, tzinfo=UTC)
    # Fall back on Sunday 2026-10-25.
    assert cal.add(be(2026, 10, 23, 9), days=1).at == datetime(2026, 10, 26, 8, tzinfo=UTC)

    around = BusinessCalendar(replace(spec, hours=daily("00:00-24:00")))
    assert around.business_time_between(be(2026, 3, 29), be(2026, 3, 30)) == timedelta(hours=23)
    assert around.business_time_between(be(2026, 10, 25), be(2026, 10, 26)) == timedelta(hours=25)
    assert local(around.add(be(2026, 3, 29), hours=24).at, BERLIN) == be(2026, 3, 30, 1)

    night = BusinessCalendar(replace(spec, hours=daily("01:00-04:00")))
    assert night.business_time_between(be(2026, 3, 29), be(2026, 3, 30)) == timedelta(hours=2)
    assert night.business_time_between(be(2026, 10, 25), be(2026, 10, 26)) == timedelta(hours=4)


def test_shanghai_has_no_dst():
    cal = BusinessCalendar(CalendarSpec(hours=daily("00:00-24:00"), holidays_follow_provider=False))
    for day in (date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1)):
        start = datetime.combine(day, time(0), tzinfo=SH)
        assert cal.business_time_between(start, start + timedelta(days=1)) == timedelta(hours=24)


# -- inverse property ----------------------------------------------------------------------

INSTANTS_2025_2026 = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(start=INSTANTS_2025_2026, minutes=st.integers(min_value=0, max_value=15 * 9 * 60))
def test_between_is_the_inverse_of_add(start, minutes):
    due = STRICT.add(start, minutes=minutes)
    assert due.at >= start
    assert STRICT.business_time_between(start, due.at) == timedelta(minutes=minutes)
    if STRICT.business_time_between(start, start + timedelta(seconds=1)):
        # Inside working time the clock starts at once.
        assert STRICT.add(start).at == start


# Split shifts whose edges sit inside the 2026 DST gap (03-29) and fold (10-25) in Berlin.
SPLIT_BERLIN = BusinessCalendar(
    CalendarSpec(
        hours=daily("01:30-02:30, 02:30-03:30, 08:00-12:00, 13:00-17:30, 22:00-24:00"),
        timezone="Europe/Berlin",
        holidays_follow_provider=False,
    )
)
AROUND_DST_SWITCHES = st.one_of(
    st.datetimes(datetime(2026, 3, 26), datetime(2026, 3, 30), timezones=st.just(UTC)),
    st.datetimes(datetime(2026, 10, 22), datetime(2026, 10, 26), timezones=st.just(UTC)),
    INSTANTS_2025_2026,
)


def test_dst_day_windows_do_not_overlap():
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        windows = SPLIT_BERLIN.day(day).windows
        assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:], strict=False))
    # Spring: 01:30–02:00 CET then 03:00–03:30 CEST is all that exists of 01:30–03:30.
    spring = SPLIT_BERLIN.day(date(2026, 3, 29)).windows
    assert sum((e - s for s, e in spring[:2]), timedelta()) == timedelta(hours=1)
    # Autumn: 01:30 CEST → 03:30 CET is three real hours.
    autumn = SPLIT_BERLIN.day(date(2026, 10, 25)).windows
    assert sum((e - s for s, e in autumn[:2]), timedelta()) == timedelta(hours=3)


@settings(max_examples=300, deadline=None)
@given(start=AROUND_DST_SWITCHES, seconds=st.integers(min_value=0, max_value=5 * 24 * 3600))
def test_between_is_the_inverse_of_add_across_dst(start, seconds):
    due = SPLIT_BERLIN.add(start, seconds=seconds)
    assert SPLIT_BERLIN.business_time_between(start, due.at) == timedelta(seconds=seconds)


# -- input checks, efficiency, coverage ----------------------------------------------------


def test_naive_datetimes_and_backward_amounts_are_refused():
    naive = datetime(2026, 9, 30, 9)
    with pytest.raises(ValueError):
        CAL.add(naive, hours=1)
    with pytest.raises(ValueError):
        CAL.business_time_between(naive, sh(2026, 10, 1))
    with pytest.raises(ValueError):
        CAL.add(sh(2026, 9, 30, 9), hours=-1)
    assert CAL.business_time_between(sh(2026, 10, 8, 10), sh(2026, 9, 30, 17)) == -timedelta(
        hours=2
    )


def test_invalid_specs_are_refused():
    with pytest.raises(ValueError):
        parse_intervals("09:00")
    with pytest.raises(ValueError):
        week("09:00-12:00, 11:00-18:00")
    with pytest.raises(ValueError):
        week("18:00-09:00")
    with pytest.raises(ValueError):
        CalendarSpec(timezone="Mars/Olympus")
    with pytest.raises(ValueError):
        CalendarSpec(hours=daily(""))
    with pytest.raises(ValueError):
        CalendarSpec(hours=daily("09:00-18:00")[:5])


def test_calendar_with_no_working_time_for_years_is_an_error():
    freeze = FreezeWindow(date(2026, 1, 1), date(2040, 12, 31))
    cal = with_overrides(DEFAULT_CALENDARS["chat"], freezes=[freeze])
    with pytest.raises(Invalid) as caught:
        cal.add(sh(2026, 1, 1), minutes=1)
    assert caught.value.code == "sla.calendar_no_working_time"


class CountingProvider(ChineseCalendarProvider):
    def __init__(self) -> None:
        self.calls = 0

    def day_type(self, day: date) -> DayType:
        self.calls += 1
        return super().day_type(day)


def test_large_additions_are_day_stepped_and_fast():
    provider = CountingProvider()
    cal = BusinessCalendar(BACK_OFFICE, provider)
    started = wallclock.perf_counter()
    due = cal.add(sh(2025, 1, 2, 9), days=400)
    by_minutes = cal.add(sh(2025, 1, 2, 9), minutes=400 * 9 * 60)
    elapsed = wallclock.perf_counter() - started
    expected = chinese_calendar.find_workday(400, date(2025, 1, 2))
    assert local(due.at) == datetime.combine(expected, time(9), tzinfo=SH)
    assert local(by_minutes.at).date() == chinese_calendar.find_workday(399, date(2025, 1, 2))
    assert provider.calls <= (expected - date(2025, 1, 2)).days + 1  # one look-up per day
    far = cal.add(sh(2025, 1, 2, 9), days=500)
    assert far.provisional and far.uncovered_years == (2027,)
    assert elapsed < 2.0  # generous: ~10 ms on a laptop


def test_provider_covers_only_published_years():
    provider = ChineseCalendarProvider()
    assert provider.covers(2025) and provider.covers(2026)
    assert not provider.covers(2027)
    assert provider.day_type(date(2026, 10, 10)) is DayType.MAKEUP_WORKDAY
    assert provider.day_type(date(2026, 10, 1)) is DayType.HOLIDAY
    assert provider.day_type(date(2026, 10, 12)) is DayType.ORDINARY
    assert provider.is_workday(date(2026, 2, 14)) and provider.is_holiday(date(2026, 2, 15))
    assert provider.source.startswith("chinesecalendar ")


def test_coverage_warning_names_uncovered_years():
    assert coverage_warning(date(2025, 6, 1)) is None
    warning = coverage_warning(date(2026, 6, 1))
    assert warning is not None and warning.years == (2027,)
    assert "2027" in warning.message("zh") and "2027" in warning.message("en")
    assert coverage_warning(date(2026, 6, 1), covered_years=[2027]) is None
    later = coverage_warning(date(2027, 1, 2))
    assert later is not None and later.years == (2027, 2028)


@pytest.mark.parametrize(
    "span", [{"days": 99_999_999}, {"hours": 1e11}, {"minutes": 3661 * 24 * 60}]
)
def test_a_span_past_ten_years_is_refused_at_once(span):
    started = wallclock.monotonic()
    with pytest.raises(Invalid) as refused:
        CAL.add(sh(2026, 9, 29, 10), **span)
    assert refused.value.code == "sla.span_too_long" and refused.value.status == 422
    assert wallclock.monotonic() - started < 1
