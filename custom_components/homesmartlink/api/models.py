"""Typed, frozen models of the HomeSmartlink partner API, parsed tolerantly from the wire.

The cloud is loose with its own schema: the payload key is `reponse` on some calls and `response` on
others, `pv` is a string, fields vanish while a device is offline, and categories or modes may grow.
Every wire name is read here and nowhere else; a field of the wrong type becomes None instead of an
exception, and one malformed device is skipped without losing the rest of the home.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
import math
from typing import Any, Self

from .exceptions import HomeSmartlinkResponseError

MINUTES_PER_DAY = 24 * 60


# --- tolerant scalar readers -------------------------------------------------------------------


def _as_str(value: Any) -> str | None:
    """Return a string, or None for anything else."""
    return value if isinstance(value, str) else None


def _as_int(value: Any) -> int | None:
    """Return an int from an int, an integral float or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_float(value: Any) -> float | None:
    """Return a finite float from a number or a numeric string (comma decimals too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _as_bool(value: Any, default: bool = False) -> bool:
    """Return a bool; anything that is not one gives the default."""
    return value if isinstance(value, bool) else default


def _as_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 string or epoch milliseconds into an aware datetime (UTC when naive)."""
    parsed: datetime
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = f"{text[:-1]}+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _as_mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def payload(body: Mapping[str, Any]) -> Any:
    """Return the payload of an answer, spelled `response` or `reponse` (sic)."""
    if "response" in body:
        return body["response"]
    if "reponse" in body:
        return body["reponse"]
    raise HomeSmartlinkResponseError("Answer carries no response payload")


def _payload_list(body: Mapping[str, Any]) -> list[Any]:
    value = payload(body)
    if not isinstance(value, list):
        raise HomeSmartlinkResponseError("Response payload is not a list")
    return value


def _payload_mapping(body: Mapping[str, Any]) -> Mapping[str, Any]:
    value = payload(body)
    if not isinstance(value, Mapping):
        raise HomeSmartlinkResponseError("Response payload is not an object")
    return value


# --- enumerations ------------------------------------------------------------------------------


class DeviceCategory(StrEnum):
    """What a device is; `UNKNOWN` stands for a category this client does not know yet."""

    NONE = "None"
    HEATER = "Heater"
    TOWEL_DRYER = "TowelDryier"  # sic: the wire spelling
    FIREPLACE = "Fireplace"
    GATEWAY = "Gateway"
    MODULE = "Module"
    FURNACE = "Furnace"
    UNKNOWN = "unknown"

    @classmethod
    def from_wire(cls, value: Any) -> DeviceCategory:
        """Map a wire value, keeping unknown ones as UNKNOWN."""
        try:
            return cls(value) if isinstance(value, str) and value != "unknown" else cls.UNKNOWN
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_heater(self) -> bool:
        """Whether the device heats a room and has a setpoint."""
        return self in HEATER_CATEGORIES

    @property
    def has_own_device(self) -> bool:
        """Whether a listed device is a device of its own (the gateway is the home's hub)."""
        return self is not DeviceCategory.GATEWAY


HEATER_CATEGORIES = frozenset(
    {
        DeviceCategory.HEATER,
        DeviceCategory.TOWEL_DRYER,
        DeviceCategory.FIREPLACE,
        DeviceCategory.FURNACE,
    }
)


class DeviceMode(StrEnum):
    """The operating mode a heater reports; `UNKNOWN` for a mode this client does not know."""

    STOP = "Stop"
    ANTIFREEZE = "Antifreeze"
    MANUAL = "Manual"
    PROG = "Prog"
    UNKNOWN = "unknown"

    @classmethod
    def from_wire(cls, value: Any) -> DeviceMode | None:
        """Map a wire value; None when absent (offline), UNKNOWN when not understood."""
        if value is None:
            return None
        try:
            return cls(value) if isinstance(value, str) and value != "unknown" else cls.UNKNOWN
        except ValueError:
            return cls.UNKNOWN


# --- week schedule -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComfortRange:
    """A comfort period of one day, in minutes since local midnight: [start, end)."""

    start: int
    end: int


