"""Actions of the integration, registered once in `async_setup`.

- `set_derogation`: shift the rooms of targeted heaters over a window (one request per window).
- `get_derogation_report`: delivery report of a trigger (response only).
- `request_diagnosis` / `get_diagnosis_result`: the two-step diagnosis of a home.
- `get_schedule`: a heater's week schedule as data (response only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time
import inspect
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    service as service_helper,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .api import Device, HomeSmartlinkError, HomeSmartlinkNotFoundError
from .compat import device_in
from .const import DOMAIN
from .control import RoomShift, async_apply
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from .derogation import DerogationPlanError, Room, check_delta, clock, window_from_times
from .diagnosis import async_request_diagnosis, diagnosis_result_data
from .helpers import schema, translate_cloud_error, translate_plan_error, validation_error

SERVICE_SET_DEROGATION = "set_derogation"
SERVICE_GET_DEROGATION_REPORT = "get_derogation_report"
SERVICE_REQUEST_DIAGNOSIS = "request_diagnosis"
SERVICE_GET_DIAGNOSIS_RESULT = "get_diagnosis_result"
SERVICE_GET_SCHEDULE = "get_schedule"
SERVICE_SYNC_SBER = "sync_sber"

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_HOME_ID = "home_id"
ATTR_DEVICE_ID = "device_id"
ATTR_DELTA = "delta"
ATTR_START = "start"
ATTR_END = "end"
ATTR_DATE = "date"
ATTR_TRIGGER = "trigger"
ATTR_MESSAGE_ID = "message_id"

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Heaters by target (entities, devices, areas...) and/or a whole account (or one of its homes).
# Typed Any as `helpers.schema` explains: voluptuous and probatio disagree on the static types.
SET_DEROGATION_SCHEMA: Any = vol.All(
    schema(
        {
            **cv.ENTITY_SERVICE_FIELDS,
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional(ATTR_HOME_ID): cv.string,
            vol.Required(ATTR_DELTA): vol.Coerce(float),
            vol.Required(ATTR_START): cv.time,
            vol.Required(ATTR_END): cv.time,
            vol.Optional(ATTR_DATE): cv.date,
        }
    ),
    cv.has_at_least_one_key(ATTR_CONFIG_ENTRY_ID, *cv.ENTITY_SERVICE_FIELDS),
)
HOME_SCHEMA = schema(
    {
        vol.Exclusive(ATTR_DEVICE_ID, "home"): cv.string,
        vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "home"): cv.string,
        vol.Optional(ATTR_HOME_ID): cv.string,
    }
)
ACCOUNT_SCHEMA = schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Optional(ATTR_HOME_ID): cv.string}
)
REPORT_SCHEMA = schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_TRIGGER): cv.string}
)
DIAGNOSIS_RESULT_SCHEMA = schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_MESSAGE_ID): cv.string}
)
SCHEDULE_SCHEMA = schema({vol.Required(ATTR_ENTITY_ID): cv.entity_id})


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> HomeSmartlinkConfigEntry:
    """A loaded account of this integration, or a translated validation error."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise validation_error("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise validation_error("entry_not_loaded", entry_id=entry_id)
    return cast(HomeSmartlinkConfigEntry, entry)


def _accounts(hass: HomeAssistant, call: ServiceCall) -> list[HomeSmartlinkConfigEntry]:
    """The account a call names, or every loaded account.

    Triggers and diagnosis ids belong to a partner account, not to a home: without an account the
    call is tried on each one until one knows the id.
    """
    if ATTR_CONFIG_ENTRY_ID in call.data:
        return [_loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])]
    accounts = [
        cast(HomeSmartlinkConfigEntry, entry)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
    ]
    if not accounts:
        raise validation_error("no_home_loaded")
    return accounts


def _account_homes(entry: HomeSmartlinkConfigEntry, home_id: str | None) -> list[HomeSmartlinkHome]:
    """Every home of an account, or the one with this cloud home id."""
    homes = list(entry.runtime_data.homes.values())
    if home_id is None:
        return homes
    found = [home for home in homes if home.home_id == home_id]
    if not found:
        raise validation_error("home_not_found", home_id=home_id)
    return found


def _gateway_home(hass: HomeAssistant, device_id: str) -> HomeSmartlinkHome:
    """The loaded home whose gateway is this device."""
    device = dr.async_get(hass).async_get(device_id)
    if isinstance(device, dr.DeviceEntry):
        for entry in hass.config_entries.async_loaded_entries(DOMAIN):
            for home in cast(HomeSmartlinkConfigEntry, entry).runtime_data.homes.values():
                if (DOMAIN, home.home_id) in device.identifiers and device_in(
                    device, entry.entry_id, home.subentry_id
                ):
                    return home
    raise validation_error("not_a_gateway", device_id=device_id)


def _homes(hass: HomeAssistant, call: ServiceCall) -> list[HomeSmartlinkHome]:
    """The homes a call names: a gateway device, or an account and optionally a home id."""
    if (device_id := call.data.get(ATTR_DEVICE_ID)) is not None:
        return [_gateway_home(hass, device_id)]
    if ATTR_CONFIG_ENTRY_ID not in call.data:
        raise validation_error("no_home_given")
    entry = _loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    return _account_homes(entry, call.data.get(ATTR_HOME_ID))


def _single_home(hass: HomeAssistant, call: ServiceCall) -> HomeSmartlinkHome:
    homes = _homes(hass, call)
    if len(homes) != 1:
        raise validation_error("home_id_needed")
    return homes[0]


