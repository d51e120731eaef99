"""Conformance: the platforms' own published request bodies, replayed against a real Home Assistant
with the integration, get answers of the documented shapes, codes and statuses only.

The bodies are the platforms' (see `fixtures/platform_examples/README.md`), not our fakes'; the
checks below are written from the documentation (PROTOCOLS.md §2, §3), not from our code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import with_options
from .simulator import Simulator

EXAMPLES = Path(__file__).parent / "fixtures" / "platform_examples"
YANGO = "/api/homesmartlink/yango/v1.0"
SBER = "/api/homesmartlink/sber/v1"
HEATER = "B7E8F901"  # the sample home's Chambre: manual 18 °C

# Yango's documented device error codes (PROTOCOLS.md §3) and Sber's five (§2.1).
YANGO_CODES = {
    "DEVICE_UNREACHABLE",
    "DEVICE_NOT_FOUND",
    "DEVICE_BUSY",
    "INVALID_ACTION",
    "INVALID_VALUE",
    "NOT_SUPPORTED_IN_CURRENT_MODE",
    "INTERNAL_ERROR",
}
SBER_CODES = {400, 401, 403, 500, 503}

type ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    return with_options(
        mock_config_entry, yango=True, sber=True, sber_key="k", sber_url="http://127.0.0.1:9"
    )


@pytest.fixture
async def client(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, hass_client: ClientFactory
) -> TestClient:
    return await hass_client()


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _with_id(body: Any, device_id: str) -> Any:
    """The example with its first device standing for one of our heaters."""
    changed = copy.deepcopy(body)
    changed["payload"]["devices"][0]["id"] = device_id
    return changed


def _check_result(result: Any) -> None:
    """An `action_result` as documented: DONE, or ERROR with a listed code."""
    assert result["status"] in {"DONE", "ERROR"}
    if result["status"] == "ERROR":
        assert result["error_code"] in YANGO_CODES
    assert set(result) <= {"status", "error_code", "error_message"}


def test_the_published_answer_has_the_shape_we_check() -> None:
    """The checks below read the published answer the way they read ours."""
    body = _example("yango_action_request.json")
    published = _example("yango_action_answer.json")
    _check_action_answer(body, published, published["request_id"])


def _check_action_answer(body: Any, answer: Any, request_id: str) -> None:
    """The documented answer of `POST /v1.0/user/devices/action`: every device answered, in
    order, per capability (type and instance echoed) or as a whole, shaped as the published one."""
    published = _example("yango_action_answer.json")
    per_capability, whole = published["payload"]["devices"]
    for device in answer["payload"]["devices"]:
        assert set(device) == set(whole if "action_result" in device else per_capability)
    assert set(answer) == {"request_id", "payload"}
    assert answer["request_id"] == request_id
    asked = body["payload"]["devices"]
    devices = answer["payload"]["devices"]
    assert [d["id"] for d in devices] == [d["id"] for d in asked]
    for device, request in zip(devices, asked, strict=True):
        if "action_result" in device:
            _check_result(device["action_result"])
            continue
        pairs = zip(device["capabilities"], request["capabilities"], strict=True)
        for capability, wanted in pairs:
            assert capability["type"] == wanted["type"]
            assert capability["state"]["instance"] == wanted["state"]["instance"]
            _check_result(capability["state"]["action_result"])


async def _yango(client: TestClient, path: str, body: Any, request_id: str) -> Any:
    response = await client.post(
        f"{YANGO}{path}",
        data=json.dumps(body),
        headers={"X-Request-Id": request_id, "Content-Type": "application/json"},
    )
    assert response.status == 200
    return await response.json()


@pytest.mark.parametrize(
    "example", ["yango_action_request.json", "yango_reference_provider_action.json"]
)
async def test_yango_published_action_for_unknown_devices(client: TestClient, example: str) -> None:
    """Ids we do not share: each answered (never dropped) with DEVICE_NOT_FOUND."""
    body = _example(example)
    answer = await _yango(client, "/user/devices/action", body, "EE109B31-FF6C-48BD")
    _check_action_answer(body, answer, "EE109B31-FF6C-48BD")
    codes = {d["action_result"]["error_code"] for d in answer["payload"]["devices"]}
    assert codes == {"DEVICE_NOT_FOUND"}


@pytest.mark.parametrize(
    "example", ["yango_action_request.json", "yango_reference_provider_action.json"]
)
async def test_yango_published_action_on_a_heater(
    client: TestClient, simulator: Simulator, example: str
) -> None:
    """Colours, modes, switching off, volume...: none is something a heater does here; each
    capability gets its documented refusal and nothing reaches the heater cloud."""
    body = _with_id(_example(example), HEATER)
    answer = await _yango(client, "/user/devices/action", body, "req-2")
    _check_action_answer(body, answer, "req-2")
    ours = answer["payload"]["devices"][0]
    assert {c["state"]["action_result"]["error_code"] for c in ours["capabilities"]} == {
        "INVALID_ACTION"
    }
    assert simulator.requests_to("derogations") == []


async def test_yango_documented_temperature_actions(
    client: TestClient, simulator: Simulator
) -> None:
    """A thermostat's range in the documented form: absolute, relative, and out of reach."""
    body = _with_id(_example("yango_action_request.json"), HEATER)
    capability = {
        "type": "devices.capabilities.range",
        "state": {"instance": "temperature", "value": -2, "relative": True},
    }
    body["payload"]["devices"][0]["capabilities"] = [capability]
    answer = await _yango(client, "/user/devices/action", body, "req-3")
    _check_action_answer(body, answer, "req-3")
    result = answer["payload"]["devices"][0]["capabilities"][0]["state"]["action_result"]
    assert result == {"status": "DONE"}
    capability["state"] = {"instance": "temperature", "value": 40}
    answer = await _yango(client, "/user/devices/action", body, "req-4")
    _check_action_answer(body, answer, "req-4")
    result = answer["payload"]["devices"][0]["capabilities"][0]["state"]["action_result"]
    assert result["error_code"] == "INVALID_VALUE"
    assert len(simulator.requests_to("derogations")) == 1


