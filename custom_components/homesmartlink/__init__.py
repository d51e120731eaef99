"""The HomeSmartlink integration: electric heaters of the HomeSmartlink partner cloud.

A config entry is a partner account (credentials, options); each of its homes is a subentry of
type `home` with its own coordinator, devices and entities.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .api import HomeSmartlinkClient
from .bridges import PLUGINS as BRIDGES
from .campaigns.book import CampaignBook
from .campaigns.choices import async_offer_while_loaded
from .campaigns.run import async_follow_campaigns
from .const import CONF_BASE_URL, CONF_HOME_ID, DOMAIN, LOGGER, REQUEST_TIMEOUT, SUBENTRY_HOME
from .coordinator import (
    HomeSmartlinkConfigEntry,
    HomeSmartlinkCoordinator,
    HomeSmartlinkData,
    HomeSmartlinkHome,
    RateLimit,
    account_zone,
)
from .delivery import DeliveryTracker
from .devices import async_follow_device_changes, gateway_info
from .migration import async_merge_legacy_entries, async_migrate_entry
from .notices import async_raise_issue
from .openadr import VenPlugin
from .polling import async_spread_polls
from .services import async_setup_services
from .writes.durable import Damage
from .writes.learned import LearnedSetpoints
from .writes.ledger import Ledger
from .writes.plan import MAX_SPAN
from .writes.settle import async_settle_home

__all__ = ["async_migrate_entry"]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.CLIMATE,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

# The optional edges the core starts per account, through `plugins.py` only.
PLUGINS = (*BRIDGES, VenPlugin())

# Homes fetched at the same time while an account is set up: a partner with 200 homes must not
# send them all at once.
SETUP_CONCURRENCY = 4


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Merge entries of older versions, register the actions and the bridges' endpoints once."""
    await async_merge_legacy_entries(hass)
    async_setup_services(hass)
    for plugin in PLUGINS:
        plugin.async_register(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> bool:
    """Connect to the cloud, fetch every home of the account once, then set up the platforms."""
    client = HomeSmartlinkClient(
        async_get_clientsession(hass),
        entry.data[CONF_BASE_URL],
        entry.data[CONF_CLIENT_ID],
        entry.data[CONF_CLIENT_SECRET],
        request_timeout=REQUEST_TIMEOUT,
    )
    rate_limit = RateLimit()
    homes = {
        subentry.subentry_id: _build_home(hass, entry, client, subentry.subentry_id, rate_limit)
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_HOME
    }
    await _async_first_refresh(list(homes.values()))
    ready = {key: home for key, home in homes.items() if home.coordinator.data is not None}
    campaigns = CampaignBook(hass, entry.entry_id)
    await campaigns.async_load()
    _report_damage(hass, f"campaigns_{entry.entry_id}", campaigns.damage, entry.title)
    entry.runtime_data = HomeSmartlinkData(client=client, homes=ready, campaigns=campaigns)
    for home in ready.values():
        await _async_prepare_home(hass, home)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    for home in ready.values():
        async_follow_device_changes(home)
        home.placement.async_place()
        entry.async_on_unload(home.coordinator.async_add_listener(home.placement.async_place))
    async_follow_campaigns(hass, entry)
    await async_offer_while_loaded(hass, entry)
    for plugin in PLUGINS:
        if (link := await plugin.async_start(hass, entry)) is not None:
            entry.runtime_data.bridges[plugin.name] = link
    for home in homes.values():
        if home.subentry_id not in ready:
            _async_reload_once_answering(hass, home)
    async_spread_polls(hass, entry, [home.coordinator for home in homes.values()])
    # Options, credentials and homes (subentries added or deleted) apply by reloading.
    entry.async_on_unload(entry.add_update_listener(_reload_on_update(set(homes))))
    return True


async def _async_prepare_home(hass: HomeAssistant, home: HomeSmartlinkHome) -> None:
    """What a home remembers, read; its polls followed; its gateway registered."""
    await home.derogations.async_load()
    _report_damage(hass, f"ledger_{home.subentry_id}", home.derogations.damage, home.title)
    await home.setpoints.async_load()
    _async_learn_setpoints(home)
    home.entry.async_on_unload(home.delivery.async_stop)
    # The gateway is the hub every heater of the home hangs from: register it before them.
    gateway = dr.async_get(hass).async_get_or_create(
        config_entry_id=home.entry.entry_id,
        config_subentry_id=home.subentry_id,
        **gateway_info(home.coordinator.data.gateway, home.home_id, home.title),
    )
    home.coordinator.gateway_device_id = gateway.id


def _build_home(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    client: HomeSmartlinkClient,
    subentry_id: str,
    rate_limit: RateLimit,
) -> HomeSmartlinkHome:
    home_id = entry.subentries[subentry_id].data[CONF_HOME_ID]
    return HomeSmartlinkHome(
        entry=entry,
        subentry_id=subentry_id,
        coordinator=HomeSmartlinkCoordinator(
            hass, entry, client, home_id=home_id, subentry_id=subentry_id, rate_limit=rate_limit
        ),
        derogations=Ledger(hass, subentry_id, account_zone(entry)),
        delivery=DeliveryTracker(hass, client, home_id, subentry_id),
        setpoints=LearnedSetpoints(hass, subentry_id),
    )


@callback
def _async_learn_setpoints(home: HomeSmartlinkHome) -> None:
    """At every poll: settle uncertain outcomes, then learn comfort and eco setpoints.

    See `writes/settle.py` and `writes/learned.py`.
    """
    coordinator = home.coordinator

    @callback
    def observe() -> None:
        if coordinator.data is not None:
            home.setpoints.async_observe(
                coordinator.data.heaters, dt_util.utcnow(), home.derogations
            )

    coordinator.poll_listeners.append(lambda data: async_settle_home(home, data, dt_util.utcnow()))
    observe()
    home.entry.async_on_unload(coordinator.async_add_listener(observe))


@callback
def _report_damage(hass: HomeAssistant, key: str, damage: Damage | None, name: str) -> None:
    """A file that could not be read: a repair issue says what may still be in force.

    And until when at most: nothing we send ends later than 14 days after it is asked.
    """
    if damage is None:
        return
    async_raise_issue(
        hass,
        f"unreadable_{key}",
        "ledger_unreadable" if key.startswith("ledger") else "campaigns_unreadable",
        {
            "name": name,
            "written": dt_util.as_local(damage.written).strftime("%Y-%m-%d %H:%M"),
            "until": dt_util.as_local(damage.written + MAX_SPAN).strftime("%Y-%m-%d %H:%M"),
        },
    )


async def _async_first_refresh(homes: list[HomeSmartlinkHome]) -> None:
    """Fetch every home, a few at a time; the account waits only if none of them answers.

    A refused credential stops the set-up (re-authentication); a home that fails alone is set up
    from its next successful poll, so that one bad home never blocks the others.
    """
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def fetch(home: HomeSmartlinkHome) -> None:
        async with gate:
            await home.coordinator.async_refresh()

    await asyncio.gather(*(fetch(home) for home in homes))
    failed = [home for home in homes if not home.coordinator.last_update_success]
    for home in failed:
        if isinstance(home.coordinator.last_exception, ConfigEntryAuthFailed):
            raise home.coordinator.last_exception
    if homes and len(failed) == len(homes):
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(failed[0].coordinator.last_exception)},
        )
    for home in failed:
        LOGGER.warning("Home %s did not answer; it is set up at its next poll", home.home_id)


