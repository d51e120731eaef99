"""Setpoint policy: what a heater follows without us, what a derogation can reach, how long.

Pure reading of a home's snapshot and of the derogations we placed; nothing is sent from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..api import Device, DeviceMode
from ..const import CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION
from ..coordinator import HomeSmartlinkHome
from .learned import period_at
from .plan import MAX_DELTA, MIN_DELTA
from .timeline import real_span


def learned_setpoint(home: HomeSmartlinkHome, device: Device, moment: datetime) -> float | None:
    """The schedule's setpoint of the period a heater is in at a moment, once learned."""
    period = period_at(device, moment, home.zone)
    return home.setpoints.get(device.id, period) if period is not None else None


def scheduled_setpoint(home: HomeSmartlinkHome, device: Device, now: datetime) -> float | None:
    """The setpoint the heater would follow without any change of ours in force now.

    The schedule's setpoint for this period when it was learned; else what the heater reports
    minus our change in force (placed, pending or uncertain: it may shift `sp`), or the base it
    was computed against. None when the heater reports no setpoint.
    """
    if device.setpoint is None:
        return None
    learned = learned_setpoint(home, device, now)
    if learned is not None:
        return learned
    active = home.derogations.active(device.room_id, now)
    if active is None:
        return device.setpoint
    if active.base_setpoint is not None:
        return active.base_setpoint
    return device.setpoint - active.delta


def unexplained_shift(home: HomeSmartlinkHome, device: Device, now: datetime) -> float | None:
    """A shift of `sp` from the learned schedule that no change of ours explains, if any.

    Shown, never taken for the schedule: a household's change, or one we never saw placed.
    """
    learned = learned_setpoint(home, device, now)
    if learned is None or device.setpoint is None:
        return None
    active = home.derogations.active(device.room_id, now)
    shift = round(device.setpoint - learned - (active.delta if active else 0), 1)
    return shift or None


def reachable_span(
    home: HomeSmartlinkHome, device: Device, now: datetime
) -> tuple[float, float] | None:
    """The lowest and highest setpoint a derogation can reach now; None when none can.

    A stopped heater ignores derogations; one without a setpoint has nothing to shift.
    """
    if device.mode is DeviceMode.STOP:
        return None
    base = scheduled_setpoint(home, device, now)
    if base is None:
        return None
    return base + MIN_DELTA, base + MAX_DELTA


def clamp_to_reach(home: HomeSmartlinkHome, device: Device, now: datetime, wanted: float) -> float:
    """The nearest setpoint to `wanted` that a derogation reaches now (unchanged if none can)."""
    span = reachable_span(home, device, now)
    return wanted if span is None else min(max(wanted, span[0]), span[1])


def override_end(home: HomeSmartlinkHome, device: Device, now: datetime) -> datetime:
    """When a temperature set now ends.

    After the account's default duration, or at the schedule's next change if that comes first,
    so that the delta always applies to the same scheduled setpoint.
    """
    minutes = int(home.entry.options.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION))
    end = real_span(now, timedelta(minutes=minutes))
    if device.mode is DeviceMode.PROG and device.week_schedule is not None:
        change = device.week_schedule.next_change(now.astimezone(home.zone))
        if change is not None and change < end:
            end = change
    return end
