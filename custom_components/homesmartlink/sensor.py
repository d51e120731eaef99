"""Sensors: heaters' temperatures, the gateway's diagnostics, the account's campaign.

Each heater's temperature has long-term statistics; the account's sensor shows its running (or
next, or last) demand-response campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import Device, Gateway, ReportSummary
from .campaigns.model import CampaignState
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkCoordinator, account_zone
from .delivery import DeliveryTracker
from .entity import (
    HomeSmartlinkAccountEntity,
    HomeSmartlinkGatewayEntity,
    HomeSmartlinkOnlineDeviceEntity,
    async_add_device_entities,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HeaterSensorDescription(SensorEntityDescription):
    """A sensor read from one heater."""

    value_fn: Callable[[Device], float | datetime | None]


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    """A sensor read from the home's gateway."""

    value_fn: Callable[[Gateway], str | datetime | None]


@dataclass(frozen=True, kw_only=True)
class DeliverySensorDescription(SensorEntityDescription):
    """A count of the last derogation's delivery report."""

    value_fn: Callable[[ReportSummary], int | None]


HEATER_SENSORS: tuple[HeaterSensorDescription, ...] = (
    HeaterSensorDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=lambda device: device.current_temperature,
    ),
    HeaterSensorDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.last_update,
    ),
)

GATEWAY_SENSORS: tuple[GatewaySensorDescription, ...] = (
    GatewaySensorDescription(
        key="last_ping",
        translation_key="last_ping",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda gateway: gateway.last_ping,
    ),
    GatewaySensorDescription(
        key="gateway_version",
        translation_key="gateway_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda gateway: gateway.version,
    ),
)


DELIVERY_SENSORS: tuple[DeliverySensorDescription, ...] = tuple(
    DeliverySensorDescription(
        key=f"delivery_{name}",
        translation_key=f"delivery_{name}",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=value_fn,
    )
    for name, value_fn in (
        ("requested", lambda summary: summary.requested),
        ("sent", lambda summary: summary.sent),
        ("received", lambda summary: summary.received),
    )
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's campaign sensor, the gateway's sensors, every heater's as they appear."""
    async_add_entities([HomeSmartlinkCampaignSensor(entry), HomeSmartlinkSheddingSensor(entry)])
    for home in entry.runtime_data.homes.values():
        coordinator = home.coordinator
        gateway: list[SensorEntity] = [
            HomeSmartlinkGatewaySensor(coordinator, description) for description in GATEWAY_SENSORS
        ]
        gateway.extend(
            HomeSmartlinkDeliverySensor(coordinator, home.delivery, description)
            for description in DELIVERY_SENSORS
        )
        async_add_entities(gateway, config_subentry_id=home.subentry_id)
        async_add_device_entities(
            home,
            async_add_entities,
            lambda device: device.category.is_heater,
            lambda home, device: [
                HomeSmartlinkHeaterSensor(home.coordinator, device.id, description)
                for description in HEATER_SENSORS
            ],
        )


class HomeSmartlinkHeaterSensor(HomeSmartlinkOnlineDeviceEntity, SensorEntity):
    """A value one heater reports while online."""

    entity_description: HeaterSensorDescription

    def __init__(
        self,
        coordinator: HomeSmartlinkCoordinator,
        device_id: str,
        description: HeaterSensorDescription,
    ) -> None:
        """Bind the description to one heater."""
        super().__init__(coordinator, device_id, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> float | datetime | None:
        """The value from the latest snapshot."""
        device = self.device
        return self.entity_description.value_fn(device) if device else None


class HomeSmartlinkGatewaySensor(HomeSmartlinkGatewayEntity, SensorEntity):
    """A diagnostic value of the gateway."""

    entity_description: GatewaySensorDescription

    def __init__(
        self, coordinator: HomeSmartlinkCoordinator, description: GatewaySensorDescription
    ) -> None:
        """Bind the description to the home's gateway."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | datetime | None:
        """The value from the latest snapshot; unknown when the cloud sends no gateway."""
        gateway = self.coordinator.data.gateway
        return self.entity_description.value_fn(gateway) if gateway else None


class HomeSmartlinkDeliverySensor(HomeSmartlinkGatewayEntity, SensorEntity):
    """How the home's last derogation was delivered (homes requested, sent, received)."""

    entity_description: DeliverySensorDescription

    def __init__(
        self,
        coordinator: HomeSmartlinkCoordinator,
        tracker: DeliveryTracker,
        description: DeliverySensorDescription,
    ) -> None:
        """Bind the description to the home's delivery tracker."""
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self._tracker = tracker

    def _source(self) -> object:
        return self._tracker.last  # written by the tracker's listener; polls change nothing

    async def async_added_to_hass(self) -> None:
        """Follow the tracker as reports come in."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._tracker.signal, self.async_write_ha_state)
        )

    @property
    def native_value(self) -> int | None:
        """The count from the last report; unknown before any."""
        last = self._tracker.last
        if last is None or last.report is None:
            return None
        return self.entity_description.value_fn(last.report.summary)

    @property
    def extra_state_attributes(self) -> dict[str, str | bool] | None:
        """The trigger the report belongs to and whether delivery settled."""
        last = self._tracker.last
        if last is None:
            return None
        return {"trigger": last.trigger, "settled": last.settled}


class HomeSmartlinkCampaignSensor(HomeSmartlinkAccountEntity, SensorEntity):
    """The running campaign (else the next, else the last): its phase and its figures."""

    _attr_translation_key = "campaign"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [state.value for state in CampaignState]

    def __init__(self, entry: HomeSmartlinkConfigEntry) -> None:
        """Bind the sensor to the account."""
        super().__init__(entry, "campaign")

    @property
    def native_value(self) -> str | None:
        """Scheduled, preheat, shed, recovery, finished or cancelled; none before any."""
        now = dt_util.now()
        campaign = self._entry.runtime_data.campaigns.latest(now)
        return campaign.state(now).value if campaign is not None else None

    @property
    def extra_state_attributes(self) -> dict[str, str | int | float] | None:
        """Its id, shed window, and homes and rooms reached and verified."""
        campaign = self._entry.runtime_data.campaigns.latest(dt_util.now())
        if campaign is None:
            return None
        shed = next(p for p in campaign.phases if p.phase.value == "shed")
        zone = account_zone(self._entry)
        return {
            "campaign_id": campaign.id,
            "start": campaign.start.astimezone(zone).isoformat(),
            "shed_start": shed.start.astimezone(zone).isoformat(),
            "shed_end": shed.end.astimezone(zone).isoformat(),
            "end": campaign.end.astimezone(zone).isoformat(),
            "delta": shed.delta,
            **campaign.counts(dt_util.utcnow()),
        }


class HomeSmartlinkSheddingSensor(HomeSmartlinkAccountEntity, SensorEntity):
    """How many rooms the account's campaigns shed now (a measurement Home Assistant graphs)."""

    _attr_translation_key = "rooms_shedding"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, entry: HomeSmartlinkConfigEntry) -> None:
        """Bind the sensor to the account."""
        super().__init__(entry, "rooms_shedding")

    @property
    def native_value(self) -> int:
        """Rooms shed now, over every running campaign of the account."""
        now = dt_util.utcnow()
        return sum(
            campaign.shedding(now)
            for campaign in self._entry.runtime_data.campaigns.campaigns.values()
        )
