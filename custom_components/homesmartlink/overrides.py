"""Overrides as people ask for them, planned as room changes for the write path.

"+2 °C for 3 hours", "21 °C until Sunday 18:00", "back to the schedule": each becomes a list of
`RoomChange` (room, window, delta) that `write_path.async_send_changes` sends as the fewest
requests. A temperature becomes one delta per period of the schedule, from the setpoint the
heater follows in that period (seen now, or learned: `learned.py`). Anything that cannot be
carried raises `DerogationPlanError` naming the heater and period, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.util import dt as dt_util

from .api import Device, DeviceMode
from .const import CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION
from .coordinator import HomeSmartlinkHome
from .derogation import (
    MAX_SPAN,
    STEP_MINUTES,
    DerogationPlanError,
    PlanProblem,
    Room,
    Window,
    check_delta,
    delta_for_setpoint,
    window_from_span,
)
from .learned import Period, period_at
from .setpoint import scheduled_setpoint
from .store import PlacedDerogation
from .write_path import RoomChange

type Heater = tuple[HomeSmartlinkHome, Device]

_UNKNOWN = {Period.COMFORT: PlanProblem.COMFORT_UNKNOWN, Period.ECO: PlanProblem.ECO_UNKNOWN}


@dataclass(frozen=True, slots=True)
class EndRule:
    """When an override ends: after a duration, at a moment, or at the schedule's next change.

    With none of them, it lasts the account's default duration (the options).
    """

    duration: timedelta | None = None
    until: datetime | None = None
    next_change: bool = False


def heater_label(device: Device) -> str:
    """How an error names a heater: its room and its id."""
    room = device.room_name or (str(device.room_id) if device.room_id is not None else "?")
    return f"{room} ({device.id})"


def _moment(value: datetime) -> str:
    return dt_util.as_local(value).strftime("%Y-%m-%d %H:%M")


def span_end(heater: Heater, rule: EndRule, start: datetime) -> datetime:
    """The end of an override of a heater starting at `start`, checked against the API's limits."""
    home, device = heater
    if rule.next_change:
        schedule = device.week_schedule
        change = (
            schedule.next_change(start)
            if schedule is not None and device.mode is DeviceMode.PROG
            else None
        )
        if change is None:
            raise DerogationPlanError(PlanProblem.NO_NEXT_CHANGE, heater=heater_label(device))
        end = change
    elif rule.until is not None:
        end = rule.until
    else:
        default = home.entry.options.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION)
        end = start + (rule.duration or timedelta(minutes=int(default)))
    if end <= max(start, dt_util.now()):
        raise DerogationPlanError(PlanProblem.END_IN_PAST, end=_moment(end))
    if end - start > MAX_SPAN:
        raise DerogationPlanError(PlanProblem.SPAN_TOO_LONG, days=str(MAX_SPAN.days))
    return end


def _room(heater: Heater) -> Room:
    home, device = heater
    if device.room_id is None:
        raise DerogationPlanError(PlanProblem.HEATER_UNAVAILABLE, heater=heater_label(device))
    if device.mode is DeviceMode.STOP:
        raise DerogationPlanError(PlanProblem.HEATER_STOPPED, heater=heater_label(device))
    return Room(home.home_id, device.room_id)


def _merge(changes: list[RoomChange], heater: Heater) -> list[RoomChange]:
    """The changes with one heater's added; two heaters of a room must want the same there."""
    held = {(c.room, c.window): c.delta for c in changes}
    for change in changes:
        if held.setdefault((change.room, change.window), change.delta) != change.delta:
            raise DerogationPlanError(PlanProblem.ROOM_CONFLICT, heater=heater_label(heater[1]))
    return list({(c.room, c.window): c for c in changes}.values())


