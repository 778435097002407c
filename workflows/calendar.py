"""Business calendars and SLA clocks: the one mechanism behind every timer a person is held to.

An SLA is a duration in business time (only the organization's working hours count) or in wall-clock
time. `due_instant` turns "this much SLA from that instant" into the instant it runs out, and
`elapsed` measures how much SLA lies between two instants; everything else (reminders, warnings,
breaches, pausing while waiting on the client) is built on those two pure functions.

Determinism: workflows call these functions on every replay, so they read nothing but their
arguments and the time-zone database. Public holidays come from the `holidays` package, whose tables
change between releases; they are therefore expanded into explicit dates when the policy is saved
(`public_holidays`, called by the GovernanceService, never by a workflow) and stored with it, so a
process keeps the holidays it started with even after a library upgrade.

Working hours are one span per working day in the calendar's time zone (day_start < day_end, no
overnight shifts). Local times that a DST change skips or repeats resolve as zoneinfo does with
fold=0, so a span that contains the change is one hour shorter or longer in real time, as it is for
the people working it.

Workers pass this module through the workflow sandbox (workflows.worker.SANDBOX): inside the sandbox
`zoneinfo.ZoneInfo` is a proxy that datetime refuses as a tzinfo.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
# A calendar whose next working minute is further away than this is refused by `validate` (e.g. every
# day a holiday), so the search below always ends.
MAX_SEARCH_DAYS = 3 * 366
MAX_HOLIDAYS = 2000
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass
class BusinessCalendar:
    time_zone: str = "UTC"  # IANA name, e.g. "Europe/Berlin"
    working_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    day_start_min: int = 9 * 60  # minutes after local midnight
    day_end_min: int = 17 * 60  # exclusive; 1440 = midnight at the end of the day
    holidays: list[str] = field(default_factory=list)  # ISO dates the organization names itself
    holiday_country: str = ""  # ISO 3166-1 alpha-2; "" for none
    holiday_subdivision: str = ""  # e.g. "BY" for Bavaria
    public_holidays: list[str] = field(default_factory=list)  # expanded from the country when saved

    def days_off(self) -> frozenset[str]:
        return frozenset(self.holidays) | frozenset(self.public_holidays)


@dataclass
class Sla:
    """How long a person has: a duration, counted in business or wall-clock time."""

    duration_s: float
    business: bool = False


# --- the two functions ----------------------------------------------------------------------------


def due_instant(cal: BusinessCalendar, start: datetime, seconds: float, business: bool) -> datetime:
    """The instant `seconds` of SLA after `start` run out (start itself for zero or less).

    In business time the SLA ends inside working hours (or exactly at the end of a working span);
    a start outside working hours begins counting at the next working minute.
    """
    if not business or seconds <= 0:
        return start + timedelta(seconds=max(seconds, 0))
    remaining = timedelta(seconds=seconds)
    for a, b in _spans(cal, start):
        if remaining <= b - a:
            return a + remaining
        remaining -= b - a
    raise AssertionError("unreachable: _spans ends only by raising")


def elapsed(cal: BusinessCalendar, start: datetime, end: datetime, business: bool) -> float:
    """Seconds of SLA between two instants (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if not business:
        return (end - start).total_seconds()
    total = timedelta()
    for a, b in _spans(cal, start):
        if a >= end:
            break
        total += min(b, end) - a
    return total.total_seconds()


def is_working_day(cal: BusinessCalendar, day: date, days_off: frozenset[str] | None = None) -> bool:
    off = cal.days_off() if days_off is None else days_off
    return day.weekday() in cal.working_days and day.isoformat() not in off


def _spans(cal: BusinessCalendar, start: datetime):
    """Working spans [a, b) in UTC from `start` on, in order; the first is cut at `start`.

    Endless for a usable calendar (`validate` refuses one with a break longer than MAX_SEARCH_DAYS).
    """
    tz = ZoneInfo(cal.time_zone)
    off = cal.days_off()
    day = start.astimezone(tz).date() - timedelta(days=1)  # a span of the day before may still be running
    idle = 0
    while idle <= MAX_SEARCH_DAYS:
        idle += 1
        if is_working_day(cal, day, off):
            a, b = _local(day, cal.day_start_min, tz), _local(day, cal.day_end_min, tz)
            if b > start and b > a:
                idle = 0
                yield max(a, start), b
        day += timedelta(days=1)
    raise ValueError(f"no working time within {MAX_SEARCH_DAYS} days after {start.isoformat()}")


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of `minutes` after local midnight of `day` (24:00 is the next midnight)."""
    extra, minutes = divmod(minutes, MINUTES_PER_DAY)
    local = datetime.combine(day + timedelta(days=extra), time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(ZoneInfo("UTC"))


def local_date(cal: BusinessCalendar, instant: datetime) -> date:
    """The calendar's date at `instant` (its time zone's, not UTC's)."""
    return instant.astimezone(ZoneInfo(cal.time_zone)).date()


def previous_month(cal: BusinessCalendar, instant: datetime) -> tuple[date, date]:
    """The first and last day of the calendar month before the one `instant` falls in, in the calendar's
    time zone (a billing cycle at 06:00 on 1 March in Berlin closes February, whatever the UTC date)."""
    first_of_this = local_date(cal, instant).replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


# --- SLA clocks -----------------------------------------------------------------------------------


class SlaState:
    ON_TRACK = "ON_TRACK"
    WARNING = "WARNING"
    BREACHED = "BREACHED"
    PAUSED = "PAUSED"


@dataclass
class SlaClock:
    """One SLA a person is held to, which can be paused (e.g. while waiting on the client).

    `used_s` is the SLA consumed before `running_since`; while paused `running_since` is None and the
    clock has no due instant. Warnings fire once `warn_percent` of the SLA is used (0: no warning).
    """

    sla: Sla
    running_since: datetime | None
    used_s: float = 0.0
    warn_percent: int = 0

    @property
    def paused(self) -> bool:
        return self.running_since is None

    def used(self, cal: BusinessCalendar, now: datetime) -> float:
        if self.running_since is None:
            return self.used_s
        return self.used_s + elapsed(cal, self.running_since, now, self.sla.business)

    def instant_at(self, cal: BusinessCalendar, used_s: float) -> datetime | None:
        """When the clock will have used `used_s` (None while paused)."""
        if self.running_since is None:
            return None
        return due_instant(cal, self.running_since, used_s - self.used_s, self.sla.business)

    def due(self, cal: BusinessCalendar) -> datetime | None:
        return self.instant_at(cal, self.sla.duration_s)

    def warning(self, cal: BusinessCalendar) -> datetime | None:
        if not 0 < self.warn_percent < 100:
            return None
        return self.instant_at(cal, self.sla.duration_s * self.warn_percent / 100)

    def pause(self, cal: BusinessCalendar, now: datetime) -> None:
        if self.running_since is not None:
            self.used_s = self.used(cal, now)
            self.running_since = None

    def resume(self, now: datetime) -> None:
        if self.running_since is None:
            self.running_since = now

    def state(self, cal: BusinessCalendar, now: datetime) -> str:
        used = self.used(cal, now)
        if used >= self.sla.duration_s:
            return SlaState.BREACHED
        if self.paused:
            return SlaState.PAUSED
        if 0 < self.warn_percent < 100 and used >= self.sla.duration_s * self.warn_percent / 100:
            return SlaState.WARNING
        return SlaState.ON_TRACK


# --- policy time (service side) --------------------------------------------------------------------


def public_holidays(country: str, subdivision: str, years: range) -> list[str]:
    """A country's public holidays for `years`, as ISO dates, from the `holidays` package.

    Raises ValueError naming what is unknown. Called when a policy is saved, never in a workflow.
    """
    import holidays  # the service's dependency only: workflows see the expanded dates

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"holiday_country: no public holidays are known for {country!r} (ISO 3166-1 alpha-2)")
    if subdivision and subdivision not in supported[country]:
        raise ValueError(f"holiday_subdivision: {country} has no subdivision {subdivision!r}; known: "
                         + ", ".join(supported[country]))
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=years)
    return sorted(d.isoformat() for d in table)


