"""Home Assistant's words for our outcomes: the edge where entities and actions raise errors.

The write path, the planner and the client answer in types (`outcomes.py`, `PlanProblem`, the
client's exceptions); this module alone turns them into translated Home Assistant errors, so a
renamed translation key is a change here and nowhere else. Bad input is a
`ServiceValidationError` (one log line, no traceback); a cloud failure a `HomeAssistantError`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from functools import wraps
from typing import Any

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import HomeSmartlinkError, HomeSmartlinkRateLimitError
from .const import DOMAIN
from .writes.outcomes import (
    DiagnosisRefusedError,
    HeaterRefusedError,
    Refusal,
    Refused,
    WriteError,
    cloud_refusal,
)
from .writes.plan import DerogationPlanError, PlanProblem, Window

# Translation keys (`exceptions` in strings.json) of each refusal.
REFUSAL_KEYS: dict[Refusal, str] = {
    Refusal.UNAVAILABLE: "heater_unavailable",
    Refusal.STOPPED: "heater_stopped",
    Refusal.OUT_OF_REACH: "setpoint_out_of_range",
    Refusal.ROOM_CONFLICT: "room_conflict",
    Refusal.RATE_LIMITED: "rate_limited_action",
    Refusal.AUTH_FAILED: "authentication_failed",
    Refusal.BAD_ANSWER: "invalid_response",
    Refusal.CLOUD_FAILURE: "communication_error",
    Refusal.UNCERTAIN: "change_uncertain",
}
# Refusals that are the user's request, not the cloud failing.
_USER_REFUSALS = {
    Refusal.UNAVAILABLE,
    Refusal.STOPPED,
    Refusal.OUT_OF_REACH,
    Refusal.ROOM_CONFLICT,
}
PLAN_KEYS: dict[PlanProblem, str] = {
    PlanProblem.DELTA_NOT_INTEGER: "delta_not_integer",
    PlanProblem.DELTA_OUT_OF_RANGE: "delta_out_of_range",
    PlanProblem.SETPOINT_OUT_OF_RANGE: "setpoint_out_of_range",
    PlanProblem.TIME_NOT_ALIGNED: "time_not_aligned",
    PlanProblem.END_NOT_AFTER_START: "end_not_after_start",
    PlanProblem.NO_TARGET: "no_target",
    PlanProblem.NO_WINDOW: "no_window",
    PlanProblem.END_IN_PAST: "end_in_past",
    PlanProblem.SPAN_TOO_LONG: "span_too_long",
    PlanProblem.HEATER_UNAVAILABLE: "override_heater_unavailable",
    PlanProblem.HEATER_STOPPED: "override_heater_stopped",
    PlanProblem.NO_NEXT_CHANGE: "no_next_change",
    PlanProblem.COMFORT_UNKNOWN: "comfort_unknown",
    PlanProblem.ECO_UNKNOWN: "eco_unknown",
    PlanProblem.PERIOD_OUT_OF_REACH: "period_out_of_reach",
    PlanProblem.ROOM_CONFLICT: "override_room_conflict",
    PlanProblem.CAMPAIGN_DELTA: "campaign_delta",
    PlanProblem.START_IN_PAST: "start_in_past",
    PlanProblem.NO_ELIGIBLE_ROOM: "campaign_no_eligible_room",
    PlanProblem.NOT_ON_CLOCK: "not_on_clock",
}


def validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    """A translated validation error of this integration."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def cloud_error(err: HomeSmartlinkError) -> HomeAssistantError:
    """A translated error for a failed cloud call (raise it `from err`)."""
    until = None
    if isinstance(err, HomeSmartlinkRateLimitError) and err.retry_after is not None:
        until = dt_util.utcnow() + timedelta(seconds=err.retry_after)
    return refusal_error(Refused(cloud_refusal(err), until=until))


def _labels(windows: tuple[Window, ...]) -> str:
    return ", ".join(window.label() for window in windows)


def refusal_error(refused: Refused) -> HomeAssistantError:
    """A translated error for a refused change."""
    if refused.reason is Refusal.RATE_LIMITED:
        until = dt_util.as_local(refused.until).isoformat() if refused.until else "?"
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="rate_limited_action",
            translation_placeholders={"until": until},
        )
    if refused.reason is Refusal.UNCERTAIN:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="change_uncertain",
            translation_placeholders={"windows": _labels(refused.failed) or "?"},
        )
    if refused.succeeded:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="derogation_partly_failed",
            translation_placeholders={
                "succeeded": _labels(refused.succeeded),
                "failed": _labels(refused.failed),
            },
        )
    placeholders: dict[str, str] = {}
    if refused.reason is Refusal.OUT_OF_REACH:
        span = refused.reachable
        placeholders = {
            "wanted": f"{refused.wanted:g}" if refused.wanted is not None else "?",
            "minimum": f"{span[0]:g}" if span else "?",
            "maximum": f"{span[1]:g}" if span else "?",
        }
    key = REFUSAL_KEYS[refused.reason]
    if refused.reason in _USER_REFUSALS:
        return validation_error(key, **placeholders)
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def plan_error(err: DerogationPlanError) -> ServiceValidationError:
    """A translated validation error for a derogation the API cannot carry."""
    return validation_error(PLAN_KEYS[err.problem], **err.details)


def translated[**P, T](
    func: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Raise what `func` answers in types as translated Home Assistant errors.

    For entity methods and action handlers: the one place they become user-facing.
    """

    @wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await func(*args, **kwargs)
        except HeaterRefusedError as err:
            raise refusal_error(err.refused) from err
        except WriteError as err:
            raise refusal_error(err.refused()) from err
        except DerogationPlanError as err:
            raise plan_error(err) from err
        except DiagnosisRefusedError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="diagnosis_refused",
                translation_placeholders={"status": str(err.status)},
            ) from err
        except HomeSmartlinkError as err:
            raise cloud_error(err) from err

    return wrapper
