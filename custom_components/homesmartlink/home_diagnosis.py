"""The two-step remote diagnosis of a home: request now, fetch the result five minutes later.

(Not the diagnostics download: that is `diagnostics.py`.)

The result is fetched by the integration itself and fired as a `homesmartlink_diagnosis` event,
so that an automation can act on it; a result not ready yet is asked for again, twice at most.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .api import DiagnosisResult, HomeSmartlinkError
from .const import LOGGER
from .coordinator import HomeSmartlinkHome
from .errors import REFUSAL_KEYS
from .writes.outcomes import DiagnosisRefusedError, cloud_refusal

EVENT_DIAGNOSIS = "homesmartlink_diagnosis"
# The partner API recommends waiting five minutes before reading a diagnosis.
DIAGNOSIS_DELAY = timedelta(minutes=5)
MAX_ATTEMPTS = 3


def diagnosis_result_data(result: DiagnosisResult) -> dict[str, Any]:
    """A diagnosis result as action response and event data."""
    return {
        "created_at": result.created_at.isoformat() if result.created_at else None,
        "acknowledge": result.acknowledge,
        "details": dict(result.details),
    }


async def async_request_diagnosis(hass: HomeAssistant, home: HomeSmartlinkHome) -> str:
    """Ask a home for a diagnosis; return its message id and fetch it later.

    Raises the client's error, or `DiagnosisRefusedError` when the home does not take it.
    """
    request = await home.client.request_diagnosis(home.home_id)
    if not request.accepted or request.message_id is None:
        raise DiagnosisRefusedError(request.status)
    _schedule_fetch(hass, home, request.message_id, 1)
    return request.message_id


@callback
def _schedule_fetch(
    hass: HomeAssistant, home: HomeSmartlinkHome, message_id: str, attempt: int
) -> None:
    home.entry.async_on_unload(
        async_call_later(
            hass, DIAGNOSIS_DELAY, partial(_async_fetch, hass, home, message_id, attempt)
        )
    )


async def _async_fetch(
    hass: HomeAssistant,
    home: HomeSmartlinkHome,
    message_id: str,
    attempt: int,
    _now: datetime,
) -> None:
    event: dict[str, Any] = {"home_id": home.home_id, "message_id": message_id}
    try:
        result = await home.client.get_diagnosis_result(message_id)
    except HomeSmartlinkError as err:
        LOGGER.warning("Could not fetch diagnosis %s: %s", message_id, err)
        hass.bus.async_fire(
            EVENT_DIAGNOSIS, {**event, "success": False, "error": REFUSAL_KEYS[cloud_refusal(err)]}
        )
        return
    if result.acknowledge is not True and attempt < MAX_ATTEMPTS:
        _schedule_fetch(hass, home, message_id, attempt + 1)
        return
    hass.bus.async_fire(
        EVENT_DIAGNOSIS,
        {
            **event,
            "success": result.acknowledge is True,
            "result": diagnosis_result_data(result),
        },
    )
