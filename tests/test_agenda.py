"""The account's campaign calendar: phases as events; created and deleted events start and end
campaigns. Monday 2026-11-23 10:00 in Paris, the sample home."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.const import DOMAIN

from .conftest import advance
from .simulator import Simulator

CALENDAR = "calendar.demo_partner_campaigns_campaigns"


async def _create(hass: HomeAssistant, summary: str, start: str, end: str) -> None:
    await hass.services.async_call(
        "calendar",
        "create_event",
        {
            "entity_id": CALENDAR,
            "summary": summary,
            "start_date_time": start,
            "end_date_time": end,
        },
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def _events(hass: HomeAssistant) -> list[Any]:
    entity = hass.data["calendar"].get_entity(CALENDAR)
    start = hass.states.get(CALENDAR).last_changed.replace(hour=0, minute=0)
    return list(await entity.async_get_events(hass, start, start.replace(day=start.day + 2)))


def _requests(simulator: Simulator) -> list[list[dict[str, Any]]]:
    return [r.body["derogations"] for r in simulator.requests_to("derogations")]


async def test_an_event_starts_a_campaign_and_deleting_it_cancels(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: Any,
) -> None:
    client = await hass_ws_client(hass_tz)
    assert hass_tz.states.get(CALENDAR).state == "off"
    await _create(hass_tz, "-2", "2026-11-23 10:30", "2026-11-23 11:30")
    (sent,) = _requests(simulator)
    assert {(item["startTime"], item["endTime"], item["delta"]) for item in sent} == {
        (630, 690, -2)
    }
    # Every room of the home that can take part: four (the stopped and offline ones cannot).
    assert len({item["roomId"] for item in sent}) == 4
    (event,) = await _events(hass_tz)
    assert event.summary == "Shedding -2 °C"
    assert event.start.isoformat() == "2026-11-23T10:30:00+01:00"
    # Into the shed: the calendar is on; ten minutes in, the event is deleted: cancelled.
    freezer.move_to("2026-11-23T10:40:00+01:00")
    await advance(hass_tz, freezer, 1)
    assert hass_tz.states.get(CALENDAR).state == "on"
    await client.send_json_auto_id(
        {"type": "calendar/event/delete", "entity_id": CALENDAR, "uid": event.uid}
    )
    assert (await client.receive_json())["success"]
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    assert {item["delta"] for item in _requests(simulator)[-1]} == {0}
    # What ran stays on the calendar; the rest is shown cancelled.
    ran, cancelled = await _events(hass_tz)
    assert (ran.summary, ran.end.isoformat()) == ("Shedding -2 °C", "2026-11-23T10:40:01+01:00")
    assert cancelled.summary == "Shedding -2 °C · cancelled"
    # Deleting it again: the campaign is over, said in words.
    await client.send_json_auto_id(
        {"type": "calendar/event/delete", "entity_id": CALENDAR, "uid": cancelled.uid}
    )
    answer = await client.receive_json()
    assert not answer["success"]
    assert "is over: nothing is left to cancel" in answer["error"]["message"]


@pytest.mark.parametrize(
    ("summary", "start", "key"),
    [
        ("21 °C", "2026-11-23 10:30", "campaign_event_needs_shift"),
        ("warmer", "2026-11-23 10:30", "event_summary_not_understood"),
        ("-2", "2026-11-23 09:00", "start_in_past"),
    ],
)
async def test_an_event_a_campaign_cannot_be_is_refused(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    summary: str,
    start: str,
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _create(hass_tz, summary, start, "2026-11-23 11:30")
    assert err.value.translation_key == key
    assert _requests(simulator) == []
    assert init_integration.runtime_data.campaigns.campaigns == {}


async def test_a_campaign_started_by_action_is_on_the_calendar(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await hass_tz.services.async_call(
        DOMAIN,
        "start_campaign",
        {
            "config_entry_id": init_integration.entry_id,
            "start": "2026-11-23 11:00:00",
            "end": "2026-11-23 12:00:00",
            "delta": -1,
            "preheat_delta": 1,
            "preheat_minutes": 30,
        },
        blocking=True,
        return_response=True,
    )
    assert [e.summary for e in await _events(hass_tz)] == [
        "Pre-conditioning +1 °C",
        "Shedding -1 °C",
    ]
    assert hass_tz.states.get(CALENDAR).attributes["message"] == "Pre-conditioning +1 °C"
