"""Sber → vendor webhooks (PROTOCOLS.md §2.2), served under `/api/homesmartlink/sber/v1/`.

Account linking is Home Assistant's own OAuth: every webhook but ping carries a Home Assistant
access token. A temperature command goes through the write path; `on_off` and anything else the
cloud cannot do gets a per-device error.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from ..const import CONF_SBER
from .heaters import async_bridge_user_id, bridged_heaters
from .pipeline import (
    BridgeRequestError,
    Rejection,
    answers,
    asked,
    async_change,
    read_json_object,
    request_user,
)
from .sber import describe, error, read_command, states

URL_PREFIX = "/api/homesmartlink/sber/v1"
MAX_DEVICES = 500


def _refused(_request: web.Request, err: BridgeRequestError) -> web.Response:
    """A request refused whole: a common error with its status, never a 500."""
    return web.json_response(
        {"code": int(err.status), "message": err.message, "details": []}, status=err.status
    )


_answers = answers("Sber", _refused)


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
        heaters = asked(request, CONF_SBER).heaters
        return web.json_response({"devices": [describe(heaters[d]) for d in sorted(heaters)]})


class SberQueryView(HomeAssistantView):
    """`POST /v1/query`: states of named devices."""

    url = f"{URL_PREFIX}/query"
    name = "api:homesmartlink:sber:query"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Every declared feature that has a value; unknown ids as errors."""
        heaters = asked(request, CONF_SBER).heaters
        ids = (await read_json_object(request)).get("devices")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be a list of ids")
        if len(ids) > MAX_DEVICES:
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "too many devices")
        result: dict[str, Any] = {
            "devices": {d: {"states": states(heaters[d])} for d in ids if d in heaters}
        }
        if errors := [error(d, Rejection.NOT_FOUND) for d in ids if d not in heaters]:
            result["errors"] = errors
        return web.json_response(result)


class SberCommandView(HomeAssistantView):
    """`POST /v1/command`: change setpoints."""

    url = f"{URL_PREFIX}/command"
    name = "api:homesmartlink:sber:command"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Temperatures through the write path; everything else a per-device error."""
        shared = asked(request, CONF_SBER)
        commands = (await read_json_object(request)).get("devices")
        if not isinstance(commands, dict) or len(commands) > MAX_DEVICES:
            raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "devices must be an object")
        outcomes = await async_change(shared, commands, read_command)
        # The refreshed snapshot: answer with the states Sber should now show.
        fresh = bridged_heaters(shared.hass, CONF_SBER)
        result: dict[str, Any] = {
            "devices": {
                d: {"states": states(fresh[d])}
                for d, outcome in outcomes.items()
                if outcome is None and d in fresh
            }
        }
        if errors := [error(d, o) for d, o in outcomes.items() if o is not None]:
            result["errors"] = errors
        return web.json_response(result)


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
