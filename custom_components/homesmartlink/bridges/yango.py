"""Yango Smart Home: how a heater looks to the platform, how its commands read (PROTOCOLS §3).

The platform mapping only; `yango_views.py` serves it and `yango_notifier.py` pushes it.
"""

from __future__ import annotations

from datetime import datetime
import math
from typing import Any

from homeassistant.core import HomeAssistant

from ..const import CONF_YANGO_SKILL_ID, MANUFACTURER
from ..writes.learned import ASKABLE_MAX, ASKABLE_MIN
from ..writes.outcomes import Refusal, Refused
from ..writes.policy import clamp_to_reach
from .heaters import BridgedHeater, async_bridge_user_id, kind_name
from .pipeline import Outcome, Rejection, Wish, reason

DEVICE_TYPE = "devices.types.thermostat"
RANGE = "devices.capabilities.range"
FLOAT = "devices.properties.float"
TEMPERATURE = "temperature"
CELSIUS = "unit.temperature.celsius"

# Our outcomes in the platform's error codes.
ERROR_CODES: dict[Rejection | Refusal, str] = {
    Rejection.NOT_FOUND: "DEVICE_NOT_FOUND",
    Rejection.FORBIDDEN: "INVALID_ACTION",
    Rejection.UNSUPPORTED: "INVALID_ACTION",
    Rejection.INVALID_VALUE: "INVALID_VALUE",
    Refusal.UNAVAILABLE: "DEVICE_UNREACHABLE",
    Refusal.STOPPED: "NOT_SUPPORTED_IN_CURRENT_MODE",
    Refusal.OUT_OF_REACH: "INVALID_VALUE",
    Refusal.ROOM_CONFLICT: "INVALID_VALUE",
    Refusal.RATE_LIMITED: "DEVICE_BUSY",
    Refusal.CLOUD_FAILURE: "DEVICE_UNREACHABLE",
    Refusal.AUTH_FAILED: "INTERNAL_ERROR",
    Refusal.BAD_ANSWER: "INTERNAL_ERROR",
    Refusal.UNCERTAIN: "INTERNAL_ERROR",
}


def action_result(outcome: Outcome) -> dict[str, str]:
    """The platform's `action_result` for what became of a command."""
    if outcome is None:
        return {"status": "DONE"}
    result = {"status": "ERROR", "error_code": ERROR_CODES[reason(outcome)]}
    if isinstance(outcome, Refused) and outcome.reachable is not None:
        low, high = outcome.reachable
        result["error_message"] = f"Reachable now: {low:g} to {high:g} °C."
    return result


async def async_yango_user_id(hass: HomeAssistant) -> str:
    """The user id this installation gives the platform."""
    return await async_bridge_user_id(hass, "yango")


def describe(heater: BridgedHeater) -> dict[str, Any]:
    """Discovery form of a heater: a thermostat whose setpoint a derogation can shift."""
    device = heater.device
    # Reportable only when this home pushes changes (a skill is configured for notifications).
    reportable = bool(heater.home.entry.options.get(CONF_YANGO_SKILL_ID))
    # The same description whatever the hour, mode or connectivity: the platform reads it only at
    # linking or on "update devices" (PROTOCOLS.md §3). What a heater reaches now is in its state
    # and in the answer to an action out of reach.
    capabilities: list[dict[str, Any]] = [
        {
            "type": RANGE,
            "retrievable": True,
            "reportable": reportable,
            "parameters": {
                "instance": TEMPERATURE,
                "unit": CELSIUS,
                "random_access": True,
                "range": {"min": ASKABLE_MIN, "max": ASKABLE_MAX, "precision": 1},
            },
        }
    ]
    info = {
        "manufacturer": MANUFACTURER,
        "model": kind_name(device),
        "sw_version": str(device.software_version) if device.software_version is not None else None,
    }
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
        "device_info": {k: v for k, v in info.items() if v},
    }
    if heater.room:
        described["room"] = heater.room
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


def is_temperature(capability: Any) -> bool:
    """Whether an action's capability is the one we offer: the temperature range."""
    if not isinstance(capability, dict) or capability.get("type") != RANGE:
        return False
    state = capability.get("state")
    return isinstance(state, dict) and state.get("instance") == TEMPERATURE


def read_temperature(heater: BridgedHeater, capability: dict[str, Any], now: datetime) -> Wish:
    """The setpoint a temperature capability asks for.

    Absolute, or relative to the current setpoint and then clamped to what a derogation reaches
    now, as the reference provider does ("warmer by 4" near the edge goes to the edge).
    """
    state = capability["state"]
    value = state.get("value")
    relative = state.get("relative", False)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not isinstance(relative, bool)
    ):
        return Rejection.INVALID_VALUE
    if relative:
        if heater.device.setpoint is None:
            return Refusal.UNAVAILABLE
        return clamp_to_reach(heater.home, heater.device, now, heater.device.setpoint + value)
    return float(value)


def read_action(heater: BridgedHeater, capabilities: Any, now: datetime) -> Wish:
    """What a device's action asks of the heater: the last temperature capability's setpoint.

    Other capabilities (switching off, modes) are not something the cloud can do; they are
    answered one by one by the view.
    """
    if not isinstance(capabilities, list):
        return Rejection.INVALID_VALUE
    wish: Wish = Rejection.UNSUPPORTED
    for capability in capabilities:
        if is_temperature(capability):
            wish = read_temperature(heater, capability, now)
    return wish
