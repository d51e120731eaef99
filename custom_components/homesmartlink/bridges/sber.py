"""Sber Smart Home: how a heater looks to Sber, and how its commands read (PROTOCOLS.md §2).

The platform mapping only; `sber_sync.py` pushes it, `sber_views.py` serves the webhooks.
"""

from __future__ import annotations

from collections.abc import Sequence
import math
from typing import Any

from ..api import Device, DeviceCategory, DeviceMode
from ..const import MANUFACTURER
from ..writes.learned import ASKABLE_MAX, ASKABLE_MIN
from ..writes.outcomes import Refusal, Refused
from .heaters import BridgedHeater, kind_name
from .pipeline import Rejection, Wish, reason

MODEL_RADIATOR = "homesmartlink-radiator"
MODEL_HEATER = "homesmartlink-heater"

type Json = dict[str, Any]


def model_id_for(device: Device) -> str:
    """Fireplaces and furnaces are heaters for Sber; radiators and towel dryers radiators."""
    if device.category in (DeviceCategory.FIREPLACE, DeviceCategory.FURNACE):
        return MODEL_HEATER
    return MODEL_RADIATOR


def models() -> dict[str, Json]:
    """The declared models.

    `on_off` is required by both categories: its state is read (a stopped heater is off), and a
    command on it is refused, since the cloud cannot switch a heater.
    """
    features = ["online", "on_off", "temperature", "hvac_temp_set"]
    allowed = {
        "hvac_temp_set": {
            "type": "INTEGER",
            "integer_values": {"min": str(ASKABLE_MIN), "max": str(ASKABLE_MAX), "step": "1"},
        }
    }
    return {
        MODEL_RADIATOR: {
            "id": MODEL_RADIATOR,
            "manufacturer": MANUFACTURER,
            "model": "Radiator",
            "category": "hvac_radiator",
            "features": features,
            "allowed_values": allowed,
        },
        MODEL_HEATER: {
            "id": MODEL_HEATER,
            "manufacturer": MANUFACTURER,
            "model": "Heater",
            "category": "hvac_heater",
            "features": features,
            "allowed_values": allowed,
        },
    }


def describe(heater: BridgedHeater, device_id: str | None = None) -> Json:
    """A heater as a Sber device (under `device_id`: one linked user's id for it)."""
    device = heater.device
    described: Json = {
        "id": device_id or device.id,
        "name": heater.name[:100],
        "default_name": f"{MANUFACTURER} {kind_name(device).lower()}",
        "model_id": model_id_for(device),
    }
    if heater.room:
        described["room"] = heater.room
    if device.software_version is not None:
        described["sw_version"] = str(device.software_version)
    return described


def _bool(key: str, value: bool) -> Json:
    return {"key": key, "value": {"type": "BOOL", "bool_value": value}}


def _integer(key: str, value: int) -> Json:
    return {"key": key, "value": {"type": "INTEGER", "integer_value": str(value)}}


def states(heater: BridgedHeater, last_accepted: Sequence[Any] = ()) -> list[Json]:
    """A heater's declared features, every one as far as anything is known of it.

    `online` always; `on_off` from the mode (on = anything but stop). What the heater does not
    report now (an offline heater has no mode or reading, a stopped one no setpoint) is the last
    value Sber accepted, so that an answer carries every declared feature without making one up
    (`online` and `on_off` say why a value is not current); never known, it is left out.
    """
    device = heater.device
    known = {item.get("key"): item for item in last_accepted if isinstance(item, dict)}
    heating = device.mode is not None and device.mode is not DeviceMode.STOP
    found = [_bool("online", heater.online)]
    if device.mode is None and "on_off" in known:
        found.append(known["on_off"])
    else:
        found.append(_bool("on_off", heating))
    if device.current_temperature is not None:
        found.append(_integer("temperature", round(device.current_temperature * 10)))
    elif "temperature" in known:
        found.append(known["temperature"])
    if device.setpoint is not None and heating:
        found.append(_integer("hvac_temp_set", round(device.setpoint)))
    elif "hvac_temp_set" in known:
        found.append(known["hvac_temp_set"])
    return found


