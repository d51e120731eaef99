"""Conformance of the Yango provider endpoint (PROTOCOLS.md §3) against the simulated cloud."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.homesmartlink.bridges.pipeline import MAX_BODY_BYTES

from .conftest import HOME_ID, registry_device, with_options
from .simulator import Fault, Simulator

BASE = "/api/homesmartlink/yango/v1.0"
RANGE = "devices.capabilities.range"
SALON_1 = "A1B2C3D4"
SALON_2 = "A1B2C3D5"
CHAMBRE = "B7E8F901"
BUREAU = "D15EA5E0"
VERANDA = "E0E0E0E0"  # stopped
CAVE = "F00DF00D"  # offline
HEATERS = {SALON_1, SALON_2, CHAMBRE, "C0FFEE01", BUREAU, VERANDA, CAVE}

type ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """The sample home, shared with Yango."""
    return with_options(mock_config_entry, yango=True)


@pytest.fixture
async def yango(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, hass_client: ClientFactory
) -> TestClient:
    return await hass_client()


async def _post(client: TestClient, path: str, body: Any, request_id: str = "req-1") -> Any:
    response = await client.post(f"{BASE}{path}", json=body, headers={"X-Request-Id": request_id})
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["request_id"] == request_id
    return answer


def _action(device_id: str, value: float, *, relative: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"instance": "temperature", "value": value}
    if relative:
        state["relative"] = True
    return {"id": device_id, "capabilities": [{"type": RANGE, "state": state}]}


def _derogations(simulator: Simulator) -> list[Any]:
    return [request.body["derogations"] for request in simulator.requests_to("derogations")]


def _results(answer: Any) -> dict[str, Any]:
    """Per device id: its device-level error code, or its capabilities' results."""
    found: dict[str, Any] = {}
    for device in answer["payload"]["devices"]:
        if "action_result" in device:
            found[device["id"]] = device["action_result"].get("error_code", "DONE")
        else:
            found[device["id"]] = [
                c["state"]["action_result"].get("error_code", "DONE")
                for c in device["capabilities"]
            ]
    return found


