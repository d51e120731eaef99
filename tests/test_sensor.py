"""Sensors and connectivity binary sensors of heaters and the gateway."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from .conftest import HOME_ID, poll
from .simulator import Simulator

GATEWAY = "homesmartlink_gateway_home_demo_1"


async def test_heater_sensors(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    temperature = hass_tz.states.get("sensor.salon_heater_1_temperature")
    assert temperature.state == "19.5"
    assert temperature.attributes["unit_of_measurement"] == "°C"
    assert temperature.attributes["state_class"] == "measurement"
    assert temperature.attributes["device_class"] == "temperature"
    assert entity_registry.async_get("sensor.salon_heater_1_temperature").unique_id == (
        "A1B2C3D4_temperature"
    )
    # The last report of each heater is a diagnostic, off until the user enables it.
    report = entity_registry.async_get("sensor.salon_heater_1_last_report")
    assert report.entity_category == "diagnostic"
    assert report.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass_tz.states.get("sensor.salon_heater_1_last_report") is None


async def test_last_report_when_enabled(
    hass_tz: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    entity_registry.async_get_or_create(
        "sensor",
        "homesmartlink",
        "A1B2C3D4_last_update",
        suggested_object_id="salon_heater_1_last_report",
    )
    mock_config_entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    await hass_tz.async_block_till_done()
    report = hass_tz.states.get("sensor.salon_heater_1_last_report")
    assert report.state == "2026-11-22T23:55:00+00:00"
    assert hass_tz.states.get("sensor.cave_furnace_temperature").state == STATE_UNAVAILABLE


async def test_unreadable_temperature_is_unknown(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.device(HOME_ID, "A1B2C3D4")["pv"] = ""
    await poll(hass_tz, freezer)
    assert hass_tz.states.get("sensor.salon_heater_1_temperature").state == STATE_UNKNOWN
    assert hass_tz.states.get("climate.salon_heater_1").attributes["current_temperature"] is None


async def test_gateway_sensors(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert hass_tz.states.get(f"sensor.{GATEWAY}_gateway_version").state == "3.2.1"
    assert hass_tz.states.get(f"sensor.{GATEWAY}_last_ping").state == "2026-11-20T06:41:12+00:00"
    del simulator.homes[HOME_ID]["gateway"]
    await poll(hass_tz, freezer)
    assert hass_tz.states.get(f"sensor.{GATEWAY}_gateway_version").state == STATE_UNKNOWN
    assert hass_tz.states.get(f"sensor.{GATEWAY}_last_ping").state == STATE_UNKNOWN


async def test_connectivity(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert hass_tz.states.get("binary_sensor.salon_heater_1_connectivity").state == STATE_ON
    # An offline heater stays available: its connectivity is what it tells.
    assert hass_tz.states.get("binary_sensor.cave_furnace_connectivity").state == STATE_OFF
    gateway = f"binary_sensor.{GATEWAY}_connectivity"
    assert hass_tz.states.get(gateway).state == STATE_ON
    # The listed gateway device decides while the home lists one...
    simulator.device(HOME_ID, "GW000001")["online"] = False
    await poll(hass_tz, freezer)
    assert hass_tz.states.get(gateway).state == STATE_OFF
    # ...otherwise any online device shows the gateway relays.
    simulator.remove_device(HOME_ID, "GW000001")
    await poll(hass_tz, freezer)
    assert hass_tz.states.get(gateway).state == STATE_ON
    for device in simulator.homes[HOME_ID]["devices"]:
        device["online"] = False
    await poll(hass_tz, freezer)
    assert hass_tz.states.get(gateway).state == STATE_OFF
    assert hass_tz.states.get("binary_sensor.salon_heater_1_connectivity").state == STATE_OFF
    assert hass_tz.states.get("climate.salon_heater_1").state == STATE_UNAVAILABLE


async def test_module_gets_connectivity_only(
    hass_tz: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    simulator.add_device(
        HOME_ID,
        {
            "header": "MOD00001",
            "roomId": 2,
            "roomName": "Chambre",
            "softwareVersion": 1,
            "category": "Module",
            "online": True,
        },
    )
    simulator.add_device(
        HOME_ID,
        {
            "header": "ODD00001",
            "roomName": None,
            "softwareVersion": None,
            "category": "Teleporter",
            "online": True,
        },
    )
    mock_config_entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    await hass_tz.async_block_till_done()
    assert hass_tz.states.get("binary_sensor.chambre_module_connectivity").state == STATE_ON
    assert hass_tz.states.get("climate.chambre_module") is None
    assert hass_tz.states.get("binary_sensor.device_connectivity").state == STATE_ON
