"""Actions: set_derogation, reports, diagnosis, schedules; every error path."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.homesmartlink.const import (
    DOMAIN,
)
from custom_components.homesmartlink.writes.outcomes import HeaterRefusedError, Refusal, Refused
from custom_components.homesmartlink.writes.send import async_set_heater_temperature

from .conftest import HOME_ID, account_entry, advance, home
from .simulator import Fault, Simulator

SECOND_HOME = {
    "homeId": "home-demo-2",
    "city": "Nice",
    "gatewayEnabled": True,
    "gateway": {"version": "3.0.0"},
    "devices": [
        {
            "header": "H2R10001",
            "roomId": 10,
            "roomName": "Living",
            "softwareVersion": 1,
            "category": "Heater",
            "online": True,
            "mode": "Manual",
            "pv": "20.0",
            "sp": 20,
            "lastUpdate": "2026-11-22T23:55:00Z",
        },
    ],
}


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], response: bool = True
) -> Any:
    result = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return result


def _items(simulator: Simulator) -> list[tuple[str, int, int, int, int, str]]:
    return [
        (d["homeId"], d["roomId"], d["startTime"], d["endTime"], d["delta"], d["date"])
        for request in simulator.requests_to("derogations")
        for d in request.body["derogations"]
    ]


async def test_set_derogation_many_rooms_one_request(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await _call(
        hass_tz,
        "set_derogation",
        {
            "entity_id": [
                "climate.salon_heater_1",
                "climate.salon_heater_2",
                "climate.chambre_heater",
                "climate.bureau_heater",
            ],
            "delta": -2,
            "start": "17:00",
            "end": "19:00",
            "date": "2026-11-24",
        },
    )
    assert len(simulator.requests_to("derogations")) == 1
    assert sorted(_items(simulator)) == [
        (HOME_ID, 1, 1020, 1140, -2, "2026-11-24"),
        (HOME_ID, 2, 1020, 1140, -2, "2026-11-24"),
        (HOME_ID, 4, 1020, 1140, -2, "2026-11-24"),
    ]
    (request,) = response["requests"]
    assert request["success"] is True
    assert request["rooms"] == 3
    assert request["start_trigger"]
    assert request["end_trigger"]
    assert (request["date"], request["start"], request["end"]) == ("2026-11-24", "17:00", "19:00")


async def test_set_derogation_by_device_and_area_today(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    chambre = entity_registry.async_get("climate.chambre_heater")
    await _call(
        hass_tz,
        "set_derogation",
        {"device_id": chambre.device_id, "delta": 1, "start": "10:30", "end": "11:00"},
        response=False,
    )
    assert _items(simulator) == [(HOME_ID, 2, 630, 660, 1, "2026-11-23")]


async def test_set_derogation_over_midnight_is_two_requests(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await _call(
        hass_tz,
        "set_derogation",
        {"entity_id": "climate.chambre_heater", "delta": -3, "start": "22:00", "end": "06:00"},
    )
    assert _items(simulator) == [
        (HOME_ID, 2, 1320, 1440, -3, "2026-11-23"),
        (HOME_ID, 2, 0, 360, -3, "2026-11-24"),
    ]
    assert [r["success"] for r in response["requests"]] == [True, True]


async def test_set_derogation_partly_failed_names_the_windows(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.faults.append(Fault(path="derogations", status=400, skip=1))
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass_tz,
            "set_derogation",
            {"entity_id": "climate.chambre_heater", "delta": -3, "start": "22:00", "end": "06:00"},
        )
    assert err.value.translation_key == "derogation_partly_failed"
    assert err.value.translation_placeholders == {
        "succeeded": "2026-11-23 22:00-24:00",
        "failed": "2026-11-24 00:00-06:00",
    }
    # What succeeded holds; what was refused is in the ledger, never in force.
    ledger = home(init_integration).derogations
    assert [(p.day.isoformat(), p.start, p.outcome) for p in ledger.items] == [
        ("2026-11-23", 1320, "placed"),
        ("2026-11-24", 0, "refused"),
    ]
    assert [(p.day.isoformat(), p.start) for p in ledger.for_room(2)] == [("2026-11-23", 1320)]


async def test_set_derogation_across_homes_of_one_account(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    simulator.homes["home-demo-2"] = SECOND_HOME
    account = account_entry(simulator.base_url, [HOME_ID, "home-demo-2"])  # type: ignore[attr-defined]
    account.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(account.entry_id)
    await hass_tz.async_block_till_done()
    await _call(
        hass_tz,
        "set_derogation",
        {
            "entity_id": [
                "climate.home_demo_1_chambre_heater",
                "climate.home_demo_2_living_heater",
            ],
            "delta": -1,
            "start": "18:00",
            "end": "20:00",
        },
    )
    assert len(simulator.requests_to("derogations")) == 1
    assert _items(simulator) == [
        (HOME_ID, 2, 1080, 1200, -1, "2026-11-23"),
        ("home-demo-2", 10, 1080, 1200, -1, "2026-11-23"),
    ]
    assert len(home(account, "home-demo-2").derogations.items) == 1
    assert len(home(account).derogations.items) == 1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"entity_id": "climate.chambre_heater", "delta": 6}, "delta_out_of_range"),
        ({"entity_id": "climate.chambre_heater", "delta": 1.5}, "delta_not_integer"),
        ({"entity_id": "climate.chambre_heater", "delta": 1, "start": "10:02"}, "time_not_aligned"),
        (
            {"entity_id": "climate.chambre_heater", "delta": 1, "end": "17:00"},
            "end_not_after_start",
        ),
        ({"entity_id": "sensor.chambre_heater_temperature", "delta": 1}, "no_target"),
    ],
)
async def test_set_derogation_validation(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "set_derogation", {"start": "17:00", "end": "18:00", **data})
    assert err.value.translation_key == key
    assert simulator.requests_to("derogations") == []


async def test_set_derogation_home_not_loaded(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await hass_tz.config_entries.async_unload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass_tz,
            "set_derogation",
            {"entity_id": "climate.chambre_heater", "delta": 1, "start": "17:00", "end": "18:00"},
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_setpoint_out_of_range_in_control(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """The bridges call the write path directly: it checks the range itself, once."""
    device = home(init_integration).coordinator.data.device("B7E8F901")
    with pytest.raises(HeaterRefusedError) as err:
        await async_set_heater_temperature(hass_tz, home(init_integration), device, 30)
    assert err.value.refused == Refused(Refusal.OUT_OF_REACH, 30, (13.0, 23.0))
    offline = home(init_integration).coordinator.data.device("F00DF00D")
    with pytest.raises(HeaterRefusedError) as err:
        await async_set_heater_temperature(hass_tz, home(init_integration), offline, 18)
    assert err.value.refused.reason is Refusal.UNAVAILABLE
    assert simulator.requests_to("derogations") == []


async def test_report(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await _call(
        hass_tz,
        "set_derogation",
        {"entity_id": "climate.chambre_heater", "delta": 1, "start": "17:00", "end": "18:00"},
    )
    trigger = response["requests"][0]["start_trigger"]
    report = await _call(
        hass_tz,
        "get_derogation_report",
        {"config_entry_id": init_integration.entry_id, "trigger": trigger},
    )
    assert report["summary"]["requested"] == 1
    assert report["summary"]["sent"] == 1
    assert report["summary"]["received"] == 1
    assert report["summary"]["first"] is not None
    assert report["details"] == [
        {"home_id": HOME_ID, "acknowledge": True, "sent_at": report["summary"]["first"]}
    ]


@pytest.mark.parametrize(
    ("entry_id", "trigger", "fault", "error", "key"),
    [
        (None, "nope", None, ServiceValidationError, "unknown_trigger"),
        ("missing", "t", None, ServiceValidationError, "entry_not_found"),
        (None, "t", Fault(path="report", status=500), HomeAssistantError, "communication_error"),
    ],
)
async def test_report_errors(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    entry_id: str | None,
    trigger: str,
    fault: Fault | None,
    error: type[Exception],
    key: str,
) -> None:
    if fault:
        simulator.faults.append(fault)
    with pytest.raises(error) as err:
        await _call(
            hass_tz,
            "get_derogation_report",
            {"config_entry_id": entry_id or init_integration.entry_id, "trigger": trigger},
        )
    assert err.value.translation_key == key


async def test_diagnosis_event_after_five_minutes(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = async_capture_events(hass_tz, "homesmartlink_diagnosis")
    response = await _call(
        hass_tz, "request_diagnosis", {"config_entry_id": init_integration.entry_id}
    )
    message_id = response["message_id"]
    assert simulator.requests_to("request")[0].body == {"homeId": HOME_ID}
    await advance(hass_tz, freezer, 299)
    assert events == []
    await advance(hass_tz, freezer, 2)
    (event,) = events
    assert event.data["home_id"] == HOME_ID
    assert event.data["message_id"] == message_id
    assert event.data["success"] is True
    assert event.data["result"]["acknowledge"] is True
    assert event.data["result"]["details"]["devices"]
    # The result stays readable on demand.
    result = await _call(
        hass_tz,
        "get_diagnosis_result",
        {"config_entry_id": init_integration.entry_id, "message_id": message_id},
    )
    assert result["acknowledge"] is True


async def test_diagnosis_not_ready_is_asked_again(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.diagnosis_delay = 500
    events = async_capture_events(hass_tz, "homesmartlink_diagnosis")
    await _call(hass_tz, "request_diagnosis", {"config_entry_id": init_integration.entry_id})
    for _ in range(2):
        await advance(hass_tz, freezer, 301)
    assert len(simulator.requests_to("request")) == 3  # request, not ready, ready
    (event,) = events
    assert event.data["success"] is True


async def test_diagnosis_gives_up_after_three_tries(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.diagnosis_delay = 10_000
    events = async_capture_events(hass_tz, "homesmartlink_diagnosis")
    await _call(hass_tz, "request_diagnosis", {"config_entry_id": init_integration.entry_id})
    for _ in range(4):
        await advance(hass_tz, freezer, 301)
    (event,) = events
    assert event.data["success"] is False
    assert event.data["result"]["acknowledge"] is False


async def test_diagnosis_fetch_failure_is_an_event(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = async_capture_events(hass_tz, "homesmartlink_diagnosis")
    await _call(hass_tz, "request_diagnosis", {"config_entry_id": init_integration.entry_id})
    simulator.faults.append(Fault(path="request", status=502))
    await advance(hass_tz, freezer, 301)
    (event,) = events
    assert event.data["success"] is False
    assert event.data["error"] == "communication_error"


@pytest.mark.parametrize(
    ("fault", "gateway", "key"),
    [
        (None, False, "diagnosis_refused"),
        (Fault(path="request", status=500), True, "communication_error"),
    ],
)
async def test_diagnosis_request_errors(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    fault: Fault | None,
    gateway: bool,
    key: str,
) -> None:
    simulator.homes[HOME_ID]["gatewayEnabled"] = gateway
    if fault:
        simulator.faults.append(fault)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass_tz, "request_diagnosis", {"config_entry_id": init_integration.entry_id})
    assert err.value.translation_key == key


@pytest.mark.parametrize(
    ("fault", "error", "key"),
    [
        (None, ServiceValidationError, "unknown_message"),
        (Fault(path="request", status=500), HomeAssistantError, "communication_error"),
    ],
)
async def test_diagnosis_result_errors(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    fault: Fault | None,
    error: type[Exception],
    key: str,
) -> None:
    if fault:
        simulator.faults.append(fault)
    with pytest.raises(error) as err:
        await _call(
            hass_tz,
            "get_diagnosis_result",
            {"config_entry_id": init_integration.entry_id, "message_id": "nope"},
        )
    assert err.value.translation_key == key


async def test_diagnosis_button(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await hass_tz.services.async_call(
        "button",
        "press",
        {"entity_id": "button.homesmartlink_gateway_home_demo_1_request_diagnosis"},
        blocking=True,
    )
    assert simulator.requests_to("request")[0].body == {"homeId": HOME_ID}


async def test_get_schedule(hass_tz: HomeAssistant, init_integration: MockConfigEntry) -> None:
    answer = await _call(hass_tz, "get_schedule", {"entity_id": "climate.salon_heater_1"})
    schedule = answer["climate.salon_heater_1"]  # an entity action answers per entity
    assert schedule["mode"] == "Prog"
    assert schedule["days"][0] == {
        "day": "monday",
        "comfort": [{"start": "06:00", "end": "08:30"}, {"start": "17:00", "end": "23:00"}],
    }
    assert schedule["days"][6] == {"day": "sunday", "comfort": [{"start": "08:00", "end": "23:00"}]}
    manual = await _call(hass_tz, "get_schedule", {"entity_id": "climate.chambre_heater"})
    assert manual == {"climate.chambre_heater": {"mode": "Manual", "days": None}}


@pytest.mark.parametrize(
    "entity_id", ["sensor.chambre_heater_temperature", "climate.nowhere", "climate.gone"]
)
async def test_get_schedule_of_anything_but_our_heaters(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    entity_id: str,
) -> None:
    """Home Assistant itself answers an entity action that names none of our heaters."""
    entity_registry.async_get_or_create(
        "climate",
        DOMAIN,
        "GONE0001_climate",
        config_entry=init_integration,
        suggested_object_id="gone",
    )
    with pytest.raises(HomeAssistantError, match="did not match any entities"):
        await _call(hass_tz, "get_schedule", {"entity_id": entity_id})


async def test_report_and_result_without_naming_the_home(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await _call(
        hass_tz,
        "set_derogation",
        {"entity_id": "climate.chambre_heater", "delta": 1, "start": "17:00", "end": "18:00"},
    )
    report = await _call(
        hass_tz, "get_derogation_report", {"trigger": response["requests"][0]["end_trigger"]}
    )
    assert report["summary"]["requested"] == 1
    simulator.diagnosis_delay = 0
    message = await _call(
        hass_tz, "request_diagnosis", {"config_entry_id": init_integration.entry_id}
    )
    result = await _call(hass_tz, "get_diagnosis_result", {"message_id": message["message_id"]})
    assert result["acknowledge"] is True
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "get_diagnosis_result", {"message_id": "nope"})
    assert err.value.translation_key == "unknown_message"


async def test_report_with_no_home_loaded(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await hass_tz.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass_tz, "get_derogation_report", {"trigger": "t"})
    assert err.value.translation_key == "no_home_loaded"
