"""Actions of the integration, registered once in `async_setup`.

- `set_derogation`: shift the rooms of targeted heaters over a window (one request per window).
- `get_derogation_report`: delivery report of a trigger (response only).
- `request_diagnosis` / `get_diagnosis_result`: the two-step diagnosis of a home.
- `get_schedule`: a heater's week schedule as data (response only; an entity action).
- `override`: a delta or a temperature for a duration, until a moment or the next change.
- `resume_schedule`: end our changes in force in the targeted heaters' rooms.
- `start_campaign` / `cancel_campaign` / `get_campaign`: demand-response campaigns of an account.

Bridges add their own actions (`bridges/`). Errors become Home Assistant's at this edge.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from .api import HomeSmartlinkNotFoundError
from .campaigns.model import CampaignNames, campaign_data, plan_phases
from .campaigns.run import (
    CampaignTarget,
    async_cancel_campaign,
    async_start_campaign,
    room_outcomes,
)
from .compat import PLATFORM_ENTITY_SERVICES, find_device, register_entity_action, schema
from .const import DOMAIN
from .coordinator import HomeSmartlinkConfigEntry, account_zone
from .errors import REFUSAL_KEYS, translated, validation_error
from .home_diagnosis import async_request_diagnosis, diagnosis_result_data
from .targets import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_HOME,
    ATTR_HOME_ID,
    accounts,
    async_scoped_heaters,
    single_home,
)
from .writes.outcomes import WindowOutcome
from .writes.overrides import EndRule, delta_changes, resume_changes, temperature_changes
from .writes.plan import Room, check_delta, clock, on_clock, window_from_times
from .writes.send import Placement, RoomShift, async_send_changes, async_shift_rooms
from .writes.timeline import as_instant

SERVICE_SET_DEROGATION = "set_derogation"
SERVICE_GET_DEROGATION_REPORT = "get_derogation_report"
SERVICE_REQUEST_DIAGNOSIS = "request_diagnosis"
SERVICE_GET_DIAGNOSIS_RESULT = "get_diagnosis_result"
SERVICE_GET_SCHEDULE = "get_schedule"
SERVICE_OVERRIDE = "override"
SERVICE_RESUME_SCHEDULE = "resume_schedule"
SERVICE_START_CAMPAIGN = "start_campaign"
SERVICE_CANCEL_CAMPAIGN = "cancel_campaign"
SERVICE_GET_CAMPAIGN = "get_campaign"

ATTR_DELTA = "delta"
ATTR_START = "start"
ATTR_END = "end"
ATTR_DATE = "date"
ATTR_TRIGGER = "trigger"
ATTR_MESSAGE_ID = "message_id"
ATTR_TEMPERATURE = "temperature"
ATTR_DURATION = "duration"
ATTR_UNTIL = "until"
ATTR_UNTIL_NEXT_CHANGE = "until_next_change"
ATTR_CAMPAIGN_ID = "campaign_id"
ATTR_PREHEAT_DELTA = "preheat_delta"
ATTR_PREHEAT_MINUTES = "preheat_minutes"
ATTR_RECOVERY_DELTA = "recovery_delta"
ATTR_RECOVERY_MINUTES = "recovery_minutes"

# Heaters by target (entities, devices, areas...) and/or a whole account (or one of its homes).
# Typed Any as `compat.schema` explains: voluptuous and probatio disagree on the static types.
SET_DEROGATION_SCHEMA: Any = vol.All(
    schema(
        {
            **cv.ENTITY_SERVICE_FIELDS,
            vol.Optional(ATTR_HOME): vol.All(cv.ensure_list, [cv.string]),
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional(ATTR_HOME_ID): cv.string,
            vol.Required(ATTR_DELTA): vol.Coerce(float),
            vol.Required(ATTR_START): cv.time,
            vol.Required(ATTR_END): cv.time,
            vol.Optional(ATTR_DATE): cv.date,
        }
    ),
    cv.has_at_least_one_key(ATTR_HOME, ATTR_CONFIG_ENTRY_ID, *cv.ENTITY_SERVICE_FIELDS),
)
# Heaters by target; what changes (delta or temperature) and when it ends are checked by the
# handler, so that a wrong combination gets a translated error.
OVERRIDE_SCHEMA: Any = vol.All(
    schema(
        {
            **cv.ENTITY_SERVICE_FIELDS,
            vol.Optional(ATTR_HOME): vol.All(cv.ensure_list, [cv.string]),
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional(ATTR_HOME_ID): cv.string,
            vol.Optional(ATTR_DELTA): vol.Coerce(float),
            vol.Optional(ATTR_TEMPERATURE): vol.Coerce(float),
            vol.Optional(ATTR_DURATION): cv.positive_time_period,
            vol.Optional(ATTR_UNTIL): cv.datetime,
            vol.Optional(ATTR_UNTIL_NEXT_CHANGE): cv.boolean,
        }
    ),
    cv.has_at_least_one_key(ATTR_HOME, ATTR_CONFIG_ENTRY_ID, *cv.ENTITY_SERVICE_FIELDS),
)
# Rooms by target and/or whole accounts or homes; a shed window and its delta; optional phases
# before and after (both fields of a phase, or neither).
START_CAMPAIGN_SCHEMA: Any = vol.All(
    schema(
        {
            **cv.ENTITY_SERVICE_FIELDS,
            vol.Optional(ATTR_HOME): vol.All(cv.ensure_list, [cv.string]),
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional(ATTR_HOME_ID): cv.string,
            vol.Required(ATTR_START): cv.datetime,
            vol.Required(ATTR_END): cv.datetime,
            vol.Required(ATTR_DELTA): vol.Coerce(int),
            vol.Inclusive(ATTR_PREHEAT_DELTA, "preheat"): vol.Coerce(int),
            vol.Inclusive(ATTR_PREHEAT_MINUTES, "preheat"): vol.All(
                vol.Coerce(int), vol.Range(min=5)
            ),
            vol.Inclusive(ATTR_RECOVERY_DELTA, "recovery"): vol.Coerce(int),
            vol.Inclusive(ATTR_RECOVERY_MINUTES, "recovery"): vol.All(
                vol.Coerce(int), vol.Range(min=5)
            ),
        }
    ),
    cv.has_at_least_one_key(ATTR_HOME, ATTR_CONFIG_ENTRY_ID, *cv.ENTITY_SERVICE_FIELDS),
)
CAMPAIGN_SCHEMA = schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_CAMPAIGN_ID): cv.string}
)
GET_CAMPAIGN_SCHEMA = schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Optional(ATTR_CAMPAIGN_ID): cv.string}
)
RESUME_SCHEMA: Any = vol.All(
    schema(
        {
            **cv.ENTITY_SERVICE_FIELDS,
            vol.Optional(ATTR_HOME): vol.All(cv.ensure_list, [cv.string]),
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional(ATTR_HOME_ID): cv.string,
        }
    ),
    cv.has_at_least_one_key(ATTR_HOME, ATTR_CONFIG_ENTRY_ID, *cv.ENTITY_SERVICE_FIELDS),
)
HOME_SCHEMA = schema(
    {
        vol.Exclusive(ATTR_DEVICE_ID, "home"): cv.string,
        vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "home"): cv.string,
        vol.Optional(ATTR_HOME_ID): cv.string,
    }
)
REPORT_SCHEMA = schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_TRIGGER): cv.string}
)
DIAGNOSIS_RESULT_SCHEMA = schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_MESSAGE_ID): cv.string}
)


def window_outcome_data(outcome: WindowOutcome) -> dict[str, JsonValueType]:
    """One window's request, as the action response says it."""
    first = outcome.windows[0]
    return {
        "date": first.day.isoformat(),
        "dates": [window.day.isoformat() for window in outcome.windows],
        "start": clock(first.start),
        "end": clock(first.end),
        "rooms": outcome.rooms,
        "start_trigger": outcome.start_trigger,
        "end_trigger": outcome.end_trigger,
        # The real instants the gateways run it, on the homes' clock (daylight-saving nights).
        "starts_at": outcome.starts_at.isoformat() if outcome.starts_at else None,
        "ends_at": outcome.ends_at.isoformat() if outcome.ends_at else None,
        "outcome": outcome.outcome.value,
        "success": outcome.failure is None,
        "error": REFUSAL_KEYS[outcome.failure] if outcome.failure is not None else None,
    }


