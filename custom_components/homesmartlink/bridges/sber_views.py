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
from .heaters import BridgeRequest
from .pipeline import (
    BridgeRequestError,
    Endpoint,
    Rejection,
    asked,
    async_change,
    read_json_object,
    request_user,
)
from .sber import describe, error, read_command, states
from .sber_sync import last_accepted
from .sber_users import async_sber_users, heater_id_of, sber_device_id

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
    """`GET /v1/user`: the linking person's own opaque id; their heaters go to Sber under it."""
    users = await async_sber_users(request.app[KEY_HASS])
    return web.json_response({"id": await users.async_link(request_user(request))})


async def _caller(request: web.Request) -> tuple[BridgeRequest, str | None]:
    """Who calls, the heaters they may see, and their Sber user id (None: linked before)."""
    shared = asked(request, CONF_SBER)
    users = await async_sber_users(shared.hass)
    return shared, users.linked_id(shared.user)


def _mine(shared: BridgeRequest, sber_user_id: str | None, ids: list[str]) -> dict[str, str]:
    """The caller's devices among Sber device ids, as heater ids (the others are not theirs)."""
    found = {}
    for device_id in ids:
        heater_id = heater_id_of(device_id, sber_user_id)
        if heater_id is not None and heater_id in shared.heaters:
            found[device_id] = heater_id
    return found


def _states(shared: BridgeRequest, heater_id: str) -> dict[str, Any]:
    heater = shared.heaters[heater_id]
    return {"states": states(heater, last_accepted(heater))}


async def _devices(request: web.Request) -> web.Response:
    """`GET /v1/devices`: every heater the caller may see, under their ids, sorted."""
    shared, sber_user_id = await _caller(request)
    return web.json_response(
        {
            "devices": [
                describe(shared.heaters[h], sber_device_id(h, sber_user_id) if sber_user_id else h)
                for h in sorted(shared.heaters)
            ]
        }
    )


async def _query(request: web.Request) -> web.Response:
    """`POST /v1/query`: the states of the named devices the caller may see."""
    shared, sber_user_id = await _caller(request)
    ids = (await read_json_object(request)).get("devices")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be a list of ids")
    if len(ids) > MAX_DEVICES:
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "too many devices")
    # The query answer has no error list (c2c/api-post-query): an id not theirs is left out.
    mine = _mine(shared, sber_user_id, ids)
    return web.json_response({"devices": {d: _states(shared, h) for d, h in mine.items()}})


async def _command(request: web.Request) -> web.Response:
    """`POST /v1/command`: temperatures through the write path, the rest per-device errors."""
    shared, sber_user_id = await _caller(request)
    commands = (await read_json_object(request)).get("devices")
    if not isinstance(commands, dict) or len(commands) > MAX_DEVICES:
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be an object")
    mine = _mine(shared, sber_user_id, list(commands))
    outcomes = await async_change(shared, {h: commands[d] for d, h in mine.items()}, read_command)
    # The refreshed snapshot: answer with the states Sber should now show.
    fresh = asked(request, CONF_SBER)
    result: dict[str, Any] = {
        "devices": {
            d: _states(fresh, h)
            for d, h in mine.items()
            if outcomes.get(h) is None and h in fresh.heaters
        }
    }
    errors = [error(d, Rejection.NOT_FOUND) for d in commands if d not in mine]
    errors += [error(d, o) for d, h in mine.items() if (o := outcomes.get(h)) is not None]
    if errors:
        result["errors"] = errors
    return web.json_response(result)


async def _unlink(request: web.Request) -> web.Response:
    """`POST /v1/unlink`: the person's link is forgotten (Sber drops their devices itself)."""
    users = await async_sber_users(request.app[KEY_HASS])
    await users.async_unlink(request_user(request))
    return web.json_response({})


ENDPOINTS = (
    Endpoint("/ping", "get", _ping, "ping", requires_auth=False),
    Endpoint("/user", "get", _user, "user"),
    Endpoint("/devices", "get", _devices, "devices"),
    Endpoint("/query", "post", _query, "query"),
    Endpoint("/command", "post", _command, "command"),
    Endpoint("/unlink", "post", _unlink, "unlink"),
)
