"""Which heaters a bridge shares, with whom, under which names and rooms."""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    instance_id,
)

from ..api import Device, DeviceCategory
from ..compat import find_device
from ..const import DOMAIN
from ..coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome

# What a heater is, as the platforms' apps show it as a model or default name (they take one
# language per skill or project; ours is English, like the wire's categories).
_KIND_NAMES = {
    DeviceCategory.HEATER: "Heater",
    DeviceCategory.TOWEL_DRYER: "Towel dryer",
    DeviceCategory.FIREPLACE: "Fireplace",
    DeviceCategory.FURNACE: "Furnace",
}


@dataclass(frozen=True, slots=True)
class BridgedHeater:
    """A heater as a bridge shows it."""

    home: HomeSmartlinkHome
    device: Device
    name: str
    room: str | None
    entity_id: str
    # False while the cloud does not answer: the last known values are then not current.
    cloud_ok: bool = True

    @property
    def online(self) -> bool:
        """Whether the heater can be read and changed now."""
        return self.cloud_ok and self.device.online


def _homes_sharing(
    hass: HomeAssistant, option: str, only: HomeSmartlinkHome | None
) -> list[HomeSmartlinkHome]:
    if only is not None:
        return [only] if only.entry.options.get(option) else []
    homes: list[HomeSmartlinkHome] = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED and entry.options.get(option):
            typed: HomeSmartlinkConfigEntry = entry
            homes.extend(typed.runtime_data.homes.values())
    return homes


def bridged_heaters(
    hass: HomeAssistant, option: str, only: HomeSmartlinkHome | None = None
) -> dict[str, BridgedHeater]:
    """Heaters of every loaded account with this bridge turned on, by cloud device id.

    With `only`, the heaters of that one home (also while its account is being set up).
    A heater whose climate entity was removed or disabled in Home Assistant is not shared: the
    user chose not to have it. Names and rooms are the ones the user sees in Home Assistant.
    """
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    areas = ar.async_get(hass)
    heaters: dict[str, BridgedHeater] = {}
    for home in _homes_sharing(hass, option, only):
        coordinator = home.coordinator
        for device in coordinator.data.heaters:
            entity_id = entities.async_get_entity_id("climate", DOMAIN, f"{device.id}_climate")
            entity = entities.async_get(entity_id) if entity_id else None
            if entity is None or entity.disabled:
                continue
            device_entry = find_device(devices, home.entry.entry_id, (DOMAIN, device.id))
            name = device.room_name or device.id
            room = device.room_name
            if device_entry is not None:
                name = device_entry.name_by_user or device_entry.name or name
                area_id = entity.area_id or device_entry.area_id
                if area_id and (area := areas.async_get_area(area_id)) is not None:
                    room = area.name
            heaters[device.id] = BridgedHeater(
                home, device, name, room, entity.entity_id, coordinator.last_update_success
            )
    return heaters


def kind_name(device: Device) -> str:
    """The heater's kind in words ("Towel dryer", not the wire's "TowelDryier")."""
    return _KIND_NAMES.get(device.category, "Heater")


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """Who asks, and the heaters they may see (the rest do not exist for them)."""

    hass: HomeAssistant
    user: User
    heaters: dict[str, BridgedHeater]


def shared_with(hass: HomeAssistant, user: User, option: str) -> BridgeRequest:
    """The heaters of a bridge that a user may see (the rest do not exist for them)."""
    heaters = {
        device_id: heater
        for device_id, heater in bridged_heaters(hass, option).items()
        if visible(user, heater)
    }
    return BridgeRequest(hass, user, heaters)


def visible(user: User, heater: BridgedHeater) -> bool:
    """Whether the user may see a heater (Home Assistant's entity permissions)."""
    return user.is_admin or user.permissions.check_entity(heater.entity_id, POLICY_READ)


def controllable(user: User, heater: BridgedHeater) -> bool:
    """Whether the user may change a heater's temperature."""
    return user.is_admin or user.permissions.check_entity(heater.entity_id, POLICY_CONTROL)


async def async_bridge_user_id(hass: HomeAssistant, platform: str) -> str:
    """A stable, opaque user id for a platform: this installation, never a person's data."""
    installation = await instance_id.async_get(hass)
    return sha256(f"{DOMAIN}:{platform}:{installation}".encode()).hexdigest()[:32]
