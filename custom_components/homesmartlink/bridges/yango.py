"""Yango Smart Home provider: the endpoint the platform calls (PROTOCOLS.md §3).

Endpoint URL for the skill: `<Home Assistant URL>/api/homesmartlink/yango`. Account linking is
Home Assistant's own OAuth, so every call but `HEAD /v1.0` carries a Home Assistant access token.
Device errors travel in 200 answers, per device or per capability; only a request that cannot be
read at all gets a 4xx.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import wraps
from http import HTTPStatus
import math
from typing import Any
from uuid import uuid4

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util import dt as dt_util

from ..api import DeviceMode
from ..const import CONF_YANGO, CONF_YANGO_SKILL_ID, LOGGER, MANUFACTURER
from ..control import HeaterTarget, async_set_heater_temperatures
from .common import (
    BridgedHeater,
    BridgeRequestError,
    Failure,
    async_bridge_user_id,
    controllable,
    failure,
    kind_name,
    read_json_object,
    request_user,
    setpoint_range,
    shared_with,
)

URL_PREFIX = "/api/homesmartlink/yango/v1.0"
DEVICE_TYPE = "devices.types.thermostat"
RANGE = "devices.capabilities.range"
FLOAT = "devices.properties.float"
TEMPERATURE = "temperature"
CELSIUS = "unit.temperature.celsius"
MAX_DEVICES = 301  # the platform reads at most this many devices per user

# What our translated errors mean in the platform's words.
_ERROR_CODES = {
    Failure.UNREACHABLE: "DEVICE_UNREACHABLE",
    Failure.STOPPED: "NOT_SUPPORTED_IN_CURRENT_MODE",
    Failure.INVALID_VALUE: "INVALID_VALUE",
    Failure.BUSY: "DEVICE_BUSY",
    Failure.INTERNAL: "INTERNAL_ERROR",
}

type _Handler = Callable[[Any, web.Request], Coroutine[Any, Any, web.Response]]


def yango_error_code(err: HomeAssistantError) -> str:
    """The platform's error code for one of our errors."""
    return _ERROR_CODES[failure(err)]


async def async_yango_user_id(hass: HomeAssistant) -> str:
    """The user id this installation gives the platform."""
    return await async_bridge_user_id(hass, "yango")


def describe(heater: BridgedHeater, now: datetime) -> dict[str, Any]:
    """Discovery form of a heater: a thermostat whose setpoint a derogation can shift."""
    device = heater.device
    # Reportable only when this home pushes changes (a skill is configured for notifications).
    reportable = bool(heater.home.entry.options.get(CONF_YANGO_SKILL_ID))
    capabilities: list[dict[str, Any]] = []
    reachable = setpoint_range(heater, now)
    if reachable is not None:
        capabilities.append(
            {
                "type": RANGE,
                "retrievable": True,
                "reportable": reportable,
                "parameters": {
                    "instance": TEMPERATURE,
                    "unit": CELSIUS,
                    "random_access": True,
                    "range": {"min": reachable[0], "max": reachable[1], "precision": 1},
                },
            }
        )
    described: dict[str, Any] = {
        "id": device.id,
        "name": heater.name,
        "type": DEVICE_TYPE,
        "capabilities": capabilities,
        "properties": [
            {
                "type": FLOAT,
                "retrievable": True,
                "reportable": reportable,
                "parameters": {"instance": TEMPERATURE, "unit": CELSIUS},
            }
        ],
        "device_info": {
            "manufacturer": MANUFACTURER,
            "model": kind_name(device),
            "sw_version": str(device.software_version)
            if device.software_version is not None
            else None,
        },
    }
    if heater.room:
        described["room"] = heater.room
    described["device_info"] = {k: v for k, v in described["device_info"].items() if v}
    return described


def current_state(heater: BridgedHeater) -> dict[str, Any]:
    """Query form of a heater: its setpoint and measured temperature, or why not."""
    device = heater.device
    if not heater.online:
        return {
            "id": device.id,
            "error_code": "DEVICE_UNREACHABLE",
            "error_message": "The heater is offline.",
        }
    capabilities = []
    if device.setpoint is not None:
        capabilities.append(
            {"type": RANGE, "state": {"instance": TEMPERATURE, "value": device.setpoint}}
        )
    properties = []
    if device.current_temperature is not None:
        properties.append(
            {"type": FLOAT, "state": {"instance": TEMPERATURE, "value": device.current_temperature}}
        )
    return {"id": device.id, "capabilities": capabilities, "properties": properties}


