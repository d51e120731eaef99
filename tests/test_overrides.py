"""Overrides people expect: for how long, until when, back to the schedule (issue 16).

Monday 2026-11-23 10:00 in Paris. The living room (Salon, room 1, two heaters) is in eco (17 °C)
until 17:00, then in comfort (20 °C) until 23:00; comfort again 06:00-08:30 on weekdays.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import ATTR_HVAC_MODES, ATTR_PRESET_MODE, ATTR_PRESET_MODES
from homeassistant.const import ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar, device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.const import DOMAIN

from .conftest import (
    HOME_ID,
    account_of_homes,
    advance,
    home,
    registry_device,
    set_temperature,
    user_area,
)
from .simulator import Simulator

SALON = "climate.salon_heater_1"
DAYS_3 = timedelta(days=3)


def _sent(simulator: Simulator) -> list[list[dict[str, Any]]]:
    return [request.body["derogations"] for request in simulator.requests_to("derogations")]


def _windows(simulator: Simulator) -> list[tuple[int, int, list[str], set[int]]]:
    """Each request as (start, end, dates, deltas)."""
    return [
        (
            items[0]["startTime"],
            items[0]["endTime"],
            sorted({item["date"] for item in items}),
            {item["delta"] for item in items},
        )
        for items in _sent(simulator)
    ]


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return response


async def _preset(hass: HomeAssistant, entity_id: str, preset: str) -> None:
    await hass.services.async_call(
        "climate",
        "set_preset_mode",
        {"entity_id": entity_id, ATTR_PRESET_MODE: preset},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_delta_override_of_two_homes_for_three_days_is_three_requests(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    entry = await account_of_homes(hass_tz, simulator, 2)
    # Several homes: no area is made of their rooms; the user put both living rooms together.
    assert ar.async_get(hass_tz).async_get_area_by_name("Salon") is None
    salon = user_area(hass_tz, entry, "Salon")
    response = await _call(
        hass_tz,
        "override",
        {"area_id": salon, "delta": -2, "duration": {"days": 3}},
    )
    assert _windows(simulator) == [
        (600, 1440, ["2026-11-23"], {-2}),
        (0, 1440, ["2026-11-24", "2026-11-25"], {-2}),
        (0, 600, ["2026-11-26"], {-2}),
    ]
    # Two rooms (one per home) in each, each full day its own item.
    assert [len(items) for items in _sent(simulator)] == [2, 4, 2]
    assert [r["rooms"] for r in response["requests"]] == [2, 2, 2]
    assert response["requests"][1]["dates"] == ["2026-11-24", "2026-11-25"]
    for home_id in ("home-demo-1", "home-demo-2"):
        assert {item["homeId"] for items in _sent(simulator) for item in items} >= {home_id}
    state = hass_tz.states.get("climate.home_demo_1_salon_heater_1")
    assert state.attributes[ATTR_PRESET_MODE] == "override"


async def test_a_fourteen_day_override_is_three_requests_and_fifteen_is_refused(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "override", {"entity_id": SALON, "delta": 1, "duration": {"days": 15}})
    assert err.value.translation_key == "span_too_long"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz, "override", {"entity_id": SALON, "delta": 1, "until": "2026-11-22 10:00"}
        )
    assert err.value.translation_key == "end_in_past"
    assert _sent(simulator) == []
    await _call(hass_tz, "override", {"entity_id": SALON, "delta": 1, "until": "2026-12-07 10:00"})
    assert [(s, e, len(d)) for s, e, d, _ in _windows(simulator)] == [
        (600, 1440, 1),
        (0, 1440, 13),
        (0, 600, 1),
    ]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"delta": 1, "temperature": 20}, "override_change_needed"),
        ({}, "override_change_needed"),
        (
            {"delta": 1, "duration": {"hours": 1}, "until_next_change": True},
            "override_end_ambiguous",
        ),
        ({"delta": 7}, "delta_out_of_range"),
        ({"delta": 1.5}, "delta_not_integer"),
    ],
)
async def test_override_refuses_what_cannot_be_carried(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "override", {"entity_id": SALON, **data})
    assert err.value.translation_key == key
    assert _sent(simulator) == []


async def test_override_of_a_stopped_or_scheduleless_heater_is_refused(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "override", {"entity_id": "climate.veranda_fireplace", "delta": 1})
    assert err.value.translation_key == "override_heater_stopped"
    assert "Véranda" in err.value.translation_placeholders["heater"]
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"entity_id": "climate.chambre_heater", "delta": 1, "until_next_change": True},
        )
    assert err.value.translation_key == "no_next_change"
    assert _sent(simulator) == []


async def test_until_next_change_ends_at_the_schedule_change(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await _call(hass_tz, "override", {"entity_id": SALON, "delta": 3, "until_next_change": True})
    assert _windows(simulator) == [(600, 1020, ["2026-11-23"], {3})]
    assert hass_tz.states.get(SALON).attributes[ATTR_TEMPERATURE] == 20


async def test_temperature_across_comfort_and_eco_needs_both_setpoints_seen(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    # At 10:00 only the eco setpoint (17) has been seen.
    state = hass_tz.states.get(SALON)
    assert state.attributes["eco_setpoint"] == 17
    assert "comfort_setpoint" not in state.attributes
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"entity_id": SALON, "temperature": 21, "until": "2026-11-23 18:00"},
        )
    assert err.value.translation_key == "comfort_unknown"
    assert err.value.translation_placeholders["start"] == "2026-11-23 17:00"
    assert _sent(simulator) == []
    # In the evening comfort period the heater reports 20: learned, persisted, shown.
    await advance(hass_tz, freezer, 7 * 3600 + 10 * 60)
    assert hass_tz.states.get(SALON).attributes["comfort_setpoint"] == 20
    assert home(init_integration).setpoints.of("A1B2C3D4") == (20, 17)
    await _call(
        hass_tz, "override", {"entity_id": SALON, "temperature": 21, "until": "2026-11-24 08:00"}
    )
    assert sorted(_windows(simulator)) == sorted(
        [
            (1030, 1380, ["2026-11-23"], {1}),  # comfort 20 -> 21
            (1380, 1440, ["2026-11-23"], {4}),  # eco 17 -> 21
            (0, 360, ["2026-11-24"], {4}),
            (360, 480, ["2026-11-24"], {1}),
        ]
    )
    assert hass_tz.states.get(SALON).attributes[ATTR_TEMPERATURE] == 21


async def test_a_period_out_of_reach_is_named_and_nothing_sent(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz, "override", {"entity_id": SALON, "temperature": 23, "duration": {"hours": 2}}
        )
    assert err.value.translation_key == "period_out_of_reach"
    assert err.value.translation_placeholders["maximum"] == "22"
    assert err.value.translation_placeholders["end"] == "2026-11-23 12:00"
    assert _sent(simulator) == []


async def test_learned_setpoints_survive_a_restart(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await advance(hass_tz, freezer, 30)
    stored = hass_storage[f"{DOMAIN}.sub-{HOME_ID}.setpoints"]["data"]["heaters"]
    assert stored["A1B2C3D4"] == {"eco": 17}
    stored["A1B2C3D4"]["comfort"] = 20.5
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    assert home(init_integration).setpoints.of("A1B2C3D4") == (20.5, 17)


async def test_resume_schedule_ends_the_rest_of_our_override(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await _call(hass_tz, "resume_schedule", {"entity_id": SALON}) == {"requests": []}
    assert _sent(simulator) == []
    await _call(hass_tz, "override", {"entity_id": SALON, "delta": 2, "duration": {"days": 2}})
    await advance(hass_tz, freezer, 20 * 60)
    simulator.requests.clear()
    await _call(hass_tz, "resume_schedule", {"entity_id": "climate.salon_heater_2"})
    assert _windows(simulator) == [
        (620, 1440, ["2026-11-23"], {0}),
        (0, 1440, ["2026-11-24"], {0}),
        (0, 600, ["2026-11-25"], {0}),
    ]
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_PRESET_MODE] == "schedule"
    assert "override_delta" not in state.attributes
    assert state.attributes[ATTR_TEMPERATURE] == 17


async def test_presets_are_real_overrides(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_HVAC_MODES] == ["auto"]
    assert state.attributes[ATTR_PRESET_MODES] == ["schedule", "boost", "eco"]
    await _preset(hass_tz, SALON, "boost")
    assert _windows(simulator) == [(600, 720, ["2026-11-23"], {2})]
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_PRESET_MODE] == "boost"
    assert state.attributes[ATTR_TEMPERATURE] == 19
    await _preset(hass_tz, SALON, "eco")
    assert hass_tz.states.get(SALON).attributes[ATTR_PRESET_MODE] == "eco"
    assert hass_tz.states.get(SALON).attributes[ATTR_TEMPERATURE] == 15
    await _preset(hass_tz, SALON, "schedule")
    assert _windows(simulator)[-1] == (600, 720, ["2026-11-23"], {0})
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_PRESET_MODE] == "schedule"
    assert state.attributes[ATTR_TEMPERATURE] == 17
    # Nothing of ours left: back to the schedule sends nothing.
    count = len(_sent(simulator))
    await _preset(hass_tz, SALON, "schedule")
    assert len(_sent(simulator)) == count


async def test_three_homes_kept_apart_named_and_reached_one_at_a_time(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    """Rooms of the same name in three homes: names differ, no shared area, one home reached."""
    entry = await account_of_homes(hass_tz, simulator, 3)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass_tz), entry.entry_id)
    names = [device.name for device in devices]
    assert len(names) == len(set(names))
    assert "home-demo-2 · Salon heater 1" in names
    assert "HomeSmartlink gateway home-demo-3" in names
    assert {device.area_id for device in devices} == {None}
    calendars = [
        state.name for state in hass_tz.states.async_all("calendar") if "Salon" in state.name
    ]
    assert len(calendars) == len(set(calendars)) == 6
    assert hass_tz.states.get("climate.home_demo_2_salon_heater_1") is not None
    # "This home's living room": the living-room heaters (by label here) kept to one home.
    gateway = registry_device(hass_tz, entry, "home-demo-2")
    salons = [
        entity_id
        for entity_id in hass_tz.states.async_entity_ids("climate")
        if "salon" in entity_id
    ]
    assert len(salons) == 6
    await _call(hass_tz, "override", {"entity_id": salons, "home": gateway.id, "delta": 1})
    (items,) = _sent(simulator)
    assert {(item["homeId"], item["roomId"]) for item in items} == {("home-demo-2", 1)}
    # A home alone: every heater of it, nothing of the others.
    await _call(hass_tz, "resume_schedule", {"home": [gateway.id]})
    assert {item["homeId"] for item in _sent(simulator)[-1]} == {"home-demo-2"}
    await _call(
        hass_tz,
        "set_derogation",
        {
            "config_entry_id": entry.entry_id,
            "home_id": "home-demo-3",
            "delta": -1,
            "start": "18:00",
            "end": "19:00",
        },
    )
    assert {item["homeId"] for item in _sent(simulator)[-1]} == {"home-demo-3"}
    # A target outside the homes named reaches nothing: said, nothing sent.
    count = len(_sent(simulator))
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"entity_id": "climate.home_demo_1_salon_heater_1", "home": gateway.id, "delta": 1},
        )
    assert err.value.translation_key == "no_target"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"home": registry_device(hass_tz, entry, "A1B2C3D4").id, "delta": 1},
        )
    assert err.value.translation_key == "not_a_gateway"
    assert len(_sent(simulator)) == count


async def test_the_preset_shown_is_among_those_offered(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """A thermostat's +1 is an override: offered while in force, choosing it changes nothing."""
    await set_temperature(hass_tz, SALON, 18)
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_PRESET_MODE] == "override"
    assert state.attributes[ATTR_PRESET_MODES] == ["schedule", "boost", "eco", "override"]
    count = len(_sent(simulator))
    # What a card's preset feature sends back with a dial change: the preset it shows.
    await _preset(hass_tz, SALON, "override")
    await set_temperature(hass_tz, SALON, 19)
    await _preset(hass_tz, SALON, "override")
    assert len(_sent(simulator)) == count + 1
    # Boost in force: choosing boost again sends nothing; override is no longer offered.
    await _preset(hass_tz, SALON, "boost")
    count = len(_sent(simulator))
    await _preset(hass_tz, SALON, "boost")
    assert len(_sent(simulator)) == count
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_PRESET_MODES] == ["schedule", "boost", "eco"]
    with pytest.raises(ServiceValidationError):
        await _preset(hass_tz, SALON, "override")


