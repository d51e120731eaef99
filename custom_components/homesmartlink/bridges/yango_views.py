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
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util import dt as dt_util

from ..const import CONF_YANGO
from .pipeline import (
    BridgeRequestError,
    Outcome,
    Rejection,
    answers,
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


def _refused(request: web.Request, err: BridgeRequestError) -> web.Response:
    """A request refused whole: its status, the request id echoed."""
    code = "INVALID_ACTION" if err.status == HTTPStatus.BAD_REQUEST else "FORBIDDEN"
    return web.json_response(
        {"request_id": request_id(request), "error_code": code, "error_message": err.message},
        status=err.status,
    )


_answers = answers("Yango", _refused)


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


def _capabilities(item: dict[str, Any]) -> list[Any]:
    capabilities = item.get("capabilities")
    if not isinstance(capabilities, list):
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "capabilities must be a list")
    return capabilities


def _device_answer(device_id: str, item: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    """Each capability answered: the temperature with the outcome, the others refused."""
    if outcome in (Rejection.NOT_FOUND, Rejection.FORBIDDEN):
        return {"id": device_id, "action_result": action_result(outcome)}
    results = []
    for capability in _capabilities(item):
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
        return web.json_response({"request_id": request_id(request)})


class YangoDevicesView(HomeAssistantView):
    """`GET /v1.0/user/devices`: discovery."""

    url = f"{URL_PREFIX}/user/devices"
    name = "api:homesmartlink:yango:devices"

    @_answers
    async def get(self, request: web.Request) -> web.Response:
        """Every heater the user may see, in a stable order."""
        shared = asked(request, CONF_YANGO)
        now = dt_util.now()
        heaters = [shared.heaters[device_id] for device_id in sorted(shared.heaters)]
        return _answer(
            request,
            {
                "user_id": await async_yango_user_id(shared.hass),
                "devices": [describe(heater, now) for heater in heaters[:MAX_DEVICES]],
            },
        )


class YangoQueryView(HomeAssistantView):
    """`POST /v1.0/user/devices/query`: current states."""

    url = f"{URL_PREFIX}/user/devices/query"
    name = "api:homesmartlink:yango:query"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Every named id answered: its state, or why there is none."""
        heaters = asked(request, CONF_YANGO).heaters
        named = named_devices(await read_json_object(request), in_payload=False)
        return _answer(
            request,
            {
                "devices": [
                    current_state(heaters[device_id])
                    if device_id in heaters
                    else {
                        "id": device_id,
                        "error_code": "DEVICE_NOT_FOUND",
                        "error_message": "No such heater is shared with this account.",
                    }
                    for device_id in named
                ]
            },
        )


class YangoActionView(HomeAssistantView):
    """`POST /v1.0/user/devices/action`: change setpoints."""

    url = f"{URL_PREFIX}/user/devices/action"
    name = "api:homesmartlink:yango:action"

    @_answers
    async def post(self, request: web.Request) -> web.Response:
        """Answer every device and capability; heaters change through the write path."""
        shared = asked(request, CONF_YANGO)
        named = named_devices(await read_json_object(request), in_payload=True)
        outcomes = await async_change(
            shared, named, lambda heater, item: read_action(heater, _capabilities(item))
        )
        return _answer(
            request,
            {"devices": [_device_answer(d, item, outcomes[d]) for d, item in named.items()]},
        )


def async_register_views(hass: HomeAssistant) -> None:
    """Serve the provider endpoint (once; each request finds the homes with the bridge on)."""
    for view in (YangoRootView, YangoUnlinkView, YangoDevicesView, YangoQueryView, YangoActionView):
        hass.http.register_view(view())
