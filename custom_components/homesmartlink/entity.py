"""The entity bases (availability, unique ids, writes only on change) and dynamic adds."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Device
from .campaigns.book import CampaignEvent
from .coordinator import (
    HomeSmartlinkConfigEntry,
    HomeSmartlinkCoordinator,
    HomeSmartlinkHome,
    home_name,
)
from .devices import account_info, device_info, gateway_info


class HomeSmartlinkEntity(CoordinatorEntity[HomeSmartlinkCoordinator]):
    """Base of every HomeSmartlink entity: writes its state only when its own data changed.

    The coordinator calls every entity when anything in the home changed; with 200 heaters, one
    new reading would otherwise rewrite a thousand states.
    """

    _attr_has_entity_name = True
    _written: tuple[object, bool] | None = None

    def _source(self) -> object:
        """What the state is computed from (compared by value)."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Remember what the first state was written from."""
        await super().async_added_to_hass()
        self._written = (self._source(), self.available)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write only when this entity's data or availability changed."""
        current = (self._source(), self.available)
        if current == self._written:
            return
        self._written = current
        self._source_changed()

    @callback
    def _source_changed(self) -> None:
        """React to new data of this entity (write the state)."""
        super()._handle_coordinator_update()


class HomeSmartlinkDeviceEntity(HomeSmartlinkEntity):
    """An entity of one listed device (heater or module)."""

    def __init__(self, coordinator: HomeSmartlinkCoordinator, device_id: str, key: str) -> None:
        """Bind the entity to a device of the coordinator's home."""
        super().__init__(coordinator)
        self.device_id = device_id
        self._attr_unique_id = f"{device_id}_{key}"
        # Entities are built from devices of the current snapshot, so the device is there.
        device = coordinator.data.device(device_id)
        if device is not None:
            self._attr_device_info = device_info(coordinator, device)

    @property
    def device(self) -> Device | None:
        """The device in the latest snapshot; None once it left the home."""
        return self.coordinator.data.device(self.device_id)

    def _source(self) -> object:
        return self.device

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
        self._attr_device_info = gateway_info(
            coordinator.data.gateway,
            coordinator.home_id,
            home_name(coordinator.config_entry, coordinator.subentry_id, coordinator.home_id),
        )

    def _source(self) -> object:
        return self.coordinator.data.gateway


class HomeSmartlinkAccountEntity(Entity):
    """An entity of the partner account (its campaigns), on the account's service device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: HomeSmartlinkConfigEntry, key: str) -> None:
        """Bind the entity to the account and tell it what happens to its campaigns."""
        self._entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = account_info(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the account's campaigns."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self._entry.runtime_data.campaigns.signal, self._campaign_event
            )
        )

    @callback
    def _campaign_event(self, event: CampaignEvent) -> None:
        """React to what happened to a campaign (write the state)."""
        self.async_write_ha_state()


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
        home.placement.async_note(new)
        async_add_entities(
            [entity for device in new for entity in build(home, device)],
            config_subentry_id=home.subentry_id,
        )

    add_new_devices()
    home.entry.async_on_unload(coordinator.async_add_listener(add_new_devices))