def _not_found(device_id: str) -> dict[str, Any]:
    return {
        "id": device_id,
        "error_code": "DEVICE_NOT_FOUND",
        "error_message": "No such heater is shared with this account.",
    }


def _request_id(request: web.Request) -> str:
    """The platform's request id, echoed in every answer and logged for incidents."""
    request_id = request.headers.get("X-Request-Id") or uuid4().hex
    LOGGER.debug("Yango %s %s, request id %s", request.method, request.path, request_id)
    return request_id


def _answers(handler: _Handler) -> _Handler:
    """Turn a refused request into a clear 4xx that still echoes the request id."""

    @wraps(handler)
    async def wrapper(view: Any, request: web.Request) -> web.Response:
        try:
            return await handler(view, request)
        except BridgeRequestError as err:
            return web.json_response(
                {
                    "request_id": _request_id(request),
                    "error_code": "INVALID_ACTION"
                    if err.status == HTTPStatus.BAD_REQUEST
                    else "FORBIDDEN",
                    "error_message": err.message,
                },
                status=err.status,
            )

    return wrapper


def _device_ids(body: dict[str, Any], *, in_payload: bool) -> list[tuple[str, dict[str, Any]]]:
    """The (id, device object) pairs a query or action names, or a 400."""
    container = body.get("payload") if in_payload else body
    devices = container.get("devices") if isinstance(container, dict) else None
    if not isinstance(devices, list):
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be a list")
    if len(devices) > MAX_DEVICES:
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "too many devices")
    named = []
    for item in devices:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "every device needs a string id")
        named.append((item["id"], item))
    return named


class YangoRootView(HomeAssistantView):
    """`HEAD /v1.0`: the platform checks that the endpoint is up."""

    url = URL_PREFIX
    # The platform's docs write the check both with and without the trailing slash.
    extra_urls = [f"{URL_PREFIX}/"]
    name = "api:homesmartlink:yango:root"
    requires_auth = False

    async def head(self, request: web.Request) -> web.Response:
        """Always up while Home Assistant is."""
        return web.Response(status=HTTPStatus.OK)


class YangoUnlinkView(HomeAssistantView):
    """`POST /v1.0/user/unlink`: the user unlinked their Yango account."""

    url = f"{URL_PREFIX}/user/unlink"
    name = "api:homesmartlink:yango:unlink"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Nothing is kept per linked account; the token is revoked on the platform's side."""
        request_user(request)
        return web.json_response({"request_id": _request_id(request)})


class YangoDevicesView(HomeAssistantView):
    """`GET /v1.0/user/devices`: discovery."""

    url = f"{URL_PREFIX}/user/devices"
    name = "api:homesmartlink:yango:devices"

    @_answers
    async def get(self, request: web.Request) -> web.Response:
        """Every heater the user may see, in a stable order."""
        asked = shared_with(request, CONF_YANGO)
        now = dt_util.now()
        heaters = [asked.heaters[device_id] for device_id in sorted(asked.heaters)]
        return web.json_response(
            {
                "request_id": _request_id(request),
                "payload": {
                    "user_id": await async_yango_user_id(asked.hass),
                    "devices": [describe(heater, now) for heater in heaters[:MAX_DEVICES]],
                },
            }
        )


