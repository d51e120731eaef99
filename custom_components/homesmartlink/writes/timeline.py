"""Instants and the homes' wall clock: where a moment becomes a window, and back.

The cloud reads a derogation's `date`, `startTime` and `endTime` as the home's local wall clock
(its gateway applies them as its clock reads them). Everything we receive is an instant; durations
are counted in real time (UTC arithmetic), and an instant becomes a wall-clock time only here, in
the homes' time zone (an option of the account, default Home Assistant's).

Daylight-saving nights, our rules (what is shown is what the gateway will do):
- a wall time that does not exist (the spring-forward gap) means the next valid time, the end of
  the gap: the clock jumps there;
- a wall time that happens twice (the fall-back hour) means its first occurrence: the gateway acts
  the first time its clock reads it. An end given in the second pass therefore comes an hour early,
  and the window's real bounds (`wall_instant`) say so.
No Home Assistant import: the zone is passed in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60


def zone_named(name: object, fallback: tzinfo) -> tzinfo:
    """The time zone of that IANA name; the fallback for no name or an unknown one."""
    if not isinstance(name, str) or not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def is_zone(name: str) -> bool:
    """Whether the name is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def wall_instant(day: date, minutes: int, zone: tzinfo) -> datetime:
    """The instant (UTC) at which the homes' clock first reads `minutes` past midnight of `day`.

    A time in the spring-forward gap is the end of the gap; a repeated time its first occurrence.
    `minutes` may be 1440 (the next midnight).
    """
    naive = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In the gap: the first instant whose wall clock is at or past the asked time. fold=1 reads
    # the time with the offset after the change, which lands before the gap's end.
    moment = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while moment.astimezone(zone).replace(tzinfo=None) < naive:
        moment += timedelta(minutes=1)
    return moment


def as_instant(value: datetime, zone: tzinfo) -> datetime:
    """An instant (UTC) for what a user gave: aware as it is, naive read on the homes' clock."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    minutes = value.hour * 60 + value.minute
    start = wall_instant(value.date(), minutes, zone)
    if start.astimezone(zone).replace(tzinfo=None) == value.replace(second=0, microsecond=0):
        return start + timedelta(seconds=value.second, microseconds=value.microsecond)
    return start  # a time in the gap moves to its end, seconds and all


def local(moment: datetime, zone: tzinfo) -> datetime:
    """The moment on the homes' clock (aware, in their zone)."""
    return moment.astimezone(zone)


def real_span(start: datetime, duration: timedelta) -> datetime:
    """`duration` of real time after `start` (never wall-clock arithmetic)."""
    return start.astimezone(UTC) + duration
