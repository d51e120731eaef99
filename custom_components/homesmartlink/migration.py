"""Upgrades of what older versions stored.

Version 1 kept one config entry per home, each with its own copy of the partner's credentials.
Version 2 keeps one entry per partner account with one `home` subentry per home. Entries of
version 1 reached with the same base URL and client id become one account: the first one (by
creation order) stays and takes the others in. Each home's subentry keeps the id of the entry it
was, so that everything stored under that id (derogations, Sber sync state) is found again, and
its devices and entities move to it unchanged (ids, names and areas users gave).

Options are merged key by key: the first home's value wins, except that a voice bridge turned on
for any of the homes stays on for the account. Downgrading is not supported.

Version 2.2 keeps the bridges' secrets (Yango skill token, Sber vendor key) in the entry's data
rather than its options: they move over unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from yarl import URL

from .compat import async_join_subentry, async_leave_for_subentry
from .const import (
    BRIDGE_SECRETS,
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_SBER,
    CONF_YANGO,
    DOMAIN,
    LOGGER,
    SUBENTRY_HOME,
)

VERSION = 2
MINOR_VERSION = 2
# Bridges stay on for the account when any former home had them on.
_TURNED_ON_BY_ANY = (CONF_YANGO, CONF_SBER)


def account_unique_id(base_url: str, client_id: str) -> str:
    """The unique id of an account: its client id at the cloud's host (no personal data)."""
    return f"{client_id}@{URL(base_url).host}"


def account_title(client_id: str) -> str:
    """The title of an account entry: the partner's client id (no personal data)."""
    return client_id


async def async_merge_legacy_entries(hass: HomeAssistant) -> None:
    """Fold the version-1 entries of each account into one, before any entry is set up."""
    accounts: dict[tuple[str, str], list[ConfigEntry]] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.version == 1 and CONF_HOME_ID in entry.data:
            key = (entry.data[CONF_BASE_URL], entry.data[CONF_CLIENT_ID])
            accounts.setdefault(key, []).append(entry)
    for entries in accounts.values():
        await _async_merge(hass, entries)


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Migrate one entry Home Assistant found at an older version (an account of one home)."""
    if entry.version > VERSION:
        LOGGER.error("This entry was written by a newer version; downgrading is not supported")
        return False
    if entry.version == 1:
        await _async_merge(hass, [entry])
    elif entry.minor_version < MINOR_VERSION:
        data, options = _secrets_in_data(entry.data, entry.options)
        hass.config_entries.async_update_entry(
            entry, data=data, options=options, minor_version=MINOR_VERSION
        )
    return True


def _secrets_in_data(
    data: Mapping[str, Any], options: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bridges' secrets moved from the options to the data (version 2.2)."""
    moved = {key: options[key] for key in BRIDGE_SECRETS if key in options}
    return {**data, **moved}, {k: v for k, v in options.items() if k not in moved}


async def _async_merge(hass: HomeAssistant, entries: Sequence[ConfigEntry]) -> None:
    account, *others = entries
    data = dict(account.data)
    homes = [(entry.entry_id, entry.data[CONF_HOME_ID]) for entry in entries]
    credentials = {key: data[key] for key in (CONF_BASE_URL, CONF_CLIENT_ID, CONF_CLIENT_SECRET)}
    new_data, options = _secrets_in_data(credentials, _merged_options(entries))
    hass.config_entries.async_update_entry(
        account,
        data=new_data,
        options=options,
        title=account_title(data[CONF_CLIENT_ID]),
        unique_id=account_unique_id(data[CONF_BASE_URL], data[CONF_CLIENT_ID]),
        version=VERSION,
        minor_version=MINOR_VERSION,
    )
    for entry_id, home_id in homes:
        subentry = ConfigSubentry(
            data=MappingProxyType({CONF_HOME_ID: home_id}),
            subentry_id=entry_id,
            subentry_type=SUBENTRY_HOME,
            title=home_id,
            unique_id=home_id,
        )
        hass.config_entries.async_add_subentry(account, subentry)
        _move_registry_entries(hass, entry_id, account.entry_id, subentry.subentry_id)
    for entry in others:
        # Its devices and entities are the account's now; nothing of it is left to clean up.
        await hass.config_entries.async_remove(entry.entry_id)
    LOGGER.info("Merged %s home entries into one account entry", len(entries))


def _merged_options(entries: Sequence[ConfigEntry]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for entry in entries:
        for key, value in entry.options.items():
            merged.setdefault(key, value)
    for key in _TURNED_ON_BY_ANY:
        if any(entry.options.get(key) for entry in entries):
            merged[key] = True
    return merged


def _move_registry_entries(
    hass: HomeAssistant, old_entry_id: str, entry_id: str, subentry_id: str
) -> None:
    """Attach a former home entry's devices and entities to its subentry of the account.

    Entities move before their device leaves what it was: the entity registry drops the
    entities of a config entry or subentry their device leaves.
    """
    devices = dr.async_get(hass)
    moved = dr.async_entries_for_config_entry(devices, old_entry_id)
    for device in moved:
        async_join_subentry(devices, device, entry_id, subentry_id)
    entities = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entities, old_entry_id):
        entities.async_update_entity(
            entity.entity_id, config_entry_id=entry_id, config_subentry_id=subentry_id
        )
    for device in moved:
        async_leave_for_subentry(devices, device, old_entry_id, entry_id, subentry_id)