def _normalise_day(ranges: Sequence[ComfortRange]) -> tuple[ComfortRange, ...]:
    """Sort ranges and merge the ones that overlap or touch."""
    merged: list[ComfortRange] = []
    for current in sorted(ranges, key=lambda item: (item.start, item.end)):
        if merged and current.start <= merged[-1].end:
            if current.end > merged[-1].end:
                merged[-1] = ComfortRange(merged[-1].start, current.end)
            continue
        merged.append(current)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class WeekSchedule:
    """Seven days of comfort ranges, Monday first, in the home's local time."""

    days: tuple[tuple[ComfortRange, ...], ...]

    @classmethod
    def from_wire(cls, value: Any) -> WeekSchedule | None:
        """Parse `weekSchedule`; None unless it is a list of seven lists.

        Ranges outside 0..1440 are clipped; empty or reversed ranges are dropped. Heaters of a
        home mostly share a few schedules, so well-formed ones are parsed once and shared.
        """
        if not isinstance(value, list) or len(value) != 7:
            return None
        # Only plain integers make the cache key: True == 1 must not share an entry with 1.
        key: list[tuple[tuple[int, int], ...]] = []
        for day in value:
            if type(day) is not list:
                return cls._parse(value)
            ranges: list[tuple[int, int]] = []
            for item in day:
                start = item.get("start") if type(item) is dict else None
                end = item.get("end") if type(item) is dict else None
                if type(start) is not int or type(end) is not int:
                    return cls._parse(value)
                ranges.append((start, end))
            key.append(tuple(ranges))
        return _cached_schedule(tuple(key))

    @classmethod
    def _parse(cls, value: list[Any]) -> WeekSchedule:
        days: list[tuple[ComfortRange, ...]] = []
        for day in value:
            ranges: list[ComfortRange] = []
            for item in _as_list(day):
                raw = _as_mapping(item)
                if raw is None:
                    continue
                start, end = _as_int(raw.get("start")), _as_int(raw.get("end"))
                if start is None or end is None:
                    continue
                start = min(max(start, 0), MINUTES_PER_DAY)
                end = min(max(end, 0), MINUTES_PER_DAY)
                if end > start:
                    ranges.append(ComfortRange(start, end))
            days.append(_normalise_day(ranges))
        return cls(tuple(days))

    def ranges_on(self, weekday: int) -> tuple[ComfortRange, ...]:
        """Comfort ranges of a weekday (0 = Monday)."""
        return self.days[weekday % 7]

    def in_comfort(self, moment: datetime) -> bool:
        """Whether the schedule asks for comfort at this local moment."""
        minute = moment.hour * 60 + moment.minute
        return any(r.start <= minute < r.end for r in self.ranges_on(moment.weekday()))

    def next_change(self, moment: datetime) -> datetime | None:
        """The first moment after `moment` where comfort starts or stops; None if never.

        `moment` must be aware and in the home's time zone; boundaries that only join two days
        (a range ending at midnight followed by one starting at midnight) are not changes.
        """
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(8):
            day_start = midnight + timedelta(days=offset)
            boundaries = sorted(
                {
                    minute
                    for comfort in self.ranges_on(day_start.weekday())
                    for minute in (comfort.start, comfort.end)
                }
            )
            for minute in boundaries:
                candidate = day_start + timedelta(minutes=minute)
                if candidate <= moment:
                    continue
                before = candidate - timedelta(minutes=1)
                if self.in_comfort(candidate) != self.in_comfort(before):
                    return candidate
        return None


@lru_cache(maxsize=256)
def _cached_schedule(key: tuple[tuple[tuple[Any, Any], ...], ...]) -> WeekSchedule:
    """A schedule parsed once per distinct wire content (the key holds it, hashable)."""
    return WeekSchedule._parse([[{"start": s, "end": e} for s, e in day] for day in key])


