"""Home Assistant's Store, read so that a damaged file never stops an account.

A file that cannot be read at all (Home Assistant sets a truncated one aside and returns nothing),
one of a version we do not know (a newer release wrote it), or one whose content is not the
object we wrote, loads as empty: the caller then raises a repair issue saying what may still be in
force in the cloud. A file of an unknown version is set aside (renamed), never overwritten, so
that going back to the release that wrote it loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import os
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from ..const import LOGGER


@dataclass(frozen=True, slots=True)
class Damage:
    """A file we could not read: when it was last written (the bound of what it may have held)."""

    written: datetime


def _modified(path: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(os.path.getmtime(path), UTC)
    except OSError:
        return None


def _set_aside(path: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        os.replace(path, f"{path}.unreadable.{stamp}")
    except OSError:
        return


async def async_load_object(
    hass: HomeAssistant, store: Store[dict[str, Any]]
) -> tuple[dict[str, Any], Damage | None]:
    """The stored object, or {} and what we know of the damage when it cannot be read."""
    written = await hass.async_add_executor_job(_modified, store.path)
    try:
        data: Any = await store.async_load()
    except (HomeAssistantError, NotImplementedError, KeyError, TypeError, ValueError) as err:
        # A version we do not know, or a file that is not a store: keep it for whoever wrote it.
        LOGGER.warning(
            "Stored file %s is unreadable (%s); set aside", store.key, type(err).__name__
        )
        await hass.async_add_executor_job(_set_aside, store.path)
        return {}, Damage(written or datetime.now(UTC))
    if data is None and written is not None:
        exists = await hass.async_add_executor_job(os.path.exists, store.path)
        if not exists:  # Home Assistant set a truncated file aside
            return {}, Damage(written)
    if data is not None and not isinstance(data, dict):
        LOGGER.warning("Stored file %s holds no object; its content is ignored", store.key)
        return {}, Damage(written or datetime.now(UTC))
    return data or {}, None
