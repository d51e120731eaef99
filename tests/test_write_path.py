"""Setting a temperature becomes a derogation of the heater's room."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import (
    ATTR_PRESET_MODE,
)
from homeassistant.const import ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.homesmartlink.writes.ledger import Outcome

from .conftest import HOME_ID, advance, home, set_temperature
from .simulator import Fault, Simulator


def _derogations(simulator: Simulator) -> list[Any]:
    return [request.body for request in simulator.requests_to("derogations")]


async def test_set_temperature_places_one_derogation(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    # Monday 10:00, eco 17 °C until 17:00; the default duration (120 min) ends first.
    await set_temperature(hass_tz, "climate.salon_heater_1", 19)
    assert _derogations(simulator) == [
        {
            "derogations": [
                {
                    "homeId": HOME_ID,
                    "roomId": 1,
                    "startTime": 600,
                    "endTime": 720,
                    "delta": 2,
                    "date": "2026-11-23",
                }
            ]
        }
    ]
    # Refreshed right after the call: both heaters of the room follow the shift.
    for entity_id in ("climate.salon_heater_1", "climate.salon_heater_2"):
        state = hass_tz.states.get(entity_id)
        assert state.attributes[ATTR_TEMPERATURE] == 19
        assert state.attributes[ATTR_PRESET_MODE] == "override"
        assert state.attributes["override_delta"] == 2
        assert state.attributes["override_end"] == "2026-11-23T12:00:00+01:00"
        # The reachable range stays around the schedule, not the shifted setpoint.
        assert state.attributes["min_temp"] == 12
        assert state.attributes["max_temp"] == 22
    # Another heater's room is untouched.
    assert hass_tz.states.get("climate.chambre_heater").attributes[ATTR_TEMPERATURE] == 18


async def test_next_delta_counts_our_active_derogation(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await set_temperature(hass_tz, "climate.salon_heater_1", 19)
    await set_temperature(hass_tz, "climate.salon_heater_2", 16)
    deltas = [body["derogations"][0]["delta"] for body in _derogations(simulator)]
    assert deltas == [2, -1]  # against the scheduled 17 °C, not the shifted 19 °C
    assert hass_tz.states.get("climate.salon_heater_1").attributes[ATTR_TEMPERATURE] == 16
    # Back to the schedule: a zero shift replaces ours.
    await set_temperature(hass_tz, "climate.salon_heater_1", 17)
    assert [b["derogations"][0]["delta"] for b in _derogations(simulator)] == [2, -1, 0]
    assert hass_tz.states.get("climate.salon_heater_1").attributes[ATTR_TEMPERATURE] == 17


async def test_same_temperature_without_derogation_sends_nothing(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await set_temperature(hass_tz, "climate.salon_heater_1", 17)
    assert _derogations(simulator) == []


async def test_window_ends_at_the_next_schedule_change(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to("2026-11-23T16:07:00+01:00")
    async_fire_time_changed(hass_tz)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    await set_temperature(hass_tz, "climate.salon_heater_1", 15)
    (body,) = _derogations(simulator)
    assert body["derogations"][0] | {} == {
        "homeId": HOME_ID,
        "roomId": 1,
        "startTime": 965,
        "endTime": 1020,
        "delta": -2,
        "date": "2026-11-23",
    }


async def test_manual_heater_over_midnight(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to("2026-11-23T23:00:00+01:00")
    async_fire_time_changed(hass_tz)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    await set_temperature(hass_tz, "climate.chambre_heater", 20)
    bodies = _derogations(simulator)
    assert [
        (d["date"], d["startTime"], d["endTime"], d["delta"])
        for b in bodies
        for d in b["derogations"]
    ] == [("2026-11-23", 1380, 1440, 2), ("2026-11-24", 0, 60, 2)]


async def test_duration_from_options(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    hass_tz.config_entries.async_update_entry(init_integration, options={"override_duration": 30})
    await hass_tz.async_block_till_done()  # options reload the entry
    await set_temperature(hass_tz, "climate.chambre_heater", 19)
    (body,) = _derogations(simulator)
    assert (body["derogations"][0]["startTime"], body["derogations"][0]["endTime"]) == (600, 630)


@pytest.mark.parametrize(
    ("entity_id", "temperature", "key"),
    [
        # Home Assistant checks the entity's min/max (what a derogation can reach) before us; our
        # own out-of-reach answer is proven where nothing checks first (test_services, bridges).
        ("climate.salon_heater_1", 23, "temp_out_of_range"),
        ("climate.salon_heater_1", 11, "temp_out_of_range"),
        ("climate.veranda_fireplace", 18, "heater_stopped"),
    ],
)
async def test_refused_temperatures_send_nothing(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    entity_id: str,
    temperature: float,
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await set_temperature(hass_tz, entity_id, temperature)
    assert err.value.translation_key == key
    assert _derogations(simulator) == []


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        (Fault(path="derogations", status=401), "authentication_failed"),
        (Fault(path="derogations", status=429), "rate_limited_action"),
        (Fault(path="derogations", status=400), "invalid_response"),
    ],
)
async def test_a_refusal_is_reported_and_holds_nothing(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    fault: Fault,
    key: str,
) -> None:
    simulator.faults.append(fault)
    with pytest.raises(HomeAssistantError) as err:
        await set_temperature(hass_tz, "climate.salon_heater_1", 19)
    assert err.value.translation_key == key
    assert len(simulator.requests_to("derogations")) == 1  # never retried by itself
    # Asked, then refused: in the ledger, never in force.
    ledger = home(init_integration).derogations
    assert [item.outcome for item in ledger.items] == [Outcome.REFUSED]
    assert ledger.for_room(1) == []
    assert hass_tz.states.get("climate.salon_heater_1").attributes[ATTR_PRESET_MODE] == "schedule"


async def test_derogation_survives_a_restart(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_temperature(hass_tz, "climate.salon_heater_1", 19)
    freezer.tick(timedelta(seconds=5))  # past the store's save delay
    async_fire_time_changed(hass_tz)
    await hass_tz.async_block_till_done()
    assert await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.attributes[ATTR_PRESET_MODE] == "override"
    assert state.attributes["override_delta"] == 2
    # And the next temperature still counts it.
    await set_temperature(hass_tz, "climate.salon_heater_1", 18)
    assert [b["derogations"][0]["delta"] for b in _derogations(simulator)] == [2, 1]


async def test_derogation_ends_on_time(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_temperature(hass_tz, "climate.salon_heater_1", 19)
    freezer.move_to("2026-11-23T12:00:30+01:00")
    async_fire_time_changed(hass_tz)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.attributes[ATTR_PRESET_MODE] == "schedule"
    assert "override_delta" not in state.attributes
    assert state.attributes[ATTR_TEMPERATURE] == 17


async def test_debug_log_tells_each_write_its_delivery_and_settling(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A support person reads what each write sent and got, with debug logging on."""
    caplog.set_level(logging.DEBUG, logger="custom_components.homesmartlink")
    await set_temperature(hass_tz, "climate.chambre_heater", 19)
    writes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Write by")]
    trigger = simulator.requests_to("derogations")[-1]
    assert len(writes) == 1
    assert writes[0].startswith("Write by thermostat (call ")
    assert f"homes ['{HOME_ID}'], rooms ['{HOME_ID}/2'], 2026-11-23 10:00-12:00" in writes[0]
    assert "delta [1] -> placed, triggers " in writes[0]
    assert trigger.path == "derogations"
    # The delivery report, once settled, is said too.
    await advance(hass_tz, freezer, 20)
    delivered = [r.getMessage() for r in caplog.records if "Delivery of trigger" in r.getMessage()]
    start_trigger = writes[0].split("triggers ")[1].split("/")[0]
    settled = f"Delivery of trigger {start_trigger} to home {HOME_ID} settled"
    assert delivered == [f"{settled}: 1 of 1 gateways acknowledged"]
    # An answer that is not the documented success: said as uncertain, with no triggers.
    simulator.faults.append(Fault(path="derogations", status=500))
    with pytest.raises(HomeAssistantError):
        await set_temperature(hass_tz, "climate.chambre_heater", 20)
    last = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Write by")][-1]
    assert last.endswith("-> uncertain (uncertain), triggers None/None")
