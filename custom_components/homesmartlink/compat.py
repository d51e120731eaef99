"""What differs between the supported Home Assistant releases (2025.4 and newer), in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant import config_entries
from homeassistant.core import HomeAssistant, callback

# 2025.8+: an options flow derived from OptionsFlowWithReload reloads its entry when it saves new
# options, and an update listener beside it is refused (and, next to a reconfigure flow, reported
# as breaking in 2026.12). Before 2025.8 the entry reloads through an update listener instead.
OPTIONS_FLOW_RELOADS: Final = hasattr(config_entries, "OptionsFlowWithReload")

if TYPE_CHECKING:
    ReloadingOptionsFlow = config_entries.OptionsFlow
else:
    ReloadingOptionsFlow = getattr(
        config_entries, "OptionsFlowWithReload", config_entries.OptionsFlow
    )


@callback
def async_reload_on_new_options(hass: HomeAssistant, entry: config_entries.ConfigEntry) -> None:
    """Before 2025.8: reload the entry when its saved options change, like OptionsFlowWithReload.

    Only for options: reauthenticate and reconfigure already reload through
    `async_update_reload_and_abort`, and a listener reacting to their data too would reload twice.
    """
    loaded_with = dict(entry.options)

    async def _options_saved(hass: HomeAssistant, entry: config_entries.ConfigEntry) -> None:
        if entry.options != loaded_with:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(_options_saved))