@translated
async def _set_derogation(call: ServiceCall) -> ServiceResponse:
    heaters = await async_scoped_heaters(call)
    delta = check_delta(call.data[ATTR_DELTA])
    zone = heaters[0][0].zone
    day: date = call.data.get(ATTR_DATE) or dt_util.now(zone).date()
    start: time = call.data[ATTR_START]
    end: time = call.data[ATTR_END]
    windows = [on_clock(window, zone) for window in window_from_times(day, start, end)]
    shifts: dict[tuple[str, int], RoomShift] = {}
    for home, device in heaters:
        if device.room_id is None:
            raise validation_error("heater_unavailable")
        room = Room(home.home_id, device.room_id)
        shifts[(room.home_id, room.room_id)] = RoomShift(home, room, delta)
    return _requests(
        await async_shift_rooms(
            call.hass, list(shifts.values()), windows, Placement(source="action")
        )
    )


def end_rule(data: dict[str, Any]) -> EndRule:
    """How an override ends, from an action's fields: at most one rule."""
    duration: timedelta | None = data.get(ATTR_DURATION)
    until: datetime | None = data.get(ATTR_UNTIL)
    next_change = bool(data.get(ATTR_UNTIL_NEXT_CHANGE))
    if sum((duration is not None, until is not None, next_change)) > 1:
        raise validation_error("override_end_ambiguous")
    # A naive `until` is read on the homes' clock when the override is planned.
    return EndRule(duration=duration, until=until, next_change=next_change)