async def test_head_needs_no_token(
    init_integration: MockConfigEntry, hass_client_no_auth: Callable[[], Awaitable[TestClient]]
) -> None:
    client = await hass_client_no_auth()
    assert (await client.head(BASE)).status == 200
    assert (await client.head(f"{BASE}/")).status == 200
    for method, path in (
        ("get", "/user/devices"),
        ("post", "/user/devices/query"),
        ("post", "/user/devices/action"),
        ("post", "/user/unlink"),
    ):
        response = await client.request(method, f"{BASE}{path}", json={})
        assert response.status == 401, path
    bad = await client.get(f"{BASE}/user/devices", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status == 401


async def test_discovery_lists_every_heater_as_a_thermostat(yango: TestClient) -> None:
    response = await yango.get(f"{BASE}/user/devices", headers={"X-Request-Id": "disc-1"})
    assert response.status == 200
    answer = await response.json()
    assert answer["request_id"] == "disc-1"
    payload = answer["payload"]
    assert isinstance(payload["user_id"], str)
    assert len(payload["user_id"]) == 32
    devices = {device["id"]: device for device in payload["devices"]}
    assert set(devices) == HEATERS  # the gateway is no heater
    assert [d["id"] for d in payload["devices"]] == sorted(devices)  # same order every time
    salon = devices[SALON_1]
    assert salon["type"] == "devices.types.thermostat"
    assert salon["room"] == "Salon"
    assert salon["device_info"] == {
        "manufacturer": "HomeSmartlink",
        "model": "Heater",
        "sw_version": "412",
    }
    assert devices["C0FFEE01"]["device_info"]["model"] == "Towel dryer"
    (capability,) = salon["capabilities"]
    # The range a heater may be asked for, not what it reaches now (Monday 10:00: 12..22): the
    # platform reads descriptions only at linking, so they must not move with the clock.
    assert capability == {
        "type": RANGE,
        "retrievable": True,
        "reportable": False,  # no skill configured: Yango asks, we do not push
        "parameters": {
            "instance": "temperature",
            "unit": "unit.temperature.celsius",
            "random_access": True,
            "range": {"min": 5, "max": 30, "precision": 1},
        },
    }
    assert salon["properties"] == [
        {
            "type": "devices.properties.float",
            "retrievable": True,
            "reportable": False,  # no skill configured: Yango asks, we do not push
            "parameters": {"instance": "temperature", "unit": "unit.temperature.celsius"},
        }
    ]
    # Nothing the cloud cannot do is declared: no on_off, no mode. And every heater is described
    # the same way whatever its mode or connectivity (the Veranda is stopped, the Cave offline).
    kinds = {c["type"] for d in devices.values() for c in d["capabilities"]}
    assert kinds == {RANGE}
    assert all(d["capabilities"] == [capability] for d in devices.values())
    second = await (await yango.get(f"{BASE}/user/devices")).json()
    assert second["payload"] == payload


async def test_discovery_follows_home_assistant_names_and_areas(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, yango: TestClient
) -> None:
    devices = dr.async_get(hass_tz)
    device = registry_device(hass_tz, init_integration, CHAMBRE)
    area = ar.async_get(hass_tz).async_create("Guest room")
    devices.async_update_device(device.id, name_by_user="Guest heater", area_id=area.id)
    entity_id = er.async_get(hass_tz).async_get_entity_id(
        "climate", "homesmartlink", f"{BUREAU}_climate"
    )
    assert entity_id
    er.async_get(hass_tz).async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
    answer = await (await yango.get(f"{BASE}/user/devices")).json()
    listed = {d["id"]: d for d in answer["payload"]["devices"]}
    assert listed[CHAMBRE]["name"] == "Guest heater"
    assert listed[CHAMBRE]["room"] == "Guest room"
    assert BUREAU not in listed  # disabled in Home Assistant: not shared


async def test_bridge_off_shares_nothing(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, yango: TestClient
) -> None:
    hass_tz.config_entries.async_update_entry(
        init_integration, options={"override_duration": 120, "yango": False}
    )
    await hass_tz.async_block_till_done()
    answer = await (await yango.get(f"{BASE}/user/devices")).json()
    assert answer["payload"]["devices"] == []
    query = await _post(yango, "/user/devices/query", {"devices": [{"id": SALON_1}]})
    assert query["payload"]["devices"][0]["error_code"] == "DEVICE_NOT_FOUND"


async def test_query_answers_every_id(yango: TestClient) -> None:
    answer = await _post(
        yango,
        "/user/devices/query",
        {"devices": [{"id": SALON_1}, {"id": "nope", "custom_data": {"a": 1}}, {"id": CAVE}]},
    )
    salon, unknown, cave = answer["payload"]["devices"]
    assert salon == {
        "id": SALON_1,
        "capabilities": [{"type": RANGE, "state": {"instance": "temperature", "value": 17}}],
        "properties": [
            {
                "type": "devices.properties.float",
                "state": {"instance": "temperature", "value": 19.5},
            }
        ],
    }
    assert unknown["id"] == "nope"
    assert unknown["error_code"] == "DEVICE_NOT_FOUND"
    assert cave["error_code"] == "DEVICE_UNREACHABLE"


async def test_absolute_action_is_a_derogation(
    hass_tz: HomeAssistant, yango: TestClient, simulator: Simulator
) -> None:
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(SALON_1, 19)]}}
    )
    assert _results(answer) == {SALON_1: ["DONE"]}
    assert answer["payload"]["devices"][0]["capabilities"][0]["state"]["instance"] == "temperature"
    assert _derogations(simulator) == [
        [
            {
                "homeId": HOME_ID,
                "roomId": 1,
                "startTime": 600,
                "endTime": 720,
                "delta": 2,
                "date": "2026-11-23",
            }
        ]
    ]
    # The climate entity shows it at once: the bridge wrote through the same path.
    assert hass_tz.states.get("climate.salon_heater_1").attributes["temperature"] == 19
    query = await _post(yango, "/user/devices/query", {"devices": [{"id": SALON_1}]})
    assert query["payload"]["devices"][0]["capabilities"][0]["state"]["value"] == 19


