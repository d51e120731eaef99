"""The remembered derogations: persisted, tolerant of a damaged file, removed with the entry."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import home
from .simulator import Simulator


async def test_damaged_records_are_skipped(
    hass_tz: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    simulator: Simulator,
) -> None:
    good = {
        "home_id": "home-demo-1",
        "room_id": 2,
        "day": "2026-11-23",
        "start": 540,
        "end": 720,
        "delta": -2,
        "base_setpoint": None,
        "start_trigger": "s",
        "end_trigger": "e",
        "placed_at": "2026-11-23T08:59:00+01:00",
    }
    hass_storage["homesmartlink.sub-home-demo-1.derogations"] = {
        "version": 1,
        "key": "homesmartlink.sub-home-demo-1.derogations",
        "data": {"derogations": [good, {**good, "day": "yesterday"}, {"room_id": 1}, "junk"]},
    }
    mock_config_entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    await hass_tz.async_block_till_done()
    items = home(mock_config_entry).derogations.items
    assert len(items) == 1
    assert items[0].delta == -2
    state = hass_tz.states.get("climate.chambre_heater")
    assert state.attributes["preset_mode"] == "override"
    assert state.attributes["override_delta"] == -2


async def test_store_removed_with_the_entry(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    key = "homesmartlink.sub-home-demo-1.derogations"
    hass_storage[key] = {"version": 1, "key": key, "data": {"derogations": []}}
    await hass_tz.config_entries.async_remove(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    assert key not in hass_storage
