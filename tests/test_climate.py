"""Climate entities: mode mapping, readings, schedule attributes, and honest refusals."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import (
    ATTR_PRESET_MODE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_PRESET_MODE,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from .conftest import HOME_ID, poll
from .simulator import Simulator


@pytest.mark.parametrize(
    ("entity_id", "hvac", "preset", "current", "target"),
    [
        ("climate.salon_heater_1", "auto", "schedule", 19.5, 17.0),
        ("climate.salon_heater_2", "auto", "schedule", 19.1, 17.0),
        ("climate.chambre_heater", "heat", "manual", 18.2, 18.0),
        ("climate.bureau_heater", "heat", "antifreeze", 12.4, 7.0),
        ("climate.veranda_fireplace", "off", "stop", 15.0, None),
        ("climate.salle_de_bain_towel_dryer", "auto", "schedule", 21.0, 18.0),
    ],
)
async def test_heater_states(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_id: str,
    hvac: str,
    preset: str | None,
    current: float,
    target: float | None,
) -> None:
    state = hass_tz.states.get(entity_id)
    assert state is not None
    assert state.state == hvac
    assert state.attributes[ATTR_PRESET_MODE] == preset
    assert state.attributes["current_temperature"] == current
    assert state.attributes[ATTR_TEMPERATURE] == target
    # Only the mode it is in: the cloud cannot change it (presets: test_overrides).
    assert state.attributes["hvac_modes"] == [hvac]


async def test_offline_heater_is_unavailable(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass_tz.states.get("climate.cave_furnace").state == STATE_UNAVAILABLE


async def test_gateway_and_modules_get_no_climate(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    climates = hass_tz.states.async_entity_ids(CLIMATE_DOMAIN)
    assert len(climates) == 7  # seven heaters; the listed gateway is the hub, not a heater


async def test_unknown_mode(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.device(HOME_ID, "B7E8F901")["mode"] = "Boost"
    await poll(hass_tz, freezer)
    state = hass_tz.states.get("climate.chambre_heater")
    assert state.state == "unknown"
    assert state.attributes[ATTR_PRESET_MODE] is None
    assert state.attributes["current_temperature"] == 18.2


async def test_schedule_attributes_follow_the_clock(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.attributes["comfort_ranges_today"] == [
        {"start": "06:00", "end": "08:30"},
        {"start": "17:00", "end": "23:00"},
    ]
    assert state.attributes["next_change"] == "2026-11-23T17:00:00+01:00"
    assert state.attributes["next_change_to"] == "comfort"
    # At 17:00 the attributes move on to the evening range.
    simulator.faults.clear()
    freezer.move_to("2026-11-23T17:00:00+01:00")
    async_fire_time_changed(hass_tz)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.attributes["next_change"] == "2026-11-23T23:00:00+01:00"
    assert state.attributes["next_change_to"] == "eco"
    # Saturday's single range shows on Saturday.
    freezer.move_to("2026-11-28T09:00:00+01:00")
    async_fire_time_changed(hass_tz)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.attributes["comfort_ranges_today"] == [{"start": "08:00", "end": "23:00"}]


async def test_no_schedule_attributes_outside_prog(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert "next_change" not in hass_tz.states.get("climate.chambre_heater").attributes
    device = simulator.device(HOME_ID, "A1B2C3D4")
    device["mode"] = "Manual"
    device["sp"] = 19
    await poll(hass_tz, freezer)
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.state == "heat"
    assert "next_change" not in state.attributes
    # An always-comfort week has no next change but still lists today's range.
    device["mode"] = "Prog"
    device["weekSchedule"] = [[{"start": 0, "end": 1440}]] * 7
    await poll(hass_tz, freezer)
    state = hass_tz.states.get("climate.salon_heater_1")
    assert state.attributes["next_change"] is None
    assert state.attributes["next_change_to"] is None
    assert state.attributes["comfort_ranges_today"] == [{"start": "00:00", "end": "24:00"}]


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        (SERVICE_SET_PRESET_MODE, {ATTR_PRESET_MODE: "schedule"}, "not_valid_preset_mode"),
    ],
)
async def test_controls_the_cloud_cannot_perform_are_refused(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    service: str,
    data: dict[str, object],
    key: str,
) -> None:
    simulator.requests.clear()
    with pytest.raises(ServiceValidationError) as err:
        await hass_tz.services.async_call(
            CLIMATE_DOMAIN,
            service,
            {ATTR_ENTITY_ID: "climate.chambre_heater", **data},
            blocking=True,
        )
    # Not offered, so Home Assistant itself refuses it before it reaches us.
    assert err.value.translation_key == key
    assert err.value.translation_domain == "climate"
    assert simulator.requests == []
