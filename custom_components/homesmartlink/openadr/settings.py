"""The VEN's settings, read from an account's options and secrets (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True, slots=True)
class VenSettings:
    """Where the VTN is, how the VEN is named and signs, and what SIMPLE levels mean."""

    vtn_url: str
    ven_name: str
    levels: Mapping[int, int]
    cert: str | None = None
    key: str | None = None
    # (delta °C, minutes) before and after each event's shed, when the options set them.
    preheat: tuple[int, int] | None = None
    recovery: tuple[int, int] | None = None
    # The program's certificate authority, trusted for the VTN's TLS beside the system's.
    ca: str | None = None

    def __repr__(self) -> str:
        """Never the key (nor the URL: it may carry a program's token)."""
        return f"VenSettings(ven_name={self.ven_name!r}, signed={self.cert is not None})"


def ven_settings(options: Mapping[str, Any], data: Mapping[str, Any]) -> VenSettings | None:
    """The VEN of an account, or None when its options leave it off or incomplete."""
    url, name = options.get(CONF_OPENADR_VTN_URL), options.get(CONF_OPENADR_VEN_NAME)
    if not options.get(CONF_OPENADR) or not url or not name:
        return None
    levels = {
        level: int(options.get(CONF_OPENADR_LEVEL.format(level), default))
        for level, default in DEFAULT_OPENADR_LEVELS.items()
    }
    cert, key = data.get(CONF_OPENADR_CERT), data.get(CONF_OPENADR_KEY)
    signed = bool(cert and key)
    return VenSettings(
        str(url),
        str(name),
        levels,
        str(cert) if signed else None,
        str(key) if signed else None,
        _phase(options, CONF_OPENADR_PREHEAT_DELTA, CONF_OPENADR_PREHEAT_MINUTES),
        _phase(options, CONF_OPENADR_RECOVERY_DELTA, CONF_OPENADR_RECOVERY_MINUTES),
        options.get(CONF_OPENADR_CA) or None,
    )


def _phase(options: Mapping[str, Any], delta: str, minutes: str) -> tuple[int, int] | None:
    """A phase around the shed when both its shift and its length are set (not zero)."""
    shift, length = options.get(delta), options.get(minutes)
    if not shift or not length:
        return None
    return int(shift), int(length)
