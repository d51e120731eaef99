"""Diagnostics: useful, with secrets and personal data redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import JSONEncoder
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.diagnostics import async_get_config_entry_diagnostics

from .conftest import CLIENT_ID, CLIENT_SECRET, HOME_ID


async def test_diagnostics_are_redacted(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
) -> None:
    # Serialised as the diagnostics download does it, then read back.
    raw = await async_get_config_entry_diagnostics(hass_tz, init_integration)
    diagnostics = json.loads(json.dumps(raw, cls=JSONEncoder))
    assert diagnostics["entry"]["data"] == {
        "base_url": "**REDACTED**",
        "client_id": "**REDACTED**",
        "client_secret": "**REDACTED**",
    }
    assert diagnostics["entry"]["options"] == {"override_duration": 120}
    (one,) = diagnostics["homes"]
    assert one["home_id"] == HOME_ID
    assert one["last_update_success"] is True
    home = one["home"]
    assert len(home["devices"]) == 8
    assert home["devices"][0]["room_name"] == "**REDACTED**"
    assert home["devices"][0]["current_temperature"] == 19.5
    assert home["gateway"]["token"] == "**REDACTED**"
    assert home["gateway"]["version"] == "3.2.1"
    text = json.dumps(diagnostics)
    for secret in (CLIENT_SECRET, CLIENT_ID, "gw-7f3a9c", "Salon", "127.0.0.1"):
        assert secret not in text
