"""Demand-response campaigns: planned, delivered, verified against the heaters, told (issue 17).

Monday 2026-11-23 10:00 in Paris; two homes of one account, each with the living room (Salon,
room 1) in eco at 17 °C until 17:00. The second home's gateway ignores derogations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import area_registry as ar, issue_registry as ir
from homeassistant.helpers.service import SERVICE_DESCRIPTION_CACHE
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.campaigns.choices import campaign_label
from custom_components.homesmartlink.campaigns.model import Campaign, CampaignRoom, Phase, PhaseSpan
from custom_components.homesmartlink.const import DOMAIN

from .conftest import account_entry, advance, calendar_summaries, user_area
from .simulator import Fault, Simulator, more_homes

SENSOR = "sensor.demo_partner_campaigns_campaign"
EVENT = "event.demo_partner_campaigns_campaign"


async def _account(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    for extra in more_homes(simulator.seed, 2)["homes"][1:]:
        simulator.homes[extra["homeId"]] = extra
    simulator.homes["home-demo-2"]["ignoreDerogations"] = True
    entry = account_entry(simulator.base_url, list(simulator.homes))  # type: ignore[attr-defined]
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return response


async def _poll_both(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The two homes are polled 30 s apart: let both polls come."""
    await advance(hass, freezer, 31)
    await advance(hass, freezer, 31)


def _salon(hass: HomeAssistant) -> str:
    """The living rooms of both homes, put together by the user (no area is shared by itself)."""
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    assert ar.async_get(hass).async_get_area_by_name("Salon") is None
    return user_area(hass, entry, "Salon")  # type: ignore[arg-type]


def _logged(caplog: pytest.LogCaptureFixture, start: str) -> int:
    """How many log lines start so."""
    return sum(record.getMessage().startswith(start) for record in caplog.records)


CAMPAIGN = {
    "start": "2026-11-23 11:00:00",
    "end": "2026-11-23 12:00:00",
    "delta": -2,
    "preheat_delta": 1,
    "preheat_minutes": 60,
    "recovery_delta": -1,
    "recovery_minutes": 30,
}


