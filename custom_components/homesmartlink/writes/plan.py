"""Pure planning of derogations: (rooms, wanted setpoint or delta, window) -> batched requests.

A derogation shifts the setpoint of every heater of one room by an integer -5..+5 °C over
[start, end) minutes of one local date, in 5-minute steps. One request may carry many rooms, even
of several homes, and many dates, but all its items share one start and one end time. So the plan
is the smallest list of requests: one per distinct (start, end). A span past midnight becomes one
window per date, and the full days of a long span all travel in one request (00:00-24:00).

Nothing here imports Home Assistant: an error names its problem (`PlanProblem`) and its details,
and each edge says it in its own words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
import math

from ..api import Derogation
from .timeline import local, wall_instant

MIN_DELTA = -5
MAX_DELTA = 5
STEP_MINUTES = 5
MINUTES_PER_DAY = 24 * 60
# The longest change one call may place (a week away, with room to spare).
MAX_SPAN = timedelta(days=14)


class PlanProblem(StrEnum):
    """Why the API cannot carry a derogation."""

    DELTA_NOT_INTEGER = "delta_not_integer"
    DELTA_OUT_OF_RANGE = "delta_out_of_range"
    SETPOINT_OUT_OF_RANGE = "setpoint_out_of_range"
    TIME_NOT_ALIGNED = "time_not_aligned"
    END_NOT_AFTER_START = "end_not_after_start"
    NO_TARGET = "no_target"
    NO_WINDOW = "no_window"
    END_IN_PAST = "end_in_past"
    SPAN_TOO_LONG = "span_too_long"
    # A window whose every minute falls in the hour a spring-forward night skips.
    NOT_ON_CLOCK = "not_on_clock"
    # Overrides of a temperature, per heater and period (`overrides.py`).
    HEATER_UNAVAILABLE = "heater_unavailable"
    HEATER_STOPPED = "heater_stopped"
    NO_NEXT_CHANGE = "no_next_change"
    COMFORT_UNKNOWN = "comfort_unknown"
    ECO_UNKNOWN = "eco_unknown"
    ROOM_CONFLICT = "room_conflict"
    # Campaigns (`campaign.py`).
    CAMPAIGN_DELTA = "campaign_delta"
    START_IN_PAST = "start_in_past"
    NO_ELIGIBLE_ROOM = "no_eligible_room"
    PERIOD_OUT_OF_REACH = "period_out_of_reach"


class DerogationPlanError(ValueError):
    """A derogation the API cannot carry: its problem, and the details that explain it."""

    def __init__(self, problem: PlanProblem, **details: str) -> None:
        """Keep the problem and its details."""
        super().__init__(problem.value)
        self.problem = problem
        self.details = details


@dataclass(frozen=True, slots=True)
class Room:
    """One room of one home."""

    home_id: str
    room_id: int


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) minutes since local midnight of one date; end may be 1440 (midnight)."""

    day: date
    start: int
    end: int

    def label(self) -> str:
        """Human-readable form, e.g. 2026-11-23 10:00-12:00."""
        return f"{self.day.isoformat()} {clock(self.start)}-{clock(self.end)}"

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The real instants (UTC) the homes' gateway starts and ends it (`timeline` rules)."""
        return wall_instant(self.day, self.start, zone), wall_instant(self.day, self.end, zone)


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One call of the derogations endpoint: every item shares its start and end time."""

    windows: tuple[Window, ...]
    derogations: tuple[Derogation, ...] = field(default=())

    @property
    def rooms(self) -> int:
        """How many distinct rooms the request shifts."""
        return len({(item.home_id, item.room_id) for item in self.derogations})


def clock(minutes: int) -> str:
    """Minutes since midnight as HH:MM (1440 is 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_delta(delta: float) -> int:
    """The delta as the API's integer, or an error when it is not one in -5..+5."""
    if not math.isfinite(delta) or delta != int(delta):
        raise DerogationPlanError(PlanProblem.DELTA_NOT_INTEGER, delta=f"{delta:g}")
    value = int(delta)
    if not MIN_DELTA <= value <= MAX_DELTA:
        raise DerogationPlanError(PlanProblem.DELTA_OUT_OF_RANGE, delta=str(value))
    return value


def delta_for_setpoint(wanted: float, scheduled: float) -> int:
    """The integer delta that brings a scheduled setpoint nearest to the wanted one.

    Deltas are whole degrees: a half degree rounds away from zero (19.5 wanted over a 17 schedule
    gives +3). A wanted setpoint more than 5 °C away from the schedule cannot be reached.
    """
    difference = wanted - scheduled
    if not math.isfinite(difference):
        raise DerogationPlanError(
            PlanProblem.SETPOINT_OUT_OF_RANGE, wanted=f"{wanted:g}", minimum="?", maximum="?"
        )
    delta = int(math.copysign(math.floor(abs(difference) + 0.5), difference))
    if not MIN_DELTA <= delta <= MAX_DELTA:
        raise DerogationPlanError(
            PlanProblem.SETPOINT_OUT_OF_RANGE,
            wanted=f"{wanted:g}",
            minimum=f"{scheduled + MIN_DELTA:g}",
            maximum=f"{scheduled + MAX_DELTA:g}",
        )
    return delta


def window_from_times(day: date, start: time, end: time) -> list[Window]:
    """Windows for a start and end time of day on a date.

    Times must be on 5-minute steps. An end at or before the start means the window ends on the
    next day (22:00 → 06:00 is a night), and becomes two windows; equal times are an error.
    """
    for value in (start, end):
        if value.second or value.microsecond or value.minute % STEP_MINUTES:
            raise DerogationPlanError(PlanProblem.TIME_NOT_ALIGNED, time=value.strftime("%H:%M:%S"))
    first = start.hour * 60 + start.minute
    last = end.hour * 60 + end.minute
    if first == last:
        raise DerogationPlanError(
            PlanProblem.END_NOT_AFTER_START, start=clock(first), end=clock(last)
        )
    if last > first:
        return [Window(day, first, last)]
    windows = [Window(day, first, MINUTES_PER_DAY)]
    if last > 0:
        windows.append(Window(day + timedelta(days=1), 0, last))
    return windows


def window_from_span(start: datetime, end: datetime, zone: tzinfo) -> list[Window]:
    """Windows covering the real span [start, end) on the homes' clock, one per date.

    Both instants are read in the homes' zone; the start is floored and the end ceiled to the
    5-minute step, so the span is always covered. A span that the clock never shows (it ends in
    the first pass of the hour a fall-back night repeats) is refused.
    """
    if end <= start:
        raise DerogationPlanError(
            PlanProblem.END_NOT_AFTER_START, start=start.isoformat(), end=end.isoformat()
        )
    start, end = local(start, zone), local(end, zone)
    windows: list[Window] = []
    day = start.date()
    first = (start.hour * 60 + start.minute) // STEP_MINUTES * STEP_MINUTES
    while True:
        if end.date() > day:
            windows.append(Window(day, first, MINUTES_PER_DAY))
            day += timedelta(days=1)
            first = 0
            continue
        minutes = end.hour * 60 + end.minute + (1 if end.second or end.microsecond else 0)
        last = math.ceil(minutes / STEP_MINUTES) * STEP_MINUTES
        if last > first:
            windows.append(Window(day, first, last))
        if not windows:
            raise DerogationPlanError(
                PlanProblem.NOT_ON_CLOCK, start=start.isoformat(), end=end.isoformat()
            )
        return windows


def on_clock(window: Window, zone: tzinfo) -> Window:
    """A window asked in wall-clock times, as the homes' clock will run it.

    A start or end in the spring-forward gap moves to the gap's end; a window wholly inside the
    gap is refused (the clock never shows it).
    """
    first, last = window.bounds(zone)
    if last <= first:
        raise DerogationPlanError(
            PlanProblem.NOT_ON_CLOCK,
            start=f"{window.day.isoformat()} {clock(window.start)}",
            end=f"{window.day.isoformat()} {clock(window.end)}",
        )
    begin = local(first, zone)
    start = begin.hour * 60 + begin.minute if begin.date() == window.day else window.start
    return Window(window.day, start, window.end)


def check_window(window: Window) -> Window:
    """The window, or an error when the API cannot carry it (bounds, 5-minute steps)."""
    if not 0 <= window.start < window.end <= MINUTES_PER_DAY or any(
        value % STEP_MINUTES for value in (window.start, window.end)
    ):
        raise DerogationPlanError(
            PlanProblem.END_NOT_AFTER_START, start=clock(window.start), end=clock(window.end)
        )
    return window


def plan_changes(changes: Iterable[tuple[Room, Window, int]]) -> list[PlannedRequest]:
    """The fewest requests for (room, window, delta) items: one per distinct (start, end).

    An item naming a room and date twice keeps its last delta. Requests come in the order of
    their first window, so that what starts first is sent first.
    """
    groups: dict[tuple[int, int], dict[tuple[Room, date], int]] = {}
    for room, window, delta in changes:
        check_window(window)
        groups.setdefault((window.start, window.end), {})[(room, window.day)] = check_delta(delta)
    if not groups:
        raise DerogationPlanError(PlanProblem.NO_TARGET)
    requests = [
        PlannedRequest(
            tuple(sorted({Window(day, start, end) for (_, day) in items}, key=_window_key)),
            tuple(
                Derogation(
                    home_id=room.home_id,
                    room_id=room.room_id,
                    start_time=start,
                    end_time=end,
                    delta=delta,
                    date=day,
                )
                for (room, day), delta in items.items()
            ),
        )
        for (start, end), items in groups.items()
    ]
    return sorted(requests, key=lambda request: _window_key(request.windows[0]))


def _window_key(window: Window) -> tuple[date, int, int]:
    return window.day, window.start, window.end


def plan(
    shifts: Iterable[tuple[Room, int]],
    windows: Sequence[Window],
) -> list[PlannedRequest]:
    """The fewest requests: every (room, delta) over every window.

    A room named twice keeps its last delta.
    """
    deltas: dict[Room, int] = {}
    for room, delta in shifts:
        deltas[room] = check_delta(delta)
    if not deltas:
        raise DerogationPlanError(PlanProblem.NO_TARGET)
    if not windows:
        raise DerogationPlanError(PlanProblem.NO_WINDOW)
    return plan_changes(
        (room, window, delta) for window in windows for room, delta in deltas.items()
    )
