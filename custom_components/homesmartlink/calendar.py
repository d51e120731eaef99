"""A calendar per heater: its comfort periods week after week and our overrides, and a way in.

Creating an event places an override of the heater's room over its span (the summary says a
temperature, "21 °C", or a shift, "+2"); deleting one of our overrides cancels what is still to
come of it. Comfort periods are the heater's schedule: they are shown, not edited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
import re
from typing import Any

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.components.calendar.const import CalendarEntityFeature
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .api import Device, DeviceMode
from .campaigns.agenda import agenda, campaign_of
from .campaigns.model import CampaignState, plan_phases
from .campaigns.run import async_cancel_campaign, async_start_campaign, every_room
from .const import DOMAIN
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome, account_zone
from .entity import (
    HomeSmartlinkAccountEntity,
    HomeSmartlinkDeviceEntity,
    async_add_device_entities,
)
from .errors import translated, validation_error
from .writes.learned import Period
from .writes.ledger import LedgerRecord, Outcome
from .writes.overrides import EndRule, cancel_changes, delta_changes, temperature_changes
from .writes.send import Placement, RoomChange, async_send_changes
from .writes.timeline import as_instant, local, wall_instant

PARALLEL_UPDATES = 1
# How far ahead the current-or-next event is looked for.
LOOKAHEAD = timedelta(days=8)
_SUMMARY_KEY = f"component.{DOMAIN}.entity.calendar.schedule.state_attributes.message.state"
# The words of event titles (translated once at set-up).
_WORDS = ("comfort", "override", "boost", "eco", "uncertain", "campaign")
_PHASE_KEY = f"component.{DOMAIN}.entity.calendar.campaigns.state_attributes.message.state"
_PHASE_WORDS = ("preheat", "shed", "recovery", "cancelled")
# What an event's summary may say: a shift ("+2", "-1 °C") or a temperature ("21 °C", "19.5").
_SHIFT = re.compile(r"^\s*([+\-\u2212])\s*(\d+)\s*(?:°\s*C?)?\s*$")
_TEMPERATURE = re.compile(r"^\s*(\d{1,2}(?:[.,]\d+)?)\s*(?:°\s*C?|C)?\s*$")


def read_summary(summary: str) -> tuple[str, float]:
    """("delta" | "temperature", value) from an event's summary, or a translated refusal."""
    if match := _SHIFT.match(summary):
        sign = 1 if match.group(1) == "+" else -1
        return "delta", float(sign * int(match.group(2)))
    if match := _TEMPERATURE.match(summary):
        return "temperature", float(match.group(1).replace(",", "."))
    raise validation_error("event_summary_not_understood", summary=summary[:40])


def _as_moment(value: datetime | date, zone: tzinfo) -> datetime:
    """An event bound as an instant (naive: on the homes' clock; a date: its midnight there)."""
    if isinstance(value, datetime):
        return as_instant(value, zone)
    return wall_instant(value, 0, zone)


# The id of a comfort period starts with this: deleting one is refused in words.
SCHEDULE_UID = "schedule_"


def event_uid(placed: LedgerRecord) -> str:
    """The id of one of our overrides' events (its call, room, date and start)."""
    origin = placed.batch or placed.start_trigger or "placed"
    return f"{origin}_{placed.room_id}_{placed.day.isoformat()}_{placed.start}"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a calendar for every heater, now and as new ones appear."""
    strings = await async_get_translations(hass, hass.config.language, "entity", {DOMAIN})
    words = {key: strings.get(f"{_SUMMARY_KEY}.{key}", key) for key in _WORDS}
    phases = {key: strings.get(f"{_PHASE_KEY}.{key}", key) for key in _PHASE_WORDS}
    async_add_entities([HomeSmartlinkCampaignCalendar(entry, phases)])
    for home in entry.runtime_data.homes.values():
        async_add_device_entities(
            home,
            async_add_entities,
            lambda device: device.category.is_heater,
            lambda home, device: [HomeSmartlinkCalendar(home, device.id, words)],
        )


def schedule_events(
    device: Device, start: datetime, end: datetime, summary: str, zone: tzinfo
) -> list[CalendarEvent]:
    """Comfort ranges of a heater on its schedule that overlap [start, end), on the homes' clock."""
    schedule = device.week_schedule
    if schedule is None or device.mode is not DeviceMode.PROG:
        return []
    events: list[CalendarEvent] = []
    day = local(start, zone).date()
    while wall_instant(day, 0, zone) < end:
        for comfort in schedule.ranges_on(day.weekday()):
            begin = wall_instant(day, comfort.start, zone)
            finish = wall_instant(day, comfort.end, zone)
            if begin < end and finish > start and begin < finish:
                events.append(
                    CalendarEvent(
                        start=local(begin, zone),
                        end=local(finish, zone),
                        summary=summary,
                        # Every event has an id: the panel sends it back to delete one.
                        uid=f"{SCHEDULE_UID}{device.id}_{begin.isoformat()}",
                    )
                )
        day += timedelta(days=1)
    return events


