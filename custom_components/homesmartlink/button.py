"""Buttons: a diagnosis per home (its result arrives as an event), and "Resume schedule" per heater.

"Resume schedule" is available only while a change of ours is in force in the heater's room, so
it is never a control that can only fail.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.button import ButtonEntity
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_time
from homeassistant.util import dt as dt_util

from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from .entity import (
    HomeSmartlinkDeviceEntity,
    HomeSmartlinkGatewayEntity,
    async_add_device_entities,
)
from .errors import translated
from .home_diagnosis import async_request_diagnosis
from .writes.ledger import LedgerRecord
from .writes.overrides import resume_changes
from .writes.send import Placement, async_send_changes

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the diagnosis button of each home and a resume button per heater."""
    for home in entry.runtime_data.homes.values():
        async_add_entities(
            [HomeSmartlinkDiagnosisButton(home)], config_subentry_id=home.subentry_id
        )
        async_add_device_entities(
            home,
            async_add_entities,
            lambda device: device.category.is_heater,
            lambda home, device: [HomeSmartlinkResumeButton(home, device.id)],
        )


class HomeSmartlinkDiagnosisButton(HomeSmartlinkGatewayEntity, ButtonEntity):
    """Requests a diagnosis of the home."""

    _attr_translation_key = "request_diagnosis"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, home: HomeSmartlinkHome) -> None:
        """Bind the button to the home."""
        super().__init__(home.coordinator, "request_diagnosis")
        self._home = home

    def _source(self) -> object:
        return None  # a button shows no data, only availability

    @translated
    async def async_press(self) -> None:
        """Send the request; the result is fetched five minutes later."""
        await async_request_diagnosis(self.hass, self._home)


class HomeSmartlinkResumeButton(HomeSmartlinkDeviceEntity, ButtonEntity):
    """Ends our change in force in the heater's room: back to what the heater follows alone."""

    _attr_translation_key = "resume_schedule"

    def __init__(self, home: HomeSmartlinkHome, device_id: str) -> None:
        """Bind the button to a heater."""
        super().__init__(home.coordinator, device_id, "resume_schedule")
        self._home = home
        self._unsub_end: CALLBACK_TYPE | None = None

    def _change(self) -> LedgerRecord | None:
        device = self.device
        if device is None:
            return None
        return self._home.derogations.active(device.room_id, dt_util.now())

    def _source(self) -> object:
        return self._change()

    @property
    def available(self) -> bool:
        """Only while a change of ours is in force in the room (not one whose end is asked)."""
        change = self._change()
        return super().available and change is not None and change.delta != 0

    async def async_added_to_hass(self) -> None:
        """Follow our changes: placed, ended by us, or reaching their end."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._home.derogations.signal, self._refresh)
        )
        self.async_on_remove(self._cancel_end)
        self._follow_end()

    @callback
    def _cancel_end(self) -> None:
        if self._unsub_end is not None:
            self._unsub_end()
            self._unsub_end = None

    @callback
    def _follow_end(self) -> None:
        self._cancel_end()
        if (change := self._change()) is not None:
            self._unsub_end = async_track_point_in_time(
                self.hass, self._end_reached, change.bounds()[1]
            )

    @callback
    def _end_reached(self, _now: datetime) -> None:
        self._unsub_end = None
        self._refresh()

    @callback
    def _refresh(self) -> None:
        self._follow_end()
        self._handle_coordinator_update()

    @translated
    async def async_press(self) -> None:
        """End our change in force, giving back what it replaced (nothing if it just ended)."""
        device = self.device
        if device is None:  # pragma: no cover - unavailable entities get no presses
            return
        changes = resume_changes([(self._home, device)], dt_util.utcnow())
        if changes:
            await async_send_changes(self.hass, changes, Placement(source="action"))
