"""Real time (issue 22): instants in, the homes' wall clock out, on the daylight-saving nights of
Europe/Paris (2026-10-25: 03:00 back to 02:00; 2027-03-28: 02:00 on to 03:00) and with Home
Assistant in another zone than the homes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.const import CONF_TIME_ZONE, DOMAIN
from custom_components.homesmartlink.writes.learned import Period
from custom_components.homesmartlink.writes.plan import (
    DerogationPlanError,
    PlanProblem,
    Window,
    on_clock,
    window_from_span,
)
from custom_components.homesmartlink.writes.timeline import (
    as_instant,
    is_zone,
    wall_instant,
    zone_named,
)

from .conftest import HOME_ID, account_entry, advance, set_temperature
from .simulator import Simulator

PARIS = ZoneInfo("Europe/Paris")
SALON = "climate.salon_heater_1"
FALL = date(2026, 10, 25)
SPRING = date(2027, 3, 28)


def _sent(simulator: Simulator) -> list[tuple[int, int, list[str], set[int]]]:
    return [
        (
            r.body["derogations"][0]["startTime"],
            r.body["derogations"][0]["endTime"],
            sorted({i["date"] for i in r.body["derogations"]}),
            {i["delta"] for i in r.body["derogations"]},
        )
        for r in simulator.requests_to("derogations")
    ]


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return response


async def _load(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def test_wall_instants_on_both_nights() -> None:
    # The hour the spring night skips: any time in it is the end of the gap (03:00 CEST).
    assert wall_instant(SPRING, 150, PARIS) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert wall_instant(SPRING, 120, PARIS) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert wall_instant(SPRING, 180, PARIS) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert wall_instant(SPRING, 60, PARIS) == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    # The hour the fall night repeats: its first pass (CEST).
    assert wall_instant(FALL, 150, PARIS) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert wall_instant(FALL, 180, PARIS) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    # A naive time is read on the homes' clock; an aware one is what it says.
    assert as_instant(datetime(2027, 3, 28, 2, 30), PARIS) == datetime(
        2027, 3, 28, 1, 0, tzinfo=UTC
    )
    assert as_instant(datetime(2026, 11, 23, 18, 0, 30), PARIS) == datetime(
        2026, 11, 23, 17, 0, 30, tzinfo=UTC
    )
    assert as_instant(datetime(2026, 11, 23, 17, 0, tzinfo=UTC), PARIS).hour == 17
    assert zone_named("Europe/Paris", UTC) == PARIS
    assert zone_named("Mars/Olympus", UTC) is UTC
    assert zone_named(None, UTC) is UTC
    assert is_zone("Europe/Paris")
    assert not is_zone("Mars/Olympus")


def test_windows_are_made_on_the_homes_clock() -> None:
    # Two real hours from 01:00 on the spring night: the clock reads 01:00 to 04:00.
    start = datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    windows = window_from_span(start, start + timedelta(hours=2), PARIS)
    assert windows == [Window(SPRING, 60, 240)]
    assert windows[0].bounds(PARIS) == (start, start + timedelta(hours=2))
    # Two real hours from 01:00 (CEST) on the fall night end at 02:00 CET, an hour the clock
    # reads twice: the gateway acts at its first pass, which the bounds say (one real hour).
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    windows = window_from_span(start, start + timedelta(hours=2), PARIS)
    assert windows == [Window(FALL, 60, 120)]
    assert windows[0].bounds(PARIS)[1] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    # A span the clock never shows (from the first pass of 02:50 to the second of 02:05).
    with pytest.raises(DerogationPlanError) as err:
        window_from_span(
            datetime(2026, 10, 25, 0, 50, tzinfo=UTC),
            datetime(2026, 10, 25, 1, 5, tzinfo=UTC),
            PARIS,
        )
    assert err.value.problem is PlanProblem.NOT_ON_CLOCK
    # Wall-clock windows asked as such: a start in the gap moves to its end; inside it, refused.
    assert on_clock(Window(SPRING, 150, 240), PARIS) == Window(SPRING, 180, 240)
    assert on_clock(Window(SPRING, 60, 240), PARIS) == Window(SPRING, 60, 240)
    with pytest.raises(DerogationPlanError) as err:
        on_clock(Window(SPRING, 125, 175), PARIS)
    assert err.value.problem is PlanProblem.NOT_ON_CLOCK


@pytest.mark.parametrize(
    ("moment", "window", "ends_at"),
    [
        ("2027-03-28T01:00:00+01:00", (60, 240), "2027-03-28T04:00:00+02:00"),
        ("2026-10-25T01:00:00+02:00", (60, 120), "2026-10-25T02:00:00+02:00"),
    ],
)
async def test_two_hours_on_a_daylight_saving_night(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    moment: str,
    window: tuple[int, int],
    ends_at: str,
) -> None:
    freezer.move_to(moment)
    await _load(hass_tz, account_entry(simulator.base_url, [HOME_ID]))  # type: ignore[attr-defined]
    answer = await _call(
        hass_tz, "override", {"entity_id": SALON, "delta": 2, "duration": "02:00:00"}
    )
    assert [(s, e) for s, e, _, _ in _sent(simulator)] == [window]
    assert answer["requests"][0]["ends_at"] == ends_at
    state = hass_tz.states.get(SALON)
    assert state.attributes["override_end"] == ends_at


async def test_until_in_utc_is_the_same_instant_at_home(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await _call(
        hass_tz,
        "override",
        {"entity_id": SALON, "delta": 1, "until": "2026-11-23T17:00:00+00:00"},
    )
    assert _sent(simulator) == [(600, 1080, ["2026-11-23"], {1})]  # 18:00 in Paris
    assert hass_tz.states.get(SALON).attributes["override_end"] == "2026-11-23T18:00:00+01:00"


async def test_home_assistant_in_utc_with_homes_in_paris(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    await hass.config.async_set_time_zone("UTC")
    freezer.move_to("2026-11-23T09:00:00+00:00")  # 10:00 in Paris
    entry = account_entry(
        simulator.base_url,  # type: ignore[attr-defined]
        [HOME_ID],
        **{CONF_TIME_ZONE: "Europe/Paris"},
    )
    await _load(hass, entry)
    await _call(hass, "override", {"entity_id": SALON, "delta": 2, "duration": "01:00:00"})
    assert _sent(simulator) == [(600, 660, ["2026-11-23"], {2})]
    state = hass.states.get(SALON)
    assert state.attributes["override_end"] == "2026-11-23T11:00:00+01:00"
    # The schedule is read on the homes' clock too: eco until 17:00 in Paris.
    assert state.attributes["next_change"] == "2026-11-23T17:00:00+01:00"
    await set_temperature(hass, SALON, 18)
    assert _sent(simulator)[-1][3] == {1}  # the schedule's eco 17 + 1


async def test_a_fourteen_day_override_says_its_real_end(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await _call(hass_tz, "override", {"entity_id": SALON, "delta": -1, "duration": {"days": 14}})
    state = hass_tz.states.get(SALON)
    assert state.attributes["override_end"] == "2026-12-07T10:00:00+01:00"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "override",
            {"entity_id": SALON, "delta": -1, "duration": {"days": 14, "minutes": 5}},
        )
    assert err.value.translation_key == "span_too_long"


async def test_set_times_in_the_skipped_hour(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2027-03-27T12:00:00+01:00")
    await _load(hass_tz, account_entry(simulator.base_url, [HOME_ID]))  # type: ignore[attr-defined]
    await _call(
        hass_tz,
        "set_derogation",
        {"entity_id": SALON, "delta": 1, "start": "02:30", "end": "04:00", "date": "2027-03-28"},
    )
    assert _sent(simulator) == [(180, 240, ["2027-03-28"], {1})]
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "set_derogation",
            {
                "entity_id": SALON,
                "delta": 1,
                "start": "02:05",
                "end": "02:55",
                "date": "2027-03-28",
            },
        )
    assert err.value.translation_key == "not_on_clock"


async def test_a_shed_over_the_autumn_night_counts_real_hours_and_shows_both_offsets(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A shed from 01:00 to 04:00 on 2026-10-25 is four real hours: its calendar event shows the
    summer and winter offsets, and a cancel at 02:30 CET counts 2.5 real hours of it."""
    freezer.move_to("2026-10-24T12:00:00+02:00")
    entry = await _load(hass_tz, account_entry(simulator.base_url, [HOME_ID]))  # type: ignore[attr-defined]
    answer = await _call(
        hass_tz,
        "start_campaign",
        {
            "entity_id": SALON,
            "start": "2026-10-25 01:00:00",
            "end": "2026-10-25 04:00:00",
            "delta": -1,
        },
    )
    got = await _call(hass_tz, "get_campaign", {"campaign_id": answer["campaign_id"]})
    assert got["degree_hours_planned"] == 4.0
    entity = hass_tz.data["calendar"].get_entity("calendar.demo_partner_campaigns_campaigns")
    (event,) = await entity.async_get_events(
        hass_tz, datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 25, 6, tzinfo=UTC)
    )
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T04:00:00+01:00",
    )
    # From 01:00 CEST (23:00 UTC) to 02:30 CET (01:30 UTC): 2.5 real hours, not 1.5 on the clock.
    freezer.move_to("2026-10-25T02:30:00+01:00")
    await _call(hass_tz, "cancel_campaign", {"campaign_id": answer["campaign_id"]})
    got = await _call(hass_tz, "get_campaign", {"campaign_id": answer["campaign_id"]})
    assert got["degree_hours"] == 2.5
    assert entry.runtime_data.campaigns.campaigns[answer["campaign_id"]].cancelled is not None


