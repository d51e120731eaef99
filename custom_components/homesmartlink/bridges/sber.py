"""Sber Smart Home: the heaters of a home kept in sync with Sber (PROTOCOLS.md §2.1).

The engine compares what a home should look like at Sber with what Sber has accepted (persisted,
so pending work survives a restart) and sends only the difference: models first, then added,
updated and deleted devices, then changed states. A steady home sends nothing. Ids that Sber
rejects are retried on later syncs with a growing pause, and a repair issue appears when Sber
keeps rejecting them. A whole-call failure stops the sync, is logged once, and is retried later.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
import json
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from ..api import Device, DeviceCategory, DeviceMode
from ..const import CONF_SBER, DOMAIN, MANUFACTURER
from ..coordinator import HomeSmartlinkHome
from ..helpers import OutageNotice, async_raise_issue, backoff
from .common import BridgedHeater, async_bridge_user_id, bridged_heaters, kind_name
from .sber_client import SberAnswer, SberClient, SberError

STORAGE_VERSION = 1
MODEL_RADIATOR = "homesmartlink-radiator"
MODEL_HEATER = "homesmartlink-heater"
# Whole degrees Sber may ask for; what a heater can reach now is narrower (schedule ± 5).
TEMP_SET_MIN = 5
TEMP_SET_MAX = 30
# Changes are sent this long after the first one, so that one poll's changes travel together.
DEBOUNCE_SECONDS = 1.0
# A repair issue appears once an id has been rejected this many times in a row.
REJECTIONS_FOR_REPAIR = 3

type Json = dict[str, Any]


def model_id_for(device: Device) -> str:
    """Fireplaces and furnaces are heaters for Sber; radiators and towel dryers radiators."""
    if device.category in (DeviceCategory.FIREPLACE, DeviceCategory.FURNACE):
        return MODEL_HEATER
    return MODEL_RADIATOR


def models() -> dict[str, Json]:
    """The declared models.

    `on_off` is required by both categories: its state is read (a stopped heater is off), and a
    command on it is refused, since the cloud cannot switch a heater.
    """
    features = ["online", "on_off", "temperature", "hvac_temp_set"]
    allowed = {
        "hvac_temp_set": {
            "type": "INTEGER",
            "integer_values": {"min": str(TEMP_SET_MIN), "max": str(TEMP_SET_MAX), "step": "1"},
        }
    }
    return {
        MODEL_RADIATOR: {
            "id": MODEL_RADIATOR,
            "manufacturer": MANUFACTURER,
            "model": "Radiator",
            "category": "hvac_radiator",
            "features": features,
            "allowed_values": allowed,
        },
        MODEL_HEATER: {
            "id": MODEL_HEATER,
            "manufacturer": MANUFACTURER,
            "model": "Heater",
            "category": "hvac_heater",
            "features": features,
            "allowed_values": allowed,
        },
    }


def describe(heater: BridgedHeater) -> Json:
    """A heater as a Sber device."""
    device = heater.device
    described: Json = {
        "id": device.id,
        "name": heater.name[:100],
        "default_name": f"{MANUFACTURER} {kind_name(device).lower()}",
        "model_id": model_id_for(device),
    }
    if heater.room:
        described["room"] = heater.room
    if device.software_version is not None:
        described["sw_version"] = str(device.software_version)
    return described


def _bool(key: str, value: bool) -> Json:
    return {"key": key, "value": {"type": "BOOL", "bool_value": value}}


def _integer(key: str, value: int) -> Json:
    return {"key": key, "value": {"type": "INTEGER", "integer_value": str(value)}}


def states(heater: BridgedHeater) -> list[Json]:
    """Every declared feature that has a value now."""
    device = heater.device
    found = [_bool("online", heater.online)]
    if device.mode is not None:
        found.append(_bool("on_off", device.mode is not DeviceMode.STOP))
    if device.current_temperature is not None:
        found.append(_integer("temperature", round(device.current_temperature * 10)))
    if device.setpoint is not None and device.mode is not DeviceMode.STOP:
        found.append(_integer("hvac_temp_set", round(device.setpoint)))
    return found


def _storage_key(home_key: str) -> str:
    return f"{DOMAIN}.{home_key}.sber"


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@dataclass
class SyncReport:
    """What one sync sent and what Sber refused."""

    models: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    failed: list[dict[str, JsonValueType]] = field(default_factory=list)
    error: str | None = None

    @property
    def sent_anything(self) -> bool:
        """Whether a call left."""
        return (
            bool(
                self.models
                or self.added
                or self.updated
                or self.deleted
                or self.states
                or self.failed
            )
            or self.error is not None
        )

    def as_dict(self) -> dict[str, JsonValueType]:
        """Action response form."""
        return {
            "models": list(self.models),
            "added": list(self.added),
            "updated": list(self.updated),
            "deleted": list(self.deleted),
            "states": list(self.states),
            "failed": list(self.failed),
            "error": self.error,
        }


class SberSync:
    """Keeps one home's heaters in sync with Sber."""

    def __init__(self, hass: HomeAssistant, home: HomeSmartlinkHome, client: SberClient) -> None:
        """Nothing is known as sent until the store is loaded."""
        self._hass = hass
        self._home = home
        self.client = client
        self._store: Store[Json] = Store(hass, STORAGE_VERSION, _storage_key(home.subentry_id))
        # What Sber accepted, as comparable JSON text, by kind then id.
        self._sent: dict[str, dict[str, str]] = {"models": {}, "devices": {}, "states": {}}
        # Rejections in a row and the earliest next try, by "kind:id".
        self._rejections: dict[str, tuple[int, datetime]] = {}
        self._outage = OutageNotice(
            hass,
            "Sber sync",
            f"sber_sync_failed_{home.subentry_id}",
            "sber_sync_failed",
            home.title,
        )
        self._not_before: datetime | None = None
        self._lock = asyncio.Lock()
        self._timer: CALLBACK_TYPE | None = None
        self._job = HassJob(
            self._async_retry_fired, "homesmartlink sber retry", cancel_on_shutdown=True
        )
        self._debounce: CALLBACK_TYPE | None = None
        self._debounce_job = HassJob(
            self._async_debounce_fired, "homesmartlink sber sync", cancel_on_shutdown=True
        )
        self._task: asyncio.Task[None] | None = None
        self._again = False

    @property
    def rejected_issue_id(self) -> str:
        """Repair issue while Sber keeps rejecting ids."""
        return f"sber_rejected_{self._home.subentry_id}"

    def diagnostics(self) -> dict[str, Any]:
        """What Sber has accepted and what is waiting, for the diagnostics download."""
        return {
            "models_accepted": sorted(self._sent["models"]),
            "devices_accepted": len(self._sent["devices"]),
            "states_accepted": len(self._sent["states"]),
            "rejected": [
                {"item": key, "times": count, "next_try": when.isoformat()}
                for key, (count, when) in sorted(self._rejections.items())
            ],
            "failures_in_a_row": self._outage.failures,
        }

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, subentry_id: str) -> None:
        """Delete what a removed home had sent to Sber."""
        await Store[Json](hass, STORAGE_VERSION, _storage_key(subentry_id)).async_remove()

    async def async_load(self) -> None:
        """Read what Sber accepted before the restart."""
        data = await self._store.async_load() or {}
        sent = data.get("sent") if isinstance(data, dict) else None
        if isinstance(sent, dict):
            for kind in self._sent:
                items = sent.get(kind)
                if isinstance(items, dict):
                    self._sent[kind] = {str(k): v for k, v in items.items() if isinstance(v, str)}

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Sync now (pending work from before a restart), then whenever the home changes."""
        remove = self._home.coordinator.async_add_listener(self._async_request)
        # A heater renamed or moved in Home Assistant is renamed or moved at Sber.
        remove_registry = self._hass.bus.async_listen(
            dr.EVENT_DEVICE_REGISTRY_UPDATED, self._async_registry_updated
        )
        self._async_request()

        @callback
        def stop() -> None:
            remove()
            remove_registry()
            for cancel in (self._timer, self._debounce):
                if cancel is not None:
                    cancel()
            self._timer = self._debounce = None

        return stop

    @callback
    def _async_registry_updated(self, _event: Event[Any]) -> None:
        self._async_request()

    @callback
    def _async_request(self) -> None:
        """Sync a moment from now, so that one poll's changes travel together."""
        if self._debounce is None:
            self._debounce = async_call_later(self._hass, DEBOUNCE_SECONDS, self._debounce_job)

    @callback
    def _async_debounce_fired(self, _now: datetime) -> None:
        self._debounce = None
        self._async_run_soon()

    @callback
    def _async_retry_fired(self, _now: datetime) -> None:
        self._timer = None
        self._async_run_soon()

    @callback
    def _async_run_soon(self) -> None:
        """Sync now, or once more after the sync that is running."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self._home.entry.async_create_background_task(
            self._hass, self._async_run(), "homesmartlink sber sync"
        )

    async def _async_run(self) -> None:
        await self.async_sync()
        while self._again:
            self._again = False
            await self.async_sync()

    @callback
    def _async_schedule(self, delay: float) -> None:
        """Come back later (a pause after failures)."""
        if self._timer is not None:
            self._timer()
        self._timer = async_call_later(self._hass, delay, self._job)

    async def async_sync(self, *, full: bool = False) -> SyncReport:
        """Send what differs from what Sber accepted (everything when `full`)."""
        async with self._lock:
            report = SyncReport()
            now = dt_util.utcnow()
            if not full and self._not_before is not None and now < self._not_before:
                self._async_schedule((self._not_before - now).total_seconds())
                return report
            try:
                await self._async_sync(report, full, now)
            except SberError as err:
                report.error = err.reason
                self._async_whole_failure(err.reason)
            else:
                self._async_whole_success()
            self._async_rejection_issue()
            if report.sent_anything:
                await self._store.async_save({"sent": self._sent})
            self._async_schedule_retry()
            return report

    def _due(self, key: str, now: datetime, full: bool) -> bool:
        """Whether a rejected id may be tried again."""
        rejection = self._rejections.get(key)
        return full or rejection is None or rejection[1] <= now

    def _take(
        self, kind: str, ids: list[str], answer: SberAnswer, operation: str, report: SyncReport
    ) -> list[str]:
        """Note which ids Sber took and which it rejected; returns the ids it took."""
        refused = {item.id: item for item in answer.rejected}
        now = dt_util.utcnow()
        taken = []
        for item_id in ids:
            key = f"{kind}:{item_id}"
            if item_id in refused:
                count = self._rejections.get(key, (0, now))[0] + 1
                self._rejections[key] = (count, now + backoff(count))
                rejected = refused[item_id]
                report.failed.append(
                    {
                        "id": item_id,
                        "operation": operation,
                        "code": rejected.code,
                        "message": rejected.message,
                    }
                )
            else:
                self._rejections.pop(key, None)
                taken.append(item_id)
        return taken

    async def _async_sync(self, report: SyncReport, full: bool, now: datetime) -> None:
        heaters = bridged_heaters(self._hass, CONF_SBER, self._home)
        sent = self._sent

        # 1. Models, before any device that uses them.
        wanted_models = {m: _text(body) for m, body in models().items()}
        declare = [
            m
            for m, text in wanted_models.items()
            if (full or sent["models"].get(m) != text) and self._due(f"model:{m}", now, full)
        ]
        if declare:
            answer = await self.client.declare_models([models()[m] for m in declare])
            for m in self._take("model", declare, answer, "declare_model", report):
                sent["models"][m] = wanted_models[m]
                report.models.append(m)

        # 2. Devices: added, updated, deleted.
        described = {device_id: describe(heater) for device_id, heater in heaters.items()}
        wanted = {d: body for d, body in described.items() if body["model_id"] in sent["models"]}
        add = [
            d for d in wanted if d not in sent["devices"] and self._due(f"device:{d}", now, full)
        ]
        update = [
            d
            for d in wanted
            if d in sent["devices"]
            and (full or sent["devices"][d] != _text(wanted[d]))
            and self._due(f"device:{d}", now, full)
        ]
        delete = [
            d for d in sent["devices"] if d not in heaters and self._due(f"device:{d}", now, full)
        ]
        if add:
            user_id = await async_bridge_user_id(self._hass, "sber")
            answer = await self.client.add_devices(user_id, [wanted[d] for d in add])
            for d in self._take("device", add, answer, "add", report):
                sent["devices"][d] = _text(wanted[d])
                report.added.append(d)
        if update:
            answer = await self.client.update_devices([wanted[d] for d in update])
            for d in self._take("device", update, answer, "update", report):
                sent["devices"][d] = _text(wanted[d])
                report.updated.append(d)
        if delete:
            answer = await self.client.delete_devices(delete)
            for d in self._take("device", delete, answer, "delete", report):
                sent["devices"].pop(d, None)
                sent["states"].pop(d, None)
                report.deleted.append(d)

        # 3. States of the devices Sber knows.
        current = {d: states(heaters[d]) for d in sent["devices"] if d in heaters}
        push = [
            d
            for d, value in current.items()
            if (full or sent["states"].get(d) != _text(value))
            and self._due(f"state:{d}", now, full)
        ]
        if push:
            answer = await self.client.push_states({d: current[d] for d in push})
            for d in self._take("state", push, answer, "state", report):
                sent["states"][d] = _text(current[d])
                report.states.append(d)

    @callback
    def _async_whole_failure(self, reason: str) -> None:
        self._not_before = dt_util.utcnow() + self._outage.async_failed(reason)

    @callback
    def _async_whole_success(self) -> None:
        self._outage.async_succeeded()
        self._not_before = None

    @callback
    def _async_rejection_issue(self) -> None:
        stuck = [
            key for key, (count, _) in self._rejections.items() if count >= REJECTIONS_FOR_REPAIR
        ]
        if stuck:
            async_raise_issue(
                self._hass,
                self.rejected_issue_id,
                "sber_rejected",
                {"home": self._home.title, "count": str(len(stuck))},
            )
        else:
            ir.async_delete_issue(self._hass, DOMAIN, self.rejected_issue_id)

    @callback
    def _async_schedule_retry(self) -> None:
        """Come back when the earliest rejected id or the whole sync may be tried again."""
        times = [when for _, when in self._rejections.values()]
        if self._not_before is not None:
            times.append(self._not_before)
        if times:
            delay = max(0.0, (min(times) - dt_util.utcnow()).total_seconds())
            self._async_schedule(delay)
