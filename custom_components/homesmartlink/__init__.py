"""The HomeSmartlink integration: electric heaters of the HomeSmartlink partner cloud."""

from __future__ import annotations

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .api import HomeSmartlinkClient
from .bridges import sber_views, yango
from .bridges.sber import SberSync
from .bridges.sber_client import SberClient
from .bridges.yango_notifier import YangoNotifier
from .compat import OPTIONS_FLOW_RELOADS, async_reload_on_new_options
from .const import (
    CONF_BASE_URL,
    CONF_SBER,
    CONF_SBER_KEY,
    CONF_SBER_URL,
    CONF_YANGO,
    CONF_YANGO_DIALOGS_URL,
    CONF_YANGO_SKILL_ID,
    CONF_YANGO_SKILL_TOKEN,
    DEFAULT_SBER_URL,
    DEFAULT_YANGO_DIALOGS_URL,
    DOMAIN,
    REQUEST_TIMEOUT,
)
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkCoordinator, HomeSmartlinkData
from .delivery import DeliveryTracker
from .entity import async_follow_device_changes, gateway_info
from .services import async_setup_services
from .store import DerogationStore

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.CLIMATE,
    Platform.SENSOR,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and the bridge endpoints once, whatever the number of homes."""
    async_setup_services(hass)
    yango.async_register_views(hass)
    sber_views.async_register_views(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> bool:
    """Connect to the cloud, fetch the home once, then set up the platforms."""
    client = HomeSmartlinkClient(
        async_get_clientsession(hass),
        entry.data[CONF_BASE_URL],
        entry.data[CONF_CLIENT_ID],
        entry.data[CONF_CLIENT_SECRET],
        request_timeout=REQUEST_TIMEOUT,
    )
    coordinator = HomeSmartlinkCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    derogations = DerogationStore(hass, entry.entry_id)
    await derogations.async_load()
    delivery = DeliveryTracker(hass, client, coordinator.home_id)
    entry.async_on_unload(delivery.async_stop)
    # The gateway is the hub every heater hangs from: register it before them.
    gateway = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        **gateway_info(coordinator.data.gateway, coordinator.home_id),
    )
    coordinator.gateway_device_id = gateway.id
    entry.runtime_data = HomeSmartlinkData(
        client=client, coordinator=coordinator, derogations=derogations, delivery=delivery
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_follow_device_changes(entry)
    if entry.options.get(CONF_SBER) and entry.options.get(CONF_SBER_KEY):
        sber = SberSync(
            hass,
            entry,
            SberClient(
                async_get_clientsession(hass),
                entry.options.get(CONF_SBER_URL, DEFAULT_SBER_URL),
                entry.options[CONF_SBER_KEY],
            ),
        )
        await sber.async_load()
        entry.runtime_data.sber = sber
    _async_start_bridges(hass, entry)
    if not OPTIONS_FLOW_RELOADS:  # before 2025.8: saved options apply by reloading from here
        async_reload_on_new_options(hass, entry)
    return True


def _async_start_bridges(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
    """Start the outward pushes an entry's options ask for (the endpoints always answer)."""
    options = entry.options
    if options.get(CONF_YANGO) and options.get(CONF_YANGO_SKILL_ID):
        notifier = YangoNotifier(
            hass,
            entry,
            options.get(CONF_YANGO_DIALOGS_URL, DEFAULT_YANGO_DIALOGS_URL),
            options[CONF_YANGO_SKILL_ID],
            options[CONF_YANGO_SKILL_TOKEN],
        )
        entry.async_on_unload(notifier.async_start())
    if entry.runtime_data.sber is not None:
        entry.async_on_unload(entry.runtime_data.sber.async_start())


async def async_unload_entry(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> bool:
    """Unload the platforms."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
    """Forget what was remembered for a removed home."""
    await DerogationStore(hass, entry.entry_id).async_remove()
    await SberSync.async_remove_store(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a device only once the home no longer lists it."""
    coordinator = entry.runtime_data.coordinator
    listed = {device.id for device in coordinator.data.devices} | {coordinator.home_id}
    return not any(
        domain == DOMAIN and identifier in listed for domain, identifier in device_entry.identifiers
    )
