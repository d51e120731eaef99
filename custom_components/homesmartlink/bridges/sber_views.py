"""Sber → vendor webhooks (PROTOCOLS.md §2.2), served under `/api/homesmartlink/sber/v1/`.

Account linking is Home Assistant's own OAuth: every webhook but ping carries a Home Assistant
access token. A temperature command goes through the derogation path; `on_off` and anything else
the cloud cannot do gets a per-device error.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from http import HTTPStatus
import math
from typing import Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util

from ..api import DeviceMode
from ..const import CONF_SBER, LOGGER
from ..control import HeaterTarget, async_set_heater_temperatures
from .common import (
    BridgedHeater,
    BridgeRequestError,
    Failure,
    async_bridge_user_id,
    bridged_heaters,
    controllable,
    error_key,
    failure,
    read_json_object,
    request_user,
    setpoint_range,
    shared_with,
)
from .sber import describe, states

URL_PREFIX = "/api/homesmartlink/sber/v1"

type _Handler = Callable[[Any, web.Request], Coroutine[Any, Any, web.Response]]
MAX_DEVICES = 500

# Per-device error codes (Sber's errors carry an integer code and a message).
NOT_FOUND = 404
INVALID_VALUE = 400
NOT_SUPPORTED = 501
UNREACHABLE = 503
BUSY = 429
FORBIDDEN = 403
INTERNAL = 500

_ERROR_CODES = {
    Failure.UNREACHABLE: UNREACHABLE,
    Failure.STOPPED: NOT_SUPPORTED,
    Failure.INVALID_VALUE: INVALID_VALUE,
    Failure.BUSY: BUSY,
    Failure.INTERNAL: INTERNAL,
}


def _error(device_id: str, code: int, message: str) -> dict[str, Any]:
    return {"id": device_id, "code": code, "message": message}


def _answers(handler: _Handler) -> _Handler:
    """Log the request id; a refused request is a common error with its status, never a 500."""

    @wraps(handler)
    async def wrapper(view: Any, request: web.Request) -> web.Response:
        LOGGER.debug(
            "Sber %s %s, request id %s",
            request.method,
            request.path,
            request.headers.get("X-Request-Id"),
        )
        try:
            return await handler(view, request)
        except BridgeRequestError as err:
            return web.json_response(
                {"code": int(err.status), "message": err.message, "details": []},
                status=err.status,
            )

    return wrapper


class SberPingView(HomeAssistantView):
    """`GET /v1/ping`: no auth."""

    url = f"{URL_PREFIX}/ping"
    name = "api:homesmartlink:sber:ping"
    requires_auth = False

    async def get(self, request: web.Request) -> web.Response:
        """Up while Home Assistant is."""
        return web.json_response({})


class SberUserView(HomeAssistantView):
    """`GET /v1/user`: the id devices are added under."""

    url = f"{URL_PREFIX}/user"
    name = "api:homesmartlink:sber:user"

    @_answers
    async def get(self, request: web.Request) -> web.Response:
        """The installation's stable, opaque id (the sync engine adds devices under it)."""
        request_user(request)
        return web.json_response({"id": await async_bridge_user_id(request.app[KEY_HASS], "sber")})


class SberDevicesView(HomeAssistantView):
    """`GET /v1/devices`: the user's heaters."""

    url = f"{URL_PREFIX}/devices"
    name = "api:homesmartlink:sber:devices"

    @_answers
    async def get(self, request: web.Request) -> web.Response:
        """Every heater the user may see, sorted by id."""
        heaters = shared_with(request, CONF_SBER).heaters
        return web.json_response({"devices": [describe(heaters[d]) for d in sorted(heaters)]})


