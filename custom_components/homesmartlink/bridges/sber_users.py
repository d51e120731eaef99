"""Who Sber knows: one Sber user per Home Assistant user who linked Salute (PROTOCOLS.md §2.2).

Sber asks `GET /v1/user` with the linking person's token and adds devices under the id we answer;
each such user is sent only the heaters that person may see in Home Assistant. Sber names a device
by its id alone (`PUT /v1/devices` and `POST /v1/state` carry no user), so a heater that two linked
users see is two Sber devices: `<heater id>@<user key>`. An installation linked before (one id for
everyone, devices under the plain heater ids) keeps working as it did until that account unlinks.
"""

from __future__ import annotations

import asyncio
from hashlib import sha256
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN

SEPARATOR = "@"
STORAGE_VERSION = 1
# Sent when a user links or unlinks: every home's sync then reconsiders what Sber should have.
SIGNAL_USERS = f"{DOMAIN}_sber_users"
_USERS: HassKey[SberUsers] = HassKey(f"{DOMAIN}_sber_users")
_LOADING: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_sber_users_lock")


def user_key(sber_user_id: str) -> str:
    """The short form of a Sber user id that suffixes its devices' ids."""
    return sber_user_id[:12]


def sber_device_id(heater_id: str, sber_user_id: str) -> str:
    """The id of one heater as one linked user's Sber device."""
    return f"{heater_id}{SEPARATOR}{user_key(sber_user_id)}"


def heater_id_of(device_id: str, sber_user_id: str | None) -> str | None:
    """The heater a Sber device id names for this user (None: not one of theirs).

    A user linked since this version uses suffixed ids; the account linked before (no user of
    ours, `sber_user_id` None) uses plain heater ids.
    """
    heater, separator, key = device_id.rpartition(SEPARATOR)
    if not separator:
        return device_id if sber_user_id is None else None
    return heater if sber_user_id is not None and key == user_key(sber_user_id) else None


class SberUsers:
    """The linked users, by the id Sber knows them by; persisted for the whole installation."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Nothing known until loaded."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.sber_users")
        # Sber user id -> Home Assistant user id.
        self._linked: dict[str, str] = {}
        # The account linked before per-user ids unlinked: plain ids are no one's any more.
        self.legacy_unlinked = False

    async def async_load(self) -> None:
        """Read the links made before the restart."""
        data = await self._store.async_load()
        if isinstance(data, dict):
            linked = data.get("linked")
            if isinstance(linked, dict):
                self._linked = {str(k): str(v) for k, v in linked.items()}
            self.legacy_unlinked = bool(data.get("legacy_unlinked"))

    async def _async_save(self) -> None:
        await self._store.async_save(
            {"linked": self._linked, "legacy_unlinked": self.legacy_unlinked}
        )
        async_dispatcher_send(self._hass, SIGNAL_USERS)

    async def async_id_for(self, user: User) -> str:
        """The stable, opaque id Sber knows this person by (never their data)."""
        installation = await instance_id.async_get(self._hass)
        return sha256(f"{DOMAIN}:sber:{installation}:{user.id}".encode()).hexdigest()[:32]

    def linked_id(self, user: User) -> str | None:
        """The Sber user id of a person who linked, None for the account linked before."""
        return next((sid for sid, uid in self._linked.items() if uid == user.id), None)

    async def async_link(self, user: User) -> str:
        """`GET /v1/user`: remember the person; their heaters go to Sber at the next sync."""
        sber_user_id = await self.async_id_for(user)
        if self._linked.get(sber_user_id) != user.id:
            self._linked[sber_user_id] = user.id
            await self._async_save()
        return sber_user_id

    async def async_unlink(self, user: User) -> None:
        """`POST /v1/unlink`: forget the person (Sber drops their devices itself)."""
        sber_user_id = self.linked_id(user)
        if sber_user_id is not None:
            del self._linked[sber_user_id]
        else:
            self.legacy_unlinked = True
        await self._async_save()

    def linked_keys(self) -> set[str]:
        """The keys of everyone linked, also of people removed or deactivated since.

        Sber still has their devices, which a sync then deletes.
        """
        return {user_key(sber_user_id) for sber_user_id in self._linked}

    async def async_users(self) -> dict[str, User]:
        """The linked people who still exist and are active, by Sber user id."""
        users: dict[str, User] = {}
        for sber_user_id, user_id in self._linked.items():
            user = await self._hass.auth.async_get_user(user_id)
            if user is not None and user.is_active:
                users[sber_user_id] = user
        return users


async def async_sber_users(hass: HomeAssistant) -> SberUsers:
    """The installation's linked users, loaded once."""
    lock = hass.data.setdefault(_LOADING, asyncio.Lock())
    async with lock:
        if (users := hass.data.get(_USERS)) is None:
            users = SberUsers(hass)
            await users.async_load()
            hass.data[_USERS] = users
    return users