class _EventsCalendar(CalendarEntity):
    """A calendar whose events between two moments are worked out by `_events`."""

    def _events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        raise NotImplementedError  # pragma: no cover - each calendar works out its own

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Events between two moments, for the calendar panel and calendar triggers."""
        return self._events(start_date, end_date)


def _read_event(kwargs: dict[str, Any]) -> tuple[str, float]:
    """What a created event asks for (its summary); a repeating event is refused."""
    if kwargs.get("rrule"):
        raise validation_error("event_repeats")
    return read_summary(str(kwargs.get("summary") or ""))


class HomeSmartlinkCalendar(HomeSmartlinkDeviceEntity, _EventsCalendar):
    """The heater's week at a glance, and overrides placed from it."""

    _attr_translation_key = "schedule"
    _attr_supported_features = (
        CalendarEntityFeature.CREATE_EVENT | CalendarEntityFeature.DELETE_EVENT
    )

    def __init__(self, home: HomeSmartlinkHome, device_id: str, words: dict[str, str]) -> None:
        """Bind the calendar to a heater and to the home's remembered overrides."""
        super().__init__(home.coordinator, device_id, "calendar")
        self._home = home
        self._store = home.derogations
        self._words = words
        self._room_derogations: tuple[LedgerRecord, ...] = ()
        self._event_cache: tuple[object, CalendarEvent | None] | None = None

    async def async_added_to_hass(self) -> None:
        """Also rewrite the state when an override is placed or ended."""
        await super().async_added_to_hass()
        device = self.device
        if device is not None:
            self._room_derogations = tuple(self._store.for_room(device.room_id))
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._store.signal, self._handle_store_update)
        )

    @callback
    def _handle_store_update(self) -> None:
        """Write only when this heater's room changed (open calendars then update at once).

        A load-shedding run over many rooms would otherwise recompute every calendar of the home.
        """
        device = self.device
        mine = tuple(self._store.for_room(device.room_id)) if device is not None else ()
        if mine != self._room_derogations:
            self._room_derogations = mine
            self.async_write_ha_state()

    def _heater_name(self, device: Device) -> str:
        entry = self.device_entry
        if entry is not None and (name := entry.name_by_user or entry.name):
            return name
        return device.room_name or device.id

    def _comfort_summary(self, device: Device) -> str:
        summary = f"{self._heater_name(device)} · {self._words['comfort']}"
        if (setpoint := self._home.setpoints.get(device.id, Period.COMFORT)) is not None:
            summary += f" {setpoint:g} °C"
        return summary

    def _override_event(self, device: Device, placed: LedgerRecord) -> CalendarEvent:
        kind = "campaign" if placed.source == "campaign" else placed.preset or "override"
        word = self._words.get(kind, self._words["override"])
        summary = f"{self._heater_name(device)} · {word} {placed.delta:+d} °C"
        if placed.base_setpoint is not None:
            summary += f" ({placed.base_setpoint + placed.delta:g} °C)"
        if placed.outcome is not Outcome.PLACED:
            summary += f" · {self._words['uncertain']}"
        begin, finish = placed.bounds()
        zone = self._home.zone
        return CalendarEvent(
            start=local(begin, zone),
            end=local(finish, zone),
            summary=summary,
            description=f"{placed.delta:+d} °C",
            uid=event_uid(placed),
        )

    def _events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        device = self.device
        if device is None:
            return []
        events = schedule_events(device, start, end, self._comfort_summary(device), self._home.zone)
        for placed in self._store.for_room(device.room_id):
            begin, finish = placed.bounds()
            if begin < end and finish > start:
                events.append(self._override_event(device, placed))
        return sorted(events, key=lambda event: (event.start_datetime_local, event.summary))

    @property
    def event(self) -> CalendarEvent | None:
        """The event in progress, or else the next one.

        Home Assistant reads it several times per state write (state, then attributes): it is
        worked out once per second for the same heater data, overrides and title.
        """
        now = dt_util.now()
        device = self.device
        key = (
            device,
            self._room_derogations,
            self._comfort_summary(device) if device is not None else None,
            now.replace(microsecond=0),
        )
        if self._event_cache is not None and self._event_cache[0] == key:
            return self._event_cache[1]
        found = self._next_event(now)
        self._event_cache = (key, found)
        return found

    def _next_event(self, now: datetime) -> CalendarEvent | None:
        # Most heaters have an event within a day: look there first, the whole horizon after.
        for horizon in (timedelta(days=1), LOOKAHEAD):
            for event in self._events(now, now + horizon):
                if event.end_datetime_local > now:
                    return event
        return None

    @translated
    async def async_create_event(self, **kwargs: Any) -> None:
        """Place an override of the heater's room over the event's span."""
        device = self.device
        if device is None:  # pragma: no cover - unavailable entities get no calls
            return
        kind, value = _read_event(kwargs)
        zone = self._home.zone
        start = max(_as_moment(kwargs["dtstart"], zone), dt_util.utcnow())
        rule = EndRule(until=_as_moment(kwargs["dtend"], zone))
        heaters = [(self._home, device)]
        if kind == "delta":
            changes = delta_changes(heaters, value, rule, start)
        else:
            changes = temperature_changes(heaters, value, rule, start)
        await async_send_changes(self.hass, changes, Placement(source="calendar"))

    @translated
    async def async_delete_event(
        self,
        uid: str,
        recurrence_id: str | None = None,
        recurrence_range: str | None = None,
    ) -> None:
        """Cancel what is still to come of one of our overrides (comfort periods stay)."""
        if uid.startswith(SCHEDULE_UID):
            raise validation_error("event_is_schedule")
        device = self.device
        found = next(
            (
                placed
                for placed in (self._store.for_room(device.room_id) if device else ())
                if event_uid(placed) == uid
            ),
            None,
        )
        if found is None:
            raise validation_error("event_not_ours")
        changes: list[RoomChange] = cancel_changes(self._home, found, dt_util.utcnow())
        if not changes:
            raise validation_error("event_over")
        await async_send_changes(self.hass, changes, Placement(source="calendar"))


