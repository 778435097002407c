"""Business calendars and SLA clocks (workflows/calendar.py): worked examples and properties."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar import (
    BusinessCalendar,
    Sla,
    SlaClock,
    SlaState,
    due_instant,
    elapsed,
    public_holidays,
    validate,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


OFFICE = BusinessCalendar(time_zone="Europe/Berlin")  # Monday to Friday, 09:00 to 17:00


def test_a_working_day_of_sla_ends_at_close_of_business():
    assert due_instant(OFFICE, berlin(2026, 12, 7, 9), 8 * HOUR, True) == berlin(2026, 12, 7, 17)


def test_business_time_skips_the_weekend():
    # Friday 16:00 + 2 business hours: one hour on Friday, one on Monday.
    assert due_instant(OFFICE, berlin(2026, 12, 4, 16), 2 * HOUR, True) == berlin(2026, 12, 7, 10)


def test_a_start_outside_working_hours_counts_from_the_next_working_minute():
    assert due_instant(OFFICE, berlin(2026, 12, 5, 12), HOUR, True) == berlin(2026, 12, 7, 10)
    assert due_instant(OFFICE, berlin(2026, 12, 7, 20), HOUR, True) == berlin(2026, 12, 8, 10)


def test_named_holidays_are_not_working_days():
    cal = BusinessCalendar(time_zone="Europe/Berlin", holidays=["2026-12-07"])
    assert due_instant(cal, berlin(2026, 12, 4, 16), 2 * HOUR, True) == berlin(2026, 12, 8, 10)


def test_public_holidays_of_a_country_come_from_the_holidays_package():
    days = public_holidays("DE", "", range(2026, 2027))
    assert {"2026-12-25", "2026-12-26", "2026-10-03"} <= set(days)
    bavaria = public_holidays("DE", "BY", range(2026, 2027))
    assert "2026-01-06" in bavaria and "2026-01-06" not in days  # Epiphany is regional
    cal = BusinessCalendar(time_zone="Europe/Berlin", public_holidays=days)
    # Thursday 24 December 16:00 + 2 h: 25th and 26th are holidays, 27th is a Sunday.
    assert due_instant(cal, berlin(2026, 12, 24, 16), 2 * HOUR, True) == berlin(2026, 12, 28, 10)


def test_unknown_countries_and_subdivisions_are_refused_with_the_field():
    with pytest.raises(ValueError, match="holiday_country"):
        public_holidays("XX", "", range(2026, 2027))
    with pytest.raises(ValueError, match="holiday_subdivision"):
        public_holidays("DE", "ZZ", range(2026, 2027))


def test_working_hours_spanning_a_dst_change_count_real_time():
    # Europe/Berlin springs forward on Sunday 29 March 2026 at 02:00 -> 03:00: the span 00:00-06:00 lasts 5 hours.
    night = BusinessCalendar(time_zone="Europe/Berlin", working_days=list(range(7)), day_start_min=0,
                             day_end_min=6 * 60)
    assert elapsed(night, berlin(2026, 3, 29, 0), berlin(2026, 3, 29, 6), True) == 5 * HOUR
    # Saturday 05:00 + 3 h: one hour on Saturday, two real hours from Sunday 00:00 CET = 03:00 CEST.
    assert due_instant(night, berlin(2026, 3, 28, 5), 3 * HOUR, True) == berlin(2026, 3, 29, 3)
    # Falling back on 25 October 2026 (03:00 -> 02:00): the same span lasts 7 hours.
    assert elapsed(night, berlin(2026, 10, 25, 0), berlin(2026, 10, 25, 6), True) == 7 * HOUR


def test_office_hours_across_a_dst_weekend_stay_eight_hours_a_day():
    ny = BusinessCalendar(time_zone="America/New_York")
    friday = datetime(2026, 3, 6, 16, tzinfo=NEW_YORK)  # EST; clocks go forward on Sunday 8 March
    monday = datetime(2026, 3, 9, 10, tzinfo=NEW_YORK)  # EDT
    assert elapsed(ny, friday, monday, True) == 2 * HOUR
    assert due_instant(ny, friday, 2 * HOUR, True) == monday


def test_wall_clock_slas_ignore_the_calendar():
    start = berlin(2026, 12, 5, 12)  # a Saturday
    assert due_instant(OFFICE, start, 2 * HOUR, False) == start + timedelta(hours=2)
    assert elapsed(OFFICE, start, start + timedelta(hours=2), False) == 2 * HOUR
    assert due_instant(OFFICE, start, 0, True) == start


def test_a_paused_clock_has_no_due_time_and_resumes_where_it_stopped():
    clock = SlaClock(Sla(8 * HOUR, business=True), running_since=berlin(2026, 12, 7, 9), warn_percent=75)
    assert clock.due(OFFICE) == berlin(2026, 12, 7, 17)
    assert clock.warning(OFFICE) == berlin(2026, 12, 7, 15)
    clock.pause(OFFICE, berlin(2026, 12, 7, 13))  # waiting on the client after 4 hours
    assert clock.used_s == 4 * HOUR
    assert clock.due(OFFICE) is None and clock.warning(OFFICE) is None
    assert clock.state(OFFICE, berlin(2026, 12, 9, 8)) == SlaState.PAUSED
    clock.resume(berlin(2026, 12, 9, 9))
    assert clock.due(OFFICE) == berlin(2026, 12, 9, 13)
    assert clock.warning(OFFICE) == berlin(2026, 12, 9, 11)
    assert clock.state(OFFICE, berlin(2026, 12, 9, 10)) == SlaState.ON_TRACK
    assert clock.state(OFFICE, berlin(2026, 12, 9, 11)) == SlaState.WARNING
    assert clock.state(OFFICE, berlin(2026, 12, 9, 13)) == SlaState.BREACHED


def test_pausing_or_resuming_twice_changes_nothing():
    clock = SlaClock(Sla(HOUR), running_since=datetime(2026, 1, 1, tzinfo=UTC))
    clock.resume(datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    assert clock.running_since == datetime(2026, 1, 1, tzinfo=UTC)
    clock.pause(OFFICE, datetime(2026, 1, 1, 0, 20, tzinfo=UTC))
    clock.pause(OFFICE, datetime(2026, 1, 1, 0, 50, tzinfo=UTC))
    assert clock.used_s == 20 * 60


@pytest.mark.parametrize("cal, field", [
    (BusinessCalendar(time_zone="Mars/Olympus"), "calendar.time_zone"),
    (BusinessCalendar(working_days=[]), "calendar.working_days"),
    (BusinessCalendar(working_days=[0, 0]), "calendar.working_days"),
    (BusinessCalendar(working_days=[7]), "calendar.working_days"),
    (BusinessCalendar(day_start_min=17 * 60, day_end_min=9 * 60), "calendar.day_end"),
    (BusinessCalendar(day_end_min=25 * 60), "calendar.day_end"),
    (BusinessCalendar(holidays=["2026-02-30"]), "calendar.holidays[0]"),
    (BusinessCalendar(holidays=[(datetime(2026, 1, 1) + timedelta(days=i)).date().isoformat()
                                for i in range(1100)]), "calendar.holidays"),
])
def test_unusable_calendars_are_refused_with_the_field(cal, field):
    assert field in [path for path, _ in validate(cal)]


def test_the_default_calendar_is_usable():
    assert validate(BusinessCalendar()) == []


# --- properties -----------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]


@st.composite
def calendars(draw) -> BusinessCalendar:
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1)))
    start = draw(st.integers(0, 95)) * 15
    end = draw(st.integers(start // 15 + 1, 96)) * 15
    holidays = [(datetime(2026, 1, 1) + timedelta(days=d)).date().isoformat()
                for d in draw(st.sets(st.integers(0, 365), max_size=20))]
    return BusinessCalendar(time_zone=draw(st.sampled_from(ZONES)), working_days=days, day_start_min=start,
                            day_end_min=end, holidays=holidays)


instants = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC))
slas = st.integers(0, 20 * 24 * HOUR)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(calendars(), instants, slas, st.booleans())
def test_the_sla_between_start_and_due_is_the_sla_asked_for(cal, start, seconds, business):
    due = due_instant(cal, start, seconds, business)
    assert due >= start
    assert elapsed(cal, start, due, business) == pytest.approx(seconds, abs=1e-6)


@PROPERTY
@given(calendars(), instants, slas, slas)
def test_more_sla_never_ends_sooner_and_slas_add_up(cal, start, a, b):
    first = due_instant(cal, start, a, True)
    assert due_instant(cal, start, a + b, True) >= first
    assert due_instant(cal, first, b, True) == due_instant(cal, start, a + b, True)


@PROPERTY
@given(calendars(), instants, st.integers(60, 20 * 24 * HOUR))
def test_a_business_sla_runs_out_during_working_time(cal, start, seconds):
    due = due_instant(cal, start, seconds, True)
    assert elapsed(cal, due - timedelta(seconds=30), due, True) > 0


@PROPERTY
@given(calendars(), instants, slas, st.integers(0, 20 * 24 * HOUR))
def test_a_paused_clock_ends_later_by_exactly_the_pause(cal, start, seconds, pause_s):
    straight = due_instant(cal, start, seconds, True)
    clock = SlaClock(Sla(seconds, business=True), running_since=start)
    pause_at = start + timedelta(seconds=seconds // 2)
    clock.pause(cal, pause_at)
    resume_at = pause_at + timedelta(seconds=pause_s)
    clock.resume(resume_at)
    due = clock.due(cal)
    assert due >= straight
    assert elapsed(cal, start, pause_at, True) + elapsed(cal, resume_at, due, True) == pytest.approx(seconds, abs=1e-6)
