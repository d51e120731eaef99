"""A cloud that misbehaves: no crash, unavailable while down, one line down and one up, recovery."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from .conftest import HOME_ID, poll
from .simulator import Fault, Simulator

HEATER = "climate.chambre_heater"


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=502, count=4),
        Fault(reset=True, count=8),  # aiohttp may retry a dropped connection once
        Fault(body="<html>Bad gateway</html>", count=4),
        Fault(body='{"reponse": 42}', count=4),
        Fault(body="[]", count=4),
    ],
    # Timeouts are proven on the client (test_api_client.test_timeout), on a real clock: the
    # frozen clock of these tests also stops asyncio's timers.
    ids=["5xx", "reset", "html", "wrong-payload", "not-an-object"],
)
async def test_fault_then_recovery(
    hass_tz: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    mock_config_entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    await hass_tz.async_block_till_done()
    caplog.clear()
    caplog.set_level(logging.INFO, logger="custom_components.homesmartlink")
    simulator.faults.append(fault)
    for _ in range(3):
        await poll(hass_tz, freezer)
        assert hass_tz.states.get(HEATER).state == STATE_UNAVAILABLE
    simulator.faults.clear()
    await poll(hass_tz, freezer)
    assert hass_tz.states.get(HEATER).state == "heat"
    ours = [r for r in caplog.records if r.name.startswith("custom_components.homesmartlink")]
    assert len([r for r in ours if r.levelno >= logging.WARNING]) == 1
    assert len([r for r in ours if "recovered" in r.getMessage()]) == 1
    assert not any(r.exc_info for r in ours)  # no traceback of ours


async def test_wrong_types_in_fields_break_nothing_else(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    chambre = simulator.device(HOME_ID, "B7E8F901")
    chambre.update(
        {
            "sp": "warm",
            "pv": {"value": 1},
            "mode": 3,
            "roomId": "two",
            "softwareVersion": [],
            "lastUpdate": "soon",
            "online": True,
        }
    )
    simulator.add_device(HOME_ID, {"raw": {"header": None, "online": "maybe"}})
    simulator.add_device(HOME_ID, {"raw": "not even an object"})
    salon = simulator.device(HOME_ID, "A1B2C3D4")
    salon["weekSchedule"] = [["garbage"], 5, None, [], [], [], [{"start": "x", "end": 9}]]
    await poll(hass_tz, freezer)
    state = hass_tz.states.get(HEATER)
    assert state.state == "unknown"
    assert state.attributes["current_temperature"] is None
    assert state.attributes["temperature"] is None
    # The rest of the home is untouched.
    assert hass_tz.states.get("climate.bureau_heater").attributes["current_temperature"] == 12.4
    assert hass_tz.states.get("climate.salon_heater_1").attributes["comfort_ranges_today"] == []


async def test_devices_flipping_in_and_out(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    record = simulator.device(HOME_ID, "D15EA5E0")
    for _ in range(3):
        simulator.remove_device(HOME_ID, "D15EA5E0")
        await poll(hass_tz, freezer)
        assert hass_tz.states.get("climate.bureau_heater") is None
        simulator.add_device(HOME_ID, record)
        await poll(hass_tz, freezer)
        assert hass_tz.states.get("climate.bureau_heater").attributes["current_temperature"] == 12.4


async def test_gateway_offline_for_days(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    for device in simulator.homes[HOME_ID]["devices"]:
        device["online"] = False
    simulator.homes[HOME_ID]["gateway"]["lastPing"] = "2026-11-12T06:00:00Z"
    await poll(hass_tz, freezer)
    gateway = "binary_sensor.homesmartlink_gateway_home_demo_1_connectivity"
    assert hass_tz.states.get(gateway).state == STATE_OFF
    assert hass_tz.states.get(HEATER).state == STATE_UNAVAILABLE
    assert hass_tz.states.get("binary_sensor.chambre_heater_connectivity").state == STATE_OFF
    ping = hass_tz.states.get("sensor.homesmartlink_gateway_home_demo_1_last_ping")
    assert ping.state == "2026-11-12T06:00:00+00:00"
