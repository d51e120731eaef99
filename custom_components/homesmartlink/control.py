"""The one way to change a heater: plan derogations, send them, remember them, refresh.

Climate entities, actions and the voice bridges all come through here, so that every change is
planned the same way (`derogation.py`), sent with the fewest requests, remembered for display and
for the next delta (`store.py`), followed for delivery (`delivery.py`), and reflected at once.

Write policy: a derogation request is never retried by itself. A write that times out may still
have reached the cloud, and sending it again could stack a second trigger; it is reported as
failed, with the windows that did succeed, and the user decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.json import JsonValueType

from .api import Device, DeviceMode, HomeSmartlinkError
from .const import CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION, DOMAIN
from .coordinator import HomeSmartlinkHome
from .derogation import (
    DerogationPlanError,
    Room,
    Window,
    clock,
    delta_for_setpoint,
    plan,
    window_from_span,
)
from .helpers import cloud_error_key, translate_cloud_error, translate_plan_error, validation_error
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
class WindowOutcome:
    """What became of one window's request."""

    window: Window
    rooms: int
    start_trigger: str | None = None
    end_trigger: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, JsonValueType]:
        """Action response form."""
        return {
            "date": self.window.day.isoformat(),
            "start": clock(self.window.start),
            "end": clock(self.window.end),
            "rooms": self.rooms,
            "start_trigger": self.start_trigger,
            "end_trigger": self.end_trigger,
            "success": self.error is None,
            "error": self.error,
        }


async def async_apply(
    hass: HomeAssistant, shifts: Sequence[RoomShift], windows: Sequence[Window]
) -> list[WindowOutcome]:
    """Send every shift over every window: one request per window per partner account.

    Raises a translated error when any window failed, naming the windows that did succeed.
    """
    accounts: dict[str, list[RoomShift]] = {}
    for shift in shifts:
        accounts.setdefault(shift.home.entry.entry_id, []).append(shift)
    outcomes: list[WindowOutcome] = []
    failures: list[HomeSmartlinkError] = []
    touched: dict[str, HomeSmartlinkHome] = {}
    placed_at = dt_util.now()
    for group in accounts.values():
        try:
            requests = plan([(s.room, s.delta) for s in group], windows)
        except DerogationPlanError as err:
            raise translate_plan_error(err) from err
        client = group[0].home.client
        by_room = {(s.room.home_id, s.room.room_id): s for s in group}
        for request in requests:
            try:
                result = await client.set_derogations(request.derogations)
            except HomeSmartlinkError as err:
                failures.append(err)
                outcomes.append(
                    WindowOutcome(
                        request.window, len(request.derogations), error=cloud_error_key(err)
                    )
                )
                continue
            outcomes.append(
                WindowOutcome(
                    request.window,
                    len(request.derogations),
                    result.start_trigger,
                    result.end_trigger,
                )
            )
            per_home: dict[str, list[PlacedDerogation]] = {}
            for derogation in request.derogations:
                shift = by_room[(derogation.home_id, derogation.room_id)]
                touched[shift.home.subentry_id] = shift.home
                per_home.setdefault(shift.home.subentry_id, []).append(
                    PlacedDerogation(
                        home_id=derogation.home_id,
                        room_id=derogation.room_id,
                        day=derogation.date,
                        start=derogation.start_time,
                        end=derogation.end_time,
                        delta=derogation.delta,
                        base_setpoint=shift.base_setpoint,
                        start_trigger=result.start_trigger,
                        end_trigger=result.end_trigger,
                        placed_at=placed_at,
                    )
                )
            for subentry_id, placed in per_home.items():
                home = touched[subentry_id]
                home.derogations.async_add(placed)
                if result.start_trigger:
                    home.delivery.async_track(result.start_trigger)
    # Show the result at once: a direct refresh, not the debounced one, so that two changes in a
    # row are both reflected.
    for home in touched.values():
        await home.coordinator.async_refresh()
    if failures:
        succeeded = [o.window.label() for o in outcomes if o.error is None]
        if not succeeded:
            raise translate_cloud_error(failures[0]) from failures[0]
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="derogation_partly_failed",
            translation_placeholders={
                "succeeded": ", ".join(succeeded),
                "failed": ", ".join(o.window.label() for o in outcomes if o.error is not None),
            },
        ) from failures[0]
    return outcomes


