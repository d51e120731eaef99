"""Yango Smart Home provider: the endpoint the platform calls (PROTOCOLS.md §3).

Endpoint URL for the skill: `<Home Assistant URL>/api/homesmartlink/yango`. Account linking is
Home Assistant's own OAuth, so every call but `HEAD /v1.0` carries a Home Assistant access token.
Device errors travel in 200 answers, per device or per capability; only a request that cannot be
read at all gets a 4xx.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.util import dt as dt_util

from ..const import CONF_YANGO
from .pipeline import (
    BridgeRequestError,
    Endpoint,
    Outcome,
    Rejection,
    asked,
    async_change,
    read_json_object,
    request_id,
    request_user,
)
from .yango import (
    action_result,
    async_yango_user_id,
    current_state,
    describe,
    is_temperature,
    read_action,
)

URL_PREFIX = "/api/homesmartlink/yango/v1.0"
MAX_DEVICES = 301  # the platform reads at most this many devices per user


def refuse(request: web.Request, err: BridgeRequestError) -> web.Response:
    """A request refused whole: its status, the request id echoed, a documented code."""
    return web.json_response(
        {
            "request_id": request_id(request),
            "error_code": "INVALID_ACTION",
            "error_message": err.message,
        },
        status=err.status,
    )


def _answer(request: web.Request, payload: dict[str, Any]) -> web.Response:
    return web.json_response({"request_id": request_id(request), "payload": payload})


def named_devices(body: dict[str, Any], *, in_payload: bool) -> dict[str, dict[str, Any]]:
    """The device objects a query or action names, by id, or a 400."""
    container = body.get("payload") if in_payload else body
    devices = container.get("devices") if isinstance(container, dict) else None
    if not isinstance(devices, list):
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be a list")
    if len(devices) > MAX_DEVICES:
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "too many devices")
    named: dict[str, dict[str, Any]] = {}
    for item in devices:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "every device needs a string id")
        named[item["id"]] = item
    return named


def _device_answer(device_id: str, item: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    """Each capability answered: the temperature with the outcome, the others refused."""
    capabilities = item.get("capabilities")
    if outcome in (Rejection.NOT_FOUND, Rejection.FORBIDDEN) or not isinstance(capabilities, list):
        # The device as a whole: unknown, not the user's to change, or no capability list.
        return {"id": device_id, "action_result": action_result(outcome)}
    results = []
    for capability in capabilities:
        kind = capability.get("type") if isinstance(capability, dict) else None
        state = capability.get("state") if isinstance(capability, dict) else None
        instance = state.get("instance") if isinstance(state, dict) else None
        done = outcome if is_temperature(capability) else Rejection.UNSUPPORTED
        results.append(
            {
                "type": kind if isinstance(kind, str) else "unknown",
                "state": {
                    "instance": instance if isinstance(instance, str) else "unknown",
                    "action_result": action_result(done),
                },
            }
        )
    return {"id": device_id, "capabilities": results}


async def _up(_request: web.Request) -> web.Response:
    """`HEAD /v1.0`: the platform checks that the endpoint is up (always, while HA is)."""
    return web.Response(status=HTTPStatus.OK)


async def _unlink(request: web.Request) -> web.Response:
    """`POST /v1.0/user/unlink`: nothing is kept per linked account (the platform revokes)."""
    request_user(request)
    return web.json_response({"request_id": request_id(request)})


async def _discovery(request: web.Request) -> web.Response:
    """`GET /v1.0/user/devices`: every heater the user may see, in a stable order."""
    shared = asked(request, CONF_YANGO)
    heaters = [shared.heaters[device_id] for device_id in sorted(shared.heaters)]
    return _answer(
        request,
        {
            "user_id": await async_yango_user_id(shared.hass),
            "devices": [describe(heater) for heater in heaters[:MAX_DEVICES]],
        },
    )


def _not_found(device_id: str) -> dict[str, Any]:
    return {
        "id": device_id,
        "error_code": "DEVICE_NOT_FOUND",
        "error_message": "No such heater is shared with this account.",
    }


async def _query(request: web.Request) -> web.Response:
    """`POST /v1.0/user/devices/query`: every named id answered, its state or why none."""
    heaters = asked(request, CONF_YANGO).heaters
    named = named_devices(await read_json_object(request), in_payload=False)
    return _answer(
        request,
        {"devices": [current_state(heaters[d]) if d in heaters else _not_found(d) for d in named]},
    )


async def _action(request: web.Request) -> web.Response:
    """`POST /v1.0/user/devices/action`: every device and capability answered."""
    shared = asked(request, CONF_YANGO)
    named = named_devices(await read_json_object(request), in_payload=True)
    now = dt_util.now()
    outcomes = await async_change(
        shared, named, lambda heater, item: read_action(heater, item.get("capabilities"), now)
    )
    return _answer(
        request, {"devices": [_device_answer(d, item, outcomes[d]) for d, item in named.items()]}
    )


ENDPOINTS = (
    # The platform's docs write the check both with and without the trailing slash.
    Endpoint("", "head", _up, "root", requires_auth=False, extra_paths=("/",)),
    Endpoint("/user/unlink", "post", _unlink, "unlink"),
    Endpoint("/user/devices", "get", _discovery, "devices"),
    Endpoint("/user/devices/query", "post", _query, "query"),
    Endpoint("/user/devices/action", "post", _action, "action"),
)
