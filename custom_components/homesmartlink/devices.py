"""Our devices in Home Assistant's registry: how they are named and linked, kept in step.

Heaters and modules are named after their room and kind (numbered when a room has two of one
kind) and hang from the home's gateway (their areas: `areas.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .api import Device, DeviceCategory, Gateway
from .const import DOMAIN, MANUFACTURER
from .coordinator import HomeSmartlinkCoordinator, HomeSmartlinkHome, home_count, home_name

# Device name translation keys per category (`device` in strings.json).
_DEVICE_KIND = {
    DeviceCategory.HEATER: "heater",
    DeviceCategory.TOWEL_DRYER: "towel_dryer",
    DeviceCategory.FIREPLACE: "fireplace",
    DeviceCategory.FURNACE: "furnace",
    DeviceCategory.MODULE: "module",
}


# The device's model as people say it (the wire spells the towel dryer "TowelDryier").
_MODEL = {
    DeviceCategory.HEATER: "Heater",
    DeviceCategory.TOWEL_DRYER: "Towel dryer",
    DeviceCategory.FIREPLACE: "Fireplace",
    DeviceCategory.FURNACE: "Furnace",
    DeviceCategory.MODULE: "Module",
}


def device_kind(device: Device) -> str:
    """The translation key of the device's kind."""
    return _DEVICE_KIND.get(device.category, "device")


def has_own_device(device: Device) -> bool:
    """Whether a listed device gets a device of its own (the gateway is the home's hub)."""
    return device.category.has_own_device


def _gateway_link(coordinator: HomeSmartlinkCoordinator) -> DeviceInfo:
    """The link from a device to the home's gateway, as this Home Assistant spells it.

    Newer releases take the registry id of the parent (`via_device_id`) and deprecate the
    identifier tuple (`via_device`) that older releases need.
    """
    if "via_device_id" in DeviceInfo.__annotations__:
        return cast(DeviceInfo, {"via_device_id": coordinator.gateway_device_id})
    return cast(DeviceInfo, {"via_device": (DOMAIN, coordinator.home_id)})


def shown_home_name(coordinator: HomeSmartlinkCoordinator) -> str | None:
    """The home's name when its account holds more than one home, else None."""
    entry = coordinator.config_entry
    if home_count(entry) < 2:
        return None
    return home_name(entry, coordinator.subentry_id, coordinator.home_id)


def device_info(coordinator: HomeSmartlinkCoordinator, device: Device) -> DeviceInfo:
    """Registry info of a heater or module, linked to the home's gateway."""
    home = coordinator.data
    kind = device_kind(device)
    room = device.room_name or (str(device.room_id) if device.room_id is not None else "?")
    # Number devices of the same kind in the same room so that their names stay apart.
    siblings = sorted(
        other.id
        for other in home.devices
        if other.room_id == device.room_id and device_kind(other) == kind and has_own_device(other)
    )
    placeholders = {"room": room}
    translation_key = kind
    if len(siblings) > 1:
        translation_key = f"{kind}_numbered"
        placeholders["number"] = str(siblings.index(device.id) + 1)
    if (home_name := shown_home_name(coordinator)) is not None:
        # Several homes: the name starts with the home's, so that two homes' heaters differ.
        translation_key = f"{translation_key}_home"
        placeholders["home"] = home_name
    info = DeviceInfo(
        identifiers={(DOMAIN, device.id)},
        translation_key=translation_key,
        translation_placeholders=placeholders,
        manufacturer=MANUFACTURER,
        model=_MODEL.get(device.category, device.category.value),
        sw_version=str(device.software_version) if device.software_version is not None else None,
    )
    info.update(_gateway_link(coordinator))
    return info


def account_info(entry: ConfigEntry[Any]) -> DeviceInfo:
    """Registry info of the partner account: a service that holds its campaigns."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"account-{entry.entry_id}")},
        translation_key="account",
        translation_placeholders={"account": entry.title},
        manufacturer=MANUFACTURER,
        model="Partner account",
        entry_type=dr.DeviceEntryType.SERVICE,
    )


def gateway_info(gateway: Gateway | None, home_id: str, name: str) -> DeviceInfo:
    """Registry info of the home's gateway, the hub every heater hangs from (named by its home)."""
    return DeviceInfo(
        identifiers={(DOMAIN, home_id)},
        translation_key="gateway",
        translation_placeholders={"home": name},
        manufacturer=MANUFACTURER,
        model="Gateway",
        sw_version=gateway.version if gateway else None,
    )


@callback
def async_follow_device_changes(home: HomeSmartlinkHome) -> None:
    """Keep the device registry's names and firmware versions in step with the cloud.

    Device info is read when an entity is added; a room renamed in the HomeSmartlink app or a new
    firmware would otherwise show only after a restart. A name the user gave is kept (the
    registry holds it apart). Cheap when nothing of the kind changed: one tuple per device.
    """
    coordinator = home.coordinator
    registry = dr.async_get(coordinator.hass)

    def shape() -> tuple[tuple[str, int | None, str | None, int | None, str], ...]:
        return tuple(
            (d.id, d.room_id, d.room_name, d.software_version, d.category.value)
            for d in coordinator.data.devices
            if has_own_device(d)
        )

    seen = shape()

    @callback
    def refresh() -> None:
        nonlocal seen
        current = shape()
        if current == seen:
            return
        changed = set(current) ^ set(seen)  # added, removed and changed alike
        seen = current
        changed_ids = {item[0] for item in changed}
        for device in coordinator.data.devices:
            # A rename can renumber the room's other devices too: refresh every device of a
            # room that changed.
            if not has_own_device(device):
                continue
            if device.id in changed_ids or any(item[1] == device.room_id for item in changed):
                registry.async_get_or_create(
                    config_entry_id=home.entry.entry_id,
                    config_subentry_id=home.subentry_id,
                    **device_info(coordinator, device),
                )

    home.entry.async_on_unload(coordinator.async_add_listener(refresh))


def gateway_online(devices: Sequence[Device]) -> bool:
    """Whether the home's gateway is online: the gateway listed, else any device reporting."""
    listed = [d for d in devices if d.category is DeviceCategory.GATEWAY]
    return any(device.online for device in (listed or devices))