# --- home configuration ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Device:
    """One device of a home, as the config call reports it."""

    id: str
    room_id: int | None
    room_name: str | None
    software_version: int | None
    category: DeviceCategory
    online: bool
    mode: DeviceMode | None = None
    setpoint: float | None = None
    current_temperature: float | None = None
    last_update: datetime | None = None
    week_schedule: WeekSchedule | None = None

    @classmethod
    def from_wire(cls, value: Any) -> Device | None:
        """Parse a DeviceDTO; None when it has no usable `header` (device id)."""
        raw = _as_mapping(value)
        if raw is None:
            return None
        device_id = raw.get("header")
        if isinstance(device_id, int) and not isinstance(device_id, bool):
            device_id = str(device_id)
        if not isinstance(device_id, str) or not device_id.strip():
            return None
        online = _as_bool(raw.get("online"))
        return cls(
            id=device_id,
            room_id=_as_int(raw.get("roomId")),
            room_name=_as_str(raw.get("roomName")),
            software_version=_as_int(raw.get("softwareVersion")),
            category=DeviceCategory.from_wire(raw.get("category")),
            online=online,
            mode=DeviceMode.from_wire(raw.get("mode")),
            setpoint=_as_float(raw.get("sp")),
            current_temperature=_as_float(raw.get("pv")),
            last_update=_as_datetime(raw.get("lastUpdate")),
            week_schedule=WeekSchedule.from_wire(raw.get("weekSchedule")),
        )


@dataclass(frozen=True, slots=True)
class Gateway:
    """The home's gateway; every field is optional on the wire."""

    token: str | None = field(default=None, repr=False)
    version: str | None = None
    last_ping: datetime | None = None

    @classmethod
    def from_wire(cls, value: Any) -> Gateway | None:
        """Parse a GatewayResponseDTO; None when absent or not an object."""
        raw = _as_mapping(value)
        if raw is None:
            return None
        version = raw.get("version")
        if isinstance(version, int | float) and not isinstance(version, bool):
            version = str(version)
        return cls(
            token=_as_str(raw.get("token")),
            version=_as_str(version),
            last_ping=_as_datetime(raw.get("lastPing")),
        )


@dataclass(frozen=True, slots=True)
class HomeConfig:
    """What `POST /partners/1/config` says of one home: its devices and its gateway."""

    devices: tuple[Device, ...]
    gateway: Gateway | None
    skipped_devices: int = 0
    # Devices by id, built once: entities look their device up on every update.
    by_id: Mapping[str, Device] = field(
        init=False, default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        """Index the devices by id."""
        object.__setattr__(self, "by_id", {device.id: device for device in self.devices})

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Self:
        """Parse the whole answer; malformed devices are counted and skipped."""
        items = _payload_list(body)
        devices: list[Device] = []
        seen: set[str] = set()
        skipped = 0
        for item in items:
            device = Device.from_wire(item)
            if device is None or device.id in seen:
                skipped += 1
                continue
            seen.add(device.id)
            devices.append(device)
        return cls(
            devices=tuple(devices),
            gateway=Gateway.from_wire(body.get("gateway")),
            skipped_devices=skipped,
        )

    @property
    def heaters(self) -> tuple[Device, ...]:
        """The devices that heat a room."""
        return tuple(device for device in self.devices if device.category.is_heater)

    def device(self, device_id: str) -> Device | None:
        """The device with this id, if the home still has it."""
        return self.by_id.get(device_id)


# --- users ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    """A partner's user and home (UserDTO). Everything but the home id is personal data."""

    home_id: str
    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)
    address: str | None = field(default=None, repr=False)
    zip_code: str | None = field(default=None, repr=False)
    city: str | None = field(default=None, repr=False)
    prm_id: str | None = field(default=None, repr=False)
    consent_date: datetime | None = None
    email: str | None = field(default=None, repr=False)

    @classmethod
    def list_from_wire(cls, body: Mapping[str, Any]) -> list[User]:
        """Parse one page of users; entries without a home id are skipped."""
        result: list[User] = []
        for item in _payload_list(body):
            raw = _as_mapping(item)
            if raw is None or not isinstance(home_id := raw.get("homeId"), str) or not home_id:
                continue
            result.append(
                cls(
                    home_id=home_id,
                    first_name=_as_str(raw.get("firstName")),
                    last_name=_as_str(raw.get("lastName")),
                    address=_as_str(raw.get("address")),
                    zip_code=_as_str(raw.get("zipCode")),
                    city=_as_str(raw.get("city")),
                    prm_id=_as_str(raw.get("prmId")),
                    consent_date=_as_datetime(raw.get("consentDate")),
                    email=_as_str(raw.get("email")),
                )
            )
        return result


