"""An account's homes polled one after the other, spread evenly over the minute."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval

from .const import SCAN_INTERVAL
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkCoordinator


@callback
def async_spread_polls(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    coordinators: Sequence[HomeSmartlinkCoordinator],
) -> None:
    """Poll each home once a minute, at equal spacing: N homes, one request every 60/N s.

    A partner with 200 homes then sends one request every 0.3 s, never 200 in the same second.
    Each poll is its own task: a home whose cloud call hangs does not hold back the others.
    """
    if not coordinators:
        return
    order = list(coordinators)
    position = 0

    @callback
    def _poll_next(_now: datetime) -> None:
        nonlocal position
        coordinator = order[position % len(order)]
        position += 1
        entry.async_create_background_task(
            hass, coordinator.async_refresh(), f"homesmartlink poll {coordinator.home_id}"
        )

    entry.async_on_unload(
        async_track_time_interval(
            hass, _poll_next, SCAN_INTERVAL / len(order), cancel_on_shutdown=True
        )
    )
