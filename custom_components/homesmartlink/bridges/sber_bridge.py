"""The Sber bridge as a plug-in of the core: its webhooks, its action, its sync per home."""

from __future__ import annotations

from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..compat import schema
from ..const import CONF_SBER, CONF_SBER_CA, CONF_SBER_KEY, CONF_SBER_URL, DEFAULT_SBER_URL, DOMAIN
from ..coordinator import HomeSmartlinkConfigEntry
from ..errors import validation_error
from ..targets import ATTR_CONFIG_ENTRY_ID, ATTR_HOME_ID, account_homes, loaded_entry
from .pipeline import async_serve
from .sber_client import SberClient
from .sber_sync import PLUGIN_NAME, SberLink, SberSync, async_remove_store
from .sber_tls import async_sber_session
from .sber_views import ENDPOINTS, URL_PREFIX, refuse

SERVICE_SYNC_SBER = "sync_sber"
SYNC_SCHEMA = schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Optional(ATTR_HOME_ID): cv.string}
)


async def _async_sync_sber(call: ServiceCall) -> ServiceResponse:
    """`sync_sber`: send everything of an account's homes (or one of them) to Sber now."""
    entry = loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    link = entry.runtime_data.bridges.get(SberPlugin.name)
    homes = account_homes(entry, call.data.get(ATTR_HOME_ID))
    syncs = cast(SberLink, link).syncs if link is not None else {}
    if not syncs:
        raise validation_error("sber_not_enabled", account=entry.title)
    reports: dict[str, Any] = {}
    for home in homes:
        if (sync := syncs.get(home.subentry_id)) is None:
            continue
        report = await sync.async_sync_all()
        if report.error is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="sber_sync_error",
                translation_placeholders={"reason": report.error},
            )
        reports[home.home_id] = report.as_dict()
    return {"homes": reports}


class SberPlugin:
    """Sber Smart Home (PROTOCOLS.md §2)."""

    name = PLUGIN_NAME

    def async_register(self, hass: HomeAssistant) -> None:
        """Serve the webhooks and register `sync_sber`."""
        async_serve(hass, "Sber", URL_PREFIX, ENDPOINTS, refuse)
        hass.services.async_register(
            DOMAIN,
            SERVICE_SYNC_SBER,
            _async_sync_sber,
            schema=SYNC_SCHEMA,
            supports_response=SupportsResponse.OPTIONAL,
        )

    async def async_start(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> SberLink | None:
        """Keep each home in sync with Sber when the bridge is on and has a vendor key."""
        account: HomeSmartlinkConfigEntry = entry
        options = account.options
        if not options.get(CONF_SBER) or not account.data.get(CONF_SBER_KEY):
            return None
        session = await async_sber_session(hass, account, options.get(CONF_SBER_CA))
        client = SberClient(
            session, options.get(CONF_SBER_URL, DEFAULT_SBER_URL), account.data[CONF_SBER_KEY]
        )
        link = SberLink()
        for subentry_id, home in account.runtime_data.homes.items():
            sync = link.syncs[subentry_id] = SberSync(hass, home, client)
            await sync.async_load()
            account.async_on_unload(sync.async_start())
        return link

    async def async_forget_home(self, hass: HomeAssistant, subentry_id: str) -> None:
        """Delete what the home had sent to Sber."""
        await async_remove_store(hass, subentry_id)
