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
from datetime import datetime, timedelta, tzinfo

from homeassistant.util import dt as dt_util

from ..api import Device, DeviceMode
from ..const import CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION
from ..coordinator import HomeSmartlinkHome
from .learned import Period, period_at
from .ledger import LedgerRecord, layered, without_ended
from .plan import (
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
from .policy import scheduled_setpoint
from .send import RoomChange
from .timeline import as_instant, local, real_span

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


def _moment(value: datetime, zone: tzinfo) -> str:
    return local(value, zone).strftime("%Y-%m-%d %H:%M")


def span_end(heater: Heater, rule: EndRule, start: datetime) -> datetime:
    """The end of an override of a heater starting at `start`, checked against the API's limits."""
    home, device = heater
    if rule.next_change:
        schedule = device.week_schedule
        change = (
            schedule.next_change(local(start, home.zone))
            if schedule is not None and device.mode is DeviceMode.PROG
            else None
        )
        if change is None:
            raise DerogationPlanError(PlanProblem.NO_NEXT_CHANGE, heater=heater_label(device))
        end = change
    elif rule.until is not None:
        end = as_instant(rule.until, home.zone)
    else:
        default = home.entry.options.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION)
        end = real_span(start, rule.duration or timedelta(minutes=int(default)))
    now = dt_util.utcnow()
    if end <= max(start, now):
        raise DerogationPlanError(PlanProblem.END_IN_PAST, end=_moment(end, home.zone))
    # Nothing ends more than 14 days after it is asked (what a lost record may hold is bounded).
    if end - min(start, now) > MAX_SPAN:
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
        windows = window_from_span(start, span_end(heater, rule, start), heater[0].zone)
        changes.extend(RoomChange(heater[0], room, window, value) for window in windows)
        changes = _merge(changes, heater)
    return changes


def periods(
    device: Device, start: datetime, end: datetime, zone: tzinfo
) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at the heater's schedule changes (one piece when it has none)."""
    pieces: list[tuple[datetime, datetime]] = []
    schedule = device.week_schedule if device.mode is DeviceMode.PROG else None
    while start < end:
        change = schedule.next_change(local(start, zone)) if schedule is not None else None
        stop = end if change is None or change > end else change
        pieces.append((start, stop))
        start = stop
    return pieces


def _period_base(heater: Heater, first: datetime, last: datetime, now: datetime) -> float:
    """The setpoint the heater follows without us over a period: seen now, or learned."""
    home, device = heater
    kind = period_at(device, first, home.zone)
    if first <= now < last or kind is None:
        base = scheduled_setpoint(home, device, now)
    else:
        base = home.setpoints.get(device.id, kind)
    if base is None:
        raise DerogationPlanError(
            _UNKNOWN[kind] if kind is not None else PlanProblem.HEATER_UNAVAILABLE,
            heater=heater_label(device),
            start=_moment(first, home.zone),
            end=_moment(last, home.zone),
        )
    return base


def temperature_changes(
    heaters: Sequence[Heater], temperature: float, rule: EndRule, start: datetime
) -> list[RoomChange]:
    """Each period of each heater gets the delta that reaches `temperature` from its setpoint."""
    now = dt_util.utcnow()
    changes: list[RoomChange] = []
    for heater in heaters:
        room = _room(heater)
        home, device = heater
        if not device.online or device.setpoint is None:
            raise DerogationPlanError(PlanProblem.HEATER_UNAVAILABLE, heater=heater_label(device))
        for first, last in periods(device, start, span_end(heater, rule, start), home.zone):
            base = _period_base(heater, first, last, now)
            try:
                delta = delta_for_setpoint(temperature, base)
            except DerogationPlanError as err:
                raise DerogationPlanError(
                    PlanProblem.PERIOD_OUT_OF_REACH,
                    heater=heater_label(device),
                    start=_moment(first, home.zone),
                    end=_moment(last, home.zone),
                    **err.details,
                ) from err
            changes.extend(
                RoomChange(heater[0], room, window, delta, base)
                for window in window_from_span(first, last, home.zone)
            )
        changes = _merge(changes, heater)
    return changes