async def test_relative_action_shifts_the_current_setpoint(
    yango: TestClient, simulator: Simulator
) -> None:
    answer = await _post(
        yango,
        "/user/devices/action",
        {"payload": {"devices": [_action(CHAMBRE, -2, relative=True)]}},
    )
    assert _results(answer) == {CHAMBRE: ["DONE"]}
    ((derogation,),) = _derogations(simulator)
    assert (derogation["roomId"], derogation["delta"]) == (2, -2)


async def test_relative_action_beyond_reach_goes_to_the_edge(
    yango: TestClient, simulator: Simulator
) -> None:
    """ "Warmer by 8" on a room whose schedule says 18: a derogation reaches 23, so 23 (+5)."""
    answer = await _post(
        yango,
        "/user/devices/action",
        {"payload": {"devices": [_action(CHAMBRE, 8, relative=True)]}},
    )
    assert _results(answer) == {CHAMBRE: ["DONE"]}
    ((derogation,),) = _derogations(simulator)
    assert (derogation["roomId"], derogation["delta"]) == (2, 5)


async def test_absolute_action_out_of_reach_names_the_reachable_span(
    yango: TestClient, simulator: Simulator
) -> None:
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 28)]}}
    )
    (device,) = answer["payload"]["devices"]
    assert device["capabilities"][0]["state"]["action_result"] == {
        "status": "ERROR",
        "error_code": "INVALID_VALUE",
        "error_message": "Reachable now: 13 to 23 °C.",
    }
    assert _derogations(simulator) == []


async def test_a_device_without_capabilities_is_that_devices_error(
    yango: TestClient, simulator: Simulator
) -> None:
    """One malformed device does not sink the others: its error travels in a 200 answer."""
    answer = await _post(
        yango,
        "/user/devices/action",
        {"payload": {"devices": [{"id": CHAMBRE}, _action(BUREAU, 9)]}},
    )
    assert _results(answer) == {CHAMBRE: "INVALID_VALUE", BUREAU: ["DONE"]}
    assert len(_derogations(simulator)) == 1


async def test_rooms_of_one_request_share_one_call(yango: TestClient, simulator: Simulator) -> None:
    """Two heaters in two manual rooms, same window: one derogation request."""
    answer = await _post(
        yango,
        "/user/devices/action",
        {"payload": {"devices": [_action(CHAMBRE, 20), _action(BUREAU, 9)]}},
    )
    assert _results(answer) == {CHAMBRE: ["DONE"], BUREAU: ["DONE"]}
    (request,) = _derogations(simulator)
    assert {(d["roomId"], d["delta"]) for d in request} == {(2, 2), (4, 2)}


async def test_failures_are_per_device_and_capability(
    yango: TestClient, simulator: Simulator
) -> None:
    body = {
        "payload": {
            "devices": [
                {
                    "id": SALON_1,
                    "capabilities": [
                        {
                            "type": "devices.capabilities.on_off",
                            "state": {"instance": "on", "value": False},
                        },
                        {
                            "type": "devices.capabilities.mode",
                            "state": {"instance": "thermostat", "value": "eco"},
                        },
                        {"type": RANGE, "state": {"instance": "temperature", "value": 18}},
                        "garbage",
                    ],
                },
                _action(SALON_2, 30),  # beyond what a derogation reaches
                _action(CHAMBRE, "warm"),  # type: ignore[arg-type]
                _action(VERANDA, 18),  # stopped
                _action(CAVE, 18),  # offline
                _action("unknown-id", 18),
                {
                    "id": BUREAU,
                    "capabilities": [
                        {
                            "type": RANGE,
                            "state": {"instance": "temperature", "value": 9, "relative": "yes"},
                        }
                    ],
                },
            ]
        }
    }
    answer = await _post(yango, "/user/devices/action", body)
    assert _results(answer) == {
        SALON_1: ["INVALID_ACTION", "INVALID_ACTION", "DONE", "INVALID_ACTION"],
        SALON_2: ["INVALID_VALUE"],
        CHAMBRE: ["INVALID_VALUE"],
        VERANDA: ["NOT_SUPPORTED_IN_CURRENT_MODE"],
        CAVE: ["DEVICE_UNREACHABLE"],  # offline: the write path says so, per capability
        "unknown-id": "DEVICE_NOT_FOUND",
        BUREAU: ["INVALID_VALUE"],
    }
    # Only the valid change went out.
    ((derogation,),) = _derogations(simulator)
    assert (derogation["roomId"], derogation["delta"]) == (1, 1)


