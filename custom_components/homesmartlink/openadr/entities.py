"""What the account shows of its VEN: the VTN's reachability and the program's last event.

Both are on the account's device, created when the options turn the VEN on (the platforms are
set up before the VEN starts: they find it through the account's run-time data when it tells).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.components.event import EventEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..coordinator import HomeSmartlinkConfigEntry
from ..devices import account_info
from .settings import ven_settings
from .ven import OPT_IN, EventAnswer, Ven, ven_signal

PLUGIN_NAME = "openadr"
# How often reachability is looked at again between the VEN's own news (polls that stop).
RECHECK = timedelta(seconds=5)
EVENT_TYPES = ["opted_in", "opted_out", "cancelled"]
# The entities' keys (translation keys, unique ids after the account's entry id).
VEN_SERVER, VEN_EVENT = "openadr_vtn", "openadr_event"


def has_ven(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, domain: str) -> bool:
    """Whether the account's options turn its VEN on.

    When not, its entity of this platform (left from when it was on) is removed rather than
    shown unavailable for ever.
    """
    if ven_settings(entry.options, entry.data) is not None:
        return True
    registry = er.async_get(hass)
    for key in (VEN_SERVER, VEN_EVENT):
        entity_id = registry.async_get_entity_id(domain, DOMAIN, f"{entry.entry_id}_{key}")
        if entity_id is not None:
            registry.async_remove(entity_id)
    return False


def ven_of(entry: HomeSmartlinkConfigEntry) -> Ven | None:
    """The account's running VEN, if its options turned one on."""
    return cast(Ven | None, entry.runtime_data.bridges.get(PLUGIN_NAME))


class _VenEntity(Entity):
    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: HomeSmartlinkConfigEntry, key: str) -> None:
        self._entry = entry
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = account_info(entry)

    def _ven(self) -> Ven | None:
        return ven_of(self._entry)

    async def async_added_to_hass(self) -> None:
        """Follow what the VEN tells."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, ven_signal(self._entry.entry_id), self._told)
        )

    @callback
    def _told(self) -> None:
        self.async_write_ha_state()


class VenConnectivity(_VenEntity, BinarySensorEntity):
    """On while the VEN is registered and the VTN answered its last polls."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: HomeSmartlinkConfigEntry) -> None:
        """Bind it to the account's VEN."""
        super().__init__(entry, VEN_SERVER)

    async def async_added_to_hass(self) -> None:
        """Also look again every few seconds: silence is what a VTN gone away says."""
        await super().async_added_to_hass()
        self.async_on_remove(async_track_time_interval(self.hass, self._recheck, RECHECK))

    @callback
    def _recheck(self, _: datetime) -> None:
        self.async_write_ha_state()

    @property
    def is_on(self) -> bool:
        """Reachable now."""
        ven = self._ven()
        return ven is not None and ven.state.connected(dt_util.utcnow())


class VenProgramEvent(_VenEntity, EventEntity):
    """Fires at each event of the program the VEN answered: opted in, opted out, cancelled."""

    _attr_event_types = EVENT_TYPES

    def __init__(self, entry: HomeSmartlinkConfigEntry) -> None:
        """Bind it to the account's VEN."""
        super().__init__(entry, VEN_EVENT)
        self._fired: EventAnswer | None = None

    @callback
    def _told(self) -> None:
        ven = self._ven()
        last = ven.state.last_event if ven is not None else None
        if last is None or last is self._fired:
            return
        self._fired = last
        kind = (
            "cancelled"
            if last.status == "cancelled"
            else ("opted_in" if last.answer == OPT_IN else "opted_out")
        )
        self._trigger_event(
            kind,
            {
                "event_id": last.event_id,
                "modification": last.modification,
                "campaign_id": last.campaign_id,
                "reason": last.reason,
                "notes": list(last.notes),
            },
        )
        self.async_write_ha_state()
