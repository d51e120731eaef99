"""Pushes heater changes to Yango, so the app and the assistant do not wait for a query.

One notifier per home with the bridge and a skill configured, on the outward-sync engine.
Discovery is pushed when what the platform should know of the devices changes (a heater added or
removed, renamed or moved), states when they change, one callback request per push. Requests
to one skill are at least a second apart,
whichever home sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

import aiohttp
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..const import CONF_YANGO, DOMAIN
from ..coordinator import HomeSmartlinkHome
from .heaters import bridged_heaters
from .outward import Accepted, OutwardSync, PushError
from .yango import async_yango_user_id, current_state, describe

# Requests to one skill are at least this far apart.
MIN_INTERVAL = timedelta(seconds=1)
TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class _SkillGate:
    """When the next request to a skill may leave."""

    not_before: datetime = field(default_factory=dt_util.utcnow)


_GATES: HassKey[dict[tuple[str, str], _SkillGate]] = HassKey(f"{DOMAIN}_yango_gates")


@dataclass(frozen=True, slots=True)
class YangoSkill:
    """Where callbacks go and the token they carry."""

    dialogs_url: str
    skill_id: str
    token: str


class YangoNotifier:
    """Watches one home and tells the platform what changed."""

    def __init__(self, hass: HomeAssistant, home: HomeSmartlinkHome, skill: YangoSkill) -> None:
        """Nothing is sent until the first change after `async_start`."""
        self._hass = hass
        self._home = home
        self._skill = skill
        self._base = skill.dialogs_url.rstrip("/")
        self._gate = hass.data.setdefault(_GATES, {}).setdefault(
            (self._base, skill.skill_id), _SkillGate()
        )
        self._told = Accepted("states", "devices")
        self._discovery_due = False
        self.sync = OutwardSync(
            hass,
            home,
            self._async_push,
            what="Yango notifications",
            issue_key="yango_notify_failed",
        )

    def async_start(self) -> CALLBACK_TYPE:
        """Take the current snapshot as known, and follow the home from now on."""
        states, devices = self._snapshot()
        for device_id, state in states.items():
            self._told.accept("states", device_id, state)
        for device_id, described in devices.items():
            self._told.accept("devices", device_id, described)
        return self.sync.async_start(push_now=False)

    def _snapshot(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Per heater: its state and its description."""
        heaters = bridged_heaters(self._hass, CONF_YANGO, self._home)
        return (
            {device_id: current_state(heater) for device_id, heater in heaters.items()},
            {device_id: describe(heater) for device_id, heater in heaters.items()},
        )

    def _changes(self) -> dict[str, dict[str, Any]]:
        """States to tell; notes a discovery to push when the descriptions changed."""
        states, devices = self._snapshot()
        known = self._told.items["devices"]
        if set(devices) != set(known) or any(
            self._told.differs("devices", d, body) for d, body in devices.items()
        ):
            self._discovery_due = True
            self._told.items["devices"] = {d: Accepted.text(body) for d, body in devices.items()}
        # Offline, or the cloud not answering: nothing to push, and the last values told stay the
        # reference, so that coming back unchanged sends nothing.
        return {
            d: state
            for d, state in states.items()
            if "error_code" not in state and self._told.differs("states", d, state)
        }

    async def _async_push(self) -> datetime | None:
        """One callback request: discovery first, then the changed states."""
        changed = self._changes()
        if not self._discovery_due and not changed:
            return None
        if dt_util.utcnow() < self._gate.not_before:
            return self._gate.not_before  # another home of the same skill just sent
        user_id = await async_yango_user_id(self._hass)
        if self._discovery_due:
            await self._async_post("discovery", {"user_id": user_id})
            self._discovery_due = False
            return self._gate.not_before if changed else None
        # A device with neither capability nor property makes the platform refuse the whole batch.
        devices = [
            {k: v for k, v in state.items() if k in ("id", "capabilities", "properties")}
            for state in changed.values()
            if state.get("capabilities") or state.get("properties")
        ]
        if devices:
            await self._async_post("state", {"user_id": user_id, "devices": devices})
        for device_id, state in changed.items():
            self._told.accept("states", device_id, state)
        return None

    async def _async_post(self, kind: str, payload: dict[str, Any]) -> None:
        url = f"{self._base}/api/v1/skills/{self._skill.skill_id}/callback/{kind}"
        body = {"ts": dt_util.utcnow().timestamp(), "payload": payload}
        self._gate.not_before = dt_util.utcnow() + MIN_INTERVAL
        try:
            async with async_get_clientsession(self._hass).post(
                url,
                json=body,
                headers={"Authorization": f"OAuth {self._skill.token}"},
                timeout=TIMEOUT,
            ) as response:
                # The platform takes a callback with 202 and {"status": "ok"}; anything else is
                # not delivered (PROTOCOLS.md §3).
                answer = await response.json(content_type=None) if response.content_length else None
                if response.status == HTTPStatus.ACCEPTED and _accepted(answer):
                    return
                reason = f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            reason = type(err).__name__
        raise PushError(reason)


def _accepted(answer: Any) -> bool:
    return isinstance(answer, dict) and answer.get("status") == "ok"
