"""Each heater's comfort and eco setpoints, learned by watching what it reports in each period.

The API reports only the setpoint in force (`sp`), never the schedule's two setpoints. A heater on
its schedule with no change of ours in force reports its comfort setpoint in a comfort period and
its eco setpoint in an eco period, so each poll teaches us one of them. They are persisted per
home, shown as attributes, and never guessed: a period whose setpoint was not seen is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from ..api import Device, DeviceMode
from ..const import DOMAIN
from .durable import async_load_object
from .ledger import Ledger

# The setpoints a heater may be asked for, whatever the hour or mode (what a platform describes;
# what a derogation can reach now is narrower: `policy.reachable_span`); a learned one outside
# them read back from a file is damage.
ASKABLE_MIN = 5
ASKABLE_MAX = 30

STORAGE_VERSION = 1
SAVE_DELAY = 10
# The cloud and the heater take a moment to follow a schedule change: a reading this close after
# one may still be the previous period's setpoint.
SETTLE = timedelta(minutes=5)
# How long after a period settled its setpoint is still the schedule's own.
LEARN_WINDOW = timedelta(minutes=10)


class Period(StrEnum):
    """The two kinds of period of a week schedule."""

    COMFORT = "comfort"
    ECO = "eco"


def period_at(device: Device, moment: datetime, zone: tzinfo) -> Period | None:
    """The schedule's period at a moment (on the homes' clock); None when not on its schedule."""
    schedule = device.week_schedule
    if device.mode is not DeviceMode.PROG or schedule is None:
        return None
    return Period.COMFORT if schedule.in_comfort(moment.astimezone(zone)) else Period.ECO


class LearnedSetpoints:
    """The comfort and eco setpoints seen for each heater of one home (a subentry)."""

    def __init__(self, hass: HomeAssistant, home_key: str) -> None:
        """Bind the memory to its file."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{home_key}.setpoints"
        )
        self._values: dict[str, dict[Period, float]] = {}

    async def async_load(self) -> None:
        """Read what earlier runs learned; anything unreadable is left out."""
        data, _ = await async_load_object(self._hass, self._store)
        heaters = data.get("heaters")
        if not isinstance(heaters, dict):
            return
        for device_id, seen in heaters.items():
            if not isinstance(seen, dict):
                continue
            values = {
                period: float(seen[period])
                for period in Period
                if isinstance(seen.get(period), int | float)
                and not isinstance(seen[period], bool)
                and ASKABLE_MIN <= seen[period] <= ASKABLE_MAX
            }
            if values:
                self._values[str(device_id)] = values

    async def async_remove(self) -> None:
        """Delete the file (the home is being removed)."""
        await self._store.async_remove()

    def get(self, device_id: str, period: Period) -> float | None:
        """The setpoint seen for a heater in a kind of period, if seen."""
        return self._values.get(device_id, {}).get(period)

    def of(self, device_id: str) -> tuple[float | None, float | None]:
        """A heater's learned (comfort, eco) setpoints."""
        return self.get(device_id, Period.COMFORT), self.get(device_id, Period.ECO)

    @callback
    def async_observe(self, devices: Iterable[Device], now: datetime, derogations: Ledger) -> bool:
        """Learn from one poll; True when anything new was learned (then saved).

        A period's setpoint is learned when none is known yet, or in the first minutes of a
        period (`LEARN_WINDOW` after it settled): a change of `sp` in the middle of a period is
        someone's shift (shown as unexplained), not the schedule.
        """
        changed = False
        zone = derogations.zone
        for device in devices:
            period = period_at(device, now, zone)
            if (
                period is None
                or not device.online
                or device.setpoint is None
                or period_at(device, now - SETTLE, zone) is not period
                or derogations.active(device.room_id, now) is not None
                or derogations.active(device.room_id, now - SETTLE) is not None
            ):
                continue
            seen = self._values.setdefault(device.id, {})
            fresh = period_at(device, now - SETTLE - LEARN_WINDOW, zone) is not period
            if seen.get(period) != device.setpoint and (fresh or period not in seen):
                seen[period] = device.setpoint
                changed = True
        if changed:
            self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        return changed

    def _data_to_save(self) -> dict[str, Any]:
        return {
            "heaters": {
                device_id: {str(period): value for period, value in seen.items()}
                for device_id, seen in self._values.items()
            }
        }
