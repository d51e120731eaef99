"""Uncertain outcomes settled by what the heaters report, never by sending again.

A request that timed out, lost its connection, got a 5xx or a 200 without triggers (or was saved
and never answered before a crash) may or may not be in force. At each poll, once the heaters had
time to follow (`SETTLE` after the window started or the request was asked), the heaters of its
room tell: a setpoint of the schedule plus its delta makes it *placed*; the setpoint that holds
without it makes it *not placed*. A room whose heaters say neither, or where both read the same,
stays uncertain, and so it is shown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from homeassistant.core import callback

from ..api import Device, HomeConfig
from ..const import LOGGER
from ..coordinator import HomeSmartlinkHome
from .learned import SETTLE
from .ledger import LedgerRecord, Outcome, layered
from .plan import clock
from .policy import learned_setpoint


def _held(records: list[LedgerRecord], moment: datetime) -> int:
    """The delta of ours the cloud holds at a moment, if these records were all it got."""
    for piece in layered(records):
        if piece.active_at(moment):
            return piece.delta
    return 0


def _base(
    home: HomeSmartlinkHome, device: Device, record: LedgerRecord, now: datetime
) -> float | None:
    """The schedule's setpoint of a heater now: learned for this period, else the record's base."""
    learned = learned_setpoint(home, device, now)
    return learned if learned is not None else record.base_setpoint


def verdict(
    home: HomeSmartlinkHome, data: HomeConfig, record: LedgerRecord, now: datetime
) -> Outcome | None:
    """What the heaters say of one unsettled record now; None while they cannot tell."""
    start, end = record.bounds()
    if not max(start, record.placed_at) + SETTLE <= now < end:
        return None
    records = home.derogations.records(record.room_id)
    # What the room holds with it and without it (a later change of ours over it: the same).
    with_it = _held(records, now)
    without = _held([r for r in records if r != record], now)
    if with_it == without:
        return None
    heaters = [
        d
        for d in data.heaters
        if d.room_id == record.room_id and d.online and d.setpoint is not None
    ]
    readings = [(d.setpoint, _base(home, d, record, now)) for d in heaters]
    if not readings or any(base is None for _, base in readings):
        return None
    if all(sp == base + with_it for sp, base in readings if base is not None):
        return Outcome.PLACED
    if all(sp == base + without for sp, base in readings if base is not None):
        return Outcome.NOT_PLACED
    return None


@callback
def async_settle_home(home: HomeSmartlinkHome, data: HomeConfig, now: datetime) -> None:
    """Settle what a poll of a home tells; the ledger is saved in the background."""
    decided = {
        record: replace(record, outcome=outcome)
        for record in home.derogations.unsettled()
        if (outcome := verdict(home, data, record, now)) is not None
    }
    for old, new in decided.items():
        LOGGER.debug(
            "Uncertain write settled by a poll of home %s: room %s, %s %s-%s, delta %s -> %s",
            home.home_id,
            old.room_id,
            old.day.isoformat(),
            clock(old.start),
            clock(old.end),
            old.delta,
            new.outcome.value,
        )
    if decided:
        hass = home.coordinator.hass
        home.entry.async_create_background_task(
            hass, home.derogations.async_settle(decided), "homesmartlink settle outcomes"
        )
