"""Setpoint policy: what a heater follows without us, what a derogation can reach, how long.

Pure reading of a home's snapshot and of the derogations we placed; nothing is sent from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .api import Device, DeviceMode
from .const import CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION
from .coordinator import HomeSmartlinkHome
from .derogation import MAX_DELTA, MIN_DELTA

# The setpoints a heater may be asked for, whatever the hour or mode (what a platform describes);
# what a derogation can reach now is narrower: `reachable_span`.
ASKABLE_MIN = 5
ASKABLE_MAX = 30


def scheduled_setpoint(home: HomeSmartlinkHome, device: Device, now: datetime) -> float | None:
    """The setpoint the heater would follow without our derogation in force now.

    None when the heater reports no setpoint.
    """
    if device.setpoint is None:
        return None
    active = home.derogations.active(device.room_id, now)
    if active is None:
        return device.setpoint
    if active.base_setpoint is not None:
        return active.base_setpoint
    return device.setpoint - active.delta


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
    end = now + timedelta(minutes=minutes)
    if device.mode is DeviceMode.PROG and device.week_schedule is not None:
        change = device.week_schedule.next_change(now)
        if change is not None and change < end:
            end = change
    return end