class YangoQueryView(HomeAssistantView):
    """`POST /v1.0/user/devices/query`: current states."""

    url = f"{URL_PREFIX}/user/devices/query"
    name = "api:homesmartlink:yango:query"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Every named id answered: its state, or why there is none."""
        heaters = shared_with(request, CONF_YANGO).heaters
        named = _device_ids(await read_json_object(request), in_payload=False)
        devices = []
        for device_id, _ in named:
            heater = heaters.get(device_id)
            if heater is None:
                devices.append(_not_found(device_id))
            else:
                devices.append(current_state(heater))
        return web.json_response(
            {"request_id": _request_id(request), "payload": {"devices": devices}}
        )


class YangoActionView(HomeAssistantView):
    """`POST /v1.0/user/devices/action`: change setpoints."""

    url = f"{URL_PREFIX}/user/devices/action"
    name = "api:homesmartlink:yango:action"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Answer every device and capability; heaters change through the derogation path."""
        asked = shared_with(request, CONF_YANGO)
        hass, heaters, user = asked.hass, asked.heaters, asked.user
        named = _device_ids(await read_json_object(request), in_payload=True)
        now = dt_util.now()
        answers: list[dict[str, Any]] = []
        # Per answered device: the capability results to fill in once the writes are done.
        pending: list[tuple[dict[str, Any], str]] = []
        targets: dict[str, HeaterTarget] = {}
        for device_id, item in named:
            heater = heaters.get(device_id)
            if heater is None:
                answers.append(_device_failure(device_id, "DEVICE_NOT_FOUND"))
                continue
            if not controllable(user, heater):
                answers.append(_device_failure(device_id, "INVALID_ACTION"))
                continue
            if not heater.online:
                answers.append(_device_failure(device_id, "DEVICE_UNREACHABLE"))
                continue
            capabilities = item.get("capabilities")
            if not isinstance(capabilities, list):
                raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "capabilities must be a list")
            results: list[dict[str, Any]] = []
            for capability in capabilities:
                result, wanted = _read_capability(heater, capability, now)
                results.append(result)
                if wanted is not None:
                    targets[device_id] = HeaterTarget(heater.home, heater.device, wanted)
                    pending.append((result, device_id))
            answers.append({"id": device_id, "capabilities": results})
        outcome = await async_set_heater_temperatures(hass, list(targets.values()))
        for result, device_id in pending:
            error = outcome.get(device_id)
            result["state"]["action_result"] = (
                {"status": "DONE"} if error is None else _failure(yango_error_code(error))
            )
        return web.json_response(
            {"request_id": _request_id(request), "payload": {"devices": answers}}
        )


def _failure(code: str) -> dict[str, str]:
    return {"status": "ERROR", "error_code": code}


def _device_failure(device_id: str, code: str) -> dict[str, Any]:
    return {"id": device_id, "action_result": _failure(code)}


def _read_capability(
    heater: BridgedHeater, capability: Any, now: datetime
) -> tuple[dict[str, Any], float | None]:
    """One capability's answer and, for a valid temperature, the wanted setpoint.

    The answer's `action_result` is final unless a wanted setpoint is returned.
    """
    kind = capability.get("type") if isinstance(capability, dict) else None
    state = capability.get("state") if isinstance(capability, dict) else None
    instance = state.get("instance") if isinstance(state, dict) else None
    answer: dict[str, Any] = {
        "type": kind if isinstance(kind, str) else "unknown",
        "state": {"instance": instance if isinstance(instance, str) else "unknown"},
    }
    if kind != RANGE or instance != TEMPERATURE or not isinstance(state, dict):
        # Switching off, modes and the rest are not something the cloud can do.
        answer["state"]["action_result"] = _failure("INVALID_ACTION")
        return answer, None
    value = state.get("value")
    relative = state.get("relative", False)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not isinstance(relative, bool)
    ):
        answer["state"]["action_result"] = _failure("INVALID_VALUE")
        return answer, None
    if relative and heater.device.setpoint is not None:
        value = heater.device.setpoint + value
    reachable = setpoint_range(heater, now)
    if reachable is None:
        # Stopped, or no setpoint known: no derogation can apply now.
        stopped = heater.device.mode is DeviceMode.STOP
        answer["state"]["action_result"] = _failure(
            "NOT_SUPPORTED_IN_CURRENT_MODE" if stopped else "DEVICE_UNREACHABLE"
        )
        return answer, None
    if not reachable[0] <= value <= reachable[1]:
        answer["state"]["action_result"] = _failure("INVALID_VALUE")
        return answer, None
    return answer, float(value)


def async_register_views(hass: HomeAssistant) -> None:
    """Serve the provider endpoint (once; each request finds the homes with the bridge on)."""
    for view in (YangoRootView, YangoUnlinkView, YangoDevicesView, YangoQueryView, YangoActionView):
        hass.http.register_view(view())
