"""Translated errors in one place, and the schema shim shared by the flow and the actions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import voluptuous as vol

from .api import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkError,
    HomeSmartlinkRateLimitError,
    HomeSmartlinkResponseError,
)
from .const import DOMAIN, LOGGER
from .derogation import DerogationPlanError


def schema(fields: Mapping[Any, Any]) -> Any:
    """A voluptuous schema for a form or an action.

    Typed Any on purpose: between the supported Home Assistant releases the schema type moved from
    voluptuous to probatio, which installs itself as `voluptuous` at run time. The object is the
    right one on both; only their static types disagree.
    """
    return vol.Schema(fields)


def cloud_error_key(err: HomeSmartlinkError) -> str:
    """The translation key that explains a client error to a user."""
    if isinstance(err, HomeSmartlinkAuthenticationError):
        return "authentication_failed"
    if isinstance(err, HomeSmartlinkRateLimitError):
        return "rate_limited_action"
    if isinstance(err, HomeSmartlinkResponseError):
        return "invalid_response"
    return "communication_error"


def translate_cloud_error(err: HomeSmartlinkError) -> HomeAssistantError:
    """A translated HomeAssistantError for a failed cloud call (raise it `from err`)."""
    return HomeAssistantError(translation_domain=DOMAIN, translation_key=cloud_error_key(err))


def translate_plan_error(err: DerogationPlanError) -> ServiceValidationError:
    """A translated validation error for a derogation the API cannot carry."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders=err.placeholders,
    )


def validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    """A translated validation error of this integration."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class Listeners:
    """Callbacks to call when something of ours changes (derogations, deliveries)."""

    def __init__(self) -> None:
        """No listener yet."""
        self._listeners: list[Callable[[], None]] = []

    @callback
    def async_add(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` on every change; returns the function that stops it."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    @callback
    def async_notify(self) -> None:
        """Call every listener."""
        for listener in list(self._listeners):
            listener()


@callback
def async_raise_issue(
    hass: HomeAssistant, issue_id: str, translation_key: str, placeholders: dict[str, str]
) -> None:
    """A repair issue the user cannot fix from the dialog: it explains, and goes away by itself."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


# Pauses after failures of an outward push: 30 s, doubled each time, an hour at most.
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


def backoff(failures: int) -> timedelta:
    """The pause after this many failures in a row."""
    return min(FIRST_BACKOFF * (1 << min(max(failures - 1, 0), 20)), MAX_BACKOFF)


class OutageNotice:
    """Something outward that keeps failing: said once in the log and as a repair issue.

    The next success says it is back and removes the issue. Never a line per failure.
    """

    def __init__(
        self, hass: HomeAssistant, what: str, issue_id: str, translation_key: str, home: str
    ) -> None:
        """`what` names it in the log (English, like every log line)."""
        self._hass = hass
        self._what = what
        self.issue_id = issue_id
        self._translation_key = translation_key
        self._home = home
        self.failures = 0

    @callback
    def async_failed(self, reason: str) -> timedelta:
        """Note a failure; returns how long to wait before the next attempt."""
        self.failures += 1
        if self.failures == 1:
            LOGGER.warning("%s failed (%s); retrying later with backoff", self._what, reason)
            async_raise_issue(
                self._hass,
                self.issue_id,
                self._translation_key,
                {"home": self._home, "reason": reason},
            )
        return backoff(self.failures)

    @callback
    def async_succeeded(self) -> None:
        """Note a success, ending an outage if there was one."""
        if self.failures:
            LOGGER.info("%s back to normal", self._what)
            ir.async_delete_issue(self._hass, DOMAIN, self.issue_id)
        self.failures = 0