def _heater(hass: HomeAssistant, entity_id: str) -> tuple[HomeSmartlinkHome, Device]:
    """The loaded home and heater behind one of our climate entities."""
    registry_entry = er.async_get(hass).async_get(entity_id)
    if (
        registry_entry is None
        or registry_entry.platform != DOMAIN
        or registry_entry.domain != "climate"
        or registry_entry.config_entry_id is None
    ):
        raise validation_error("not_a_heater", entity_id=entity_id)
    entry = _loaded_entry(hass, registry_entry.config_entry_id)
    device_id = registry_entry.unique_id.removesuffix("_climate")
    for home in entry.runtime_data.homes.values():
        if (device := home.coordinator.data.device(device_id)) is not None:
            return home, device
    raise validation_error("heater_unavailable")


async def _targeted_entities(call: ServiceCall) -> set[str]:
    """Entity ids named by a call's target (entities, devices, areas, floors, labels).

    The helper's signature changed between the supported releases (it lost its `hass`
    argument), hence the look at its parameters.
    """
    extract = cast(Any, service_helper.async_extract_entity_ids)
    if "hass" in inspect.signature(extract).parameters:
        return cast(set[str], await extract(call.hass, call))
    return cast(set[str], await extract(call))


async def _derogation_targets(call: ServiceCall) -> list[tuple[HomeSmartlinkHome, Device]]:
    """The heaters a call targets: entities, devices, areas... and whole accounts or homes."""
    hass = call.hass
    registry = er.async_get(hass)
    entities = sorted(
        entity_id
        for entity_id in await _targeted_entities(call)
        if (item := registry.async_get(entity_id)) is not None
        and item.platform == DOMAIN
        and item.domain == "climate"
    )
    heaters = [_heater(hass, entity_id) for entity_id in entities]
    if ATTR_CONFIG_ENTRY_ID in call.data:
        entry = _loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        for home in _account_homes(entry, call.data.get(ATTR_HOME_ID)):
            heaters.extend((home, device) for device in home.coordinator.data.heaters)
    if not heaters:
        raise validation_error("no_target")
    return heaters


async def _set_derogation(call: ServiceCall) -> ServiceResponse:
    heaters = await _derogation_targets(call)
    try:
        delta = check_delta(call.data[ATTR_DELTA])
        day: date = call.data.get(ATTR_DATE) or dt_util.now().date()
        start: time = call.data[ATTR_START]
        end: time = call.data[ATTR_END]
        windows = window_from_times(day, start, end)
    except DerogationPlanError as err:
        raise translate_plan_error(err) from err
    shifts: dict[tuple[str, int], RoomShift] = {}
    for home, device in heaters:
        if device.room_id is None:
            raise validation_error("heater_unavailable")
        room = Room(home.home_id, device.room_id)
        shifts[(room.home_id, room.room_id)] = RoomShift(home, room, delta)
    outcomes = await async_apply(call.hass, list(shifts.values()), windows)
    return {"requests": [outcome.as_dict() for outcome in outcomes]}


async def _ask_accounts[T](
    call: ServiceCall,
    ask: Callable[[HomeSmartlinkConfigEntry], Awaitable[T]],
    not_found: ServiceValidationError,
) -> T:
    """Ask each partner account in turn until one knows the id (a trigger or a diagnosis)."""
    for entry in _accounts(call.hass, call):
        try:
            return await ask(entry)
        except HomeSmartlinkNotFoundError:
            continue
        except HomeSmartlinkError as err:
            raise translate_cloud_error(err) from err
    raise not_found


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


async def _request_diagnosis(call: ServiceCall) -> ServiceResponse:
    home = _single_home(call.hass, call)
    message_id = await async_request_diagnosis(call.hass, home)
    return {"message_id": message_id}


async def _get_diagnosis_result(call: ServiceCall) -> ServiceResponse:
    message_id = call.data[ATTR_MESSAGE_ID]
    result = await _ask_accounts(
        call,
        lambda entry: entry.runtime_data.client.get_diagnosis_result(message_id),
        validation_error("unknown_message", message_id=message_id),
    )
    return diagnosis_result_data(result)


async def _get_schedule(call: ServiceCall) -> ServiceResponse:
    _home, device = _heater(call.hass, call.data[ATTR_ENTITY_ID])
    schedule = device.week_schedule
    return {
        "mode": device.mode.value if device.mode else None,
        "days": (
            [
                {
                    "day": name,
                    "comfort": [
                        {"start": clock(r.start), "end": clock(r.end)}
                        for r in schedule.ranges_on(index)
                    ],
                }
                for index, name in enumerate(DAYS)
            ]
            if schedule is not None
            else None
        ),
    }


async def _sync_sber(call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    homes = _account_homes(entry, call.data.get(ATTR_HOME_ID))
    syncs = [(home, home.sber) for home in homes if home.sber is not None]
    if not syncs:
        raise validation_error("sber_not_enabled", account=entry.title)
    reports: dict[str, Any] = {}
    for home, sync in syncs:
        report = await sync.async_sync(full=True)
        if report.error is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="sber_sync_error",
                translation_placeholders={"reason": report.error},
            )
        reports[home.home_id] = report.as_dict()
    return {"homes": reports}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_DEROGATION,
        _set_derogation,
        schema=SET_DEROGATION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_DEROGATION_REPORT,
        _get_derogation_report,
        schema=REPORT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_REQUEST_DIAGNOSIS,
        _request_diagnosis,
        schema=HOME_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_DIAGNOSIS_RESULT,
        _get_diagnosis_result,
        schema=DIAGNOSIS_RESULT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_SCHEDULE,
        _get_schedule,
        schema=SCHEDULE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SYNC_SBER,
        _sync_sber,
        schema=ACCOUNT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
