"""The outward-sync engine both bridges push with: what changed → one debounced push → backoff.

A bridge gives it a `push` coroutine (compare what the platform should know with what it
accepted, send the difference). The engine runs it a moment after the home changes (a poll, a
write, one of our devices renamed or moved in Home Assistant), never two at once, and after a
failure waits longer each time, says so once in the log and as a repair issue, and clears both
on the next success.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
import json
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..compat import device_in
from ..const import LOGGER
from ..coordinator import HomeSmartlinkHome
from ..notices import OutageNotice

# Changes are pushed this long after the first one, so that one poll's changes travel together.
COOLDOWN_SECONDS = 1.0


class PushError(Exception):
    """A whole push failed (network, timeout, the platform refusing it).

    `reason` is safe to log: a status or an error's name, never a token.
    """

    def __init__(self, reason: str) -> None:
        """Keep a reason that names no secret."""
        super().__init__(reason)
        self.reason = reason


type Push = Callable[[], Awaitable[datetime | None]]


class Accepted:
    """What a platform accepted, as comparable JSON text, by kind and id."""

    def __init__(self, *kinds: str) -> None:
        """Nothing accepted yet."""
        self.items: dict[str, dict[str, str]] = {kind: {} for kind in kinds}

    @staticmethod
    def text(body: Any) -> str:
        """The canonical text of a body (key order does not matter)."""
        return json.dumps(body, sort_keys=True, ensure_ascii=False)

    def differs(self, kind: str, item_id: str, body: Any) -> bool:
        """Whether the platform has something else (or nothing) for this id."""
        return self.items[kind].get(item_id) != self.text(body)

    def accept(self, kind: str, item_id: str, body: Any) -> None:
        """Note that the platform took this body."""
        self.items[kind][item_id] = self.text(body)

    def forget(self, kind: str, item_id: str) -> None:
        """Note that the platform no longer has this id."""
        self.items[kind].pop(item_id, None)

    def load(self, data: Any) -> None:
        """Read what was saved; anything unreadable is ignored (it will be sent again)."""
        if not isinstance(data, dict):
            return
        for kind in self.items:
            saved = data.get(kind)
            if isinstance(saved, dict):
                self.items[kind] = {str(k): v for k, v in saved.items() if isinstance(v, str)}


class OutwardSync:
    """Runs one home's push when the home changes, with a pause after failures."""

    def __init__(
        self,
        hass: HomeAssistant,
        home: HomeSmartlinkHome,
        push: Push,
        *,
        what: str,
        issue_key: str,
    ) -> None:
        """`what` names the push in the log; `issue_key` is its repair issue's translation key."""
        self._hass = hass
        self._home = home
        self._push = push
        self.outage = OutageNotice(
            hass, what, f"{issue_key}_{home.subentry_id}", issue_key, home.title
        )
        self._debouncer = Debouncer(
            hass, LOGGER, cooldown=COOLDOWN_SECONDS, immediate=False, function=self._async_run
        )
        self._dirty = False
        # One push at a time, whoever starts it (a change, a retry, an action).
        self._lock = asyncio.Lock()
        self._not_before: datetime | None = None
        self._retry: CALLBACK_TYPE | None = None
        self._retry_job = HassJob(self._async_retry_due, f"{what} retry", cancel_on_shutdown=True)

    @callback
    def async_start(self, *, push_now: bool) -> CALLBACK_TYPE:
        """Follow the home (and our devices in the registry); returns the function that stops."""
        remove_coordinator = self._home.coordinator.async_add_listener(self.async_request)
        remove_registry = self._hass.bus.async_listen(
            dr.EVENT_DEVICE_REGISTRY_UPDATED, self._async_device_changed, self._ours
        )
        if push_now:
            self.async_request()

        @callback
        def stop() -> None:
            remove_coordinator()
            remove_registry()
            self._debouncer.async_shutdown()
            self._cancel_retry()

        return stop

    @callback
    def _ours(self, event_data: Any) -> bool:
        """Whether a registry change is one of this home's devices (a rename, a new area)."""
        device = dr.async_get(self._hass).async_get(event_data.get("device_id", ""))
        home = self._home
        return isinstance(device, dr.DeviceEntry) and device_in(
            device, home.entry.entry_id, home.subentry_id
        )

    @callback
    def _async_device_changed(self, _event: Event[Any]) -> None:
        self.async_request()

    @callback
    def async_request(self) -> None:
        """Push a moment from now."""
        self._dirty = True
        self._debouncer.async_schedule_call()

    async def _async_run(self) -> None:
        # A change during a push is pushed right after it (the debouncer drops calls that
        # arrive while it runs).
        while self._dirty:
            self._dirty = False
            with suppress(PushError):  # said by the outage notice, retried after the pause
                await self.async_push_now()

    async def async_push_now(self, *, forced: bool = False) -> None:
        """Push now, unless a pause after failures is still running (`forced` ignores it).

        Raises `PushError` when the push failed (already noted and scheduled again).
        """
        async with self._lock:
            await self._async_push_locked(forced)

    async def _async_push_locked(self, forced: bool) -> None:
        now = dt_util.utcnow()
        if not forced and self._not_before is not None and now < self._not_before:
            self._async_retry_at(self._not_before)
            return
        try:
            again = await self._push()
        except PushError as err:
            self._not_before = now + self.outage.async_failed(err.reason)
            self._async_retry_at(self._not_before)
            raise
        self.outage.async_succeeded()
        self._not_before = None
        if again is not None:
            self._async_retry_at(again)

    @callback
    def _async_retry_at(self, when: datetime) -> None:
        self._cancel_retry()
        delay = max(0.0, (when - dt_util.utcnow()).total_seconds())
        self._retry = async_call_later(self._hass, delay, self._retry_job)

    @callback
    def _async_retry_due(self, _now: datetime) -> None:
        """The pause is over: push at once (no debounce, nothing to gather)."""
        self._retry = None
        self._dirty = True
        self._home.entry.async_create_background_task(
            self._hass, self._async_run(), "homesmartlink outward retry"
        )

    @callback
    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry()
            self._retry = None
