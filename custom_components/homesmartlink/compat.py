"""What differs between the supported Home Assistant releases (2025.4 and newer), in one place.

From 2026.8 a device belongs to one config entry and one subentry (`config_entry_id`,
`config_subentry_id`) and is moved between them; the sets it had before (`config_entries`,
`config_entries_subentries`) and the add/remove arguments are deprecated (they break in 2027.8
and 2027.10). Before 2026.8 only the sets and add/remove exist.
"""

from __future__ import annotations

from inspect import signature
from typing import Any, Final

from homeassistant.helpers import device_registry as dr

DEVICES_MOVE: Final = (
    "new_config_entry_id" in signature(dr.DeviceRegistry.async_update_device).parameters
)


def device_in(device: dr.DeviceEntry, entry_id: str, subentry_id: str | None) -> bool:
    """Whether a device belongs to this subentry of this config entry."""
    if DEVICES_MOVE:
        owner: Any = device
        return bool(owner.config_entry_id == entry_id and owner.config_subentry_id == subentry_id)
    return subentry_id in device.config_entries_subentries.get(entry_id, set())


def async_join_subentry(
    registry: dr.DeviceRegistry, device: dr.DeviceEntry, entry_id: str, subentry_id: str
) -> None:
    """First half of a move before 2026.8: the device joins the subentry (nothing after)."""
    if not DEVICES_MOVE:
        registry.async_update_device(
            device.id, add_config_entry_id=entry_id, add_config_subentry_id=subentry_id
        )


def async_leave_for_subentry(
    registry: dr.DeviceRegistry,
    device: dr.DeviceEntry,
    old_entry_id: str,
    entry_id: str,
    subentry_id: str,
) -> None:
    """Second half: the device leaves its former entry (moves there at once from 2026.8)."""
    if DEVICES_MOVE:
        move: dict[str, Any] = {
            "new_config_entry_id": entry_id,
            "new_config_subentry_id": subentry_id,
        }
        registry.async_update_device(device.id, **move)
        return
    # Off the former entry, or, for an entry becoming an account, off the entry's top level.
    registry.async_update_device(
        device.id, remove_config_entry_id=old_entry_id, remove_config_subentry_id=None
    )


def find_device(
    registry: dr.DeviceRegistry, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """The device of this config entry with this identifier.

    From 2026.8 identifiers are unique only within a config entry and the look-up names the
    entry; before, the registry's own look-up is unambiguous.
    """
    lookup = getattr(registry, "async_get_device_by_identifier", None)
    if lookup is not None:
        found: dr.DeviceEntry | None = lookup(identifier, entry_id)
        return found
    return registry.async_get_device(identifiers={identifier})