class SberQueryView(HomeAssistantView):
    """`POST /v1/query`: states of named devices."""

    url = f"{URL_PREFIX}/query"
    name = "api:homesmartlink:sber:query"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Every declared feature that has a value; unknown ids as errors."""
        heaters = shared_with(request, CONF_SBER).heaters
        body = await read_json_object(request)
        ids = body.get("devices")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be a list of ids")
        if len(ids) > MAX_DEVICES:
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "too many devices")
        found = {d: {"states": states(heaters[d])} for d in ids if d in heaters}
        errors = [_error(d, NOT_FOUND, "no such heater is shared") for d in ids if d not in heaters]
        result: dict[str, Any] = {"devices": found}
        if errors:
            result["errors"] = errors
        return web.json_response(result)


def _integer(value: Any) -> int | None:
    """An INTEGER value: sent as a string; a missing one means 0 (Sber drops defaults)."""
    if not isinstance(value, dict):
        return None
    raw = value.get("integer_value", 0)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return None
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        return int(raw)
    return None


class SberCommandView(HomeAssistantView):
    """`POST /v1/command`: change setpoints."""

    url = f"{URL_PREFIX}/command"
    name = "api:homesmartlink:sber:command"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Temperatures through the derogation path; everything else a per-device error."""
        asked = shared_with(request, CONF_SBER)
        hass, heaters, user = asked.hass, asked.heaters, asked.user
        body = await read_json_object(request)
        commands = body.get("devices")
        if not isinstance(commands, dict) or len(commands) > MAX_DEVICES:
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be an object")
        errors: list[dict[str, Any]] = []
        targets: list[HeaterTarget] = []
        now = dt_util.now()
        for device_id, command in commands.items():
            heater = heaters.get(device_id)
            if heater is None:
                errors.append(_error(device_id, NOT_FOUND, "no such heater is shared"))
                continue
            if not controllable(user, heater):
                errors.append(_error(device_id, FORBIDDEN, "not allowed to change it"))
                continue
            wanted, error = _read_command(heater, command, now)
            if error is not None:
                errors.append(error)
            elif wanted is not None:
                targets.append(HeaterTarget(heater.home, heater.device, wanted))
        outcome = await async_set_heater_temperatures(hass, targets)
        for device_id, problem in outcome.items():
            if problem is not None:
                errors.append(_failure(device_id, problem))
        # The refreshed snapshot: answer with the states Sber should now show.
        done = {d for d, problem in outcome.items() if problem is None}
        fresh = bridged_heaters(hass, CONF_SBER)
        result: dict[str, Any] = {
            "devices": {d: {"states": states(fresh[d])} for d in done if d in fresh}
        }
        if errors:
            result["errors"] = errors
        return web.json_response(result)


def _failure(device_id: str, err: HomeAssistantError) -> dict[str, Any]:
    key = error_key(err) or "internal"
    return _error(device_id, _ERROR_CODES[failure(err)], key)


def _read_command(
    heater: BridgedHeater, command: Any, now: Any
) -> tuple[float | None, dict[str, Any] | None]:
    """The wanted setpoint of one device's command, or its error."""
    device_id = heater.device.id
    items = command.get("states") if isinstance(command, dict) else None
    if not isinstance(items, list) or not items:
        return None, _error(device_id, INVALID_VALUE, "states must be a non-empty list")
    if not heater.online:
        return None, _error(device_id, UNREACHABLE, "heater offline")
    wanted: float | None = None
    for item in items:
        key = item.get("key") if isinstance(item, dict) else None
        if key != "hvac_temp_set":
            # on_off, modes and the rest: the cloud cannot do them.
            return None, _error(device_id, NOT_SUPPORTED, f"{key or 'unknown'} is not supported")
        value = _integer(item.get("value"))
        reachable = setpoint_range(heater, now)
        if value is None:
            return None, _error(device_id, INVALID_VALUE, "hvac_temp_set must be an integer")
        if reachable is None:
            if heater.device.mode is DeviceMode.STOP:
                return None, _error(device_id, NOT_SUPPORTED, "heater_stopped")
            return None, _error(device_id, UNREACHABLE, "heater_unavailable")
        if not reachable[0] <= value <= reachable[1]:
            return None, _error(device_id, INVALID_VALUE, "setpoint_out_of_range")
        wanted = float(value)
    return wanted, None


class SberUnlinkView(HomeAssistantView):
    """`POST /v1/unlink`."""

    url = f"{URL_PREFIX}/unlink"
    name = "api:homesmartlink:sber:unlink"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Nothing is kept per linked account."""
        request_user(request)
        return web.json_response({})


def async_register_views(hass: HomeAssistant) -> None:
    """Serve the webhooks (once; each request finds the homes with the bridge on)."""
    for view in (
        SberPingView,
        SberUserView,
        SberDevicesView,
        SberQueryView,
        SberCommandView,
        SberUnlinkView,
    ):
        hass.http.register_view(view())
