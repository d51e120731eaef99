"""The one way to change a heater: plan, save what is asked, send, save the outcome, refresh.

Climate entities, actions, the calendar, campaigns and the voice bridges all come through here,
so that every change is planned the same way (`plan.py`), written ahead in the homes' ledgers
(`ledger.py`: saved before the request leaves, its outcome after), sent with the fewest
requests, followed for delivery (`delivery.py`), and reflected at once. It answers in typed
outcomes (`outcomes.py`); each caller says them in its own words.

Write policy: a derogation request is never retried by itself. An answer that is not the
documented success (both triggers) may still have been applied; sending it again could stack a
second trigger. It is *uncertain*, shown as such, and settled by what the heaters report
(`settle.py`). A 429 holds every write of the account until its Retry-After is over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
import logging

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.ulid import ulid_now

from ..api import (
    DerogationResult,
    Device,
    DeviceMode,
    HomeSmartlinkError,
    HomeSmartlinkRateLimitError,
)
from ..const import DOMAIN, LOGGER
from ..coordinator import HomeSmartlinkHome
from .ledger import LedgerRecord, Outcome
from .outcomes import (
    HeaterRefusedError,
    Refusal,
    Refused,
    WindowOutcome,
    WriteError,
    answer_outcome,
    cloud_refusal,
)
from .plan import (
    DerogationPlanError,
    PlannedRequest,
    Room,
    Window,
    clock,
    delta_for_setpoint,
    plan,
    plan_changes,
    window_from_span,
)
from .policy import override_end, reachable_span, scheduled_setpoint
from .timeline import local

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
    """A delta for one room of one loaded home over one window.

    `restores`: the change of ours this one gives back (its batch, preset and source carry on).
    """

    home: HomeSmartlinkHome
    room: Room
    window: Window
    delta: int
    base_setpoint: float | None = None
    restores: LedgerRecord | None = None
    # The call this change ends (`overrides.end_changes`).
    ends: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """What a change stands for, remembered with it: the call, its preset, who asked."""

    batch: str = field(default_factory=ulid_now)
    preset: str | None = None
    # Refresh the touched homes at once and follow each home's delivery. A campaign over hundreds
    # of homes does neither: a refresh would be a burst of one config call per home (what the
    # spread polls avoid), and it follows the delivery of its triggers itself, once for all homes.
    follow: bool = True
    # Who asked: action, preset, calendar, bridge, campaign (shown with the change).
    source: str = "action"


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


def _check_not_held(homes: Sequence[HomeSmartlinkHome]) -> None:
    """Refuse the whole change while the cloud's Retry-After holds the account (nothing sent)."""
    for home in homes:
        if (until := home.coordinator.rate_limit.held_until()) is not None:
            raise WriteError([], Refusal.RATE_LIMITED, until)


async def async_send_changes(
    hass: HomeAssistant, changes: Sequence[RoomChange], placement: Placement
) -> list[WindowOutcome]:
    """Send changes as the fewest requests: one per (start, end) per partner account.

    Write-ahead: every request's records are saved (awaited) in their homes' ledgers before the
    first leaves; each answer's outcome is saved after. Raises `DerogationPlanError` before
    anything the API cannot carry, and `WriteError` when a request was refused or is uncertain
    (naming the windows that did succeed).
    """
    accounts: dict[str, list[RoomChange]] = {}
    for change in changes:
        accounts.setdefault(change.home.entry.entry_id, []).append(change)
    planned = [
        (group, plan_changes((c.room, c.window, c.delta) for c in group))
        for group in accounts.values()
    ]
    _check_not_held([group[0].home for group in accounts.values()])
    sends = [
        _Send(group, request, placement) for group, requests in planned for request in requests
    ]
    await _async_write_ahead(sends)
    for send in sends:
        await send.async_run()
    await _async_save_outcomes(sends)
    for home, trigger in _touched(sends):
        if trigger and placement.follow:
            home.delivery.async_track(trigger)
    # Show the result at once: a direct refresh, not the debounced one, so that two changes in a
    # row are both reflected.
    for home, _ in _touched(sends) if placement.follow else ():
        await home.coordinator.async_refresh()
    outcomes = [send.outcome for send in sends]
    failed = [send for send in sends if send.outcome.failure is not None]
    if failed:
        reason = failed[0].outcome.failure or Refusal.CLOUD_FAILURE
        raise WriteError(outcomes, reason, failed[0].until)
    return outcomes