async def test_yango_discovery_and_query_have_the_documented_shape(client: TestClient) -> None:
    response = await client.get(f"{YANGO}/user/devices", headers={"X-Request-Id": "r"})
    discovery = await response.json()
    assert set(discovery) == {"request_id", "payload"}
    assert set(discovery["payload"]) == {"user_id", "devices"}
    for device in discovery["payload"]["devices"]:
        assert {"id", "name", "type", "capabilities", "properties"} <= set(device)
        assert set(device) <= {
            "id",
            "name",
            "description",
            "room",
            "type",
            "custom_data",
            "capabilities",
            "properties",
            "device_info",
        }
    ids = [{"id": d["id"]} for d in discovery["payload"]["devices"]] + [{"id": "nope"}]
    query = await _yango(client, "/user/devices/query", {"devices": ids}, "q")
    assert [d["id"] for d in query["payload"]["devices"]] == [d["id"] for d in ids]
    for device in query["payload"]["devices"]:
        if "error_code" in device:
            assert device["error_code"] in YANGO_CODES
        else:
            assert device["capabilities"] or device["properties"]


async def _sber(client: TestClient, path: str, body: Any) -> Any:
    response = await client.post(f"{SBER}{path}", json=body)
    assert response.status == 200
    return await response.json()


def _sber_state(key: str, kind: str, value: Any) -> dict[str, Any]:
    field = {"BOOL": "bool_value", "INTEGER": "integer_value"}[kind]
    return {"key": key, "value": {"type": kind, field: value}}


async def test_sber_command_in_the_documented_form(
    client: TestClient, simulator: Simulator
) -> None:
    """`online` beside `on_off`, as Sber's own examples send them, then the setpoint."""
    command = {
        "devices": {
            HEATER: {
                "states": [
                    _sber_state("online", "BOOL", True),
                    _sber_state("on_off", "BOOL", True),
                    _sber_state("hvac_temp_set", "INTEGER", "20"),
                ]
            },
            "not-ours": {"states": [_sber_state("on_off", "BOOL", True)]},
        }
    }
    answer = await _sber(client, "/command", command)
    assert set(answer) <= {"devices", "errors"}
    assert set(answer["devices"]) == {HEATER}
    for state in answer["devices"][HEATER]["states"]:
        assert state["value"]["type"] in {"BOOL", "INTEGER"}
        if state["value"]["type"] == "INTEGER":
            assert isinstance(state["value"]["integer_value"], str)
    for error in answer["errors"]:
        assert set(error) == {"id", "code", "message"}
        assert error["code"] in SBER_CODES
    assert [e["id"] for e in answer["errors"]] == ["not-ours"]
    assert len(simulator.requests_to("derogations")) == 1


async def test_sber_query_in_the_documented_form(client: TestClient) -> None:
    answer = await _sber(client, "/query", {"devices": [HEATER, "not-ours"]})
    assert set(answer) == {"devices"}  # the query answer defines no error list
    keys = {state["key"] for state in answer["devices"][HEATER]["states"]}
    assert keys == {"online", "on_off", "temperature", "hvac_temp_set"}