async def test_each_heater_offers_only_what_works(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    manual = hass_tz.states.get("climate.chambre_heater")
    assert manual.attributes[ATTR_HVAC_MODES] == ["heat"]
    assert manual.attributes[ATTR_PRESET_MODES] == ["manual", "boost", "eco"]
    stopped = hass_tz.states.get("climate.veranda_fireplace")
    assert stopped.attributes[ATTR_HVAC_MODES] == ["off"]
    assert stopped.attributes[ATTR_PRESET_MODES] == []
    assert stopped.attributes[ATTR_PRESET_MODE] == "stop"
    # The mode offered is the one it is in: choosing it changes nothing and sends nothing.
    await hass_tz.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": SALON, "hvac_mode": "auto"}, blocking=True
    )
    # Another mode is not offered; Home Assistant 2025.4 still passes it on (with a warning of
    # its own about the caller), and the entity refuses it.
    entity = hass_tz.data["climate"].get_entity(SALON)
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_set_hvac_mode("off")
    assert err.value.translation_key == "set_mode_not_supported"
    with pytest.raises(ServiceValidationError):
        await _preset(hass_tz, SALON, "manual")
    assert _sent(simulator) == []


async def test_plus_one_then_back_is_the_schedule_again(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_temperature(hass_tz, SALON, 18)
    await advance(hass_tz, freezer, 10 * 60)
    await set_temperature(hass_tz, SALON, 17)
    state = hass_tz.states.get(SALON)
    assert state.attributes[ATTR_PRESET_MODE] == "schedule"
    assert "override_delta" not in state.attributes
    events = await _events(hass_tz, "calendar.salon_heater_1_schedule")
    overrides = [e for e in events if "°C" in e["summary"] and "+" in e["summary"]]
    # The +1 ends where its replacement starts; the 0 °C shift is no event.
    assert [(e["start"], e["end"]) for e in overrides] == [
        ("2026-11-23T10:00:00+01:00", "2026-11-23T10:10:00+01:00")
    ]
    assert not [e for e in events if "+0" in e["summary"]]


async def _events(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": entity_id, "start_date_time": "2026-11-23 00:00", "duration": {"days": 3}},
        blocking=True,
        return_response=True,
    )
    return list(response[entity_id]["events"])


async def test_resume_button_is_there_only_while_an_override_is(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    button = "button.salon_heater_1_resume_schedule"
    assert hass_tz.states.get(button).state == "unavailable"
    await set_temperature(hass_tz, SALON, 19)
    assert hass_tz.states.get(button).state != "unavailable"
    await hass_tz.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    assert _windows(simulator)[-1] == (600, 720, ["2026-11-23"], {0})
    assert hass_tz.states.get(button).state == "unavailable"
    # An override that reaches its end takes the button with it.
    await set_temperature(hass_tz, SALON, 19)
    assert hass_tz.states.get(button).state != "unavailable"
    await advance(hass_tz, freezer, 2 * 3600)
    assert hass_tz.states.get(button).state == "unavailable"


async def test_calendar_events_place_and_cancel_overrides(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_ws_client: Any,
) -> None:
    calendar = "calendar.salon_heater_1_schedule"

    async def create(summary: str, start: str, end: str) -> None:
        await hass_tz.services.async_call(
            "calendar",
            "create_event",
            {
                "entity_id": calendar,
                "summary": summary,
                "start_date_time": start,
                "end_date_time": end,
            },
            blocking=True,
        )
        await hass_tz.async_block_till_done(wait_background_tasks=True)

    await create("+2", "2026-11-24 12:00", "2026-11-24 14:00")
    assert _windows(simulator) == [(720, 840, ["2026-11-24"], {2})]
    await create("19 °C", "2026-11-23 11:00", "2026-11-23 12:00")
    assert _windows(simulator)[-1] == (660, 720, ["2026-11-23"], {2})
    with pytest.raises(ServiceValidationError) as err:
        await create("warmer please", "2026-11-23 13:00", "2026-11-23 14:00")
    assert err.value.translation_key == "event_summary_not_understood"
    assert len(_sent(simulator)) == 2
    events = await _events(hass_tz, calendar)
    tomorrow = next(e for e in events if e["start"] == "2026-11-24T12:00:00+01:00")
    assert "+2 °C" in tomorrow["summary"]
    uid = next(
        piece
        for piece in home(init_integration).derogations.pieces(1)
        if piece.day.isoformat() == "2026-11-24"
    )
    from custom_components.homesmartlink.calendar import event_uid

    client = await hass_ws_client(hass_tz)
    await client.send_json_auto_id(
        {"type": "calendar/event/delete", "entity_id": calendar, "uid": event_uid(uid)}
    )
    assert (await client.receive_json())["success"]
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    assert _windows(simulator)[-1] == (720, 840, ["2026-11-24"], {0})
    assert not [
        e for e in await _events(hass_tz, calendar) if e["start"] == "2026-11-24T12:00:00+01:00"
    ]
    # A comfort period is the heater's schedule: not ours to delete, said in words.
    # (The panel reads events with their ids, as the entity gives them.)
    entity = hass_tz.data["calendar"].get_entity(calendar)
    shown = await entity.async_get_events(
        hass_tz, dt_util.parse_datetime("2026-11-23T00:00:00+01:00"), dt_util.utcnow() + DAYS_3
    )
    assert shown
    assert all(event.uid for event in shown)
    comfort = next(event for event in shown if "+" not in event.summary)
    await client.send_json_auto_id(
        {"type": "calendar/event/delete", "entity_id": calendar, "uid": comfort.uid}
    )
    answer = await client.receive_json()
    assert not answer["success"]
    assert "belongs to the heater's schedule" in answer["error"]["message"]
    # An id that is neither: refused in words too.
    await client.send_json_auto_id(
        {"type": "calendar/event/delete", "entity_id": calendar, "uid": "comfort"}
    )
    answer = await client.receive_json()
    assert "Only overrides can be deleted" in answer["error"]["message"]
    assert len(_sent(simulator)) == 3


async def test_devices_go_to_their_rooms_areas_once(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    areas = ar.async_get(hass_tz)
    devices = dr.async_get(hass_tz)
    salon = registry_device(hass_tz, init_integration, "A1B2C3D4")
    assert salon.area_id == areas.async_get_area_by_name("Salon").id
    towel = registry_device(hass_tz, init_integration, "C0FFEE01")
    assert towel.model == "Towel dryer"
    # A device the user placed elsewhere stays there after a reload.
    office = areas.async_create("Office")
    devices.async_update_device(salon.id, area_id=office.id)
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    assert registry_device(hass_tz, init_integration, "A1B2C3D4").area_id == office.id


async def test_calendar_titles_name_the_heater_and_its_setpoint(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await advance(hass_tz, freezer, 7 * 3600 + 10 * 60)  # into comfort: 20 °C learned
    events = await _events(hass_tz, "calendar.salon_heater_1_schedule")
    assert any(e["summary"] == "Salon heater 1 · Comfort 20 °C" for e in events)
    await set_temperature(hass_tz, SALON, 21)
    events = await _events(hass_tz, "calendar.salon_heater_1_schedule")
    assert any(e["summary"] == "Salon heater 1 · Override +1 °C (21 °C)" for e in events)


async def test_a_temperature_for_an_offline_heater_or_conflicting_room_is_refused(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    # Two heaters of one room with different schedules would need different shifts.
    salon_2 = simulator.device(HOME_ID, "A1B2C3D5")
    salon_2["ecoSp"] = 15
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"entity_id": [SALON, "climate.salon_heater_2"], "temperature": 19},
        )
    assert err.value.translation_key == "override_room_conflict"
    simulator.device(HOME_ID, "C0FFEE01")["online"] = False
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"entity_id": "climate.salle_de_bain_towel_dryer", "temperature": 20},
        )
    assert err.value.translation_key == "override_heater_unavailable"
    assert _sent(simulator) == []


async def test_no_target_and_an_all_day_event(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    for service, data in (("override", {"delta": 1}), ("resume_schedule", {})):
        with pytest.raises(ServiceValidationError) as err:
            await _call(
                hass_tz, service, {"entity_id": "sensor.salon_heater_1_temperature", **data}
            )
        assert err.value.translation_key == "no_target"
    # An all-day event tomorrow: a shift over that whole local day, one request.
    await hass_tz.services.async_call(
        "calendar",
        "create_event",
        {
            "entity_id": "calendar.chambre_heater_schedule",
            "summary": "-1 °C",
            "start_date": "2026-11-24",
            "end_date": "2026-11-25",
        },
        blocking=True,
    )
    assert _windows(simulator) == [(0, 1440, ["2026-11-24"], {-1})]


async def test_an_override_that_is_over_cannot_be_deleted(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: Any,
) -> None:
    from custom_components.homesmartlink.calendar import event_uid

    client = await hass_ws_client(hass_tz)
    await set_temperature(hass_tz, SALON, 18)
    (placed,) = home(init_integration).derogations.pieces(1)
    await advance(hass_tz, freezer, 3 * 3600)
    await client.send_json_auto_id(
        {
            "type": "calendar/event/delete",
            "entity_id": "calendar.salon_heater_1_schedule",
            "uid": event_uid(placed),
        }
    )
    answer = await client.receive_json()
    assert not answer["success"]
    assert len(_sent(simulator)) == 1
    await client.send_json_auto_id(
        {
            "type": "calendar/event/create",
            "entity_id": "calendar.salon_heater_1_schedule",
            "event": {
                "summary": "+1",
                "dtstart": "2026-11-24T10:00:00+01:00",
                "dtend": "2026-11-24T11:00:00+01:00",
                "rrule": "FREQ=DAILY",
            },
        }
    )
    answer = await client.receive_json()
    assert not answer["success"]
    assert "repeat" in answer["error"]["message"]
    assert len(_sent(simulator)) == 1
