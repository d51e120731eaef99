"""Run-time data of an account, and the coordinator: one config call per home per poll."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    HomeConfig,
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkClient,
    HomeSmartlinkError,
    HomeSmartlinkRateLimitError,
)
from .areas import RoomPlacement
from .campaigns.book import CampaignBook
from .compat import device_in
from .const import CONF_TIME_ZONE, DOMAIN, LOGGER, SCAN_INTERVAL, SUBENTRY_HOME
from .delivery import DeliveryTracker
from .plugins import BridgeLink
from .writes.learned import LearnedSetpoints
from .writes.ledger import Ledger
from .writes.timeline import zone_named

type HomeSmartlinkConfigEntry = ConfigEntry[HomeSmartlinkData]


@dataclass
class HomeSmartlinkHome:
    """One home of a loaded account (a subentry of type `home`) and what it holds at run time."""

    entry: HomeSmartlinkConfigEntry
    subentry_id: str
    coordinator: HomeSmartlinkCoordinator
    derogations: Ledger
    delivery: DeliveryTracker
    setpoints: LearnedSetpoints
    # Devices seen for the first time, waiting to be put in their room's area (`devices.py`).
    placement: RoomPlacement = field(init=False)
    # Whether the home takes part in demand response (its switch; restored at start).
    participating: bool = True

    def __post_init__(self) -> None:
        """Start with nothing to place."""
        coordinator = self.coordinator
        self.placement = RoomPlacement(
            coordinator.hass,
            self.entry.entry_id,
            lambda: coordinator.data,
            lambda: home_count(self.entry) == 1,
        )

    @property
    def home_id(self) -> str:
        """The cloud's id of the home."""
        return self.coordinator.home_id

    @property
    def title(self) -> str:
        """The home's name in Home Assistant (its subentry's title)."""
        return home_name(self.entry, self.subentry_id, self.home_id)

    @property
    def client(self) -> HomeSmartlinkClient:
        """The account's client."""
        return self.coordinator.client

    @property
    def zone(self) -> tzinfo:
        """The homes' time zone: their gateways' wall clock reads windows in it."""
        return account_zone(self.entry)


def home_count(entry: ConfigEntry) -> int:
    """How many homes an account holds (answering or not)."""
    return sum(1 for sub in entry.subentries.values() if sub.subentry_type == SUBENTRY_HOME)


def home_name(entry: ConfigEntry, subentry_id: str, home_id: str) -> str:
    """The name a home was given (its subentry's title), else its cloud id."""
    subentry = entry.subentries.get(subentry_id)
    return subentry.title if subentry is not None else home_id


def account_zone(entry: ConfigEntry) -> tzinfo:
    """The time zone of an account's homes (an option; default Home Assistant's)."""
    return zone_named(entry.options.get(CONF_TIME_ZONE), dt_util.get_default_time_zone())


@dataclass
class HomeSmartlinkData:
    """What a loaded account (config entry) holds at run time."""

    client: HomeSmartlinkClient
    # By subentry id.
    homes: dict[str, HomeSmartlinkHome]
    # The account's demand-response campaigns.
    campaigns: CampaignBook
    # The bridges the account's options turned on, by plug-in name.
    bridges: dict[str, BridgeLink] = field(default_factory=dict)


@dataclass
class RateLimit:
    """An account's rate limit: a 429 for any of its homes holds the polls of all of them.

    The cloud limits a partner's credentials, not a home.
    """

    not_before: datetime | None = None

    def held_until(self) -> datetime | None:
        """When polls and writes may go again, while a 429's Retry-After holds the account."""
        if self.not_before is not None and dt_util.utcnow() < self.not_before:
            return self.not_before
        return None

    def hold(self, retry_after: float | None) -> datetime:
        """Hold polls and writes for what a 429 asked (a poll's interval when it said nothing)."""
        wait = retry_after if retry_after is not None else SCAN_INTERVAL.total_seconds()
        self.not_before = dt_util.utcnow() + timedelta(seconds=wait)
        return self.not_before


class HomeSmartlinkCoordinator(DataUpdateCoordinator[HomeConfig]):
    """Polls one home; an unchanged answer writes no state (`always_update=False`).

    It does not schedule itself: the account spreads its homes' polls over the minute
    (`polling.py`), so that a partner with many homes never sends them all at once.
    """

    config_entry: HomeSmartlinkConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: HomeSmartlinkConfigEntry,
        client: HomeSmartlinkClient,
        *,
        home_id: str,
        subentry_id: str,
        rate_limit: RateLimit,
    ) -> None:
        """One home of the entry's account."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {home_id}",
            update_interval=None,
            always_update=False,
        )
        self.client = client
        self.home_id = home_id
        self.subentry_id = subentry_id
        # Registry id of the gateway device, set once it is registered at set-up.
        self.gateway_device_id: str | None = None
        self.rate_limit = rate_limit
        self._known_device_ids: set[str] | None = None
        # Called with every answer, changed or not (listeners only hear of a change): what
        # the heaters report settles uncertain outcomes even when nothing moved.
        self.poll_listeners: list[Callable[[HomeConfig], None]] = []

    async def _async_update_data(self) -> HomeConfig:
        """Fetch the home, or explain why not in a translated error."""
        if (not_before := self.rate_limit.held_until()) is not None:
            # The cloud asked us to wait (429 Retry-After): send nothing before then.
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"until": not_before.isoformat()},
            )
        try:
            home = await self.client.get_home_config(self.home_id)
        except HomeSmartlinkAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        except HomeSmartlinkRateLimitError as err:
            not_before = self.rate_limit.hold(err.retry_after)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"until": not_before.isoformat()},
            ) from err
        except HomeSmartlinkError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.rate_limit.not_before = None
        self._remove_stale_devices(home)
        for listener in self.poll_listeners:
            listener(home)
        return home

    def _remove_stale_devices(self, home: HomeConfig) -> None:
        """Remove the devices of heaters that left the home (they are ours alone)."""
        current = {device.id for device in home.devices}
        if current == self._known_device_ids:
            return
        self._known_device_ids = current
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for device_entry in dr.async_entries_for_config_entry(registry, entry_id):
            if not device_in(device_entry, entry_id, self.subentry_id):
                continue  # another home of the account
            ids = {ident for domain, ident in device_entry.identifiers if domain == DOMAIN}
            if ids and not ids & current and self.home_id not in ids:
                LOGGER.debug("Removing device %s, gone from the home", device_entry.id)
                registry.async_remove_device(device_entry.id)
