"""Sber Smart Home: the heaters of a home kept in sync with Sber (PROTOCOLS.md §2.1).

On the outward-sync engine: what Sber accepted is kept (persisted, so pending work
survives a restart) and only the difference is sent: models first, then added, updated and
deleted devices, then changed states. A steady home sends nothing. Ids that Sber rejects are
retried on later syncs with a growing pause, and a repair issue appears when Sber keeps rejecting
them. A whole-call failure is the engine's: logged once, a repair, retried later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import json
from typing import Any

from homeassistant.auth import EVENT_USER_REMOVED, EVENT_USER_UPDATED
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from ..const import CONF_SBER, DOMAIN
from ..coordinator import HomeSmartlinkHome
from ..notices import async_raise_issue, backoff
from .heaters import BridgedHeater, async_bridge_user_id, bridged_heaters, visible
from .outward import Accepted, OutwardSync, PushError
from .sber import describe, models, states
from .sber_client import SberAnswer, SberClient, SberError
from .sber_users import SEPARATOR, SIGNAL_USERS, async_sber_users, sber_device_id

STORAGE_VERSION = 1
# The plug-in's name: its link's key in an account's run-time data.
PLUGIN_NAME = "sber"
# A repair issue appears once an id has been rejected this many times in a row.
REJECTIONS_FOR_REPAIR = 3

type Json = dict[str, Any]


def _storage_key(home_key: str) -> str:
    return f"{DOMAIN}.{home_key}.sber"


async def async_remove_store(hass: HomeAssistant, subentry_id: str) -> None:
    """Delete what a removed home had sent to Sber."""
    await Store[Json](hass, STORAGE_VERSION, _storage_key(subentry_id)).async_remove()


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

    def sent_anything(self) -> bool:
        """Whether a call left."""
        lists = (self.models, self.added, self.updated, self.deleted, self.states, self.failed)
        return any(lists) or self.error is not None

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
        self._client = client
        self._store: Store[Json] = Store(hass, STORAGE_VERSION, _storage_key(home.subentry_id))
        self._sent = Accepted("models", "devices", "states")
        # Rejections in a row and the earliest next try, by "kind:id".
        self._rejections: dict[str, tuple[int, datetime]] = {}
        self._full = False
        self._legacy = False
        self._report = SyncReport()
        self.engine = OutwardSync(
            hass, home, self._async_push, what="Sber sync", issue_key="sber_sync_failed"
        )

    def last_accepted(self, device_id: str) -> list[Any]:
        """The states Sber last accepted for a heater (what its app shows now)."""
        text = self._sent.items["states"].get(device_id)
        return json.loads(text) if text else []

    @property
    def rejected_issue_id(self) -> str:
        """Repair issue while Sber keeps rejecting ids."""
        return f"sber_rejected_{self._home.subentry_id}"

    def diagnostics(self) -> dict[str, Any]:
        """What Sber has accepted and what is waiting, for the diagnostics download."""
        sent = self._sent.items
        return {
            "models_accepted": sorted(sent["models"]),
            "devices_accepted": len(sent["devices"]),
            "states_accepted": len(sent["states"]),
            "rejected": [
                {"item": key, "times": count, "next_try": when.isoformat()}
                for key, (count, when) in sorted(self._rejections.items())
            ],
            "failures_in_a_row": self.engine.outage.failures,
        }

    async def async_load(self) -> None:
        """Read what Sber accepted before the restart."""
        data = await self._store.async_load()
        self._sent.load(data.get("sent") if isinstance(data, dict) else None)
        # Devices under plain heater ids: this home was linked before per-user ids.
        self._legacy = any(SEPARATOR not in d for d in self._sent.items["devices"])

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Sync now (pending work from before a restart), then on every change.

        A change: of the home, of one of its devices in the registry, of who linked Sber, or of a
        Home Assistant user (permissions, deactivated, removed).
        """
        stops = [
            self.engine.async_start(push_now=True),
            async_dispatcher_connect(self._hass, SIGNAL_USERS, self.engine.async_request),
            # A person's permissions or account changed: what they may see may have too.
            *(
                self._hass.bus.async_listen(event, self._async_user_changed)
                for event in (EVENT_USER_UPDATED, EVENT_USER_REMOVED)
            ),
        ]

        @callback
        def stop() -> None:
            for stop_one in stops:
                stop_one()

        return stop

    @callback
    def _async_user_changed(self, _event: Event[Any]) -> None:
        self.engine.async_request()

    async def async_sync_all(self) -> SyncReport:
        """Send everything again now, whatever Sber accepted and whatever pause runs."""
        self._full = True
        try:
            await self.engine.async_push_now(forced=True)
        except PushError:
            pass  # the report says why
        finally:
            self._full = False
        return self._report

    async def _async_push(self) -> datetime | None:
        report = self._report = SyncReport()
        try:
            await self._async_sync(report, dt_util.utcnow())
        except SberError as err:
            report.error = err.reason
            raise PushError(err.reason) from err
        finally:
            self._async_rejection_issue()
            if report.sent_anything():
                await self._store.async_save({"sent": self._sent.items})
        times = [when for _, when in self._rejections.values()]
        return min(times) if times else None

    def _due(self, key: str, now: datetime) -> bool:
        """Whether a rejected id may be tried again."""
        rejection = self._rejections.get(key)
        return self._full or rejection is None or rejection[1] <= now

    def _to_send(self, kind: str, wanted: dict[str, Any], now: datetime, key: str) -> list[str]:
        """Ids whose body Sber does not have (all of them in a full sync), due for a try."""
        return [
            item_id
            for item_id, body in wanted.items()
            if (self._full or self._sent.differs(kind, item_id, body))
            and self._due(f"{key}:{item_id}", now)
        ]

    def _take(
        self, kind: str, ids: list[str], answer: SberAnswer, operation: str, report: SyncReport
    ) -> list[str]:
        """Note which ids Sber took and which it rejected; returns the ids it took."""
        refused = {item.id: item for item in answer.rejected}
        now = dt_util.utcnow()
        taken = []
        for item_id in ids:
            key = f"{kind}:{item_id}"
            if (rejected := refused.get(item_id)) is None:
                self._rejections.pop(key, None)
                taken.append(item_id)
                continue
            count = self._rejections.get(key, (0, now))[0] + 1
            self._rejections[key] = (count, now + backoff(count))
            report.failed.append(
                {
                    "id": item_id,
                    "operation": operation,
                    "code": rejected.code,
                    "message": rejected.message,
                }
            )
        return taken

    async def _async_sync(self, report: SyncReport, now: datetime) -> None:
        heaters = bridged_heaters(self._hass, CONF_SBER, self._home)
        await self._async_declare_models(report, now)
        wanted = await self._async_wanted(heaters)
        await self._async_sync_devices(wanted, report, now)
        current = {
            d: states(heaters[heater], self.last_accepted(d))
            for d in self._sent.items["devices"]
            if (heater := d.rpartition(SEPARATOR)[0] or d) in heaters
        }
        push = self._to_send("states", current, now, "state")
        if push:
            answer = await self._client.push_states({d: current[d] for d in push})
            for d in self._take("state", push, answer, "state", report):
                self._sent.accept("states", d, current[d])
                report.states.append(d)

    async def _async_wanted(self, heaters: dict[str, BridgedHeater]) -> dict[str, tuple[str, Json]]:
        """What Sber should have, by Sber device id: its owner (a Sber user id) and description.

        Each linked person gets the heaters they may see; the account linked before per-user ids
        keeps every heater under its plain id until it unlinks.
        """
        users = await async_sber_users(self._hass)
        models_known = self._sent.items["models"]
        wanted: dict[str, tuple[str, Json]] = {}
        for sber_user_id, user in (await users.async_users()).items():
            for heater_id, heater in heaters.items():
                device_id = sber_device_id(heater_id, sber_user_id)
                if visible(user, heater):
                    wanted[device_id] = (sber_user_id, describe(heater, device_id))
        legacy = self._legacy and not users.legacy_unlinked
        if legacy:
            legacy_id = await async_bridge_user_id(self._hass, "sber")
            for heater_id, heater in heaters.items():
                wanted[heater_id] = (legacy_id, describe(heater))
        self._forget_unlinked(users.linked_keys(), legacy)
        return {d: v for d, v in wanted.items() if v[1]["model_id"] in models_known}

    def _forget_unlinked(self, keys: set[str], legacy: bool) -> None:
        """Forget the devices of people who unlinked: Sber dropped them with the link."""
        for device_id in list(self._sent.items["devices"]):
            _heater, separator, key = device_id.rpartition(SEPARATOR)
            if (key not in keys) if separator else not legacy:
                self._sent.forget("devices", device_id)
                self._sent.forget("states", device_id)

    async def _async_declare_models(self, report: SyncReport, now: datetime) -> None:
        """Models, before any device that uses them: POST new ones, PUT changed ones."""
        wanted = models()
        changed = self._to_send("models", wanted, now, "model")
        known = self._sent.items["models"]
        post = [m for m in changed if m not in known]
        put = [m for m in changed if m in known]
        if post:
            answer = await self._client.declare_models([wanted[m] for m in post])
            # Sber has it already (a store lost, another installation): update it instead.
            put += [m for m in post if m in answer.already_there()]
            post = [m for m in post if m not in answer.already_there()]
            self._accept_models(post, answer, "declare_model", report)
        if put:
            answer = await self._client.update_models([wanted[m] for m in put])
            self._accept_models(put, answer, "update_model", report)

    def _accept_models(
        self, ids: list[str], answer: SberAnswer, operation: str, report: SyncReport
    ) -> None:
        wanted = models()
        for m in self._take("model", ids, answer, operation, report):
            self._sent.accept("models", m, wanted[m])
            report.models.append(m)

    async def _async_sync_devices(
        self, wanted: dict[str, tuple[str, Json]], report: SyncReport, now: datetime
    ) -> None:
        """Devices: added (under their owner), updated, deleted."""
        accepted = self._sent.items["devices"]
        bodies = {d: body for d, (_owner, body) in wanted.items()}
        changed = self._to_send("devices", bodies, now, "device")
        add = [d for d in changed if d not in accepted]
        update = [d for d in changed if d in accepted]
        delete = [d for d in accepted if d not in wanted and self._due(f"device:{d}", now)]
        for owner in dict.fromkeys(wanted[d][0] for d in add):
            mine = [d for d in add if wanted[d][0] == owner]
            answer = await self._client.add_devices(owner, [bodies[d] for d in mine])
            update += [d for d in mine if d in answer.already_there()]  # update it instead
            mine = [d for d in mine if d not in answer.already_there()]
            for d in self._take("device", mine, answer, "add", report):
                self._sent.accept("devices", d, bodies[d])
                report.added.append(d)
        if update:
            answer = await self._client.update_devices([bodies[d] for d in update])
            for d in self._take("device", update, answer, "update", report):
                self._sent.accept("devices", d, bodies[d])
                report.updated.append(d)
        if delete:
            answer = await self._client.delete_devices(delete)
            for d in self._take("device", delete, answer, "delete", report):
                self._sent.forget("devices", d)
                self._sent.forget("states", d)
                report.deleted.append(d)

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


@dataclass
class SberLink:
    """The sync engines of an account's homes (the Sber plug-in's link), by subentry id."""

    syncs: dict[str, SberSync] = field(default_factory=dict)

    def home_diagnostics(self, subentry_id: str) -> dict[str, Any] | None:
        """What Sber accepted of the home and what waits."""
        sync = self.syncs.get(subentry_id)
        return sync.diagnostics() if sync is not None else None


def last_accepted(heater: BridgedHeater) -> list[Any]:
    """The states Sber last accepted for a heater of a loaded account, if it syncs."""
    link = heater.home.entry.runtime_data.bridges.get(PLUGIN_NAME)
    sync = link.syncs.get(heater.home.subentry_id) if isinstance(link, SberLink) else None
    return sync.last_accepted(heater.device.id) if sync is not None else []