def _requests(outcomes: list[WindowOutcome]) -> ServiceResponse:
    return {"requests": [window_outcome_data(outcome) for outcome in outcomes]}


@translated
async def _override(call: ServiceCall) -> ServiceResponse:
    delta: float | None = call.data.get(ATTR_DELTA)
    temperature: float | None = call.data.get(ATTR_TEMPERATURE)
    if (delta is None) == (temperature is None):
        raise validation_error("override_change_needed")
    rule = end_rule(dict(call.data))
    heaters = await async_scoped_heaters(call)
    now = dt_util.utcnow()
    if temperature is not None:
        changes = temperature_changes(heaters, temperature, rule, now)
    elif delta is not None:
        changes = delta_changes(heaters, delta, rule, now)
    return _requests(await async_send_changes(call.hass, changes, Placement(source="action")))


@translated
async def _resume_schedule(call: ServiceCall) -> ServiceResponse:
    heaters = await async_scoped_heaters(call)
    changes = resume_changes(heaters, dt_util.utcnow())
    if not changes:
        return _requests([])
    return _requests(await async_send_changes(call.hass, changes, Placement(source="action")))


def _phase(data: dict[str, Any], delta: str, minutes: str) -> tuple[int, int] | None:
    return (data[delta], data[minutes]) if delta in data else None


@translated
async def _start_campaign(call: ServiceCall) -> ServiceResponse:
    heaters = await async_scoped_heaters(call)
    entries = {home.entry.entry_id: home.entry for home, _ in heaters}
    if len(entries) != 1:
        raise validation_error("campaign_one_account")
    data = dict(call.data)
    (entry,) = entries.values()
    zone = account_zone(entry)
    phases = plan_phases(
        as_instant(data[ATTR_START], zone),
        as_instant(data[ATTR_END], zone),
        data[ATTR_DELTA],
        dt_util.utcnow(),
        preheat=_phase(data, ATTR_PREHEAT_DELTA, ATTR_PREHEAT_MINUTES),
        recovery=_phase(data, ATTR_RECOVERY_DELTA, ATTR_RECOVERY_MINUTES),
    )
    targets = list(
        {
            (home.subentry_id, device.room_id): CampaignTarget(home, device.room_id)
            for home, device in heaters
            if device.room_id is not None
        }.values()
    )
    campaign, outcomes = await async_start_campaign(call.hass, entry, targets, phases)
    return {
        "campaign_id": campaign.id,
        "requests": [window_outcome_data(outcome) for outcome in outcomes],
    }


def _find_campaign(call: ServiceCall) -> tuple[HomeSmartlinkConfigEntry, Any]:
    wanted = call.data.get(ATTR_CAMPAIGN_ID)
    now = dt_util.now()
    for entry in accounts(call.hass, call):
        book = entry.runtime_data.campaigns
        found = book.campaigns.get(wanted) if wanted else book.latest(now)
        if found is not None:
            return entry, found
    raise validation_error("unknown_campaign", campaign_id=str(wanted))


@translated
async def _cancel_campaign(call: ServiceCall) -> ServiceResponse:
    entry, campaign = _find_campaign(call)
    if campaign.state(dt_util.now()).value in ("finished", "cancelled"):
        raise validation_error("campaign_over", campaign_id=campaign.id)
    return _requests(await async_cancel_campaign(call.hass, entry, campaign))


async def _get_campaign(call: ServiceCall) -> ServiceResponse:
    entry, campaign = _find_campaign(call)
    return campaign_data(
        campaign,
        dt_util.utcnow(),
        account_zone(entry),
        room_outcomes(entry, campaign),
        _campaign_names(call.hass, entry),
    )


