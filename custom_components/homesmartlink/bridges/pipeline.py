"""The request pipeline both bridges answer with.

Every platform request goes the same way: who asks (a person's Home Assistant token), the body
(size-limited, a JSON object), the request id (logged, echoed where the platform wants it), the
heaters the user may see, and for a command: look-up → may the user change it → the platform's
reading of what is wanted → the one write path. A bridge supplies only its reading and its words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
import json
from typing import Any
from uuid import uuid4

from aiohttp import web
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from ..const import LOGGER
from ..writes.outcomes import Refusal, Refused
from ..writes.send import HeaterTarget, Placement, async_set_heater_temperatures
from .heaters import BridgedHeater, BridgeRequest, controllable, shared_with

# Bodies of the voice platforms are a few kilobytes; anything far larger is refused unread.
MAX_BODY_BYTES = 64 * 1024
_REQUEST_ID = "homesmartlink_request_id"


class BridgeRequestError(Exception):
    """A request a bridge refuses as a whole, with the HTTP status to answer."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        """Keep the status and a message safe to show (never echoes the body)."""
        super().__init__(message)
        self.status = status
        self.message = message


class Rejection(StrEnum):
    """Why a bridge did not even ask the write path (its own refusals)."""

    NOT_FOUND = "not_found"  # not shared with this user, or no such heater
    FORBIDDEN = "forbidden"  # the user may see it but not change it
    UNSUPPORTED = "unsupported"  # something the cloud cannot do (switch off, a mode...)
    INVALID_VALUE = "invalid_value"  # not a number the platform's type allows


# Per heater: done (None), or why not: the bridge's own rejection or the write path's refusal.
type Outcome = Rejection | Refused | None
# What a platform reads from one heater's command: a setpoint, nothing to do, or why not.
type Wish = float | Rejection | Refusal | None


def reason(outcome: Rejection | Refused) -> Rejection | Refusal:
    """Why, in a word: what each platform's table of codes is keyed by."""
    return outcome.reason if isinstance(outcome, Refused) else outcome


def request_id(request: web.Request) -> str:
    """The platform's request id (or one of ours), the same for the whole request."""
    found: str | None = request.get(_REQUEST_ID)
    if found is None:
        found = request[_REQUEST_ID] = request.headers.get("X-Request-Id") or uuid4().hex
    return found


def request_user(request: web.Request) -> User:
    """The Home Assistant user behind a request's access token, if it may use a bridge.

    Tokens of system users (add-ons, the supervisor) or inactive users are refused: a voice
    platform links a person's account.
    """
    user: User | None = request.get("hass_user")
    if user is None or user.system_generated or not user.is_active:
        raise BridgeRequestError(HTTPStatus.FORBIDDEN, "this token may not use the bridge")
    return user


def asked(request: web.Request, option: str) -> BridgeRequest:
    """Who asks and the heaters of the bridge they may see; refuses unfit tokens (403)."""
    return shared_with(request.app[KEY_HASS], request_user(request), option)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or a BridgeRequestError (413 too large, 400 malformed)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BridgeRequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
    raw = bytearray()
    # A streamed body has no length: read it in pieces and stop as soon as it is too long.
    while chunk := await request.content.read(MAX_BODY_BYTES + 1 - len(raw)):
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise BridgeRequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
    try:
        body = json.loads(raw)
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "body is not JSON") from err
    if not isinstance(body, dict):
        raise BridgeRequestError(HTTPStatus.BAD_REQUEST, "body is not a JSON object")
    return body


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One URL of a bridge and what answers it."""

    path: str  # after the bridge's prefix ("" for the prefix itself)
    method: str  # "get", "post" or "head"
    handle: Callable[[web.Request], Awaitable[web.Response]]
    name: str
    requires_auth: bool = True
    extra_paths: tuple[str, ...] = ()


def async_serve(
    hass: HomeAssistant,
    platform: str,
    prefix: str,
    endpoints: tuple[Endpoint, ...],
    refuse: Callable[[web.Request, BridgeRequestError], web.Response],
) -> None:
    """Serve a bridge's endpoints, the same way for every platform.

    Each logs the request id and answers a refused request in the platform's form (`refuse`),
    never with a traceback.
    """

    for endpoint in endpoints:

        async def answer(
            _view: HomeAssistantView, request: web.Request, endpoint: Endpoint = endpoint
        ) -> web.Response:
            method, path = request.method, request.path
            LOGGER.debug("%s %s %s, request id %s", platform, method, path, request_id(request))
            try:
                return await endpoint.handle(request)
            except BridgeRequestError as err:
                return refuse(request, err)

        view = type(
            f"{platform}{endpoint.name.title()}View",
            (HomeAssistantView,),
            {
                "url": f"{prefix}{endpoint.path}",
                "extra_urls": [f"{prefix}{path}" for path in endpoint.extra_paths],
                "name": f"api:homesmartlink:{platform.lower()}:{endpoint.name}",
                "requires_auth": endpoint.requires_auth,
                endpoint.method: answer,
            },
        )
        hass.http.register_view(view())


async def async_change(
    request: BridgeRequest,
    commands: Mapping[str, Any],
    read: Callable[[BridgedHeater, Any], Wish],
) -> dict[str, Outcome]:
    """Carry out one command per heater id; per id, what became of it.

    The platform's `read` turns a heater's command into a wanted setpoint (no range check: the
    write path does that once, for everyone).
    """
    outcomes: dict[str, Outcome] = {}
    targets: list[HeaterTarget] = []
    for device_id, command in commands.items():
        heater = request.heaters.get(device_id)
        if heater is None:
            outcomes[device_id] = Rejection.NOT_FOUND
        elif not controllable(request.user, heater):
            outcomes[device_id] = Rejection.FORBIDDEN
        elif isinstance(wish := read(heater, command), float):
            targets.append(HeaterTarget(heater.home, heater.device, wish))
        else:
            outcomes[device_id] = Refused(wish) if isinstance(wish, Refusal) else wish
    outcomes.update(
        await async_set_heater_temperatures(request.hass, targets, Placement(source="bridge"))
    )
    return outcomes
