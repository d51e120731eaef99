"""Translated errors in one place, and the schema shim shared by the flow and the actions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import voluptuous as vol

from .api import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkError,
    HomeSmartlinkRateLimitError,
    HomeSmartlinkResponseError,
)
from .const import DOMAIN
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
