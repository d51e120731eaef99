"""The derogations this integration placed, persisted per home with Home Assistant's Store.

The partner API cannot read derogations back or cancel them, so we remember ours: to show them
(attributes, preset, calendar), to end them (a 0 °C shift over the rest), and to compute the next
delta against the schedule rather than against a setpoint our own derogation already shifted.

In the cloud the latest placed derogation of a room wins where windows overlap; `pieces` is that
view: a replaced change ends where its replacement starts, and a 0 °C shift is no change at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY = 1
# Past derogations stay visible in the calendar for a week.
KEEP_AFTER_END = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PlacedDerogation:
    """A derogation the cloud accepted from us.

    `base_setpoint` is the scheduled setpoint the delta was computed against, when it came from a
    wanted temperature; windows placed from a temperature end at the next schedule change, so the
    base holds for the whole window.
    """

    home_id: str
    room_id: int
    day: date
    start: int
    end: int
    delta: int
    base_setpoint: float | None
    start_trigger: str | None
    end_trigger: str | None
    placed_at: datetime
    # The call that placed it (one override may be many windows), and the preset it stands for.
    batch: str | None = None
    preset: str | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """Start and end as aware datetimes in Home Assistant's time zone."""
        midnight = datetime.combine(self.day, time(0), tzinfo=dt_util.get_default_time_zone())
        return midnight + timedelta(minutes=self.start), midnight + timedelta(minutes=self.end)

    def active_at(self, moment: datetime) -> bool:
        """Whether the derogation is in force at this moment."""
        start, end = self.bounds()
        return start <= moment < end

    def as_json(self) -> dict[str, Any]:
        """JSON form for the store."""
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["placed_at"] = self.placed_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlacedDerogation | None:
        """Read a stored record; None when it is not one of ours (a damaged file loses nothing)."""
        try:
            return cls(
                home_id=str(data["home_id"]),
                room_id=int(data["room_id"]),
                day=date.fromisoformat(data["day"]),
                start=int(data["start"]),
                end=int(data["end"]),
                delta=int(data["delta"]),
                base_setpoint=(
                    float(data["base_setpoint"]) if data.get("base_setpoint") is not None else None
                ),
                start_trigger=data.get("start_trigger"),
                end_trigger=data.get("end_trigger"),
                placed_at=datetime.fromisoformat(data["placed_at"]),
                batch=_optional_text(data.get("batch")),
                preset=_optional_text(data.get("preset")),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _cut(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """What is left of [a, b) spans once [start, end) is taken out."""
    left: list[tuple[int, int]] = []
    for first, last in spans:
        if end <= first or last <= start:
            left.append((first, last))
            continue
        if first < start:
            left.append((first, start))
        if end < last:
            left.append((end, last))
    return left


def signal_derogations(home_key: str) -> str:
    """The dispatcher signal sent when a home's remembered derogations change."""
    return f"{DOMAIN}_derogations_{home_key}"


class DerogationStore:
    """The derogations placed for one home (a subentry; its id keys the file)."""

    def __init__(self, hass: HomeAssistant, home_key: str) -> None:
        """Bind the store to its file."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{home_key}.derogations"
        )
        self.signal = signal_derogations(home_key)
        self._items: list[PlacedDerogation] = []

    async def async_load(self) -> None:
        """Read what an earlier run placed."""
        data = await self._store.async_load() or {}
        items = data.get("derogations", []) if isinstance(data, dict) else []
        loaded = (PlacedDerogation.from_json(item) for item in items if isinstance(item, dict))
        self._items = [item for item in loaded if item is not None]

    async def async_remove(self) -> None:
        """Delete the file (the entry is being removed)."""
        await self._store.async_remove()

    @property
    def items(self) -> tuple[PlacedDerogation, ...]:
        """Every remembered derogation, oldest first."""
        return tuple(self._items)

    @callback
    def async_add(self, placed: list[PlacedDerogation]) -> None:
        """Remember newly placed derogations, forget long-ended ones, and save."""
        now = dt_util.now()
        self._items = [item for item in self._items if item.bounds()[1] + KEEP_AFTER_END > now]
        self._items.extend(placed)
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        async_dispatcher_send(self._hass, self.signal)

    def pieces(self, room_id: int | None) -> list[PlacedDerogation]:
        """Our changes of a room as the cloud holds them, oldest placed first.

        Each placement is cut where a later one of the same room and date overlaps it (the later
        wins there); what remains of a 0 °C shift is left out: it changes nothing.
        """
        mine = [item for item in self._items if item.room_id == room_id]
        pieces: list[PlacedDerogation] = []
        for index, item in enumerate(mine):
            spans = [(item.start, item.end)]
            for later in mine[index + 1 :]:
                if later.day == item.day:
                    spans = _cut(spans, later.start, later.end)
            if item.delta:
                pieces.extend(replace(item, start=first, end=last) for first, last in spans)
        return pieces

    def active(self, room_id: int | None, moment: datetime) -> PlacedDerogation | None:
        """Our change in force in a room at a moment, if any (see `pieces`)."""
        for piece in self.pieces(room_id):
            if piece.active_at(moment):
                return piece
        return None

    def already_placed(self, room_id: int, delta: int, day: date, start: int, end: int) -> bool:
        """Whether the cloud already holds this delta for the whole window, from us.

        The latest placement that overlaps the window is the one in force there; if it covers the
        window with the same delta, sending the same derogation again would change nothing.
        """
        latest: PlacedDerogation | None = None
        for item in self._items:
            if (
                item.room_id == room_id
                and item.day == day
                and item.start < end
                and start < item.end
            ):
                latest = item
        return (
            latest is not None
            and latest.delta == delta
            and latest.start <= start
            and latest.end >= end
        )

    def for_room(self, room_id: int | None) -> list[PlacedDerogation]:
        """Our changes of a room, as they hold (`pieces`)."""
        return self.pieces(room_id)

    def _data_to_save(self) -> dict[str, Any]:
        return {"derogations": [item.as_json() for item in self._items]}