def _async_reload_once_answering(hass: HomeAssistant, home: HomeSmartlinkHome) -> None:
    """A home that failed at set-up joins the account (by a reload) once it answers."""
    coordinator = home.coordinator

    def answered() -> None:
        if coordinator.data is not None:
            hass.config_entries.async_schedule_reload(home.entry.entry_id)

    home.entry.async_on_unload(coordinator.async_add_listener(answered))


def _reload_on_update(
    set_up: set[str],
) -> Callable[[HomeAssistant, HomeSmartlinkConfigEntry], Coroutine[Any, Any, None]]:
    """The update listener: forget what was stored for deleted homes, then reload the account.

    `set_up` are the homes this set-up knew, those that answered and those that did not yet.
    """

    async def updated(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
        for subentry_id in set_up - set(entry.subentries):
            await _async_forget_home(hass, subentry_id)
        hass.config_entries.async_schedule_reload(entry.entry_id)

    return updated


async def _async_forget_home(hass: HomeAssistant, subentry_id: str) -> None:
    await Ledger(hass, subentry_id, dt_util.UTC).async_remove()
    await LearnedSetpoints(hass, subentry_id).async_remove()
    for plugin in PLUGINS:
        await plugin.async_forget_home(hass, subentry_id)


async def async_unload_entry(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> bool:
    """Unload the platforms."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
    """Forget what was remembered for a removed account and its homes."""
    await CampaignBook(hass, entry.entry_id).async_remove()
    for subentry_id in entry.subentries:
        await _async_forget_home(hass, subentry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a device only once no home of the account lists it."""
    listed: set[str] = set()
    for home in entry.runtime_data.homes.values():
        listed.add(home.home_id)
        if home.coordinator.data is not None:
            listed.update(device.id for device in home.coordinator.data.devices)
    return not any(
        domain == DOMAIN and identifier in listed for domain, identifier in device_entry.identifiers
    )