def delta_changes(
    heaters: Sequence[Heater], delta: float, rule: EndRule, start: datetime
) -> list[RoomChange]:
    """A shift of every targeted room from `start` until the rule's end."""
    value = check_delta(delta)
    changes: list[RoomChange] = []
    for heater in heaters:
        room = _room(heater)
        windows = window_from_span(start, span_end(heater, rule, start))
        changes.extend(RoomChange(heater[0], room, window, value) for window in windows)
        changes = _merge(changes, heater)
    return changes


def periods(device: Device, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at the heater's schedule changes (one piece when it has none)."""
    pieces: list[tuple[datetime, datetime]] = []
    schedule = device.week_schedule if device.mode is DeviceMode.PROG else None
    while start < end:
        change = schedule.next_change(start) if schedule is not None else None
        stop = end if change is None or change > end else change
        pieces.append((start, stop))
        start = stop
    return pieces


def _period_base(heater: Heater, first: datetime, last: datetime, now: datetime) -> float:
    """The setpoint the heater follows without us over a period: seen now, or learned."""
    home, device = heater
    kind = period_at(device, first)
    if first <= now < last or kind is None:
        base = scheduled_setpoint(home, device, now)
    else:
        base = home.setpoints.get(device.id, kind)
    if base is None:
        raise DerogationPlanError(
            _UNKNOWN[kind] if kind is not None else PlanProblem.HEATER_UNAVAILABLE,
            heater=heater_label(device),
            start=_moment(first),
            end=_moment(last),
        )
    return base


def temperature_changes(
    heaters: Sequence[Heater], temperature: float, rule: EndRule, start: datetime
) -> list[RoomChange]:
    """Each period of each heater gets the delta that reaches `temperature` from its setpoint."""
    now = dt_util.now()
    changes: list[RoomChange] = []
    for heater in heaters:
        room = _room(heater)
        device = heater[1]
        if not device.online or device.setpoint is None:
            raise DerogationPlanError(PlanProblem.HEATER_UNAVAILABLE, heater=heater_label(device))
        for first, last in periods(device, start, span_end(heater, rule, start)):
            base = _period_base(heater, first, last, now)
            try:
                delta = delta_for_setpoint(temperature, base)
            except DerogationPlanError as err:
                raise DerogationPlanError(
                    PlanProblem.PERIOD_OUT_OF_REACH,
                    heater=heater_label(device),
                    start=_moment(first),
                    end=_moment(last),
                    **err.details,
                ) from err
            changes.extend(
                RoomChange(heater[0], room, window, delta, base)
                for window in window_from_span(first, last)
            )
        changes = _merge(changes, heater)
    return changes


def _rest(piece: PlacedDerogation, now: datetime) -> Window | None:
    """What is still to come of one of our changes, on the 5-minute grid; None if over."""
    first, last = piece.bounds()
    if last <= now:
        return None
    start = piece.start
    if first < now:
        minutes = dt_util.as_local(now).hour * 60 + dt_util.as_local(now).minute
        start = max(piece.start, minutes // STEP_MINUTES * STEP_MINUTES)
    return Window(piece.day, start, piece.end)


def resume_changes(heaters: Sequence[Heater], now: datetime) -> list[RoomChange]:
    """0 °C shifts that end our change in force in each room, and the rest of its override.

    Rooms with no change of ours in force get nothing.
    """
    changes: dict[tuple[Room, Window], RoomChange] = {}
    for home, device in heaters:
        active = home.derogations.active(device.room_id, now)
        if active is None or device.room_id is None:
            continue
        room = Room(home.home_id, device.room_id)
        for piece in home.derogations.pieces(device.room_id):
            if piece != active and (active.batch is None or piece.batch != active.batch):
                continue
            if (window := _rest(piece, now)) is not None:
                changes[(room, window)] = RoomChange(home, room, window, 0)
    return list(changes.values())


def cancel_changes(
    home: HomeSmartlinkHome, piece: PlacedDerogation, now: datetime
) -> list[RoomChange]:
    """A 0 °C shift over what is still to come of one of our changes."""
    window = _rest(piece, now)
    if window is None:
        return []
    room = Room(home.home_id, piece.room_id)
    return [RoomChange(home, room, window, 0)]
