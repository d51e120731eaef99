"""What an OpenADR event asks of the account's homes, or why it cannot be carried (pure).

An event (as `openleadr` parses it: `event_descriptor`, `active_period`, `event_signals`,
`targets`) becomes a shed window on the 5-minute grid, one shift in °C and the homes it names:

- `LOAD_CONTROL` / `x-loadControlLevelOffset`: the payload is °C from the setpoint in force,
  rounded to a whole degree and clamped to ±5 (both said);
- `SIMPLE` levels (0 to 3) through the options' table (default 1 → -1, 2 → -2, 3 → -3); level 0 asks
  nothing;
- several intervals with different payloads: the strongest shift over the whole active period
  (a campaign has one shed), said;
- targets: a `resource_id` per home (its home id); none names the whole VEN.

Every adjustment is a *note* the VEN logs and shows with the campaign; what cannot be carried is
a *refusal* the VEN answers with an opt-out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

STEP = timedelta(minutes=5)
MAX_SHIFT = 5
DEFAULT_LEVELS: Mapping[int, int] = {1: -1, 2: -2, 3: -3}
CANCELLED = "cancelled"


class Refusal(StrEnum):
    """Why an event is opted out of (said in the log, the event entity and diagnostics)."""

    UNSUPPORTED_SIGNAL = "unsupported_signal"
    NOTHING_TO_SHIFT = "nothing_to_shift"
    IN_THE_PAST = "in_the_past"
    TOO_FAR = "too_far"
    UNKNOWN_RESOURCES = "unknown_resources"
    NO_PARTICIPATING_HOME = "no_participating_home"
    MALFORMED = "malformed"
    NOT_SENT = "not_sent"


class Note(StrEnum):
    """What was adjusted to carry an event."""

    ROUNDED_TO_GRID = "rounded_to_grid"
    SHIFT_ROUNDED = "shift_rounded"
    SHIFT_CLAMPED = "shift_clamped"
    STRONGEST_INTERVAL = "strongest_interval"
    STARTED_LATE = "started_late"
    UNKNOWN_RESOURCES_LEFT = "unknown_resources_left"


@dataclass(frozen=True, slots=True)
class EventPlan:
    """An event that can be carried: the window, the shift, the homes (ids), what was adjusted."""

    start: datetime
    end: datetime
    delta: int
    home_ids: tuple[str, ...]
    notes: tuple[Note, ...] = ()


class EventRefusedError(Exception):
    """The event cannot be carried: the VEN opts out with this reason."""

    def __init__(self, reason: Refusal) -> None:
        """Keep the reason."""
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EventId:
    """Which event, at which modification, in which status."""

    event_id: str
    modification: int
    status: str


def event_id(event: Mapping[str, Any]) -> EventId:
    """The descriptor's id, modification number and status (EventRefusedError when missing)."""
    try:
        descriptor = event["event_descriptor"]
        return EventId(
            str(descriptor["event_id"]),
            int(descriptor.get("modification_number") or 0),
            str(descriptor.get("event_status") or ""),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise EventRefusedError(Refusal.MALFORMED) from err


def plan_event(
    event: Mapping[str, Any],
    homes: Mapping[str, bool],
    now: datetime,
    levels: Mapping[int, int] = DEFAULT_LEVELS,
) -> EventPlan:
    """What the event asks (`homes`: home id -> takes part); EventRefusedError when it cannot be."""
    notes: list[Note] = []
    try:
        start, end = _window(event["active_period"], now, notes)
        delta = _shift(event["event_signals"], levels, notes)
        targets = event.get("targets") or []
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise EventRefusedError(Refusal.MALFORMED) from err
    return EventPlan(start, end, delta, _homes(targets, homes, notes), tuple(notes))


def _window(
    period: Mapping[str, Any], now: datetime, notes: list[Note]
) -> tuple[datetime, datetime]:
    """The active period on the 5-minute grid, from the current step at the earliest."""
    start = period["dtstart"].astimezone(UTC)
    end = start + period["duration"]
    if end <= now:
        raise EventRefusedError(Refusal.IN_THE_PAST)
    grid_start, grid_end = _nearest_step(start), _nearest_step(end)
    if (grid_start, grid_end) != (start, end):
        notes.append(Note.ROUNDED_TO_GRID)
    current = _floor_step(now)
    if grid_start < current:
        grid_start = current
        notes.append(Note.STARTED_LATE)
    if grid_end <= grid_start:
        grid_end = grid_start + STEP
    return grid_start, grid_end


def _shift(signals: Any, levels: Mapping[int, int], notes: list[Note]) -> int:
    """The one shift the campaign carries: the strongest interval of the first signal we read."""
    if isinstance(signals, Mapping):  # some VTNs nest them once more
        signals = signals["event_signals"]
    for signal in signals:
        shifts = _interval_shifts(signal, levels)
        if shifts is None:
            continue
        strongest = max(shifts, key=abs)
        if len(set(shifts)) > 1:
            notes.append(Note.STRONGEST_INTERVAL)
        return _whole_degrees(strongest, notes)
    raise EventRefusedError(Refusal.UNSUPPORTED_SIGNAL)


def _interval_shifts(signal: Mapping[str, Any], levels: Mapping[int, int]) -> list[float] | None:
    """Each interval's shift in °C, or None for a signal we do not read."""
    name = str(signal.get("signal_name", "")).upper()
    kind = str(signal.get("signal_type", ""))
    payloads = [float(interval["signal_payload"]) for interval in signal["intervals"]]
    if name == "LOAD_CONTROL" and kind == "x-loadControlLevelOffset":
        return payloads
    if name == "SIMPLE" and kind == "level":
        return [float(levels.get(round(level), 0)) for level in payloads]
    return None


def _whole_degrees(shift: float, notes: list[Note]) -> int:
    """Rounded to a whole degree and clamped to ±5; 0 asks nothing."""
    whole = round(shift)
    if whole != shift:
        notes.append(Note.SHIFT_ROUNDED)
    if abs(whole) > MAX_SHIFT:
        whole = MAX_SHIFT if whole > 0 else -MAX_SHIFT
        notes.append(Note.SHIFT_CLAMPED)
    if whole == 0:
        raise EventRefusedError(Refusal.NOTHING_TO_SHIFT)
    return whole


def _homes(
    targets: Sequence[Mapping[str, Any]], homes: Mapping[str, bool], notes: list[Note]
) -> tuple[str, ...]:
    """The homes the targets name (a resource id per home; none: the whole VEN) taking part."""
    named = [str(t["resource_id"]) for t in targets if t.get("resource_id") is not None]
    if named:
        known = [home for home in dict.fromkeys(named) if home in homes]
        if not known:
            raise EventRefusedError(Refusal.UNKNOWN_RESOURCES)
        if len(known) < len(set(named)):
            notes.append(Note.UNKNOWN_RESOURCES_LEFT)
    else:
        known = list(homes)
    taking_part = tuple(home for home in known if homes[home])
    if not taking_part:
        raise EventRefusedError(Refusal.NO_PARTICIPATING_HOME)
    return taking_part


def _floor_step(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return moment - timedelta(minutes=moment.minute % 5)


def _nearest_step(moment: datetime) -> datetime:
    return _floor_step(moment + STEP / 2)


def fitting_preheat(
    preheat: tuple[int, int] | None, start: datetime, now: datetime
) -> tuple[int, int] | None:
    """The options' pre-conditioning, from the current step at the earliest.

    An event sent shortly before its start gets a shorter one; none when no step is left.
    """
    if preheat is None:
        return None
    room = int((start - _floor_step(now)).total_seconds() // 60)
    minutes = min(preheat[1], room - room % 5)
    return (preheat[0], minutes) if minutes > 0 else None