async def test_cloud_failure_is_reported_per_device(
    yango: TestClient, simulator: Simulator
) -> None:
    # A 5xx may have been applied: uncertain, never DEVICE_UNREACHABLE (the platform would retry).
    simulator.faults.append(Fault(path="derogations", status=500))
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 20)]}}
    )
    assert _results(answer) == {CHAMBRE: ["INTERNAL_ERROR"]}
    # Asked again: not sent again while the first is uncertain.
    count = len(simulator.requests_to("derogations"))
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 20)]}}
    )
    assert _results(answer) == {CHAMBRE: ["INTERNAL_ERROR"]}
    assert len(simulator.requests_to("derogations")) == count
    simulator.faults.append(Fault(path="derogations", status=401))
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 21)]}}
    )
    assert _results(answer) == {CHAMBRE: ["INTERNAL_ERROR"]}


async def test_a_429_holds_voice_commands_too(yango: TestClient, simulator: Simulator) -> None:
    simulator.faults.append(Fault(path="derogations", status=429, retry_after="120"))
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 20)]}}
    )
    assert _results(answer) == {CHAMBRE: ["DEVICE_BUSY"]}
    # Asked again within Retry-After: busy, and nothing reaches the cloud.
    count = len(simulator.requests_to("derogations"))
    answer = await _post(
        yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 21)]}}
    )
    assert _results(answer) == {CHAMBRE: ["DEVICE_BUSY"]}
    assert len(simulator.requests_to("derogations")) == count


async def test_two_heaters_of_a_room_cannot_disagree(
    yango: TestClient, simulator: Simulator
) -> None:
    answer = await _post(
        yango,
        "/user/devices/action",
        {"payload": {"devices": [_action(SALON_1, 19), _action(SALON_2, 20)]}},
    )
    assert _results(answer) == {SALON_1: ["DONE"], SALON_2: ["INVALID_VALUE"]}
    ((derogation,),) = _derogations(simulator)
    assert derogation["delta"] == 2


async def test_same_action_twice_sends_once(yango: TestClient, simulator: Simulator) -> None:
    for _ in range(2):
        answer = await _post(
            yango, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 21)]}}
        )
        assert _results(answer) == {CHAMBRE: ["DONE"]}
    assert len(_derogations(simulator)) == 1


@pytest.mark.parametrize(
    ("path", "raw", "status"),
    [
        ("/user/devices/query", b"{not json", 400),
        ("/user/devices/query", b"[1, 2]", 400),
        ("/user/devices/query", b'{"devices": "all"}', 400),
        ("/user/devices/query", b'{"devices": [{"id": 5}]}', 400),
        ("/user/devices/query", b"\xff\xfe", 400),
        ("/user/devices/action", b'{"devices": []}', 400),
        (
            "/user/devices/action",
            b'{"payload": {"devices": [{"id": "x"}] }}' + b" " * MAX_BODY_BYTES,
            413,
        ),
        ("/user/devices/query", b'{"devices": [' + b'{"id": "x"},' * 400 + b'{"id": "y"}]}', 400),
    ],
)
async def test_malformed_bodies_get_a_clear_4xx(
    yango: TestClient, path: str, raw: bytes, status: int
) -> None:
    response = await yango.post(
        f"{BASE}{path}",
        data=raw,
        headers={"X-Request-Id": "bad-1", "Content-Type": "application/json"},
    )
    assert response.status == status
    answer = await response.json()
    assert answer["request_id"] == "bad-1"
    assert answer["error_message"]
    assert "Traceback" not in await response.text()


