"""What both bridges share: which heaters they expose, to whom, and how requests are read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from hashlib import sha256
from http import HTTPStatus
import json
from typing import Any

from aiohttp import web
from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    instance_id,
)
from homeassistant.helpers.http import KEY_HASS

from ..api import Device, DeviceCategory, DeviceMode
from ..compat import find_device
from ..const import DOMAIN
from ..control import scheduled_setpoint
from ..coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from ..derogation import MAX_DELTA, MIN_DELTA

# What a heater is, as the platforms' apps show it as a model or default name (they take one
# language per skill or project; ours is English, like the wire's categories).
_KIND_NAMES = {
    DeviceCategory.HEATER: "Heater",
    DeviceCategory.TOWEL_DRYER: "Towel dryer",
    DeviceCategory.FIREPLACE: "Fireplace",
    DeviceCategory.FURNACE: "Furnace",
}

# Bodies of the voice platforms are a few kilobytes; anything far larger is refused unread.
MAX_BODY_BYTES = 64 * 1024


class BridgeRequestError(Exception):
    """A request a bridge refuses as a whole, with the HTTP status to answer."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        """Keep the status and a message safe to show (never echoes the body)."""
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class BridgedHeater:
    """A heater as a bridge shows it."""

    home: HomeSmartlinkHome
    device: Device
    name: str
    room: str | None
    entity_id: str
    # False while the cloud does not answer: the last known values are then not current.
    cloud_ok: bool = True

    @property
    def online(self) -> bool:
        """Whether the heater can be read and changed now."""
        return self.cloud_ok and self.device.online


def _homes_sharing(
    hass: HomeAssistant, option: str, only: HomeSmartlinkHome | None
) -> list[HomeSmartlinkHome]:
    if only is not None:
        return [only] if only.entry.options.get(option) else []
    homes: list[HomeSmartlinkHome] = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED and entry.options.get(option):
            typed: HomeSmartlinkConfigEntry = entry
            homes.extend(typed.runtime_data.homes.values())
    return homes


def bridged_heaters(
    hass: HomeAssistant, option: str, only: HomeSmartlinkHome | None = None
) -> dict[str, BridgedHeater]:
    """Heaters of every loaded account with this bridge turned on, by cloud device id.

    With `only`, the heaters of that one home (also while its account is being set up).
    A heater whose climate entity was removed or disabled in Home Assistant is not shared: the
    user chose not to have it. Names and rooms are the ones the user sees in Home Assistant.
    """
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    areas = ar.async_get(hass)
    heaters: dict[str, BridgedHeater] = {}
    for home in _homes_sharing(hass, option, only):
        coordinator = home.coordinator
        for device in coordinator.data.heaters:
            entity_id = entities.async_get_entity_id("climate", DOMAIN, f"{device.id}_climate")
            entity = entities.async_get(entity_id) if entity_id else None
            if entity is None or entity.disabled:
                continue
            device_entry = find_device(devices, home.entry.entry_id, (DOMAIN, device.id))
            name = device.room_name or device.id
            room = device.room_name
            if device_entry is not None:
                name = device_entry.name_by_user or device_entry.name or name
                area_id = entity.area_id or device_entry.area_id
                if area_id and (area := areas.async_get_area(area_id)) is not None:
                    room = area.name
            heaters[device.id] = BridgedHeater(
                home, device, name, room, entity.entity_id, coordinator.last_update_success
            )
    return heaters


def kind_name(device: Device) -> str:
    """The heater's kind in words ("Towel dryer", not the wire's "TowelDryier")."""
    return _KIND_NAMES.get(device.category, "Heater")


def request_user(request: web.Request) -> User:
    """The Home Assistant user behind a request's access token, if it may use a bridge.

    Tokens of system users (add-ons, the supervisor) or inactive users are refused: a voice
    platform links a person's account.
    """
    user: User | None = request.get("hass_user")
    if user is None or user.system_generated or not user.is_active:
        raise BridgeRequestError(HTTPStatus.FORBIDDEN, "this token may not use the bridge")
    return user


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """Who asks, and the heaters they may see (the rest do not exist for them)."""

    hass: HomeAssistant
    user: User
    heaters: dict[str, BridgedHeater]


def shared_with(request: web.Request, option: str) -> BridgeRequest:
    """The heaters of a bridge that the request's user may see; refuses unfit tokens (403)."""
    user = request_user(request)
    hass = request.app[KEY_HASS]
    heaters = {
        device_id: heater
        for device_id, heater in bridged_heaters(hass, option).items()
        if visible(user, heater)
    }
    return BridgeRequest(hass, user, heaters)


def visible(user: User, heater: BridgedHeater) -> bool:
    """Whether the user may see a heater (Home Assistant's entity permissions)."""
    return user.is_admin or user.permissions.check_entity(heater.entity_id, POLICY_READ)


def controllable(user: User, heater: BridgedHeater) -> bool:
    """Whether the user may change a heater's temperature."""
    return user.is_admin or user.permissions.check_entity(heater.entity_id, POLICY_CONTROL)


def setpoint_range(heater: BridgedHeater, now: datetime) -> tuple[float, float] | None:
    """The lowest and highest setpoint a derogation can reach now, or None when none can."""
    if heater.device.mode is DeviceMode.STOP:
        return None  # a stopped heater ignores derogations
    try:
        base = scheduled_setpoint(heater.home, heater.device, now)
    except HomeAssistantError:
        return None
    return base + MIN_DELTA, base + MAX_DELTA


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


class Failure(StrEnum):
    """Why a heater could not be changed, in the terms both platforms have a code for."""

    UNREACHABLE = "unreachable"
    STOPPED = "stopped"
    INVALID_VALUE = "invalid_value"
    BUSY = "busy"
    INTERNAL = "internal"


_FAILURES = {
    "heater_unavailable": Failure.UNREACHABLE,
    "communication_error": Failure.UNREACHABLE,
    "heater_stopped": Failure.STOPPED,
    "setpoint_out_of_range": Failure.INVALID_VALUE,
    "delta_out_of_range": Failure.INVALID_VALUE,
    "delta_not_integer": Failure.INVALID_VALUE,
    "room_conflict": Failure.INVALID_VALUE,
    "rate_limited_action": Failure.BUSY,
}


def error_key(err: HomeAssistantError) -> str | None:
    """The translation key of one of our errors (what went wrong, in a word)."""
    return err.translation_key if err.translation_domain == DOMAIN else None


def failure(err: HomeAssistantError) -> Failure:
    """What kind of failure one of our errors is (anything unforeseen is internal)."""
    return _FAILURES.get(error_key(err) or "", Failure.INTERNAL)


async def async_bridge_user_id(hass: HomeAssistant, platform: str) -> str:
    """A stable, opaque user id for a platform: this installation, never a person's data."""
    installation = await instance_id.async_get(hass)
    return sha256(f"{DOMAIN}:{platform}:{installation}".encode()).hexdigest()[:32]
