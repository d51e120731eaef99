"""What differs between the supported Home Assistant releases (2025.4 and newer), in one place.

From 2026.8 a device belongs to one config entry and one subentry (`config_entry_id`,
`config_subentry_id`) and is moved between them; the sets it had before (`config_entries`,
`config_entries_subentries`) and the add/remove arguments are deprecated (they break in 2027.8
and 2027.10). Before 2026.8 only the sets and add/remove exist.

Also: the schema type (voluptuous, then probatio), how an action's target is read (the helper
lost its `hass` argument), and where entity actions are registered (once from 2025.10, per
platform before).
"""

from __future__ import annotations

from collections.abc import Mapping
from inspect import signature
from typing import Any, Final, cast

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.helpers import device_registry as dr, entity_platform, service
import voluptuous as vol

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


def schema(fields: Mapping[Any, Any]) -> Any:
    """A voluptuous schema for a form or an action.

    Typed Any on purpose: between the supported Home Assistant releases the schema type moved from
    voluptuous to probatio, which installs itself as `voluptuous` at run time. The object is the
    right one on both; only their static types disagree.
    """
    return vol.Schema(fields)


# `async_extract_entity_ids(hass, call)` before 2025.10 (or so), `(call)` after.
_EXTRACT_TAKES_HASS: Final = "hass" in signature(service.async_extract_entity_ids).parameters


async def async_targeted_entity_ids(call: ServiceCall) -> set[str]:
    """Entity ids an action's target names (entities, devices, areas, floors, labels)."""
    extract = cast(Any, service.async_extract_entity_ids)
    if _EXTRACT_TAKES_HASS:
        return cast(set[str], await extract(call.hass, call))
    return cast(set[str], await extract(call))


PLATFORM_ENTITY_SERVICES: Final = hasattr(service, "async_register_platform_entity_service")


def register_entity_action(
    hass: HomeAssistant,
    domain: str,
    name: str,
    *,
    entity_domain: str,
    method: str,
    fields: Mapping[Any, Any],
    supports_response: SupportsResponse,
) -> None:
    """Register an entity action of our platform entities (climate, ...).

    From 2025.10 once, in `async_setup`; before, from the platform's set-up (call it there too:
    each call does what its release expects and nothing on the other).
    """
    if PLATFORM_ENTITY_SERVICES:
        register = cast(Any, service).async_register_platform_entity_service
        register(
            hass,
            domain,
            name,
            entity_domain=entity_domain,
            func=method,
            schema=fields,
            supports_response=supports_response,
        )
        return
    entity_platform.async_get_current_platform().async_register_entity_service(
        name, cast(Any, fields), method, supports_response=supports_response
    )
