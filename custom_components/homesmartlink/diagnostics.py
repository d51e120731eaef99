"""Diagnostics of an entry: settings and home snapshot, secrets and personal data redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads

from .const import CONF_BASE_URL, CONF_SBER_KEY, CONF_YANGO_SKILL_TOKEN
from .coordinator import HomeSmartlinkConfigEntry

TO_REDACT = {
    CONF_BASE_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_YANGO_SKILL_TOKEN,
    CONF_SBER_KEY,
    "token",
    "room_name",
    "email",
    "first_name",
    "last_name",
    "address",
    "zip_code",
    "city",
    "prm_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeSmartlinkConfigEntry
) -> dict[str, Any]:
    """The entry's settings and what the last poll returned."""
    coordinator = entry.runtime_data.coordinator
    home = coordinator.data
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "last_update_success": coordinator.last_update_success,
        "sber": entry.runtime_data.sber.diagnostics() if entry.runtime_data.sber else None,
        # Through JSON first: the snapshot holds tuples and datetimes that redaction skips.
        "home": async_redact_data(
            cast(
                dict[str, Any],
                json_loads(
                    json_dumps(
                        {
                            "devices": [asdict(device) for device in home.devices],
                            "gateway": asdict(home.gateway) if home.gateway else None,
                            "skipped_devices": home.skipped_devices,
                        }
                    )
                ),
            ),
            TO_REDACT,
        ),
    }
