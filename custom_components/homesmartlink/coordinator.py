"""The coordinator: one config call per home per poll, turned into a typed snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

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
from .const import CONF_HOME_ID, DOMAIN, LOGGER, SCAN_INTERVAL

if TYPE_CHECKING:
    from .bridges.sber import SberSync
    from .delivery import DeliveryTracker
    from .store import DerogationStore

type HomeSmartlinkConfigEntry = ConfigEntry[HomeSmartlinkData]


@dataclass
class HomeSmartlinkData:
    """What a loaded config entry holds at run time."""

    client: HomeSmartlinkClient
    coordinator: HomeSmartlinkCoordinator
    derogations: DerogationStore
    delivery: DeliveryTracker
    # The Sber sync engine, when the bridge is on for this home.
    sber: SberSync | None = None


class HomeSmartlinkCoordinator(DataUpdateCoordinator[HomeConfig]):
    """Polls one home; an unchanged answer writes no state (`always_update=False`)."""

    config_entry: HomeSmartlinkConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: HomeSmartlinkConfigEntry,
        client: HomeSmartlinkClient,
    ) -> None:
        """Poll the entry's home every minute."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            update_interval=SCAN_INTERVAL,
            always_update=False,
        )
        self.client = client
        self.home_id: str = config_entry.data[CONF_HOME_ID]
        # Registry id of the gateway device, set once it is registered at set-up.
        self.gateway_device_id: str | None = None
        self._not_before: datetime | None = None
        self._known_device_ids: set[str] | None = None

    async def _async_update_data(self) -> HomeConfig:
        """Fetch the home, or explain why not in a translated error."""
        if self._not_before is not None and dt_util.utcnow() < self._not_before:
            # The cloud asked us to wait (429 Retry-After): send nothing before then.
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"until": self._not_before.isoformat()},
            )
        try:
            home = await self.client.get_home_config(self.home_id)
        except HomeSmartlinkAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        except HomeSmartlinkRateLimitError as err:
            wait = err.retry_after if err.retry_after is not None else SCAN_INTERVAL.total_seconds()
            self._not_before = dt_util.utcnow() + timedelta(seconds=wait)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"until": self._not_before.isoformat()},
            ) from err
        except HomeSmartlinkError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self._not_before = None
        self._remove_stale_devices(home)
        return home

    def _remove_stale_devices(self, home: HomeConfig) -> None:
        """Remove the devices of heaters that left the home (they are ours alone)."""
        current = {device.id for device in home.devices}
        if current == self._known_device_ids:
            return
        self._known_device_ids = current
        registry = dr.async_get(self.hass)
        for device_entry in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            ids = {ident for domain, ident in device_entry.identifiers if domain == DOMAIN}
            if ids and not ids & current and self.home_id not in ids:
                LOGGER.debug("Removing device %s, gone from the home", device_entry.id)
                registry.async_remove_device(device_entry.id)
