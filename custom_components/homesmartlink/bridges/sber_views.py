"""Sber → vendor webhooks (PROTOCOLS.md §2.2), served under `/api/homesmartlink/sber/v1/`.

Account linking is Home Assistant's own OAuth: every webhook but ping carries a Home Assistant
access token. A temperature command goes through the write path; `on_off` and anything else the
cloud cannot do gets a per-device error.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.helpers.http import KEY_HASS

from ..const import CONF_SBER
from .heaters import async_bridge_user_id, bridged_heaters
from .pipeline import (
    BridgeRequestError,
    Endpoint,
    asked,
    async_change,
    read_json_object,
    request_user,
)
from .sber import describe, error, read_command, states
from .sber_sync import last_accepted

URL_PREFIX = "/api/homesmartlink/sber/v1"
MAX_DEVICES = 500


def refuse(_request: web.Request, err: BridgeRequestError) -> web.Response:
    """A request refused whole: a common error with its status, never a 500."""
    return web.json_response(
        {"code": int(err.status), "message": err.message, "details": []}, status=err.status
    )


async def _ping(_request: web.Request) -> web.Response:
    """`GET /v1/ping` (no auth): up while Home Assistant is."""
    return web.json_response({})


async def _user(request: web.Request) -> web.Response:
    """`GET /v1/user`: the installation's stable, opaque id (devices are added under it)."""
    request_user(request)
    return web.json_response({"id": await async_bridge_user_id(request.app[KEY_HASS], "sber")})


async def _devices(request: web.Request) -> web.Response:
    """`GET /v1/devices`: every heater the user may see, sorted by id."""
    heaters = asked(request, CONF_SBER).heaters
    return web.json_response({"devices": [describe(heaters[d]) for d in sorted(heaters)]})


async def _query(request: web.Request) -> web.Response:
    """`POST /v1/query`: the states of the named heaters the user may see."""
    heaters = asked(request, CONF_SBER).heaters
    ids = (await read_json_object(request)).get("devices")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be a list of ids")
    if len(ids) > MAX_DEVICES:
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "too many devices")
    # The query answer has no error list (c2c/api-post-query): an id not shared is left out.
    return web.json_response(
        {
            "devices": {
                d: {"states": states(heaters[d], last_accepted(heaters[d]))}
                for d in ids
                if d in heaters
            }
        }
    )


async def _command(request: web.Request) -> web.Response:
    """`POST /v1/command`: temperatures through the write path, the rest per-device errors."""
    shared = asked(request, CONF_SBER)
    commands = (await read_json_object(request)).get("devices")
    if not isinstance(commands, dict) or len(commands) > MAX_DEVICES:
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be an object")
    outcomes = await async_change(shared, commands, read_command)
    # The refreshed snapshot: answer with the states Sber should now show.
    fresh = bridged_heaters(shared.hass, CONF_SBER)
    result: dict[str, Any] = {
        "devices": {
            d: {"states": states(fresh[d], last_accepted(fresh[d]))}
            for d, outcome in outcomes.items()
            if outcome is None and d in fresh
        }
    }
    if errors := [error(d, o) for d, o in outcomes.items() if o is not None]:
        result["errors"] = errors
    return web.json_response(result)


async def _unlink(request: web.Request) -> web.Response:
    """`POST /v1/unlink`: nothing is kept per linked account."""
    request_user(request)
    return web.json_response({})


ENDPOINTS = (
    Endpoint("/ping", "get", _ping, "ping", requires_auth=False),
    Endpoint("/user", "get", _user, "user"),
    Endpoint("/devices", "get", _devices, "devices"),
    Endpoint("/query", "post", _query, "query"),
    Endpoint("/command", "post", _command, "command"),
    Endpoint("/unlink", "post", _unlink, "unlink"),
)