def scheduled_setpoint(home: HomeSmartlinkHome, device: Device, now: datetime) -> float:
    """The setpoint the heater would follow without our derogation in force now."""
    if device.setpoint is None:
        raise validation_error("heater_unavailable")
    active = home.derogations.active(device.room_id, now)
    if active is None:
        return device.setpoint
    if active.base_setpoint is not None:
        return active.base_setpoint
    return device.setpoint - active.delta


def override_end(home: HomeSmartlinkHome, device: Device, now: datetime) -> datetime:
    """When a temperature set now ends.

    After the default duration, or at the schedule's next change if that comes first, so that
    the delta always applies to the same scheduled setpoint.
    """
    minutes = int(home.entry.options.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION))
    end = now + timedelta(minutes=minutes)
    if device.mode is DeviceMode.PROG and device.week_schedule is not None:
        change = device.week_schedule.next_change(now)
        if change is not None and change < end:
            end = change
    return end


@dataclass(frozen=True, slots=True)
class HeaterTarget:
    """A wanted setpoint for one heater of a loaded home."""

    home: HomeSmartlinkHome
    device: Device
    wanted: float


def _plan_heater(
    target: HeaterTarget, now: datetime
) -> tuple[RoomShift, tuple[Window, ...]] | None:
    """The shift and windows that bring a heater to its wanted setpoint; None if already there.

    Raises a translated validation error when the heater cannot get there.
    """
    home, device = target.home, target.device
    if not device.online or device.room_id is None:
        raise validation_error("heater_unavailable")
    if device.mode is DeviceMode.STOP:
        raise validation_error("heater_stopped")
    base = scheduled_setpoint(home, device, now)
    try:
        delta = delta_for_setpoint(target.wanted, base)
        windows = tuple(window_from_span(now, override_end(home, device, now)))
    except DerogationPlanError as err:
        raise translate_plan_error(err) from err
    store = home.derogations
    if delta == 0 and store.active(device.room_id, now) is None:
        return None  # already there, nothing of ours to undo
    if all(
        store.already_placed(device.room_id, delta, window.day, window.start, window.end)
        for window in windows
    ):
        return None  # the same derogation is in force for this very window: sending it is waste
    room = Room(home.home_id, device.room_id)
    return RoomShift(home, room, delta, base), windows


def _write_lock(hass: HomeAssistant) -> asyncio.Lock:
    """One lock for set-temperature writes, so a burst of the same request plans once."""
    lock = hass.data.get(_WRITE_LOCK)
    if lock is None:
        lock = hass.data[_WRITE_LOCK] = asyncio.Lock()
    return lock


async def async_set_heater_temperatures(
    hass: HomeAssistant, targets: Sequence[HeaterTarget]
) -> dict[str, HomeAssistantError | None]:
    """Bring heaters to wanted setpoints: per heater, None when done or the translated error.

    Heaters whose windows are the same share one request per window; a heater already at its
    setpoint through one of our derogations sends nothing. Writes are serialised so that a burst
    of identical requests (a voice assistant retrying) reaches the cloud once.
    """
    results: dict[str, HomeAssistantError | None] = {}
    async with _write_lock(hass):
        now = dt_util.now()
        groups: dict[tuple[Window, ...], dict[str, RoomShift]] = {}
        rooms: dict[tuple[Window, ...], dict[Room, int]] = {}
        for target in targets:
            device_id = target.device.id
            try:
                planned = _plan_heater(target, now)
            except HomeAssistantError as err:
                results[device_id] = err
                continue
            if planned is None:
                results[device_id] = None
                continue
            shift, windows = planned
            room_deltas = rooms.setdefault(windows, {})
            if room_deltas.get(shift.room, shift.delta) != shift.delta:
                # Heaters of a room share its setpoint: two different wishes cannot both hold.
                results[device_id] = validation_error("room_conflict")
                continue
            room_deltas[shift.room] = shift.delta
            groups.setdefault(windows, {})[device_id] = shift
        for windows, shifts in groups.items():
            try:
                await async_apply(hass, list(shifts.values()), windows)
            except HomeAssistantError as err:
                results.update(dict.fromkeys(shifts, err))
            else:
                results.update(dict.fromkeys(shifts))
    return results


async def async_set_heater_temperature(
    hass: HomeAssistant, home: HomeSmartlinkHome, device: Device, wanted: float
) -> None:
    """Bring a heater's room to a wanted setpoint, from now until `override_end`."""
    results = await async_set_heater_temperatures(hass, [HeaterTarget(home, device, wanted)])
    if (error := results[device.id]) is not None:
        raise error