async def test_a_campaign_is_one_request_per_phase_window_verified_and_followed(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.homesmartlink")
    entry = await _account(hass_tz, simulator)
    events: list[str] = []
    hass_tz.bus.async_listen(
        "state_changed",
        lambda event: (
            events.append(event.data["new_state"].attributes.get("event_type"))
            if event.data["entity_id"] == EVENT and event.data["new_state"]
            else None
        ),
    )
    response = await _call(hass_tz, "start_campaign", {"area_id": _salon(hass_tz), **CAMPAIGN})
    sent = [r.body["derogations"] for r in simulator.requests_to("derogations")]
    assert [(items[0]["startTime"], items[0]["endTime"]) for items in sent] == [
        (600, 660),
        (660, 720),
        (720, 750),
    ]
    assert [{(i["homeId"], i["roomId"], i["delta"]) for i in items} for items in sent] == [
        {("home-demo-1", 1, 1), ("home-demo-2", 1, 1)},
        {("home-demo-1", 1, -2), ("home-demo-2", 1, -2)},
        {("home-demo-1", 1, -1), ("home-demo-2", 1, -1)},
    ]
    campaign_id = response["campaign_id"]
    assert len(response["requests"]) == 3
    # The debug log tells each phase's request and the campaign's steps (ids and counts).
    assert _logged(caplog, "Write by campaign") == 3
    assert _logged(caplog, f"Campaign {campaign_id}: scheduled {{") == 1
    state = hass_tz.states.get(SENSOR)
    assert state.state == "preheat"
    assert state.attributes["homes_targeted"] == 2
    assert state.attributes["degree_hours_planned"] == pytest.approx((1 * 1 + 2 * 1 + 1 * 0.5) * 2)
    assert state.attributes["degree_hours"] == 0  # nothing ran yet
    # Delivery: the first home acknowledged, the second was sent the message and never answered.
    await advance(hass_tz, freezer, 20)
    got = await _call(hass_tz, "get_campaign", {"campaign_id": campaign_id})
    assert (got["homes_sent"], got["homes_acknowledged"]) == (2, 1)
    # Verification at the next poll: the first home's room is at 17 + 1, the second's is not.
    await _poll_both(hass_tz, freezer)
    got = await _call(hass_tz, "get_campaign", {})
    rooms = {h["home_id"]: h["rooms"][0] for h in got["homes"]}
    assert rooms["home-demo-1"]["preheat"] == "verified"
    assert rooms["home-demo-2"]["preheat"] == "not_yet"
    # Shedding: verified again, then a household changes its heater: opted out.
    await advance(hass_tz, freezer, 3600)
    await _poll_both(hass_tz, freezer)
    assert hass_tz.states.get(SENSOR).state == "shed"
    got = await _call(hass_tz, "get_campaign", {})
    assert {h["home_id"]: h["rooms"][0].get("shed") for h in got["homes"]} == {
        "home-demo-1": "verified",
        "home-demo-2": "not_yet",
    }
    simulator.device("home-demo-1", "A1B2C3D4")["ecoSp"] = 19
    await _poll_both(hass_tz, freezer)
    got = await _call(hass_tz, "get_campaign", {})
    assert got["rooms_opted_out"] == 1
    assert hass_tz.states.get(SENSOR).attributes["rooms_opted_out"] == 1
    # A restart in the middle loses nothing.
    await hass_tz.config_entries.async_reload(entry.entry_id)
    await hass_tz.async_block_till_done()
    again = await _call(hass_tz, "get_campaign", {"campaign_id": campaign_id})
    assert again["rooms_opted_out"] == 1
    assert again["homes_acknowledged"] == 1
    assert hass_tz.states.get(SENSOR).state == "shed"
    # It ends; the home that never acknowledged is a repair issue.
    await advance(hass_tz, freezer, 3600)
    assert hass_tz.states.get(SENSOR).state == "recovery"
    await advance(hass_tz, freezer, 3600)
    assert hass_tz.states.get(SENSOR).state == "finished"
    for _ in range(4):  # the last reads of the delivery report (up to 10 min after a start)
        await advance(hass_tz, freezer, 600)
    issue = ir.async_get(hass_tz).async_get_issue(DOMAIN, f"campaign_not_delivered_{campaign_id}")
    assert issue is not None
    assert issue.translation_placeholders["missing"] == "1"
    assert {"scheduled", "delivered", "phase_started", "verified", "opted_out", "finished"} <= set(
        events
    )


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"delta": 0}, "campaign_delta"),
        ({"delta": -6}, "campaign_delta"),
        ({"preheat_delta": 0}, "campaign_delta"),
        ({"start": "2026-11-23 11:02:00"}, "time_not_aligned"),
        ({"start": "2026-11-23 09:00:00", "end": "2026-11-23 09:30:00"}, "start_in_past"),
        ({"preheat_minutes": 120}, "start_in_past"),
        ({"end": "2026-11-23 10:30:00"}, "end_not_after_start"),
        ({"end": "2026-12-23 10:30:00"}, "span_too_long"),
    ],
)
async def test_a_campaign_that_cannot_be_carried_is_refused_whole(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    await _account(hass_tz, simulator)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "start_campaign", {"area_id": _salon(hass_tz), **CAMPAIGN, **data})
    assert err.value.translation_key == key
    assert simulator.requests_to("derogations") == []


async def test_cancel_ends_what_runs_and_what_is_to_come(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await _account(hass_tz, simulator)
    response = await _call(
        hass_tz,
        "start_campaign",
        {"config_entry_id": entry.entry_id, "home_id": "home-demo-1", **CAMPAIGN},
    )
    await advance(hass_tz, freezer, 30 * 60)
    simulator.requests.clear()
    await _call(hass_tz, "cancel_campaign", {"campaign_id": response["campaign_id"]})
    sent = [r.body["derogations"] for r in simulator.requests_to("derogations")]
    assert [(items[0]["startTime"], items[0]["endTime"]) for items in sent] == [
        (630, 660),
        (660, 720),
        (720, 750),
    ]
    assert {i["delta"] for items in sent for i in items} == {0}
    assert hass_tz.states.get(SENSOR).state == "cancelled"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "cancel_campaign", {"campaign_id": response["campaign_id"]})
    assert err.value.translation_key == "campaign_over"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "get_campaign", {"campaign_id": "nope"})
    assert err.value.translation_key == "unknown_campaign"


