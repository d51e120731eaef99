"""The entity bases: device info, availability and unique ids, shared by every platform."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import cast

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Device, DeviceCategory, Gateway
from .const import DOMAIN, MANUFACTURER
from .coordinator import HomeSmartlinkCoordinator, HomeSmartlinkHome

# Device name translation keys per category (`device` in strings.json).
_DEVICE_KIND = {
    DeviceCategory.HEATER: "heater",
    DeviceCategory.TOWEL_DRYER: "towel_dryer",
    DeviceCategory.FIREPLACE: "fireplace",
    DeviceCategory.FURNACE: "furnace",
    DeviceCategory.MODULE: "module",
}


def device_kind(device: Device) -> str:
    """The translation key of the device's kind."""
    return _DEVICE_KIND.get(device.category, "device")


def has_own_device(device: Device) -> bool:
    """Whether a listed device gets a device of its own (the gateway is the home's hub)."""
    return device.category is not DeviceCategory.GATEWAY


def _gateway_link(coordinator: HomeSmartlinkCoordinator) -> DeviceInfo:
    """The link from a device to the home's gateway, as this Home Assistant spells it.

    Newer releases take the registry id of the parent (`via_device_id`) and deprecate the
    identifier tuple (`via_device`) that older releases need.
    """
    if "via_device_id" in DeviceInfo.__annotations__:
        return cast(DeviceInfo, {"via_device_id": coordinator.gateway_device_id})
    return cast(DeviceInfo, {"via_device": (DOMAIN, coordinator.home_id)})


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
    info = DeviceInfo(
        identifiers={(DOMAIN, device.id)},
        translation_key=translation_key,
        translation_placeholders=placeholders,
        manufacturer=MANUFACTURER,
        model=device.category.value,
        sw_version=str(device.software_version) if device.software_version is not None else None,
    )
    info.update(_gateway_link(coordinator))
    return info


def gateway_info(gateway: Gateway | None, home_id: str) -> DeviceInfo:
    """Registry info of the home's gateway, the hub every heater hangs from."""
    return DeviceInfo(
        identifiers={(DOMAIN, home_id)},
        translation_key="gateway",
        translation_placeholders={"home": home_id},
        manufacturer=MANUFACTURER,
        model="Gateway",
        sw_version=gateway.version if gateway else None,
    )


class HomeSmartlinkEntity(CoordinatorEntity[HomeSmartlinkCoordinator]):
    """Base of every HomeSmartlink entity."""

    _attr_has_entity_name = True


class HomeSmartlinkDeviceEntity(HomeSmartlinkEntity):
    """An entity of one listed device (heater or module)."""

    def __init__(self, coordinator: HomeSmartlinkCoordinator, device_id: str, key: str) -> None:
        """Bind the entity to a device of the coordinator's home."""
        super().__init__(coordinator)
        self.device_id = device_id
        self._written: tuple[Device | None, bool] | None = None
        self._attr_unique_id = f"{device_id}_{key}"
        # Entities are built from devices of the current snapshot, so the device is there.
        device = coordinator.data.device(device_id)
        if device is not None:
            self._attr_device_info = device_info(coordinator, device)

    @property
    def device(self) -> Device | None:
        """The device in the latest snapshot; None once it left the home."""
        return self.coordinator.data.device(self.device_id)

    async def async_added_to_hass(self) -> None:
        """Remember what the first state was written from."""
        await super().async_added_to_hass()
        self._written = (self.device, self.available)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write only when this device's data or availability changed.

        The coordinator calls every entity when anything in the home changed; with 200 heaters,
        one new reading would otherwise rewrite a thousand states.
        """
        current = (self.device, self.available)
        if current == self._written:
            return
        self._written = current
        self._device_updated()

    @callback
    def _device_updated(self) -> None:
        """React to new data of this device (write the state)."""
        super()._handle_coordinator_update()

    @property
    def available(self) -> bool:
        """Available while the cloud answers and the home still lists the device."""
        return super().available and self.device is not None


class HomeSmartlinkOnlineDeviceEntity(HomeSmartlinkDeviceEntity):
    """An entity that reads values a device reports only while online."""

    @property
    def available(self) -> bool:
        """Unavailable while the device is offline: the cloud then sends no readings."""
        device = self.device
        return super().available and device is not None and device.online


class HomeSmartlinkGatewayEntity(HomeSmartlinkEntity):
    """An entity of the home's gateway."""

    def __init__(self, coordinator: HomeSmartlinkCoordinator, key: str) -> None:
        """Bind the entity to the home's gateway device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.home_id}_{key}"
        self._attr_device_info = gateway_info(coordinator.data.gateway, coordinator.home_id)
        self._written: tuple[object, bool] | None = None

    def _source(self) -> object:
        """What the state is computed from; the state is written only when it changes."""
        return self.coordinator.data.gateway

    async def async_added_to_hass(self) -> None:
        """Remember what the first state was written from."""
        await super().async_added_to_hass()
        self._written = (self._source(), self.available)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write only when the gateway's data or the availability changed."""
        current = (self._source(), self.available)
        if current != self._written:
            self._written = current
            super()._handle_coordinator_update()


def async_add_device_entities(
    home: HomeSmartlinkHome,
    async_add_entities: AddConfigEntryEntitiesCallback,
    wanted: Callable[[Device], bool],
    build: Callable[[HomeSmartlinkHome, Device], Iterable[Entity]],
) -> None:
    """Add a home's entities for the wanted devices now, and for new ones as polls find them."""
    coordinator = home.coordinator
    known: set[str] = set()

    @callback
    def add_new_devices() -> None:
        current = {device.id: device for device in coordinator.data.devices if wanted(device)}
        # Forget devices that left, so that they come back with entities if they return.
        known.intersection_update(current)
        new = [device for device_id, device in current.items() if device_id not in known]
        if not new:
            return
        known.update(device.id for device in new)
        async_add_entities(
            [entity for device in new for entity in build(home, device)],
            config_subentry_id=home.subentry_id,
        )

    add_new_devices()
    home.entry.async_on_unload(coordinator.async_add_listener(add_new_devices))


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