def _campaign_names(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> CampaignNames:
    """The names the answer shows: homes, rooms, and heaters as Home Assistant names them."""
    registry = dr.async_get(hass)
    homes: dict[str, str] = {}
    rooms: dict[str, str] = {}
    heaters: dict[str, list[tuple[str, str]]] = {}
    for home in entry.runtime_data.homes.values():
        homes[home.home_id] = home.title
        for device in home.coordinator.data.heaters:
            key = f"{home.home_id}/{device.room_id}"
            if device.room_name:
                rooms[key] = device.room_name
            found = find_device(registry, entry.entry_id, (DOMAIN, device.id))
            name = (found.name_by_user or found.name) if found else None
            heaters.setdefault(key, []).append((device.id, name or device.id))
    return CampaignNames(homes=homes, rooms=rooms, heaters=heaters)


async def _ask_accounts[T](
    call: ServiceCall,
    ask: Callable[[HomeSmartlinkConfigEntry], Awaitable[T]],
    not_found: ServiceValidationError,
) -> T:
    """Ask each partner account in turn until one knows the id (a trigger or a diagnosis)."""
    for entry in accounts(call.hass, call):
        try:
            return await ask(entry)
        except HomeSmartlinkNotFoundError:
            continue
    raise not_found


@translated
async def _get_derogation_report(call: ServiceCall) -> ServiceResponse:
    trigger = call.data[ATTR_TRIGGER]
    report = await _ask_accounts(
        call,
        lambda entry: entry.runtime_data.client.get_report(trigger),
        validation_error("unknown_trigger", trigger=trigger),
    )
    summary = report.summary
    return {
        "summary": {
            "requested": summary.requested,
            "sent": summary.sent,
            "received": summary.received,
            "first": summary.first.isoformat() if summary.first else None,
            "last": summary.last.isoformat() if summary.last else None,
        },
        "details": [
            {
                "home_id": detail.home_id,
                "acknowledge": detail.acknowledge,
                "sent_at": detail.sent_at.isoformat() if detail.sent_at else None,
            }
            for detail in report.details
        ],
    }


@translated
async def _request_diagnosis(call: ServiceCall) -> ServiceResponse:
    home = single_home(call.hass, call)
    message_id = await async_request_diagnosis(call.hass, home)
    return {"message_id": message_id}


@translated
async def _get_diagnosis_result(call: ServiceCall) -> ServiceResponse:
    message_id = call.data[ATTR_MESSAGE_ID]
    result = await _ask_accounts(
        call,
        lambda entry: entry.runtime_data.client.get_diagnosis_result(message_id),
        validation_error("unknown_message", message_id=message_id),
    )
    return diagnosis_result_data(result)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    optional, only = SupportsResponse.OPTIONAL, SupportsResponse.ONLY
    for name, handler, fields, response in (
        (SERVICE_SET_DEROGATION, _set_derogation, SET_DEROGATION_SCHEMA, optional),
        (SERVICE_OVERRIDE, _override, OVERRIDE_SCHEMA, optional),
        (SERVICE_RESUME_SCHEDULE, _resume_schedule, RESUME_SCHEMA, optional),
        (SERVICE_START_CAMPAIGN, _start_campaign, START_CAMPAIGN_SCHEMA, optional),
        (SERVICE_CANCEL_CAMPAIGN, _cancel_campaign, CAMPAIGN_SCHEMA, optional),
        (SERVICE_GET_CAMPAIGN, _get_campaign, GET_CAMPAIGN_SCHEMA, only),
        (SERVICE_GET_DEROGATION_REPORT, _get_derogation_report, REPORT_SCHEMA, only),
        (SERVICE_REQUEST_DIAGNOSIS, _request_diagnosis, HOME_SCHEMA, optional),
        (SERVICE_GET_DIAGNOSIS_RESULT, _get_diagnosis_result, DIAGNOSIS_RESULT_SCHEMA, only),
    ):
        hass.services.async_register(
            DOMAIN, name, handler, schema=fields, supports_response=response
        )
    if PLATFORM_ENTITY_SERVICES:
        async_register_schedule_action(hass)


@callback
def async_register_schedule_action(hass: HomeAssistant) -> None:
    """`get_schedule`, an action of our climate entities (answered by each entity)."""
    register_entity_action(
        hass,
        DOMAIN,
        SERVICE_GET_SCHEDULE,
        entity_domain="climate",
        method="async_get_schedule",
        fields={},
        supports_response=SupportsResponse.ONLY,
    )