async def test_a_campaign_tomorrow_survives_a_restart(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await _account(hass_tz, simulator)
    response = await _call(
        hass_tz,
        "start_campaign",
        {
            "config_entry_id": entry.entry_id,
            "start": "2026-11-24 18:00:00",
            "end": "2026-11-24 20:00:00",
            "delta": -3,
        },
    )
    assert hass_tz.states.get(SENSOR).state == "scheduled"
    await advance(hass_tz, freezer, 10)
    assert await hass_tz.config_entries.async_unload(entry.entry_id)
    await hass_tz.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.campaigns"]["data"]["campaigns"]
    assert [c["id"] for c in stored] == [response["campaign_id"]]
    assert await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    freezer.move_to("2026-11-24T18:00:30+01:00")
    await advance(hass_tz, freezer, 1)
    assert hass_tz.states.get(SENSOR).state == "shed"
    got = await _call(hass_tz, "get_campaign", {})
    assert got["campaign_id"] == response["campaign_id"]
    assert got["rooms_targeted"] == 12  # six rooms with heaters in each home


async def test_a_window_that_fails_is_said_and_the_campaign_kept(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _account(hass_tz, simulator)
    # The second request (the shed window) is refused; the report cannot be read at first.
    simulator.faults.append(Fault(path="derogations", status=400, skip=1))
    simulator.faults.append(Fault(path="report", status=500))
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass_tz, "start_campaign", {"area_id": _salon(hass_tz), **CAMPAIGN})
    assert err.value.translation_key == "derogation_partly_failed"
    got = await _call(hass_tz, "get_campaign", {})
    assert got["state"] == "preheat"
    assert len(simulator.requests_to("derogations")) == 3
    # What became of each room's requests, from the homes' ledgers: the least certain shows.
    assert {room["outcome"] for home in got["homes"] for room in home["rooms"]} == {"refused"}
    for _ in range(2):  # the first read fails; the next one reads what was delivered
        await advance(hass_tz, freezer, 61)
    got = await _call(hass_tz, "get_campaign", {})
    assert got["homes_acknowledged"] == 1


SALON_1 = "climate.salon_heater_1"
SHED = {"start": "2026-11-23 10:30:00", "end": "2026-11-23 12:00:00", "delta": -2}


def _sent_since(simulator: Simulator, count: int) -> list[tuple[int, int, set[int]]]:
    return [
        (
            r.body["derogations"][0]["startTime"],
            r.body["derogations"][0]["endTime"],
            {i["delta"] for i in r.body["derogations"]},
        )
        for r in simulator.requests_to("derogations")[count:]
    ]


async def test_an_override_of_ours_during_a_shed_is_overridden_never_opted_out(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    kinds: list[str] = []
    hass_tz.bus.async_listen(
        "state_changed",
        lambda event: (
            kinds.append(event.data["new_state"].attributes.get("event_type"))
            if event.data["entity_id"] == EVENT and event.data["new_state"]
            else None
        ),
    )
    await _call(hass_tz, "start_campaign", {"entity_id": SALON_1, **SHED})
    await advance(hass_tz, freezer, 37 * 60)  # the shed runs; the heaters report 15
    got = await _call(hass_tz, "get_campaign", {})
    assert got["homes"][0]["rooms"][0]["shed"] == "verified"
    # The household asks +1 from Home Assistant for an hour: our own change over the shed.
    held_from = dt_util.utcnow()
    await _call(hass_tz, "override", {"entity_id": SALON_1, "delta": 1, "duration": "01:00:00"})
    await advance(hass_tz, freezer, 10 * 60 + 1)
    got = await _call(hass_tz, "get_campaign", {})
    room = got["homes"][0]["rooms"][0]
    assert (room["shed"], room["overridden_by"]) == ("overridden", "action")
    assert (got["rooms_opted_out"], got["rooms_overridden"]) == (0, 1)
    assert "opted_out" not in kinds
    assert "overridden" in kinds
    # Calendar: both the campaign's shed and the override are shown.
    summaries = await calendar_summaries(
        hass_tz, "calendar.salon_heater_1_schedule", "2026-11-23T10:00:00+01:00", 3
    )
    assert any("Campaign -2" in s for s in summaries)
    assert any("Override +1" in s for s in summaries)
    # Resumed: the shed it covered is given back (-2 to the shed's end), and verified again.
    count = len(simulator.requests_to("derogations"))
    held_to = dt_util.utcnow()
    await _call(hass_tz, "resume_schedule", {"entity_id": SALON_1})
    assert _sent_since(simulator, count) == [(645, 700, {-2})]  # the rest of the override
    await advance(hass_tz, freezer, 6 * 60)
    got = await _call(hass_tz, "get_campaign", {})
    assert got["homes"][0]["rooms"][0]["shed"] == "verified"
    assert got["rooms_opted_out"] == 0
    # Degree-hours: the shed's clock paused while the override held the room (to the poll that
    # saw it end, at most a minute after the resume).
    ran = dt_util.utcnow() - datetime.fromisoformat("2026-11-23T10:30:00+01:00")
    held = (held_to - held_from).total_seconds()
    expected = 2 * (ran.total_seconds() - held) / 3600
    assert expected - 2 / 60 <= got["degree_hours"] <= expected + 0.01


async def test_cancel_gives_back_the_override_the_campaign_covered(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _call(hass_tz, "override", {"entity_id": SALON_1, "delta": -3, "duration": {"days": 2}})
    answer = await _call(hass_tz, "start_campaign", {"entity_id": SALON_1, **SHED})
    await advance(hass_tz, freezer, 32 * 60)
    count = len(simulator.requests_to("derogations"))
    await _call(hass_tz, "cancel_campaign", {"campaign_id": answer["campaign_id"]})
    # The rest of the shed gets the override back (-3), not 0 °C.
    assert _sent_since(simulator, count) == [(630, 720, {-3})]
    await advance(hass_tz, freezer, 61)
    state = hass_tz.states.get(SALON_1)
    assert state.attributes["override_delta"] == -3
    assert state.attributes["override_end"] == "2026-11-25T10:00:00+01:00"
    assert state.attributes["temperature"] == 14
    # Resumed: the schedule, all of it; the cancelled shed is not given back.
    count = len(simulator.requests_to("derogations"))
    await _call(hass_tz, "resume_schedule", {"entity_id": SALON_1})
    sent = _sent_since(simulator, count)
    assert sent
    assert all(deltas == {0} for _, _, deltas in sent)


@pytest.mark.parametrize(
    "record",
    [
        {"phases": []},
        {"phases": [["preheat", "2026-11-24T18:00:00+01:00", "2026-11-24T19:00:00+01:00", 1]]},
        {"phases": [["shed", "2026-11-24T18:00:00", "2026-11-24T19:00:00", -2]]},
        {"phases": [["shed", "2026-11-24T18:00:00+01:00", "2026-11-24T19:00:00+01:00", -9]]},
        {"rooms": []},
        {"id": None},
    ],
)
async def test_a_damaged_campaign_record_is_dropped_alone(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    hass_storage: dict[str, Any],
    record: dict[str, Any],
) -> None:
    good = {
        "id": "good",
        "created": "2026-11-23T09:00:00+00:00",
        "phases": [["shed", "2026-11-24T18:00:00+01:00", "2026-11-24T19:00:00+01:00", -2]],
        "rooms": [["sub-home-demo-1", "home-demo-1", 1]],
    }
    entry = account_entry(simulator.base_url, ["home-demo-1"])  # type: ignore[attr-defined]
    key = f"{DOMAIN}.{entry.entry_id}.campaigns"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"campaigns": [{**good, "id": "bad", **record}, good]},
    }
    entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    book = entry.runtime_data.campaigns
    assert list(book.campaigns) == ["good"]
    assert book.dropped == 1
    assert hass_tz.states.get(SENSOR).state == "scheduled"


@pytest.mark.parametrize(
    "stored",
    [
        {"version": 7, "minor_version": 1, "data": {"campaigns": []}},
        [],
    ],
)
async def test_an_unreadable_campaign_file_never_stops_the_account(
    hass_tz: HomeAssistant, simulator: Simulator, hass_storage: dict[str, Any], stored: Any
) -> None:
    entry = account_entry(simulator.base_url, ["home-demo-1"])  # type: ignore[attr-defined]
    key = f"{DOMAIN}.{entry.entry_id}.campaigns"
    hass_storage[key] = {**stored, "key": key} if isinstance(stored, dict) else stored
    entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    assert entry.runtime_data.campaigns.campaigns == {}
    issue = ir.async_get(hass_tz).async_get_issue(DOMAIN, f"unreadable_campaigns_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "campaigns_unreadable"


async def test_every_room_judged_or_told_why_not(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Manual and antifreeze heaters are judged against what they held; stopped and offline
    rooms are not eligible from the start, never sent; figures count what ran."""
    entry = account_entry(simulator.base_url, ["home-demo-1"])  # type: ignore[attr-defined]
    entry.add_to_hass(hass_tz)
    await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    response = await _call(
        hass_tz,
        "start_campaign",
        {
            "config_entry_id": entry.entry_id,
            "start": "2026-11-23 10:30:00",
            "end": "2026-11-23 10:45:00",
            "delta": -2,
        },
    )
    (items,) = [r.body["derogations"] for r in simulator.requests_to("derogations")]
    sent_rooms = {item["roomId"] for item in items}
    got = await _call(hass_tz, "get_campaign", {})
    (home_data,) = got["homes"]
    rooms = {room["room"]: room for room in home_data["rooms"]}
    assert rooms["Véranda"]["not_eligible"] == "stopped"
    assert rooms["Cave"]["not_eligible"] == "offline"
    assert {rooms["Véranda"]["room_id"], rooms["Cave"]["room_id"]}.isdisjoint(sent_rooms)
    assert got["rooms_not_eligible"] == home_data["rooms_not_eligible"] == 2
    assert home_data["home"] == "home-demo-1"
    # Into the shed: every eligible room verified, the manual and antifreeze ones included.
    freezer.move_to("2026-11-23T10:31:00+01:00")
    await advance(hass_tz, freezer, 61)
    got = await _call(hass_tz, "get_campaign", {})
    rooms = {room["room"]: room for room in got["homes"][0]["rooms"]}
    judged = {name: room.get("shed") for name, room in rooms.items() if "not_eligible" not in room}
    assert set(judged.values()) == {"verified"}, judged
    assert "Chambre" in judged  # the manual heater's room
    assert rooms["Salon"]["heaters"][0]["shed"] == "verified"
    assert rooms["Salon"]["heaters"][0]["name"] == "Salon heater 1"
    assert all("shed" not in room for room in rooms.values() if "not_eligible" in room)
    # Cancelled two minutes into the 15-minute shed: the degree-hours of what ran.
    freezer.move_to("2026-11-23T10:32:00+01:00")
    await _call(hass_tz, "cancel_campaign", {"campaign_id": response["campaign_id"]})
    got = await _call(hass_tz, "get_campaign", {})
    eligible = got["rooms_targeted"] - got["rooms_not_eligible"]
    assert got["degree_hours"] == pytest.approx(round(2 * (2 / 60) * eligible, 2))
    assert got["degree_hours_planned"] == pytest.approx(2 * 0.25 * eligible)
    await advance(hass_tz, freezer, 600)
    assert (await _call(hass_tz, "get_campaign", {}))["degree_hours"] == got["degree_hours"]


async def test_a_campaign_of_rooms_that_cannot_take_part_is_refused(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    entry = account_entry(simulator.base_url, ["home-demo-1"])  # type: ignore[attr-defined]
    entry.add_to_hass(hass_tz)
    await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "start_campaign",
            {"entity_id": "climate.veranda_fireplace", **CAMPAIGN},
        )
    assert err.value.translation_key == "campaign_no_eligible_room"
    assert simulator.requests_to("derogations") == []
    assert entry.runtime_data.campaigns.campaigns == {}


async def _offered(hass: HomeAssistant, action: str) -> list[dict[str, str]]:
    """The campaigns an action's drop-down offers (what the action editor reads)."""
    # What `async_get_all_descriptions` serves the action editor for our actions (it would
    # load every other integration's too, some needing packages the test legs lack).
    described = hass.data[SERVICE_DESCRIPTION_CACHE][(DOMAIN, action)]
    assert described is not None
    selector = described["fields"]["campaign_id"]["selector"]["select"]
    assert selector["custom_value"] is True  # ids from automations still go in
    return selector["options"]  # type: ignore[no-any-return]


async def test_cancel_campaign_offers_the_campaigns_still_to_end(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await _offered(hass_tz, "cancel_campaign") == []
    started = await _call(hass_tz, "start_campaign", {"entity_id": SALON_1, **CAMPAIGN})
    later = await _call(
        hass_tz,
        "start_campaign",
        {
            "entity_id": SALON_1,
            "start": "2026-11-24 18:00:00",
            "end": "2026-11-24 19:30:00",
            "delta": -1,
        },
    )
    first, second = started["campaign_id"], later["campaign_id"]
    # Soonest first, on the homes' clock, the shed's delta, the end of the id.
    assert await _offered(hass_tz, "cancel_campaign") == [
        {"value": first, "label": f"2026-11-23 10:00 → 12:30 · -2 °C · …{first[-4:]}"},
        {"value": second, "label": f"2026-11-24 18:00 → 19:30 · -1 °C · …{second[-4:]}"},
    ]
    # Its fields stay those of services.yaml (names and descriptions come from translations).
    described = hass_tz.data[SERVICE_DESCRIPTION_CACHE][(DOMAIN, "cancel_campaign")]
    assert described is not None
    assert set(described["fields"]) == {"config_entry_id", "campaign_id"}
    # Cancelled: no longer offered to cancel, still offered to read.
    await _call(hass_tz, "cancel_campaign", {"campaign_id": first})
    assert [o["value"] for o in await _offered(hass_tz, "cancel_campaign")] == [second]
    assert {o["value"] for o in await _offered(hass_tz, "get_campaign")} == {first, second}
    # Finished: gone from cancel's list at the phase change that ends it.
    await advance(hass_tz, freezer, 34 * 3600)
    assert await _offered(hass_tz, "cancel_campaign") == []
    # Unloaded: the account's campaigns are no longer offered.
    await hass_tz.config_entries.async_unload(init_integration.entry_id)
    assert await _offered(hass_tz, "get_campaign") == []


async def test_a_campaign_started_on_the_current_step_tells_its_phase_began(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    kinds: list[tuple[str, str | None]] = []
    hass_tz.bus.async_listen(
        "state_changed",
        lambda event: (
            kinds.append(
                (
                    event.data["new_state"].attributes.get("event_type"),
                    event.data["new_state"].attributes.get("phase"),
                )
            )
            if event.data["entity_id"] == EVENT and event.data["new_state"]
            else None
        ),
    )
    now = dt_util.now().replace(second=0, microsecond=0)
    start = now - timedelta(minutes=now.minute % 5)
    await _call(
        hass_tz,
        "start_campaign",
        {
            "entity_id": SALON_1,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "delta": -1,
        },
    )
    assert kinds[:2] == [("scheduled", None), ("phase_started", "shed")]


def test_a_campaign_over_the_autumn_night_is_labelled_with_both_offsets() -> None:
    """The drop-down's label on the homes' clock: 02:30 → 03:30 is two real hours that night."""
    start = datetime.fromisoformat("2026-10-25T00:30:00+00:00")
    shed = PhaseSpan(Phase.SHED, start, start + timedelta(hours=2), -2)
    campaign = Campaign(
        id="01AUTUMNNIGHTCAMPAIGN0K3QZ",
        created=start,
        phases=(shed,),
        rooms=(CampaignRoom("sub-home-demo-1", "home-demo-1", 1),),
    )
    paris = ZoneInfo("Europe/Paris")
    assert campaign_label(campaign, paris, None) == (
        "2026-10-25 02:30 (+0200) → 03:30 (+0100) · -2 °C · …K3QZ"
    )
    # A day without a change of the clock: no offsets.
    summer = PhaseSpan(
        Phase.SHED, start - timedelta(days=30), start - timedelta(days=30, hours=-2), -1
    )
    assert (
        campaign_label(
            Campaign(id="01X", created=start, phases=(summer,), rooms=campaign.rooms), paris, "Acc"
        )
        == "Acc · 2026-09-25 02:30 → 04:30 · -1 °C · …01X"
    )
