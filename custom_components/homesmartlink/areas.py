"""Devices seen for the first time go into the area named after their room (one home only).

With several homes in an account, areas named after rooms would hold the rooms of every home
(one "Salon" for all): an action targeting the area would reach every home. Then no device is
placed, and the user makes areas of their own (README, *Many homes*).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import area_registry as ar, device_registry as dr

from .api import Device, HomeConfig
from .compat import find_device
from .const import DOMAIN


class RoomPlacement:
    """Puts devices seen for the first time into the area named after their room.

    Only a device the registry did not hold when it was seen: one the user placed, or took out of
    an area, stays where they left it. Placed once its entities are registered (at set-up's end,
    or at the next poll for a device found later), so that an entity id never takes the area's
    name (Home Assistant 2026.10 and later prefix new entity ids with the device's area).
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        snapshot: Callable[[], HomeConfig | None],
        alone: Callable[[], bool],
    ) -> None:
        """Bind the placement to a home of an account (`snapshot`: its latest data).

        `alone`: whether the home is its account's only one (else nothing is placed).
        """
        self._hass = hass
        self._entry_id = entry_id
        self._snapshot = snapshot
        self._alone = alone
        self._pending: dict[str, int] = {}
        self._updates = 0

    @callback
    def async_note(self, devices: Iterable[Device]) -> None:
        """Remember the devices about to get entities that the registry does not hold yet."""
        if not self._alone():
            return
        registry = dr.async_get(self._hass)
        for device in devices:
            if (
                device.category.has_own_device
                and device.room_name
                and device.id not in self._pending
                and find_device(registry, self._entry_id, (DOMAIN, device.id)) is None
            ):
                self._pending[device.id] = self._updates

    @callback
    def async_place(self) -> None:
        """Place the devices noted before now (their entities are registered by then)."""
        self._updates += 1
        due = [device_id for device_id, seen in self._pending.items() if seen < self._updates]
        if not due:
            return
        registry, areas = dr.async_get(self._hass), ar.async_get(self._hass)
        snapshot = self._snapshot()
        for device_id in due:
            del self._pending[device_id]
            found = find_device(registry, self._entry_id, (DOMAIN, device_id))
            device = snapshot.device(device_id) if snapshot is not None else None
            if found is None or found.area_id is not None or device is None:
                continue
            room = device.room_name or ""
            area = areas.async_get_area_by_name(room) or areas.async_create(room)
            registry.async_update_device(found.id, area_id=area.id)