async def test_a_preheat_before_a_shed_at_three_on_the_spring_night(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2027-03-27T12:00:00+01:00")
    await _load(hass_tz, account_entry(simulator.base_url, [HOME_ID]))  # type: ignore[attr-defined]
    answer = await _call(
        hass_tz,
        "start_campaign",
        {
            "entity_id": SALON,
            "start": "2027-03-28 03:00:00",
            "end": "2027-03-28 04:00:00",
            "delta": -2,
            "preheat_delta": 1,
            "preheat_minutes": 60,
        },
    )
    # An hour of real time before 03:00 CEST is 01:00 CET: the clock reads 01:00 to 03:00.
    assert sorted(_sent(simulator)) == [
        (60, 180, ["2027-03-28"], {1}),
        (180, 240, ["2027-03-28"], {-2}),
    ]
    got = await _call(hass_tz, "get_campaign", {"campaign_id": answer["campaign_id"]})
    assert [(p["phase"], p["start"], p["end"]) for p in got["phases"]] == [
        ("preheat", "2027-03-28T01:00:00+01:00", "2027-03-28T03:00:00+02:00"),
        ("shed", "2027-03-28T03:00:00+02:00", "2027-03-28T04:00:00+02:00"),
    ]
    assert got["degree_hours_planned"] == 3.0  # (1 °C x 1 h + 2 °C x 1 h) x one room
    assert got["degree_hours"] == 0.0  # nothing ran yet


def _sunday(simulator: Simulator, ranges: list[dict[str, int]]) -> None:
    """The living room's first heater's Sunday comfort ranges."""
    simulator.device(HOME_ID, "A1B2C3D4")["weekSchedule"][6] = ranges


async def _events(hass: HomeAssistant, start: str) -> list[tuple[str, str]]:
    answer = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": "calendar.salon_heater_1_schedule",
            "start_date_time": start,
            "end_date_time": (datetime.fromisoformat(start) + timedelta(hours=24)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    return [
        (event["start"], event["end"])
        for event in answer["calendar.salon_heater_1_schedule"]["events"]
    ]


@pytest.mark.parametrize(
    ("moment", "day", "expected"),
    [
        # The skipped hour: no comfort 02:00-03:00 that night.
        (
            "2027-03-27T12:00:00+01:00",
            "2027-03-28T00:00:00+01:00",
            [("2027-03-28T08:00:00+02:00", "2027-03-28T23:00:00+02:00")],
        ),
        # The repeated hour: the clock shows 02:00-03:00 twice, two real hours of comfort.
        (
            "2026-10-24T12:00:00+02:00",
            "2026-10-25T00:00:00+02:00",
            [
                ("2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00"),
                ("2026-10-25T08:00:00+01:00", "2026-10-25T23:00:00+01:00"),
            ],
        ),
    ],
)
async def test_the_calendar_on_daylight_saving_nights(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    moment: str,
    day: str,
    expected: list[tuple[str, str]],
) -> None:
    _sunday(simulator, [{"start": 120, "end": 180}, {"start": 480, "end": 1380}])
    freezer.move_to(moment)
    await _load(hass_tz, account_entry(simulator.base_url, [HOME_ID]))  # type: ignore[attr-defined]
    assert await _events(hass_tz, day) == expected


async def test_a_period_that_starts_after_the_skipped_hour_is_learned_at_its_start(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    _sunday(simulator, [{"start": 180, "end": 1380}])
    freezer.move_to("2027-03-27T10:00:00+01:00")  # Saturday, comfort: 20 is learned
    entry = await _load(hass_tz, account_entry(simulator.base_url, [HOME_ID]))  # type: ignore[attr-defined]
    learned = entry.runtime_data.homes[f"sub-{HOME_ID}"].setpoints
    assert learned.get("A1B2C3D4", Period.COMFORT) == 20
    simulator.device(HOME_ID, "A1B2C3D4")["comfortSp"] = 21
    # 03:07 CEST: the comfort period began 7 real minutes ago (02:00 never happened).
    freezer.move_to("2027-03-28T03:07:00+02:00")
    await advance(hass_tz, freezer, 61)
    assert learned.get("A1B2C3D4", Period.COMFORT) == 21
    # Later in the period a change of sp is someone's shift, shown and not learned.
    simulator.device(HOME_ID, "A1B2C3D4")["comfortSp"] = 22
    freezer.move_to("2027-03-28T03:40:00+02:00")
    await advance(hass_tz, freezer, 61)
    assert learned.get("A1B2C3D4", Period.COMFORT) == 21
    assert hass_tz.states.get(SALON).attributes["unexplained_shift"] == 1
    # The climate entity's next change is read on the homes' clock too.
    assert hass_tz.states.get(SALON).attributes["next_change"] == "2027-03-28T23:00:00+02:00"