class HomeSmartlinkCampaignCalendar(HomeSmartlinkAccountEntity, _EventsCalendar):
    """The account's campaigns, each phase an event; an event created starts one, deleted ends it.

    An event titled with a shift ("-2") starts a campaign over every room of the account's homes
    that take part, for the event's span; deleting a scheduled or running one cancels it.
    """

    _attr_translation_key = "campaigns"
    _attr_supported_features = (
        CalendarEntityFeature.CREATE_EVENT | CalendarEntityFeature.DELETE_EVENT
    )

    def __init__(self, entry: HomeSmartlinkConfigEntry, words: dict[str, str]) -> None:
        """Bind the calendar to the account, with the words of its titles."""
        super().__init__(entry, "campaigns")
        self._words = words

    def _events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        book = self._entry.runtime_data.campaigns
        return [
            CalendarEvent(
                start=e.start,
                end=e.end,
                summary=e.summary,
                uid=e.uid,
                # A program's campaign says which of its events it carries.
                description=f"OpenADR {e.campaign.openadr_event[0]}"
                if e.campaign.openadr_event
                else None,
            )
            for e in agenda(
                book.campaigns.values(), start, end, self._words, account_zone(self._entry)
            )
        ]

    @property
    def event(self) -> CalendarEvent | None:
        """The phase in progress, or else the next one."""
        now = dt_util.now()
        return next(
            (e for e in self._events(now, now + LOOKAHEAD) if e.end_datetime_local > now), None
        )

    @translated
    async def async_create_event(self, **kwargs: Any) -> None:
        """Start a campaign of the event's shift over every room of the homes taking part."""
        kind, value = _read_event(kwargs)
        if kind != "delta":
            raise validation_error("campaign_event_needs_shift")
        zone = account_zone(self._entry)
        phases = plan_phases(
            _as_moment(kwargs["dtstart"], zone),
            _as_moment(kwargs["dtend"], zone),
            int(value),
            dt_util.utcnow(),
        )
        targets = every_room(self._entry.runtime_data.homes.values())
        await async_start_campaign(self.hass, self._entry, targets, phases)

    @translated
    async def async_delete_event(
        self,
        uid: str,
        recurrence_id: str | None = None,
        recurrence_range: str | None = None,
    ) -> None:
        """Cancel the campaign of a phase still to run or running."""
        campaign = self._entry.runtime_data.campaigns.campaigns.get(campaign_of(uid))
        if campaign is None:
            raise validation_error("unknown_campaign", campaign_id=campaign_of(uid))
        if campaign.state(dt_util.now()) in (CampaignState.FINISHED, CampaignState.CANCELLED):
            raise validation_error("campaign_over", campaign_id=campaign.id)
        await async_cancel_campaign(self.hass, self._entry, campaign)
