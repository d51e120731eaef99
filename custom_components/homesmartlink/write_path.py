"""The one way to change a heater: plan derogations, send them, remember them, refresh.

Climate entities, actions and the voice bridges all come through here, so that every change is
planned the same way (`derogation.py`), sent with the fewest requests, remembered for display and
for the next delta (`store.py`), followed for delivery (`delivery.py`), and reflected at once.
It answers in typed outcomes (`outcomes.py`); each caller says them in its own words.

Write policy: a derogation request is never retried by itself. A write that times out may still
have reached the cloud, and sending it again could stack a second trigger; it is reported as
failed, with the windows that did succeed, and the user decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.ulid import ulid_now

from .api import DerogationResult, Device, DeviceMode, HomeSmartlinkError
from .const import DOMAIN
from .coordinator import HomeSmartlinkHome
from .derogation import (
    DerogationPlanError,
    PlannedRequest,
    Room,
    Window,
    delta_for_setpoint,
    plan,
    plan_changes,
    window_from_span,
)
from .outcomes import (
    HeaterRefusedError,
    Refusal,
    Refused,
    WindowOutcome,
    WriteError,
    cloud_refusal,
)
from .setpoint import override_end, reachable_span, scheduled_setpoint
from .store import PlacedDerogation

_WRITE_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_write_lock")


@dataclass(frozen=True, slots=True)
class RoomShift:
    """A delta for one room of one loaded home."""

    home: HomeSmartlinkHome
    room: Room
    delta: int
    base_setpoint: float | None = None


@dataclass(frozen=True, slots=True)
class RoomChange:
    """A delta for one room of one loaded home over one window."""

    home: HomeSmartlinkHome
    room: Room
    window: Window
    delta: int
    base_setpoint: float | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """What a change stands for, remembered with it: the call that placed it, and its preset."""

    batch: str = field(default_factory=ulid_now)
    preset: str | None = None
    # Refresh the touched homes at once and follow each home's delivery. A campaign over hundreds
    # of homes does neither: a refresh would be a burst of one config call per home (what the
    # spread polls avoid), and it follows the delivery of its triggers itself, once for all homes.
    follow: bool = True


@dataclass(frozen=True, slots=True)
class HeaterTarget:
    """A wanted setpoint for one heater of a loaded home."""

    home: HomeSmartlinkHome
    device: Device
    wanted: float


async def async_shift_rooms(
    hass: HomeAssistant,
    shifts: Sequence[RoomShift],
    windows: Sequence[Window],
    placement: Placement | None = None,
) -> list[WindowOutcome]:
    """Send every shift over every window (`async_send_changes`)."""
    plan([(s.room, s.delta) for s in shifts], windows)  # refuses before anything is built
    changes = [
        RoomChange(s.home, s.room, window, s.delta, s.base_setpoint)
        for window in windows
        for s in shifts
    ]
    return await async_send_changes(hass, changes, placement or Placement())


async def async_send_changes(
    hass: HomeAssistant, changes: Sequence[RoomChange], placement: Placement
) -> list[WindowOutcome]:
    """Send changes as the fewest requests: one per (start, end) per partner account.

    Raises `DerogationPlanError` before sending anything the API cannot carry, and `WriteError`
    when a request failed (naming the windows that did succeed).
    """
    accounts: dict[str, list[RoomChange]] = {}
    for change in changes:
        accounts.setdefault(change.home.entry.entry_id, []).append(change)
    planned = [
        (group, plan_changes((c.room, c.window, c.delta) for c in group))
        for group in accounts.values()
    ]
    outcomes: list[WindowOutcome] = []
    failures: list[HomeSmartlinkError] = []
    placed: dict[str, tuple[HomeSmartlinkHome, list[PlacedDerogation], str | None]] = {}
    for group, requests in planned:
        for request in requests:
            try:
                result = await group[0].home.client.set_derogations(request.derogations)
            except HomeSmartlinkError as err:
                failures.append(err)
                outcomes.append(
                    WindowOutcome(request.windows, request.rooms, failure=cloud_refusal(err))
                )
                continue
            outcomes.append(
                WindowOutcome(
                    request.windows, request.rooms, result.start_trigger, result.end_trigger
                )
            )
            _remember(group, request, result, placement, placed)
    # Each home's store takes all it got at once (one state write per entity, not per request).
    for home, items, trigger in placed.values():
        home.derogations.async_add(items)
        if trigger and placement.follow:
            home.delivery.async_track(trigger)
    # Show the result at once: a direct refresh, not the debounced one, so that two changes in a
    # row are both reflected.
    for home, _, _ in placed.values() if placement.follow else ():
        await home.coordinator.async_refresh()
    if failures:
        raise WriteError(outcomes, failures[0])
    return outcomes


def _remember(
    group: list[RoomChange],
    request: PlannedRequest,
    result: DerogationResult,
    placement: Placement,
    placed: dict[str, tuple[HomeSmartlinkHome, list[PlacedDerogation], str | None]],
) -> None:
    """Note what the cloud accepted, per home, with the request's start trigger."""
    by_item = {
        (c.room.home_id, c.room.room_id, c.window.day, c.window.start, c.window.end): c
        for c in group
    }
    placed_at = dt_util.now()
    for derogation in request.derogations:
        change = by_item[
            (
                derogation.home_id,
                derogation.room_id,
                derogation.date,
                derogation.start_time,
                derogation.end_time,
            )
        ]
        home = change.home
        _, items, _ = placed.setdefault(home.subentry_id, (home, [], None))
        items.append(
            PlacedDerogation(
                home_id=derogation.home_id,
                room_id=derogation.room_id,
                day=derogation.date,
                start=derogation.start_time,
                end=derogation.end_time,
                delta=derogation.delta,
                base_setpoint=change.base_setpoint,
                start_trigger=result.start_trigger,
                end_trigger=result.end_trigger,
                placed_at=placed_at,
                batch=placement.batch,
                preset=placement.preset if derogation.delta else None,
            )
        )
        placed[home.subentry_id] = (
            home,
            items,
            result.start_trigger or placed[home.subentry_id][2],
        )