def _rest(piece: LedgerRecord, now: datetime) -> Window | None:
    """What is still to come of one of our changes, on the 5-minute grid; None if over."""
    first, last = piece.bounds()
    if last <= now:
        return None
    start = piece.start
    if first < now:
        clock = local(now, piece.zone)
        minutes = clock.hour * 60 + clock.minute if clock.date() == piece.day else 0
        start = max(piece.start, minutes // STEP_MINUTES * STEP_MINUTES)
    return Window(piece.day, start, piece.end)


def _beneath(rest: Window, under: list[LedgerRecord]) -> list[tuple[Window, LedgerRecord | None]]:
    """`rest` cut into what each change of ours beneath it holds (None: nothing, the schedule)."""
    pieces = sorted(
        (p for p in under if p.day == rest.day and p.start < rest.end and rest.start < p.end),
        key=lambda p: p.start,
    )
    parts: list[tuple[Window, LedgerRecord | None]] = []
    cursor = rest.start
    for piece in pieces:
        first, last = max(piece.start, rest.start), min(piece.end, rest.end)
        if cursor < first:
            parts.append((Window(rest.day, cursor, first), None))
        parts.append((Window(rest.day, first, last), piece))
        cursor = last
    if cursor < rest.end:
        parts.append((Window(rest.day, cursor, rest.end), None))
    return parts


CAMPAIGN = "campaign"


def _campaign(record: LedgerRecord) -> bool:
    return record.source == CAMPAIGN


def end_changes(
    home: HomeSmartlinkHome, room_id: int, ending: list[LedgerRecord], now: datetime
) -> list[RoomChange]:
    """End changes of ours in a room from now, giving back what each had covered.

    The cloud keeps the latest derogation of a room: ending ours means sending what should hold
    instead. A campaign and a household's overrides are two layers: ending one gives back the
    other beneath it (same delta; its call, preset and source carry on), else 0 °C. Within a
    layer a later change supersedes an earlier one (boost then eco then back to the schedule is
    the schedule), so nothing of the same layer is given back.
    """
    room = Room(home.home_id, room_id)
    batches = {piece.batch for piece in ending if piece.batch is not None}
    # A record of no call (an older release's) is recognised by when it was asked.
    loose = {(p.day, p.placed_at) for p in ending if p.batch is None}
    layer = {_campaign(piece) for piece in ending}
    under = layered(
        record
        for record in without_ended(home.derogations.records(room_id))
        if record.batch not in batches
        and (record.batch is not None or (record.day, record.placed_at) not in loose)
        and _campaign(record) not in layer
    )
    changes: list[RoomChange] = []
    for piece in ending:
        if (rest := _rest(piece, now)) is None:
            continue
        for window, kept in _beneath(rest, under):
            delta = kept.delta if kept is not None else 0
            changes.append(RoomChange(home, room, window, delta, restores=kept, ends=piece.batch))
    return changes


def _ending(home: HomeSmartlinkHome, room_id: int, active: LedgerRecord) -> list[LedgerRecord]:
    """The pieces of the call in force (or that piece alone, for a record of no call)."""
    if active.batch is None:
        return [active]
    return [p for p in home.derogations.pieces(room_id) if p.batch == active.batch]


def resume_changes(heaters: Sequence[Heater], now: datetime) -> list[RoomChange]:
    """End our change in force in each room, and the rest of its call (`end_changes`).

    Rooms with no change of ours in force get nothing.
    """
    changes: dict[tuple[Room, Window], RoomChange] = {}
    for home, device in heaters:
        if device.room_id is None:
            continue
        active = home.derogations.active(device.room_id, now)
        if active is None or not active.delta:
            continue  # nothing of ours, or its end already asked (unconfirmed): not sent again
        for change in end_changes(home, device.room_id, _ending(home, device.room_id, active), now):
            changes[(change.room, change.window)] = change
    return list(changes.values())


def cancel_changes(home: HomeSmartlinkHome, piece: LedgerRecord, now: datetime) -> list[RoomChange]:
    """End what is still to come of one of our changes (`end_changes`)."""
    return end_changes(home, piece.room_id, [piece], now)


def batch_end_changes(
    home: HomeSmartlinkHome, room_id: int, batch: str, now: datetime
) -> list[RoomChange]:
    """End what is still to come of one call in a room (a campaign's, for one)."""
    ending = [p for p in home.derogations.pieces(room_id) if p.batch == batch]
    return end_changes(home, room_id, ending, now)
