"""What an action names: loaded accounts, their homes, and the heaters behind our entities."""

from __future__ import annotations

from typing import cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)

from .api import Device
from .compat import async_targeted_entity_ids, device_in
from .const import DOMAIN
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from .errors import validation_error

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_HOME_ID = "home_id"
ATTR_DEVICE_ID = "device_id"
# Homes an action keeps to, by their gateway devices (README, *Many homes*).
ATTR_HOME = "home"


def loaded_entry(hass: HomeAssistant, entry_id: str) -> HomeSmartlinkConfigEntry:
    """A loaded account of this integration, or a translated validation error."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise validation_error("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise validation_error("entry_not_loaded", entry_id=entry_id)
    return cast(HomeSmartlinkConfigEntry, entry)


def accounts(hass: HomeAssistant, call: ServiceCall) -> list[HomeSmartlinkConfigEntry]:
    """The account a call names, or every loaded account.

    Triggers and diagnosis ids belong to a partner account, not to a home: without an account the
    call is tried on each one until one knows the id.
    """
    if ATTR_CONFIG_ENTRY_ID in call.data:
        return [loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])]
    found = [
        cast(HomeSmartlinkConfigEntry, entry)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
    ]
    if not found:
        raise validation_error("no_home_loaded")
    return found


def account_homes(entry: HomeSmartlinkConfigEntry, home_id: str | None) -> list[HomeSmartlinkHome]:
    """Every home of an account, or the one with this cloud home id."""
    homes = list(entry.runtime_data.homes.values())
    if home_id is None:
        return homes
    found = [home for home in homes if home.home_id == home_id]
    if not found:
        raise validation_error("home_not_found", home_id=home_id)
    return found


def _gateway_home(hass: HomeAssistant, device_id: str) -> HomeSmartlinkHome:
    """The loaded home whose gateway is this device."""
    device = dr.async_get(hass).async_get(device_id)
    if isinstance(device, dr.DeviceEntry):
        for entry in hass.config_entries.async_loaded_entries(DOMAIN):
            for home in cast(HomeSmartlinkConfigEntry, entry).runtime_data.homes.values():
                if (DOMAIN, home.home_id) in device.identifiers and device_in(
                    device, entry.entry_id, home.subentry_id
                ):
                    return home
    raise validation_error("not_a_gateway", device_id=device_id)


def single_home(hass: HomeAssistant, call: ServiceCall) -> HomeSmartlinkHome:
    """The one home a call names: a gateway device, or an account (and a home id)."""
    if (device_id := call.data.get(ATTR_DEVICE_ID)) is not None:
        return _gateway_home(hass, device_id)
    if ATTR_CONFIG_ENTRY_ID not in call.data:
        raise validation_error("no_home_given")
    entry = loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    homes = account_homes(entry, call.data.get(ATTR_HOME_ID))
    if len(homes) != 1:
        raise validation_error("home_id_needed")
    return homes[0]


def _heater(hass: HomeAssistant, item: er.RegistryEntry) -> tuple[HomeSmartlinkHome, Device]:
    """The loaded home and heater behind one of our climate entities (by its device)."""
    if item.config_entry_id is None:  # an entity left behind by a removed account
        raise validation_error("heater_unavailable")
    entry = loaded_entry(hass, item.config_entry_id)
    device = dr.async_get(hass).async_get(item.device_id) if item.device_id else None
    ids = {i for domain, i in device.identifiers if domain == DOMAIN} if device else set()
    for home in entry.runtime_data.homes.values():
        for heater in home.coordinator.data.heaters:
            if heater.id in ids:
                return home, heater
    raise validation_error("heater_unavailable")


async def async_targeted_heaters(call: ServiceCall) -> list[tuple[HomeSmartlinkHome, Device]]:
    """The heaters behind the climate entities a call's target names (entities, areas, ...)."""
    registry = er.async_get(call.hass)
    items = sorted(
        (
            item
            for entity_id in await async_targeted_entity_ids(call)
            if (item := registry.async_get(entity_id)) is not None
            and item.platform == DOMAIN
            and item.domain == "climate"
        ),
        key=lambda item: item.entity_id,
    )
    return [_heater(call.hass, item) for item in items]


def _scope(hass: HomeAssistant, call: ServiceCall) -> dict[str, HomeSmartlinkHome] | None:
    """The homes a call keeps to (gateways, or an account and maybe one of its homes), if any."""
    if ATTR_HOME not in call.data and ATTR_CONFIG_ENTRY_ID not in call.data:
        return None
    homes = [_gateway_home(hass, device_id) for device_id in call.data.get(ATTR_HOME, [])]
    if ATTR_CONFIG_ENTRY_ID in call.data:
        entry = loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        homes.extend(account_homes(entry, call.data.get(ATTR_HOME_ID)))
    return {home.subentry_id: home for home in homes}


def _has_target(call: ServiceCall) -> bool:
    return any(str(key) in call.data for key in cv.ENTITY_SERVICE_FIELDS)


async def async_scoped_heaters(call: ServiceCall) -> list[tuple[HomeSmartlinkHome, Device]]:
    """The heaters a call names: its target, kept to the homes it names; or those homes whole.

    A target (entities, devices, areas, labels...) with homes reaches only the targeted heaters
    of those homes ("this home's bathroom": the area and the home); homes alone reach all their
    heaters; a target alone reaches what it names. Nothing at all is a translated error.
    """
    scope = _scope(call.hass, call)
    heaters = await async_targeted_heaters(call) if _has_target(call) else []
    if scope is not None:
        if _has_target(call):
            heaters = [(home, device) for home, device in heaters if home.subentry_id in scope]
        else:
            heaters = [
                (home, device)
                for home in scope.values()
                for device in home.coordinator.data.heaters
            ]
    if not heaters:
        raise validation_error("no_target")
    return heaters
