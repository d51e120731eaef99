"""The small interface between the core and the optional bridges (voice platforms).

The core never imports a bridge: `bridges/__init__.py` lists the plug-ins, `__init__.py` calls
them through this interface, and an account's run-time data holds what they started by it.
"""

from __future__ import annotations

from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant


class BridgeLink(Protocol):
    """A bridge running for one account (its stops are registered on the entry's unload)."""

    def home_diagnostics(self, subentry_id: str) -> dict[str, Any] | None:
        """What the bridge holds for one home, for the diagnostics download."""


class BridgePlugin(Protocol):
    """One voice platform's bridge."""

    name: str

    def async_register(self, hass: HomeAssistant) -> None:
        """Serve its endpoints and register its actions (once, from `async_setup`)."""

    async def async_start(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> BridgeLink | None:
        """Start for a loaded account; None when the account's options leave it off."""

    async def async_forget_home(self, hass: HomeAssistant, subentry_id: str) -> None:
        """Delete what it stored for a home that was removed."""
