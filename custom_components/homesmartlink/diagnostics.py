"""Diagnostics of an account: settings and every home's snapshot, secrets and personal data out."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any, cast

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .campaigns.model import campaign_data
from .const import (
    CONF_BASE_URL,
    CONF_OPENADR_CERT,
    CONF_OPENADR_KEY,
    CONF_OPENADR_VEN_NAME,
    CONF_OPENADR_VTN_URL,
    CONF_SBER_KEY,
    CONF_YANGO_SKILL_TOKEN,
)
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome, account_zone
from .openadr.entities import ven_of

TO_REDACT = {
    CONF_BASE_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_YANGO_SKILL_TOKEN,
    CONF_SBER_KEY,
    CONF_OPENADR_CERT,
    CONF_OPENADR_KEY,
    CONF_OPENADR_VTN_URL,
    CONF_OPENADR_VEN_NAME,
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
    """The account's settings and, per home, what its last poll returned."""
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "homes": [_home(home) for home in entry.runtime_data.homes.values()],
        # Campaigns hold ids, times and figures only (no personal data).
        "campaigns": [
            campaign_data(campaign, dt_util.utcnow(), account_zone(entry))
            for campaign in entry.runtime_data.campaigns.campaigns.values()
        ],
        "campaign_records_dropped": entry.runtime_data.campaigns.dropped,
        # The OpenADR VEN, when on: registration, reachability, the last event's answer (ids).
        "openadr": ven.diagnostics() if (ven := ven_of(entry)) is not None else None,
    }


def _home(home: HomeSmartlinkHome) -> dict[str, Any]:
    coordinator = home.coordinator
    snapshot = coordinator.data
    return {
        "home_id": home.home_id,
        "last_update_success": coordinator.last_update_success,
        # Whether the home takes part in demand response (its switch).
        "demand_response": home.participating,
        # What the ledger holds (counts by outcome) and what it dropped as damaged at load.
        "ledger": {
            "outcomes": dict(
                sorted(Counter(r.outcome.value for r in home.derogations.items).items())
            ),
            "dropped": home.derogations.dropped,
            "unreadable": home.derogations.damage is not None,
        },
        "learned_setpoints": {
            device.id: dict(zip(("comfort", "eco"), home.setpoints.of(device.id), strict=True))
            for device in snapshot.heaters
        },
        "bridges": {
            name: link.home_diagnostics(home.subentry_id)
            for name, link in home.entry.runtime_data.bridges.items()
        },
        # Through JSON first: the snapshot holds tuples and datetimes that redaction skips.
        "home": async_redact_data(
            cast(
                dict[str, Any],
                json_loads(
                    json_dumps(
                        {
                            "devices": [asdict(device) for device in snapshot.devices],
                            "gateway": asdict(snapshot.gateway) if snapshot.gateway else None,
                            "skipped_devices": snapshot.skipped_devices,
                        }
                    )
                ),
            ),
            TO_REDACT,
        ),
    }
