"""The OpenADR VEN (optional): events from a demand-response program become campaigns.

A plug-in of the core (`plugins.py`), as the voice bridges are: the core starts it for an account
whose options turn it on, and stops it with the account (and with Home Assistant).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback

from ..coordinator import HomeSmartlinkConfigEntry
from .entities import PLUGIN_NAME
from .settings import ven_settings
from .ven import Ven


class VenPlugin:
    """The account's OpenADR VEN (PROTOCOLS.md §5)."""

    name = PLUGIN_NAME

    def async_register(self, hass: HomeAssistant) -> None:
        """Nothing to serve: the VEN polls its VTN."""

    async def async_start(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> Ven | None:
        """Connect to the VTN when the account's options turn the VEN on."""
        account: HomeSmartlinkConfigEntry = entry
        settings = ven_settings(account.options, account.data)
        if settings is None:
            return None
        ven = Ven(hass, account, settings)
        account.async_on_unload(ven.async_start())

        @callback
        def stopping(_: Event) -> None:
            hass.async_create_task(ven.async_stop(), eager_start=True)

        account.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stopping))
        return ven

    async def async_forget_home(self, hass: HomeAssistant, subentry_id: str) -> None:
        """The VEN keeps nothing per home."""
