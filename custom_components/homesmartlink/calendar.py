"""A calendar per heater: its comfort ranges week after week, and the derogations we placed."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .api import Device, DeviceMode
from .const import DOMAIN
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkCoordinator
from .entity import HomeSmartlinkDeviceEntity, async_add_device_entities
from .store import DerogationStore, PlacedDerogation

PARALLEL_UPDATES = 0
# How far ahead the current-or-next event is looked for.
LOOKAHEAD = timedelta(days=8)
_SUMMARY_KEY = f"component.{DOMAIN}.entity.calendar.schedule.state_attributes.message.state"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a calendar for every heater, now and as new ones appear."""
    strings = await async_get_translations(hass, hass.config.language, "entity", {DOMAIN})
    summaries = {
        key: strings.get(f"{_SUMMARY_KEY}.{key}", key) for key in ("comfort", "derogation")
    }
    for home in entry.runtime_data.homes.values():
        async_add_device_entities(
            home,
            async_add_entities,
            lambda device: device.category.is_heater,
            lambda home, device: [
                HomeSmartlinkCalendar(home.coordinator, home.derogations, device.id, summaries)
            ],
        )


def schedule_events(
    device: Device, start: datetime, end: datetime, summary: str
) -> list[CalendarEvent]:
    """Comfort ranges of a heater on its schedule that overlap [start, end)."""
    schedule = device.week_schedule
    if schedule is None or device.mode is not DeviceMode.PROG:
        return []
    events: list[CalendarEvent] = []
    day = dt_util.start_of_local_day(start.astimezone(dt_util.get_default_time_zone()))
    while day < end:
        for comfort in schedule.ranges_on(day.weekday()):
            begin = day + timedelta(minutes=comfort.start)
            finish = day + timedelta(minutes=comfort.end)
            if begin < end and finish > start:
                events.append(CalendarEvent(start=begin, end=finish, summary=summary))
        day = dt_util.start_of_local_day(day + timedelta(days=1, hours=2))
    return events


class HomeSmartlinkCalendar(HomeSmartlinkDeviceEntity, CalendarEntity):
    """The heater's week at a glance."""

    _attr_translation_key = "schedule"

    def __init__(
        self,
        coordinator: HomeSmartlinkCoordinator,
        store: DerogationStore,
        device_id: str,
        summaries: dict[str, str],
    ) -> None:
        """Bind the calendar to a heater and to the home's remembered derogations."""
        super().__init__(coordinator, device_id, "calendar")
        self._store = store
        self._summaries = summaries
        self._room_derogations: tuple[PlacedDerogation, ...] = ()

    async def async_added_to_hass(self) -> None:
        """Also rewrite the state when a derogation is placed."""
        await super().async_added_to_hass()
        device = self.device
        if device is not None:
            self._room_derogations = tuple(self._store.for_room(device.room_id))
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._store.signal, self._handle_store_update)
        )

    @callback
    def _handle_store_update(self) -> None:
        """Write only when this heater's room got a derogation.

        A load-shedding run over many rooms would otherwise recompute every calendar of the home.
        """
        device = self.device
        mine = tuple(self._store.for_room(device.room_id)) if device is not None else ()
        if mine != self._room_derogations:
            self._room_derogations = mine
            self.async_write_ha_state()

    def _events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        device = self.device
        if device is None:
            return []
        events = schedule_events(device, start, end, self._summaries["comfort"])
        for placed in self._store.for_room(device.room_id):
            begin, finish = placed.bounds()
            if begin < end and finish > start:
                events.append(
                    CalendarEvent(
                        start=begin,
                        end=finish,
                        summary=f"{self._summaries['derogation']} {placed.delta:+d} °C",
                        description=f"{placed.delta:+d} °C",
                        uid=f"{placed.start_trigger}_{placed.room_id}_{placed.day.isoformat()}",
                    )
                )
        return sorted(events, key=lambda event: (event.start_datetime_local, event.summary))

    @property
    def event(self) -> CalendarEvent | None:
        """The event in progress, or else the next one."""
        now = dt_util.now()
        # Most heaters have an event within a day: look there first, the whole horizon after.
        for horizon in (timedelta(days=1), LOOKAHEAD):
            for event in self._events(now, now + horizon):
                if event.end_datetime_local > now:
                    return event
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Events between two moments, for the calendar panel."""
        return self._events(start_date, end_date)