async def test_oversized_body_refused_without_a_length(yango: TestClient) -> None:
    async def chunks():  # no Content-Length: the body is streamed
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = await yango.post(f"{BASE}/user/devices/query", data=chunks())
    assert response.status == 413


async def test_unlink_answers_with_the_request_id(yango: TestClient) -> None:
    answer = await _post(yango, "/user/unlink", None, request_id="unlink-1")
    assert answer == {"request_id": "unlink-1"}


async def test_read_only_user_sees_but_cannot_change(
    init_integration: MockConfigEntry,
    hass_client: ClientFactory,
    hass_read_only_access_token: str,
    simulator: Simulator,
) -> None:
    client = await hass_client(hass_read_only_access_token)
    answer = await (await client.get(f"{BASE}/user/devices")).json()
    assert len(answer["payload"]["devices"]) == len(HEATERS)
    answer = await _post(
        client, "/user/devices/action", {"payload": {"devices": [_action(CHAMBRE, 20)]}}
    )
    assert _results(answer) == {CHAMBRE: "INVALID_ACTION"}
    assert _derogations(simulator) == []


async def test_other_users_heaters_are_not_found(
    init_integration: MockConfigEntry,
    hass_client: ClientFactory,
    hass_admin_user: MockUser,
    simulator: Simulator,
) -> None:
    """A user allowed one heater's entity sees that heater only."""
    hass_admin_user.groups = []
    hass_admin_user.mock_policy({"entities": {"entity_ids": {"climate.chambre_heater": True}}})
    client = await hass_client()
    answer = await (await client.get(f"{BASE}/user/devices")).json()
    assert [d["id"] for d in answer["payload"]["devices"]] == [CHAMBRE]
    query = await _post(client, "/user/devices/query", {"devices": [{"id": SALON_1}]})
    assert query["payload"]["devices"][0]["error_code"] == "DEVICE_NOT_FOUND"
    answer = await _post(
        client,
        "/user/devices/action",
        {"payload": {"devices": [_action(SALON_1, 19), _action(CHAMBRE, 20)]}},
    )
    assert _results(answer) == {SALON_1: "DEVICE_NOT_FOUND", CHAMBRE: ["DONE"]}
    ((derogation,),) = _derogations(simulator)
    assert derogation["roomId"] == 2


async def test_system_user_tokens_are_refused(
    init_integration: MockConfigEntry,
    hass_client: ClientFactory,
    hass_supervisor_access_token: str,
) -> None:
    client = await hass_client(hass_supervisor_access_token)
    response = await client.get(f"{BASE}/user/devices", headers={"X-Request-Id": "sys-1"})
    assert response.status == 403
    assert (await response.json())["request_id"] == "sys-1"


async def test_burst_of_a_thousand_actions(
    hass_tz: HomeAssistant, yango: TestClient, simulator: Simulator
) -> None:
    """1,000 identical actions at once: Home Assistant keeps answering, the cloud hears once."""
    body = {"payload": {"devices": [_action(CHAMBRE, 21)]}}

    async def one(index: int) -> int:
        response = await yango.post(
            f"{BASE}/user/devices/action", json=body, headers={"X-Request-Id": f"b-{index}"}
        )
        answer = await response.json()
        assert answer["request_id"] == f"b-{index}"
        assert _results(answer) == {CHAMBRE: ["DONE"]}
        return response.status

    statuses = await asyncio.gather(*(one(i) for i in range(1000)))
    assert set(statuses) == {200}
    assert len(_derogations(simulator)) == 1
    # Still responsive: the API answers right after the burst.
    assert (await yango.head(BASE)).status == 200
    assert (await yango.get(f"{BASE}/user/devices")).status == 200