# --- derogations and their delivery reports ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Derogation:
    """A setpoint shift of every heater of one room, over [start, end) minutes of one date."""

    home_id: str
    room_id: int
    start_time: int
    end_time: int
    delta: int
    date: date

    def to_wire(self) -> dict[str, Any]:
        """The DerogationDTO of this derogation."""
        return {
            "homeId": self.home_id,
            "roomId": self.room_id,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "delta": self.delta,
            "date": self.date.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class DerogationResult:
    """The answer to a derogation request: messages and the two trigger ids."""

    messages: tuple[str, ...]
    start_trigger: str | None
    end_trigger: str | None

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Self:
        """Parse the derogations answer."""
        messages = payload(body) if ("response" in body or "reponse" in body) else []
        return cls(
            messages=tuple(str(item) for item in _as_list(messages)),
            start_trigger=_as_str(body.get("startTrigger")),
            end_trigger=_as_str(body.get("endTrigger")),
        )

    @property
    def confirmed(self) -> bool:
        """Whether this is the documented success: both triggers given."""
        return bool(self.start_trigger and self.end_trigger)


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """How many homes a trigger targeted, reached, and had confirmed."""

    requested: int | None
    sent: int | None
    received: int | None
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True, slots=True)
class ReportDetail:
    """Delivery of a trigger's message to one home."""

    acknowledge: bool | None
    home_id: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Report:
    """Delivery report of a trigger (`POST /partners/1/report`)."""

    summary: ReportSummary
    details: tuple[ReportDetail, ...]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Self:
        """Parse the report answer."""
        raw = _payload_mapping(body)
        summary = _as_mapping(raw.get("summary")) or {}
        details: list[ReportDetail] = []
        for item in _as_list(raw.get("details")):
            detail = _as_mapping(item)
            if detail is None:
                continue
            acknowledge = detail.get("acknowledge")
            details.append(
                ReportDetail(
                    acknowledge=acknowledge if isinstance(acknowledge, bool) else None,
                    home_id=_as_str(detail.get("homeId")),
                    sent_at=_as_datetime(detail.get("sendAt")),
                )
            )
        return cls(
            summary=ReportSummary(
                requested=_as_int(summary.get("requested")),
                sent=_as_int(summary.get("sent")),
                received=_as_int(summary.get("received")),
                first=_as_datetime(summary.get("first")),
                last=_as_datetime(summary.get("last")),
            ),
            details=tuple(details),
        )


# --- diagnosis ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiagnosisRequest:
    """The answer to a diagnosis request: whether the home took it, and the message id."""

    status: str | None
    message_id: str | None

    @property
    def accepted(self) -> bool:
        """Whether the cloud accepted the request (status OK with a message id)."""
        return self.status == "OK" and bool(self.message_id)

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Self:
        """Parse the diagnosis request answer."""
        raw = _payload_mapping(body)
        message_id = raw.get("messageId")
        if isinstance(message_id, int) and not isinstance(message_id, bool):
            message_id = str(message_id)
        return cls(status=_as_str(raw.get("status")), message_id=_as_str(message_id))


@dataclass(frozen=True, slots=True)
class DiagnosisResult:
    """A diagnosis result; `details` keeps every field the cloud sent, as sent."""

    created_at: datetime | None
    acknowledge: bool | None
    details: Mapping[str, Any] = field(hash=False)

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Self:
        """Parse the diagnosis result answer."""
        raw = _payload_mapping(body)
        acknowledge = raw.get("acknowledge")
        return cls(
            created_at=_as_datetime(raw.get("_created_at")),
            acknowledge=acknowledge if isinstance(acknowledge, bool) else None,
            details=dict(raw),
        )
