"""Connectivity of every heater and of the home's gateway."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkCoordinator
from .devices import gateway_online, has_own_device
from .entity import (
    HomeSmartlinkDeviceEntity,
    HomeSmartlinkGatewayEntity,
    async_add_device_entities,
)
from .openadr.entities import VenConnectivity, has_ven

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the gateway's connectivity, every device's as devices appear, and the VEN's."""
    if has_ven(hass, entry, Platform.BINARY_SENSOR):
        async_add_entities([VenConnectivity(entry)])
    for home in entry.runtime_data.homes.values():
        coordinator = home.coordinator
        async_add_entities(
            [HomeSmartlinkGatewayConnectivity(coordinator)], config_subentry_id=home.subentry_id
        )
        async_add_device_entities(
            home,
            async_add_entities,
            has_own_device,
            lambda home, device: [HomeSmartlinkDeviceConnectivity(home.coordinator, device.id)],
        )


class HomeSmartlinkDeviceConnectivity(HomeSmartlinkDeviceEntity, BinarySensorEntity):
    """Whether the device reported to the cloud during the last three days (`online`)."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: HomeSmartlinkCoordinator, device_id: str) -> None:
        """Bind the sensor to one device."""
        super().__init__(coordinator, device_id, "connectivity")

    @property
    def is_on(self) -> bool | None:
        """The cloud's `online` flag."""
        device = self.device
        return device.online if device else None


class HomeSmartlinkGatewayConnectivity(HomeSmartlinkGatewayEntity, BinarySensorEntity):
    """Whether the gateway relays the home's devices.

    The cloud gives no gateway status of its own in the config call: the gateway counts as
    connected when the home lists it as an online device, or else when any device of the home is
    online (devices reach the cloud only through the gateway).
    """

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: HomeSmartlinkCoordinator) -> None:
        """Bind the sensor to the home's gateway."""
        super().__init__(coordinator, "connectivity")

    def _source(self) -> object:
        return self.is_on

    @property
    def is_on(self) -> bool:
        """Connected as the class docstring explains."""
        return gateway_online(self.coordinator.data.devices)
