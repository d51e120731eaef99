"""Rooms released from a campaign: the comfort floor, and a home's demand-response switch.

Monday 2026-11-23 10:00 in Paris; the sample home (and a copy of it): Salon (room 1, two heaters
at 19.5 and 19.1 °C), Chambre (room 2, manual, 18.2), Salle de bain (3, 21.0), Bureau (4,
antifreeze, 12.4); Véranda (stopped) and Cave (offline) cannot take part.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.const import DOMAIN

from .conftest import HOME_ID, account_entry, account_of_homes, advance
from .simulator import Fault, Simulator

SHED = {"start": "2026-11-23 10:30:00", "end": "2026-11-23 11:30:00", "delta": -2}
SWITCH_2 = "switch.homesmartlink_gateway_home_demo_2_demand_response"
SHEDDING = "sensor.demo_partner_campaigns_rooms_shedding"


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return response


def _requests(simulator: Simulator) -> list[list[dict[str, Any]]]:
    return [r.body["derogations"] for r in simulator.requests_to("derogations")]


async def test_rooms_below_the_comfort_floor_are_released_together(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    entry = account_entry(simulator.base_url, [HOME_ID], comfort_floor=17.0)  # type: ignore[attr-defined]
    entry.add_to_hass(hass_tz)
    await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    simulator.device(HOME_ID, "D15EA5E0")["pv"] = "17.5"  # the antifreeze room, warm enough
    events: list[str] = []
    hass_tz.bus.async_listen(
        "state_changed",
        lambda event: (
            events.append(event.data["new_state"].attributes.get("event_type"))
            if event.data["entity_id"].startswith("event.") and event.data["new_state"]
            else None
        ),
    )
    await _call(hass_tz, "start_campaign", {"config_entry_id": entry.entry_id, **SHED})
    assert len(_requests(simulator)) == 1
    # Before the shed, a cold room is not released (only a shed is guarded).
    simulator.device(HOME_ID, "B7E8F901")["pv"] = "16.0"
    await advance(hass_tz, freezer, 61)
    assert len(_requests(simulator)) == 1
    assert hass_tz.states.get(SHEDDING).state == "0"
    # Into the shed: two rooms read below 17 °C at the same poll round: one request for both.
    freezer.move_to("2026-11-23T10:40:00+01:00")
    simulator.device(HOME_ID, "A1B2C3D5")["pv"] = "16.5"
    await advance(hass_tz, freezer, 61)
    await advance(hass_tz, freezer, 11)
    (release,) = _requests(simulator)[1:]
    assert {(item["roomId"], item["delta"]) for item in release} == {(1, 0), (2, 0)}
    got = await _call(hass_tz, "get_campaign", {})
    rooms = {room["room"]: room for room in got["homes"][0]["rooms"]}
    assert rooms["Salon"]["released"]["reason"] == "comfort"
    assert rooms["Salon"]["released"]["temperature"] == 16.5
    assert rooms["Chambre"]["released"]["temperature"] == 16.0
    assert rooms["Salon"]["shed"] == "released"
    assert got["rooms_released"] == 2
    assert "released" in events
    # The four eligible rooms were shed; two are now.
    assert hass_tz.states.get(SHEDDING).state == "2"
    # Released rooms stop counting; later polls do not release them again.
    ran = got["degree_hours"]
    await advance(hass_tz, freezer, 61)
    await advance(hass_tz, freezer, 11)
    assert len(_requests(simulator)) == 2
    later = await _call(hass_tz, "get_campaign", {})
    # Two rooms stopped at 10:41: only the two others (Salle de bain, Bureau) go on counting.
    assert later["degree_hours"] == pytest.approx(ran + 2 * 2 * (72 / 3600), abs=0.02)


async def test_without_a_floor_nothing_is_released(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _call(hass_tz, "start_campaign", {"config_entry_id": init_integration.entry_id, **SHED})
    freezer.move_to("2026-11-23T10:40:00+01:00")
    simulator.device(HOME_ID, "A1B2C3D5")["pv"] = "10.0"
    await advance(hass_tz, freezer, 61)
    await advance(hass_tz, freezer, 11)
    assert len(_requests(simulator)) == 1


async def test_a_home_switched_off_is_released_then_left_out(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    entry = await account_of_homes(hass_tz, simulator, 2)
    assert hass_tz.states.get(SWITCH_2).state == "on"
    await _call(hass_tz, "start_campaign", {"config_entry_id": entry.entry_id, **SHED})
    freezer.move_to("2026-11-23T10:40:00+01:00")
    await advance(hass_tz, freezer, 1)
    await hass_tz.services.async_call("switch", "turn_off", {"entity_id": SWITCH_2}, blocking=True)
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    assert hass_tz.states.get(SWITCH_2).state == "off"
    (release,) = _requests(simulator)[1:]
    assert {item["homeId"] for item in release} == {"home-demo-2"}
    assert {item["delta"] for item in release} == {0}
    got = await _call(hass_tz, "get_campaign", {})
    second = next(home for home in got["homes"] if home["home_id"] == "home-demo-2")
    assert second["rooms_released"] == 4  # its four eligible rooms
    assert {room["released"]["reason"] for room in second["rooms"] if "released" in room} == {
        "declined"
    }
    # The switch is the home's choice: kept across a restart.
    assert await hass_tz.config_entries.async_reload(entry.entry_id)
    await hass_tz.async_block_till_done()
    assert hass_tz.states.get(SWITCH_2).state == "off"
    # The next campaign leaves the home out: declined, nothing sent to it.
    simulator.requests.clear()
    answer = await _call(
        hass_tz,
        "start_campaign",
        {
            "config_entry_id": entry.entry_id,
            "start": "2026-11-23 12:00:00",
            "end": "2026-11-23 13:00:00",
            "delta": -1,
        },
    )
    (sent,) = _requests(simulator)
    assert {item["homeId"] for item in sent} == {HOME_ID}
    got = await _call(hass_tz, "get_campaign", {"campaign_id": answer["campaign_id"]})
    assert got["homes_declined"] == 1
    assert next(h for h in got["homes"] if h["home_id"] == "home-demo-2")["declined"] is True
    # Back on: the next campaign includes it again.
    await hass_tz.services.async_call("switch", "turn_on", {"entity_id": SWITCH_2}, blocking=True)
    assert hass_tz.states.get(SWITCH_2).state == "on"


async def test_a_refused_release_is_said_and_asked_again(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """The cloud refuses a switched-off home's release: a translated error, nothing noted as
    released; the next poll asks again, and it goes through."""
    entry = await account_of_homes(hass_tz, simulator, 2)
    await _call(hass_tz, "start_campaign", {"config_entry_id": entry.entry_id, **SHED})
    freezer.move_to("2026-11-23T10:40:00+01:00")
    await advance(hass_tz, freezer, 1)
    simulator.faults.append(Fault(path="derogations", status=400))
    with pytest.raises(HomeAssistantError):
        await hass_tz.services.async_call(
            "switch", "turn_off", {"entity_id": SWITCH_2}, blocking=True
        )
    (campaign,) = entry.runtime_data.campaigns.campaigns.values()
    assert campaign.released == {}
    assert hass_tz.states.get(SWITCH_2).state == "off"  # the home's choice is kept
    await advance(hass_tz, freezer, 61)
    await advance(hass_tz, freezer, 11)
    assert len(campaign.released) == 4
    assert {item["homeId"] for item in _requests(simulator)[-1]} == {"home-demo-2"}