# Per-device error codes: only the five Sber documents (c2c/error, c2c/common-error), each with a
# message that says what happened.
ERROR_CODES: dict[Rejection | Refusal, int] = {
    Rejection.NOT_FOUND: 400,
    Rejection.FORBIDDEN: 403,
    Rejection.UNSUPPORTED: 400,
    Rejection.INVALID_VALUE: 400,
    Refusal.UNAVAILABLE: 503,
    Refusal.STOPPED: 400,
    Refusal.OUT_OF_REACH: 400,
    Refusal.ROOM_CONFLICT: 400,
    Refusal.RATE_LIMITED: 503,
    Refusal.CLOUD_FAILURE: 503,
    Refusal.AUTH_FAILED: 500,
    Refusal.BAD_ANSWER: 500,
    # Not a 503: a platform retrying would ask again what may already be in force.
    Refusal.UNCERTAIN: 500,
}
_MESSAGES: dict[Rejection | Refusal, str] = {
    Rejection.NOT_FOUND: "no such heater is shared with this user",
    Rejection.FORBIDDEN: "this user may not change this heater",
    Rejection.UNSUPPORTED: "the heater cloud cannot switch a heater on or off",
    Rejection.INVALID_VALUE: "hvac_temp_set must be a whole number of degrees",
    Refusal.UNAVAILABLE: "the heater is offline",
    Refusal.STOPPED: "the heater is stopped: a setpoint would have no effect",
    Refusal.OUT_OF_REACH: "setpoint out of reach (schedule ± 5 °C)",
    Refusal.ROOM_CONFLICT: "another heater of the room was asked a different setpoint",
    Refusal.RATE_LIMITED: "the heater cloud is limiting requests",
    Refusal.CLOUD_FAILURE: "the heater cloud did not answer",
    Refusal.AUTH_FAILED: "the heater cloud refused the credentials",
    Refusal.BAD_ANSWER: "the heater cloud answered something unexpected",
    Refusal.UNCERTAIN: "the heater cloud did not confirm the change; it is not sent again",
}


def error(device_id: str, outcome: Rejection | Refused) -> dict[str, Any]:
    """A per-device error of a webhook answer."""
    why = reason(outcome)
    return {"id": device_id, "code": ERROR_CODES[why], "message": _MESSAGES[why]}


def _int_text(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _read_integer(value: Any) -> int | None:
    """An INTEGER value: sent as a string; a missing one means 0 (Sber drops defaults)."""
    raw = value.get("integer_value", 0) if isinstance(value, dict) else None
    if isinstance(raw, str):
        raw = _int_text(raw)
    elif isinstance(raw, float):
        raw = int(raw) if math.isfinite(raw) and raw.is_integer() else None
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw


def _read_on_off(heater: BridgedHeater, value: Any) -> Wish:
    """`on_off`: asking a running heater to be on changes nothing; the cloud cannot switch."""
    wanted_on = isinstance(value, dict) and value.get("bool_value", False) is True
    running = heater.device.mode is not DeviceMode.STOP
    return None if wanted_on and running else Rejection.UNSUPPORTED


def read_command(heater: BridgedHeater, command: Any) -> Wish:
    """What one device's command asks: a setpoint, nothing, or why it cannot be done.

    A command may carry several keys (Sber's own examples put `online` beside `on_off`): the
    keys a heater does not act on are ignored (PROTOCOLS.md §2.2).
    """
    items = command.get("states") if isinstance(command, dict) else None
    if not isinstance(items, list) or not items:
        return Rejection.INVALID_VALUE
    wish: Wish = None
    for item in items:
        key = item.get("key") if isinstance(item, dict) else None
        if key == "on_off" and (refused := _read_on_off(heater, item.get("value"))) is not None:
            return refused
        if key == "hvac_temp_set":
            value = _read_integer(item.get("value"))
            if value is None:
                return Rejection.INVALID_VALUE
            wish = float(value)
    return wish