class _Send:
    """One request: its records, sent once, and its outcome."""

    def __init__(
        self, group: list[RoomChange], request: PlannedRequest, placement: Placement
    ) -> None:
        self.request = request
        self.placement = placement
        self.home = group[0].home
        self.asked = _records(group, request, placement)
        self.settled: dict[LedgerRecord, LedgerRecord] = {}
        self.until: datetime | None = None
        first, last = request.windows[0], request.windows[-1]
        zone = self.home.zone
        self.outcome = WindowOutcome(
            request.windows,
            request.rooms,
            failure=Refusal.UNCERTAIN,
            starts_at=local(first.bounds(zone)[0], zone),
            ends_at=local(last.bounds(zone)[1], zone),
        )

    async def async_run(self) -> None:
        """Send it, unless a 429 earlier in the same call holds the account."""
        rate_limit = self.home.coordinator.rate_limit
        if (until := rate_limit.held_until()) is not None:
            self.until = until
            self._settle(Outcome.REFUSED, Refusal.RATE_LIMITED)
            return
        try:
            result = await self.home.client.set_derogations(self.request.derogations)
        except HomeSmartlinkRateLimitError as err:
            self.until = rate_limit.hold(err.retry_after)
            self._settle(Outcome.REFUSED, Refusal.RATE_LIMITED)
        except HomeSmartlinkError as err:
            outcome = answer_outcome(err)
            refusal = Refusal.UNCERTAIN if outcome is Outcome.UNCERTAIN else cloud_refusal(err)
            LOGGER.debug("Derogation request %s: %s (%s)", outcome, refusal, err)
            self._settle(outcome, refusal)
        else:
            if not result.confirmed:
                LOGGER.debug("Derogation answer without triggers: uncertain")
                self._settle(Outcome.UNCERTAIN, Refusal.UNCERTAIN)
                return
            self._settle(Outcome.PLACED, None, result)

    def _settle(
        self, outcome: Outcome, failure: Refusal | None, result: DerogationResult | None = None
    ) -> None:
        start = result.start_trigger if result else None
        end = result.end_trigger if result else None
        self.settled = {
            record: replace(record, outcome=outcome, start_trigger=start, end_trigger=end)
            for records in self.asked.values()
            for _, record in records
        }
        self.outcome = replace(self.outcome, start_trigger=start, end_trigger=end, failure=failure)
        self._log(outcome, failure)

    def _log(self, outcome: Outcome, failure: Refusal | None) -> None:
        """One debug line per write: who asked, what was sent, what came back (ids only)."""
        if not LOGGER.isEnabledFor(logging.DEBUG):
            return
        items = self.request.derogations
        first = self.request.windows[0]
        LOGGER.debug(
            "Write by %s (call %s, preset %s): homes %s, rooms %s, %s %s-%s, delta %s -> %s%s, "
            "triggers %s/%s",
            self.placement.source,
            self.placement.batch,
            self.placement.preset,
            sorted({item.home_id for item in items}),
            sorted(f"{item.home_id}/{item.room_id}" for item in items),
            ",".join(sorted({window.day.isoformat() for window in self.request.windows})),
            clock(first.start),
            clock(first.end),
            sorted({item.delta for item in items}),
            outcome.value,
            f" ({failure.value})" if failure is not None else "",
            self.outcome.start_trigger,
            self.outcome.end_trigger,
        )


