"""The Yango bridge as a plug-in of the core: its endpoint, and its notifiers per home."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..const import (
    CONF_YANGO,
    CONF_YANGO_DIALOGS_URL,
    CONF_YANGO_SKILL_ID,
    CONF_YANGO_SKILL_TOKEN,
    DEFAULT_YANGO_DIALOGS_URL,
)
from ..coordinator import HomeSmartlinkConfigEntry
from .pipeline import async_serve
from .yango_notifier import YangoNotifier, YangoSkill
from .yango_views import ENDPOINTS, URL_PREFIX, refuse


@dataclass
class YangoLink:
    """The notifiers of an account's homes (none without a skill: the endpoint still answers)."""

    notifiers: dict[str, YangoNotifier] = field(default_factory=dict)

    def home_diagnostics(self, subentry_id: str) -> dict[str, Any] | None:
        """Whether the home's changes are pushed (a skill is set), and how the pushes fare."""
        notifier = self.notifiers.get(subentry_id)
        return {
            "pushes_changes": notifier is not None,
            "failures_in_a_row": notifier.sync.outage.failures if notifier is not None else 0,
        }


class YangoPlugin:
    """Yango Smart Home (PROTOCOLS.md §3)."""

    name = "yango"

    def async_register(self, hass: HomeAssistant) -> None:
        """Serve the provider endpoint."""
        async_serve(hass, "Yango", URL_PREFIX, ENDPOINTS, refuse)

    async def async_start(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> YangoLink | None:
        """Notify the platform of each home's changes when a skill is configured."""
        account: HomeSmartlinkConfigEntry = entry
        options = account.options
        if not options.get(CONF_YANGO):
            return None
        link = YangoLink()
        if options.get(CONF_YANGO_SKILL_ID) and account.data.get(CONF_YANGO_SKILL_TOKEN):
            skill = YangoSkill(
                options.get(CONF_YANGO_DIALOGS_URL, DEFAULT_YANGO_DIALOGS_URL),
                options[CONF_YANGO_SKILL_ID],
                account.data[CONF_YANGO_SKILL_TOKEN],
            )
            for subentry_id, home in account.runtime_data.homes.items():
                notifier = link.notifiers[subentry_id] = YangoNotifier(hass, home, skill)
                account.async_on_unload(notifier.async_start())
        return link

    async def async_forget_home(self, hass: HomeAssistant, subentry_id: str) -> None:
        """Nothing is stored per home."""