def validate(cal: BusinessCalendar) -> list[tuple[str, str]]:
    """Field violations (path, reason) under `calendar.`; empty when the calendar is usable."""
    out: list[tuple[str, str]] = []
    try:
        ZoneInfo(cal.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        out.append(("calendar.time_zone", f"{cal.time_zone!r} is not an IANA time zone (e.g. Europe/Berlin)"))
    if not cal.working_days:
        out.append(("calendar.working_days", "name at least one working day"))
    if any(d not in range(7) for d in cal.working_days) or len(set(cal.working_days)) != len(cal.working_days):
        out.append(("calendar.working_days", "each day once, Monday to Sunday"))
    if not 0 <= cal.day_start_min < cal.day_end_min <= MINUTES_PER_DAY:
        out.append(("calendar.day_end", "working hours must start before they end, within one day"))
    if len(cal.holidays) > MAX_HOLIDAYS:
        out.append(("calendar.holidays", f"at most {MAX_HOLIDAYS} dates"))
    for i, text in enumerate(cal.holidays):
        try:
            date.fromisoformat(text)
        except ValueError:
            out.append((f"calendar.holidays[{i}]", "must be a date"))
    if not out and _longest_break(cal) > MAX_SEARCH_DAYS - 14:
        out.append(("calendar.holidays", f"leave no working day for more than {MAX_SEARCH_DAYS - 14} days"))
    return out


def _longest_break(cal: BusinessCalendar) -> int:
    """Days in the longest run of holidays uninterrupted by a working day (weekends around it aside)."""
    off = cal.days_off()
    longest, run_start, prev = 0, None, None
    for day in sorted(date.fromisoformat(d) for d in off):
        gap = range(1, (day - prev).days) if prev else range(0)
        if prev is None or len(gap) >= 7 or any(is_working_day(cal, prev + timedelta(days=k), off) for k in gap):
            run_start = day
        longest = max(longest, (day - run_start).days + 1)
        prev = day
    return longest
