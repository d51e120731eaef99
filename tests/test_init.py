"""Set-up, unload and the coordinator: one request per poll, no writes when nothing changed."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.homesmartlink import async_remove_config_entry_device
from custom_components.homesmartlink.const import CONF_BASE_URL, DOMAIN

from .conftest import HOME_ID, poll, record_state_writes, registry_device
from .simulator import Fault, Simulator

NEW_HEATER = {
    "header": "NEW00001",
    "roomId": 7,
    "roomName": "Grenier",
    "softwareVersion": 420,
    "category": "Heater",
    "online": True,
    "mode": "Manual",
    "pv": "16.0",
    "sp": 16,
    "lastUpdate": "2026-11-22T23:55:00Z",
}


def _device(
    registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: str
) -> dr.DeviceEntry | None:
    """The entry's device with this identifier (works on every supported release)."""
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if (DOMAIN, identifier) in device.identifiers:
            return device
    return None


async def test_setup_and_unload(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    assert len(simulator.requests_to("config")) == 1
    assert await hass_tz.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_one_request_per_poll_and_no_write_when_unchanged(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.requests.clear()
    writes = record_state_writes(hass_tz)
    for _ in range(3):
        await poll(hass_tz, freezer)
    assert [r.path for r in simulator.requests] == ["config"] * 3
    assert writes == []
    # A change in the cloud is written, once, to the entities it concerns.
    simulator.device(HOME_ID, "B7E8F901")["pv"] = "18.6"
    await poll(hass_tz, freezer)
    changed = {event.data["entity_id"] for event in writes}
    # Only the entities of the heater that changed are written, not the whole home's.
    assert {"sensor.chambre_heater_temperature", "climate.chambre_heater"} <= changed
    assert all("chambre_heater" in entity_id for entity_id in changed)
    assert hass_tz.states.get("sensor.chambre_heater_temperature").state == "18.6"
    assert hass_tz.states.get("climate.chambre_heater").attributes["current_temperature"] == 18.6


async def test_setup_retries_when_cloud_down(
    hass_tz: HomeAssistant, mock_config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.faults.append(Fault(status=503))
    mock_config_entry.add_to_hass(hass_tz)
    await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_auth_failure_at_setup_starts_reauth(
    hass_tz: HomeAssistant, mock_config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.partners["demo-partner"] = "rotated"
    mock_config_entry.add_to_hass(hass_tz)
    await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass_tz.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_auth_failure_while_polling_starts_reauth(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.partners["demo-partner"] = "rotated"
    await poll(hass_tz, freezer)
    flows = hass_tz.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass_tz.states.get("climate.chambre_heater").state == STATE_UNAVAILABLE


async def test_outage_logged_once_down_and_once_up(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.homesmartlink")
    simulator.faults.append(Fault(status=500, count=3))
    for _ in range(3):
        await poll(hass_tz, freezer)
        assert hass_tz.states.get("climate.chambre_heater").state == STATE_UNAVAILABLE
        assert hass_tz.states.get("sensor.chambre_heater_temperature").state == STATE_UNAVAILABLE
    await poll(hass_tz, freezer)
    assert hass_tz.states.get("climate.chambre_heater").state == "heat"
    ours = [r for r in caplog.records if r.name.startswith("custom_components.homesmartlink")]
    down = [r for r in ours if r.levelno >= logging.WARNING]
    up = [r for r in ours if "recovered" in r.getMessage()]
    assert len(down) == 1
    assert "Server error 500" in down[0].getMessage()
    assert len(up) == 1


async def test_rate_limit_is_honoured(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.faults.append(Fault(status=429, retry_after="150"))
    simulator.requests.clear()
    await poll(hass_tz, freezer)  # t+61: answered 429, wait until t+211
    await poll(hass_tz, freezer)  # t+122: nothing sent
    await poll(hass_tz, freezer)  # t+183: nothing sent
    assert len(simulator.requests_to("config")) == 1
    assert hass_tz.states.get("climate.chambre_heater").state == STATE_UNAVAILABLE
    await poll(hass_tz, freezer)  # t+244: allowed again
    assert len(simulator.requests_to("config")) == 2
    assert hass_tz.states.get("climate.chambre_heater").state == "heat"


async def test_rate_limit_without_retry_after_waits_one_interval(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.faults.append(Fault(status=429))
    simulator.requests.clear()
    await poll(hass_tz, freezer)
    await poll(hass_tz, freezer)
    assert len(simulator.requests_to("config")) == 2
    assert hass_tz.states.get("climate.chambre_heater").state == "heat"


async def test_new_heater_appears_and_gone_heater_is_removed(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    simulator.add_device(HOME_ID, NEW_HEATER)
    await poll(hass_tz, freezer)
    state = hass_tz.states.get("climate.grenier_heater")
    assert state is not None
    assert state.attributes["current_temperature"] == 16.0
    assert _device(device_registry, init_integration, "NEW00001") is not None

    simulator.remove_device(HOME_ID, "NEW00001")
    await poll(hass_tz, freezer)
    assert _device(device_registry, init_integration, "NEW00001") is None
    assert entity_registry.async_get("climate.grenier_heater") is None
    assert hass_tz.states.get("climate.grenier_heater") is None
    # The gateway and the other heaters stay.
    assert _device(device_registry, init_integration, HOME_ID) is not None
    assert _device(device_registry, init_integration, "B7E8F901") is not None

    # A heater that comes back gets its entities again.
    simulator.add_device(HOME_ID, NEW_HEATER)
    await poll(hass_tz, freezer)
    assert hass_tz.states.get("climate.grenier_heater") is not None


async def test_remove_config_entry_device(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    listed = _device(device_registry, init_integration, "B7E8F901")
    gateway = _device(device_registry, init_integration, HOME_ID)
    assert listed is not None
    assert gateway is not None
    assert not await async_remove_config_entry_device(hass_tz, init_integration, listed)
    assert not await async_remove_config_entry_device(hass_tz, init_integration, gateway)
    stale = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "OLD")}
    )
    assert await async_remove_config_entry_device(hass_tz, init_integration, stale)


async def test_device_names_follow_the_cloud(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A room renamed in the app renames its heaters; a name given in Home Assistant stays."""
    registry = dr.async_get(hass_tz)

    def names() -> dict[str, tuple[str | None, str | None, str | None]]:
        return {
            identifier: (device.name, device.name_by_user, device.sw_version)
            for device in dr.async_entries_for_config_entry(registry, init_integration.entry_id)
            for domain, identifier in device.identifiers
            if domain == "homesmartlink"
        }

    salon_2 = registry_device(hass_tz, init_integration, "A1B2C3D5")
    registry.async_update_device(salon_2.id, name_by_user="Sofa heater")
    assert names()["B7E8F901"] == ("Chambre heater", None, "398")
    simulator.device(HOME_ID, "B7E8F901")["roomName"] = "Grenier"
    simulator.device(HOME_ID, "B7E8F901")["softwareVersion"] = 399
    simulator.device(HOME_ID, "A1B2C3D4")["roomName"] = "Séjour"
    simulator.device(HOME_ID, "A1B2C3D5")["roomName"] = "Séjour"
    await poll(hass_tz, freezer)
    after = names()
    assert after["B7E8F901"] == ("Grenier heater", None, "399")
    assert after["A1B2C3D4"] == ("Séjour heater 1", None, "412")
    assert after["A1B2C3D5"] == ("Séjour heater 2", "Sofa heater", "412")
    assert after["C0FFEE01"][0] == "Salle de bain towel dryer"
    # Entity ids stay: automations keep working.
    assert hass_tz.states.get("climate.chambre_heater") is not None


async def _save_options(hass: HomeAssistant, entry: MockConfigEntry, duration: float) -> None:
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {
            "override_duration": duration,
            "yango_bridge": {"yango": False, "yango_dialogs_url": "https://dialogs.yango.com"},
            "sber_bridge": {"sber": False, "sber_url": "https://partners.iot.sberdevices.ru"},
            "openadr_ven": {"openadr": False},
        },
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()


async def test_each_flow_reloads_the_entry_once(
    hass_tz: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """New options reload once, unchanged ones not at all; reauth and reconfigure reload once.

    Each set-up asks the cloud for each home once; the flows check credentials with the users
    call. One update listener reloads the account, on every leg.
    """
    entry = init_integration
    setups = len(simulator.requests_to("config"))
    await _save_options(hass_tz, entry, 45)
    assert len(simulator.requests_to("config")) == setups + 1
    await _save_options(hass_tz, entry, 45)
    assert len(simulator.requests_to("config")) == setups + 1
    for start, user_input in (
        (entry.start_reauth_flow, {CONF_CLIENT_ID: "demo-partner", CONF_CLIENT_SECRET: "rotated"}),
        (
            entry.start_reconfigure_flow,
            {
                CONF_BASE_URL: entry.data[CONF_BASE_URL],
                CONF_CLIENT_ID: "demo-partner",
                CONF_CLIENT_SECRET: "rotated-again",
            },
        ),
    ):
        simulator.partners["demo-partner"] = user_input[CONF_CLIENT_SECRET]
        flow = await start(hass_tz)
        before = len(simulator.requests_to("config"))
        result = await hass_tz.config_entries.flow.async_configure(flow["flow_id"], user_input)
        assert result["type"] == "abort"
        await hass_tz.async_block_till_done()
        assert len(simulator.requests_to("config")) == before + 1
        assert simulator.requests_to("config")[-1].client == user_input[CONF_CLIENT_ID]
        assert entry.state is ConfigEntryState.LOADED
