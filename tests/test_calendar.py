"""The calendar of each heater: comfort ranges week after week, and our derogations."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import HOME_ID, home, record_state_writes
from .simulator import Simulator


async def _events(hass: HomeAssistant, entity_id: str, start: str, end: str) -> list[Any]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": entity_id, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    return [(e["start"], e["end"], e["summary"]) for e in response[entity_id]["events"]]


async def test_week_of_comfort_ranges(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    events = await _events(
        hass_tz,
        "calendar.salon_heater_1_schedule",
        "2026-11-23T00:00:00+01:00",
        "2026-11-30T00:00:00+01:00",
    )
    assert len(events) == 5 * 2 + 2  # two ranges on weekdays, one on weekend days
    assert events[:2] == [
        ("2026-11-23T06:00:00+01:00", "2026-11-23T08:30:00+01:00", "Salon heater 1 · Comfort"),
        ("2026-11-23T17:00:00+01:00", "2026-11-23T23:00:00+01:00", "Salon heater 1 · Comfort"),
    ]
    assert events[-1] == (
        "2026-11-29T08:00:00+01:00",
        "2026-11-29T23:00:00+01:00",
        "Salon heater 1 · Comfort",
    )
    # Now (Monday 10:00) is between ranges: off, with the next range as the event.
    state = hass_tz.states.get("calendar.salon_heater_1_schedule")
    assert state.state == "off"
    assert state.attributes["start_time"] == "2026-11-23 17:00:00"


async def test_weeks_ahead_and_partial_overlap(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    events = await _events(
        hass_tz,
        "calendar.salle_de_bain_towel_dryer_schedule",
        "2027-03-01T07:00:00+01:00",
        "2027-03-01T20:00:00+01:00",
    )
    assert events == [
        (
            "2027-03-01T06:00:00+01:00",
            "2027-03-01T08:00:00+01:00",
            "Salle de bain towel dryer · Comfort",
        ),
        (
            "2027-03-01T19:00:00+01:00",
            "2027-03-01T21:00:00+01:00",
            "Salle de bain towel dryer · Comfort",
        ),
    ]


async def test_no_schedule_no_events(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    events = await _events(
        hass_tz,
        "calendar.chambre_heater_schedule",
        "2026-11-23T00:00:00+01:00",
        "2026-11-30T00:00:00+01:00",
    )
    assert events == []
    assert hass_tz.states.get("calendar.chambre_heater_schedule").state == "off"


async def test_derogations_in_the_calendar(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await hass_tz.services.async_call(
        "homesmartlink",
        "set_derogation",
        {"entity_id": "climate.chambre_heater", "delta": -2, "start": "09:00", "end": "11:00"},
        blocking=True,
    )
    await hass_tz.async_block_till_done()
    events = await _events(
        hass_tz,
        "calendar.chambre_heater_schedule",
        "2026-11-23T00:00:00+01:00",
        "2026-11-24T00:00:00+01:00",
    )
    assert events == [
        (
            "2026-11-23T09:00:00+01:00",
            "2026-11-23T11:00:00+01:00",
            "Chambre heater · Override -2 °C",
        )
    ]
    state = hass_tz.states.get("calendar.chambre_heater_schedule")
    assert state.state == "on"
    assert state.attributes["message"] == "Chambre heater · Override -2 °C"


async def test_calendar_of_a_heater_gone(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    entity = home(init_integration).coordinator
    simulator.remove_device(HOME_ID, "B7E8F901")
    await entity.async_refresh()
    await hass_tz.async_block_till_done()
    assert hass_tz.states.get("calendar.chambre_heater_schedule") is None


async def test_a_derogation_rewrites_only_its_rooms_calendars(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    writes = record_state_writes(hass_tz)
    await hass_tz.services.async_call(
        "homesmartlink",
        "set_derogation",
        {"entity_id": "climate.chambre_heater", "delta": 1, "start": "18:00", "end": "19:00"},
        blocking=True,
    )
    await hass_tz.async_block_till_done()
    calendars = {e.data["entity_id"] for e in writes if e.data["entity_id"].startswith("calendar.")}
    assert calendars == {"calendar.chambre_heater_schedule"}