def _cannot_change(target: HeaterTarget) -> Refused | None:
    """Why the heater cannot take a derogation now, if it cannot."""
    home, device = target.home, target.device
    if not home.coordinator.last_update_success or not device.online or device.room_id is None:
        return Refused(Refusal.UNAVAILABLE, target.wanted)
    if device.mode is DeviceMode.STOP:
        return Refused(Refusal.STOPPED, target.wanted)
    return None


def _plan_heater(
    target: HeaterTarget, now: datetime
) -> tuple[RoomShift, tuple[Window, ...]] | Refused | None:
    """The shift and windows that bring a heater to its wanted setpoint.

    None when it is already there; a refusal when it cannot get there. Every check of a wanted
    setpoint happens here, whoever asks.
    """
    home, device, wanted = target.home, target.device, target.wanted
    base = scheduled_setpoint(home, device, now)
    if (refused := _cannot_change(target)) is not None or base is None or device.room_id is None:
        return refused or Refused(Refusal.UNAVAILABLE, wanted)
    try:
        delta = delta_for_setpoint(wanted, base)
    except DerogationPlanError:
        return Refused(Refusal.OUT_OF_REACH, wanted, reachable_span(home, device, now))
    windows = tuple(window_from_span(now, override_end(home, device, now)))
    store = home.derogations
    if delta == 0 and store.active(device.room_id, now) is None:
        return None  # already there, nothing of ours to undo
    if all(store.already_placed(device.room_id, delta, w.day, w.start, w.end) for w in windows):
        return None  # the same derogation is in force for this very window: sending it is waste
    return RoomShift(home, Room(home.home_id, device.room_id), delta, base), windows


def _write_lock(hass: HomeAssistant) -> asyncio.Lock:
    """One lock for set-temperature writes, so a burst of the same request plans once."""
    lock = hass.data.get(_WRITE_LOCK)
    if lock is None:
        lock = hass.data[_WRITE_LOCK] = asyncio.Lock()
    return lock


def _group(
    targets: Sequence[HeaterTarget], now: datetime, results: dict[str, Refused | None]
) -> dict[tuple[Window, ...], dict[str, RoomShift]]:
    """Heaters to change, grouped by their windows; the others' outcomes go to `results`."""
    groups: dict[tuple[Window, ...], dict[str, RoomShift]] = {}
    rooms: dict[tuple[Window, ...], dict[Room, int]] = {}
    for target in targets:
        device_id = target.device.id
        planned = _plan_heater(target, now)
        if planned is None or isinstance(planned, Refused):
            results[device_id] = planned
            continue
        shift, windows = planned
        room_deltas = rooms.setdefault(windows, {})
        if room_deltas.setdefault(shift.room, shift.delta) != shift.delta:
            # Heaters of a room share its setpoint: two different wishes cannot both hold.
            results[device_id] = Refused(Refusal.ROOM_CONFLICT, target.wanted)
            continue
        groups.setdefault(windows, {})[device_id] = shift
    return groups


async def async_set_heater_temperatures(
    hass: HomeAssistant, targets: Sequence[HeaterTarget]
) -> dict[str, Refused | None]:
    """Bring heaters to wanted setpoints: per heater (cloud id), None when done, or why not.

    Heaters whose windows are the same share one request per window; a heater already at its
    setpoint through one of our derogations sends nothing. Writes are serialised so that a burst
    of identical requests (a voice assistant retrying) reaches the cloud once.
    """
    results: dict[str, Refused | None] = {}
    async with _write_lock(hass):
        for windows, shifts in _group(targets, dt_util.now(), results).items():
            try:
                await async_shift_rooms(hass, list(shifts.values()), windows)
            except WriteError as err:
                results.update(dict.fromkeys(shifts, err.refused()))
            else:
                results.update(dict.fromkeys(shifts))
    return results


async def async_set_heater_temperature(
    hass: HomeAssistant, home: HomeSmartlinkHome, device: Device, wanted: float
) -> None:
    """Bring a heater's room to a wanted setpoint, from now until `override_end`.

    Raises `HeaterRefusedError` when it cannot.
    """
    results = await async_set_heater_temperatures(hass, [HeaterTarget(home, device, wanted)])
    if (refused := results[device.id]) is not None:
        raise HeaterRefusedError(refused)
