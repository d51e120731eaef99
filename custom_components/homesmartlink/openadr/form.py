"""The VEN's section of the account's options form: its fields and what they may hold.

The certificate and key are secrets: kept in the entry's data, never shown back (their fields
are then the "replace" ones: left empty, what is stored stays). Both or neither: with them the
VEN signs its messages and presents the certificate to the VTN over TLS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

from ..const import (
    CONF_OPENADR,
    CONF_OPENADR_CA,
    CONF_OPENADR_CERT,
    CONF_OPENADR_KEY,
    CONF_OPENADR_LEVEL,
    CONF_OPENADR_PREHEAT_DELTA,
    CONF_OPENADR_PREHEAT_MINUTES,
    CONF_OPENADR_RECOVERY_DELTA,
    CONF_OPENADR_RECOVERY_MINUTES,
    CONF_OPENADR_VEN_NAME,
    CONF_OPENADR_VTN_URL,
    DEFAULT_OPENADR_LEVELS,
)
from ..form_fields import PEM_SELECTOR, URL_SELECTOR, secret_field, typed_secret
from ..pem import CertificateError, certificate_and_key, certificates_text
from .signals import MAX_SHIFT

SECTION_OPENADR = "openadr_ven"
MAX_PHASE_MINUTES = 240
_LEVEL = NumberSelector(
    NumberSelectorConfig(
        min=-MAX_SHIFT, max=0, step=1, unit_of_measurement="°C", mode=NumberSelectorMode.BOX
    )
)


_SHIFT = NumberSelector(
    NumberSelectorConfig(
        min=-MAX_SHIFT, max=MAX_SHIFT, step=1, unit_of_measurement="°C", mode=NumberSelectorMode.BOX
    )
)
_MINUTES = NumberSelector(
    NumberSelectorConfig(
        min=5, max=MAX_PHASE_MINUTES, step=5, unit_of_measurement="min", mode=NumberSelectorMode.BOX
    )
)
# Pre-conditioning and recovery around each event's shed (empty: none).
_PHASES = {
    CONF_OPENADR_PREHEAT_DELTA: _SHIFT,
    CONF_OPENADR_PREHEAT_MINUTES: _MINUTES,
    CONF_OPENADR_RECOVERY_DELTA: _SHIFT,
    CONF_OPENADR_RECOVERY_MINUTES: _MINUTES,
}


def openadr_fields(current: Mapping[str, Any]) -> dict[Any, Any]:
    """The section's fields, filled with what is stored (secrets never)."""
    fields: dict[Any, Any] = {
        vol.Required(CONF_OPENADR, default=bool(current.get(CONF_OPENADR))): bool,
        vol.Optional(
            CONF_OPENADR_VTN_URL, description={"suggested_value": current.get(CONF_OPENADR_VTN_URL)}
        ): URL_SELECTOR,
        vol.Optional(
            CONF_OPENADR_VEN_NAME,
            description={"suggested_value": current.get(CONF_OPENADR_VEN_NAME)},
        ): str,
    }
    for level, shift in DEFAULT_OPENADR_LEVELS.items():
        key = CONF_OPENADR_LEVEL.format(level)
        fields[vol.Required(key, default=current.get(key, shift))] = _LEVEL
    for key, selector in _PHASES.items():
        fields[vol.Optional(key, description={"suggested_value": current.get(key)})] = selector
    fields[
        vol.Optional(CONF_OPENADR_CA, description={"suggested_value": current.get(CONF_OPENADR_CA)})
    ] = PEM_SELECTOR
    fields[vol.Optional(secret_field(CONF_OPENADR_CERT, current))] = PEM_SELECTOR
    fields[vol.Optional(secret_field(CONF_OPENADR_KEY, current))] = PEM_SELECTOR
    return fields


def read_openadr(
    values: Mapping[str, Any], current: Mapping[str, Any], options: dict[str, Any]
) -> str | None:
    """Put the VEN's options (and secrets) in `options`; the form's error key, if any."""
    options[CONF_OPENADR] = bool(values.get(CONF_OPENADR, False))
    for key in (CONF_OPENADR_VTN_URL, CONF_OPENADR_VEN_NAME):
        if text := str(values.get(key) or "").strip():
            options[key] = text
    for level, shift in DEFAULT_OPENADR_LEVELS.items():
        key = CONF_OPENADR_LEVEL.format(level)
        options[key] = int(values.get(key, shift))
    for key in _PHASES:
        if values.get(key) not in (None, ""):
            options[key] = int(values[key])
    if ca := str(values.get(CONF_OPENADR_CA) or "").strip():
        try:
            options[CONF_OPENADR_CA] = certificates_text(ca)
        except CertificateError:
            return "invalid_ca"
    if error := _read_certificate(values, current, options):
        return error
    if options[CONF_OPENADR] and not (
        options.get(CONF_OPENADR_VTN_URL) and options.get(CONF_OPENADR_VEN_NAME)
    ):
        return "openadr_incomplete"
    return None


def _read_certificate(
    values: Mapping[str, Any], current: Mapping[str, Any], options: dict[str, Any]
) -> str | None:
    """A new certificate or key goes with the other one, typed or stored; none typed: kept."""
    typed = {key: typed_secret(values, key) for key in (CONF_OPENADR_CERT, CONF_OPENADR_KEY)}
    if not any(typed.values()):
        options.update({key: current[key] for key in typed if current.get(key)})
        return None
    cert, key = (typed[k] or str(current.get(k) or "") for k in typed)
    try:
        options[CONF_OPENADR_CERT], options[CONF_OPENADR_KEY] = certificate_and_key(cert, key)
    except CertificateError:
        return "invalid_ven_certificate"
    return None
