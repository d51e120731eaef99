"""Pushes heater changes to Yango, so the app and the assistant do not wait for a query.

One notifier per home with the bridge and a skill configured. State changes are batched into one
callback request; discovery is pushed when what the platform should know of the devices changes
(a heater added or removed, renamed, moved, or its reachable range shifted by the schedule).
Requests to one skill are at least a second apart, whichever home sends them. A failure is logged
once and raised as a repair issue, and the next attempt waits, longer after each failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
import json
from typing import Any

import aiohttp
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..const import CONF_YANGO, DOMAIN
from ..coordinator import HomeSmartlinkHome
from ..helpers import OutageNotice
from .common import bridged_heaters
from .yango import async_yango_user_id, current_state, describe

# Requests to one skill are at least this far apart.
MIN_INTERVAL = timedelta(seconds=1)
TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class _SkillGate:
    """When the next request to a skill may leave."""

    not_before: datetime = field(default_factory=dt_util.utcnow)


_GATES: HassKey[dict[tuple[str, str], _SkillGate]] = HassKey(f"{DOMAIN}_yango_gates")


class YangoNotifier:
    """Watches one home's snapshot and tells the platform what changed."""

    def __init__(
        self,
        hass: HomeAssistant,
        home: HomeSmartlinkHome,
        dialogs_url: str,
        skill_id: str,
        skill_token: str,
    ) -> None:
        """Nothing is sent until the first change after `async_start`."""
        self._hass = hass
        self._home = home
        self._base = dialogs_url.rstrip("/")
        self._skill_id = skill_id
        self._token = skill_token
        self._gate = hass.data.setdefault(_GATES, {}).setdefault(
            (self._base, skill_id), _SkillGate()
        )
        self._sent_states: dict[str, str] = {}
        self._sent_devices: dict[str, str] = {}
        self._pending_states: dict[str, dict[str, Any]] = {}
        self._pending_discovery = False
        self._outage = OutageNotice(
            hass,
            "Yango notifications",
            f"yango_notify_failed_{home.subentry_id}",
            "yango_notify_failed",
            home.title,
        )
        self._timer: CALLBACK_TYPE | None = None
        self._job = HassJob(
            self._async_flush, "homesmartlink yango notifier", cancel_on_shutdown=True
        )
        self.requests_sent = 0

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Take the current snapshot as known, and follow the coordinator from now on."""
        self._sent_states, self._sent_devices = self._snapshot()
        remove = self._home.coordinator.async_add_listener(self._async_changed)
        # A heater renamed or moved in Home Assistant changes what Yango should show.
        remove_registry = self._hass.bus.async_listen(
            dr.EVENT_DEVICE_REGISTRY_UPDATED, self._async_registry_updated
        )

        @callback
        def stop() -> None:
            remove()
            remove_registry()
            if self._timer is not None:
                self._timer()
                self._timer = None

        return stop

    def _snapshot(self) -> tuple[dict[str, str], dict[str, str]]:
        """Per heater: its state and its description, as comparable JSON text."""
        now = dt_util.now()
        states: dict[str, str] = {}
        devices: dict[str, str] = {}
        for device_id, heater in bridged_heaters(self._hass, CONF_YANGO, self._home).items():
            states[device_id] = json.dumps(current_state(heater), sort_keys=True)
            devices[device_id] = json.dumps(describe(heater, now), sort_keys=True)
        return states, devices

    @callback
    def _async_registry_updated(self, _event: Event[Any]) -> None:
        self._async_changed()

    @callback
    def _async_changed(self) -> None:
        """A poll or a write changed the snapshot: queue what differs from what was sent."""
        states, devices = self._snapshot()
        if devices != self._sent_devices:
            self._pending_discovery = True
            self._sent_devices = devices
        known: dict[str, str] = {}
        for device_id, state in states.items():
            previous = self._sent_states.get(device_id)
            parsed = json.loads(state)
            if "error_code" in parsed:
                # Offline, or the cloud not answering: nothing to push, and the last values
                # told stay the reference, so that coming back unchanged sends nothing.
                if previous is not None:
                    known[device_id] = previous
                continue
            known[device_id] = state
            if previous != state:
                self._pending_states[device_id] = parsed
        self._sent_states = known
        self._async_schedule()

    @callback
    def _async_schedule(self) -> None:
        if self._timer is not None or not (self._pending_discovery or self._pending_states):
            return
        delay = max(0.0, (self._gate.not_before - dt_util.utcnow()).total_seconds())
        self._timer = async_call_later(self._hass, delay, self._job)

    async def _async_flush(self, _now: datetime) -> None:
        """Send one request: discovery first, then the batched states."""
        self._timer = None
        if dt_util.utcnow() < self._gate.not_before:
            self._async_schedule()  # another home of the same skill just sent
            return
        self._gate.not_before = dt_util.utcnow() + MIN_INTERVAL
        user_id = await async_yango_user_id(self._hass)
        payload: dict[str, Any]
        if self._pending_discovery:
            kind, payload = "discovery", {"user_id": user_id}
            self._pending_discovery = False
            sent_states: dict[str, dict[str, Any]] = {}
        else:
            sent_states, self._pending_states = self._pending_states, {}
            devices = [
                {k: v for k, v in state.items() if k in ("id", "capabilities", "properties")}
                for state in sent_states.values()
            ]
            kind, payload = "state", {"user_id": user_id, "devices": devices}
        ok = await self._async_post(kind, payload)
        if not ok:
            # Keep what was not delivered (newer states already queued win), and wait longer.
            if kind == "discovery":
                self._pending_discovery = True
            else:
                self._pending_states = sent_states | self._pending_states
        self._async_schedule()

    async def _async_post(self, kind: str, payload: dict[str, Any]) -> bool:
        url = f"{self._base}/api/v1/skills/{self._skill_id}/callback/{kind}"
        body = {"ts": dt_util.utcnow().timestamp(), "payload": payload}
        self.requests_sent += 1
        reason: str
        try:
            async with async_get_clientsession(self._hass).post(
                url,
                json=body,
                headers={"Authorization": f"OAuth {self._token}"},
                timeout=TIMEOUT,
            ) as response:
                if response.status < HTTPStatus.BAD_REQUEST:
                    self._outage.async_succeeded()
                    return True
                reason = f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as err:
            reason = type(err).__name__
        self._gate.not_before = dt_util.utcnow() + self._outage.async_failed(reason)
        return False