def _records(
    group: list[RoomChange], request: PlannedRequest, placement: Placement
) -> dict[str, list[tuple[HomeSmartlinkHome, LedgerRecord]]]:
    """The ledger records of one request, per home (subentry id), pending until answered."""
    by_item = {
        (c.room.home_id, c.room.room_id, c.window.day, c.window.start, c.window.end): c
        for c in group
    }
    asked_at = dt_util.utcnow()
    records: dict[str, list[tuple[HomeSmartlinkHome, LedgerRecord]]] = {}
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
        kept = change.restores
        records.setdefault(change.home.subentry_id, []).append(
            (
                change.home,
                LedgerRecord(
                    home_id=derogation.home_id,
                    room_id=derogation.room_id,
                    day=derogation.date,
                    start=derogation.start_time,
                    end=derogation.end_time,
                    delta=derogation.delta,
                    base_setpoint=change.base_setpoint if kept is None else kept.base_setpoint,
                    start_trigger=None,
                    end_trigger=None,
                    placed_at=asked_at,
                    batch=placement.batch if kept is None else kept.batch,
                    preset=(placement.preset if kept is None else kept.preset)
                    if derogation.delta
                    else None,
                    outcome=Outcome.PENDING,
                    source=placement.source if kept is None else kept.source,
                    ends=change.ends,
                    zone=change.home.zone,
                ),
            )
        )
    return records


def _homes(sends: list[_Send]) -> dict[str, HomeSmartlinkHome]:
    """The homes the sends touch, by subentry id, in order."""
    homes: dict[str, HomeSmartlinkHome] = {}
    for send in sends:
        for key, records in send.asked.items():
            homes[key] = records[0][0]
    return homes


async def _async_write_ahead(sends: list[_Send]) -> None:
    """Every record of the call saved in its home's ledger, awaited, before anything is sent."""
    for key, home in _homes(sends).items():
        await home.derogations.async_record(
            [record for send in sends for _, record in send.asked.get(key, [])]
        )


async def _async_save_outcomes(sends: list[_Send]) -> None:
    """Each answer's outcome saved in its home's ledger, awaited."""
    for key, home in _homes(sends).items():
        await home.derogations.async_settle(
            {
                record: settled
                for send in sends
                for (_, record) in send.asked.get(key, [])
                if (settled := send.settled.get(record)) is not None
            }
        )


def _touched(sends: list[_Send]) -> list[tuple[HomeSmartlinkHome, str | None]]:
    """Each home a placed request reached, with the latest start trigger it got."""
    homes: dict[str, tuple[HomeSmartlinkHome, str | None]] = {}
    for send in sends:
        if send.outcome.failure is not None:
            continue
        for key, records in send.asked.items():
            earlier = homes.get(key, (records[0][0], None))[1]
            homes[key] = (records[0][0], send.outcome.start_trigger or earlier)
    return list(homes.values())


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
    windows = tuple(window_from_span(now, override_end(home, device, now), home.zone))
    store = home.derogations
    if delta == 0 and store.active(device.room_id, now) is None:
        return None  # already there, nothing of ours to undo
    asked = {store.already_asked(device.room_id, delta, window) for window in windows}
    if asked == {Outcome.PLACED}:
        return None  # the same derogation is in force for this very window: sending it is waste
    if None not in asked:  # asked already, not confirmed: never sent again blindly
        return Refused(Refusal.UNCERTAIN, wanted)
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
    hass: HomeAssistant, targets: Sequence[HeaterTarget], placement: Placement | None = None
) -> dict[str, Refused | None]:
    """Bring heaters to wanted setpoints: per heater (cloud id), None when done, or why not.

    Heaters whose windows are the same share one request per window; a heater already at its
    setpoint through one of our derogations sends nothing. Writes are serialised so that a burst
    of identical requests (a voice assistant retrying) reaches the cloud once.
    """
    results: dict[str, Refused | None] = {}
    placement = placement or Placement(source="action")
    async with _write_lock(hass):
        for windows, shifts in _group(targets, dt_util.utcnow(), results).items():
            try:
                await async_shift_rooms(hass, list(shifts.values()), windows, placement)
            except WriteError as err:
                results.update(dict.fromkeys(shifts, err.refused()))
            else:
                results.update(dict.fromkeys(shifts))
    return results


async def async_set_heater_temperature(
    hass: HomeAssistant,
    home: HomeSmartlinkHome,
    device: Device,
    wanted: float,
    *,
    source: str = "action",
) -> None:
    """Bring a heater's room to a wanted setpoint, from now until `override_end`.

    Raises `HeaterRefusedError` when it cannot.
    """
    results = await async_set_heater_temperatures(
        hass, [HeaterTarget(home, device, wanted)], Placement(source=source)
    )
    if (refused := results[device.id]) is not None:
        raise HeaterRefusedError(refused)
