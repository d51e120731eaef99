"""The ledger of one home: every derogation we asked of the cloud, and what became of it.

The partner API cannot read derogations back or cancel them, so this record is the only place a
partner learns what the heaters were told. It is written ahead: what a request asks is saved, and
the save awaited, before the request leaves; its outcome is saved after the answer. A record is
*pending* (saved, not answered: after a crash, it may have reached the cloud), *placed* (the
documented success, with its triggers), *refused* (the cloud said no: nothing applied),
*uncertain* (a timeout, a lost connection, a 5xx, a 200 without triggers: it may be applied), or,
once the heaters settled it, *not_placed*.

In the cloud the latest derogation of a room wins where windows overlap; `pieces` is that view
over every record that may be in force (pending, placed, uncertain): a replaced change ends where
its replacement starts, and a 0 °C shift is no change at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, LOGGER
from .durable import Damage, async_load_object
from .plan import MAX_DELTA, MIN_DELTA, DerogationPlanError, Window, check_window
from .stored import instant, integer, optional_text, text
from .timeline import wall_instant

STORAGE_VERSION = 1
# Past derogations stay visible in the calendar for a week.
KEEP_AFTER_END = timedelta(days=7)


class Outcome(StrEnum):
    """What became of a derogation we asked for."""

    PENDING = "pending"
    PLACED = "placed"
    REFUSED = "refused"
    UNCERTAIN = "uncertain"
    NOT_PLACED = "not_placed"


# Records that may be in force in the cloud.
MAY_HOLD = frozenset({Outcome.PENDING, Outcome.PLACED, Outcome.UNCERTAIN})
# Records whose outcome the polls still have to settle.
UNSETTLED = frozenset({Outcome.PENDING, Outcome.UNCERTAIN})


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """A derogation we asked for one room over one window, and its outcome.

    `base_setpoint` is the scheduled setpoint the delta was computed against, when it came from a
    wanted temperature. `source` says who asked (action, preset, calendar, bridge, campaign,
    restore). `zone` is the homes' time zone its wall-clock window is read in (not stored).
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
    outcome: Outcome = Outcome.PLACED
    source: str | None = None
    # The call this one ended (resume, cancel, a calendar event deleted): what it ended is no
    # longer beneath anything over its window.
    ends: str | None = None
    zone: tzinfo = field(default=UTC, compare=False, repr=False)

    @property
    def window(self) -> Window:
        """Its window on the homes' clock."""
        return Window(self.day, self.start, self.end)

    def bounds(self) -> tuple[datetime, datetime]:
        """The real instants (UTC) the gateway starts and ends it (`timeline` rules)."""
        return (
            wall_instant(self.day, self.start, self.zone),
            wall_instant(self.day, self.end, self.zone),
        )

    def active_at(self, moment: datetime) -> bool:
        """Whether the derogation is in force at this moment."""
        start, end = self.bounds()
        return start <= moment < end

    def as_json(self) -> dict[str, Any]:
        """JSON form for the store."""
        data = asdict(self)
        del data["zone"]
        data["day"] = self.day.isoformat()
        data["placed_at"] = self.placed_at.isoformat()
        data["outcome"] = self.outcome.value
        return data

    @classmethod
    def from_json(cls, data: Any, zone: tzinfo) -> LedgerRecord | None:
        """A stored record, checked against the API's range; None when it is not one."""
        try:
            record = cls(
                home_id=text(data["home_id"]),
                room_id=integer(data["room_id"]),
                day=date.fromisoformat(data["day"]),
                start=integer(data["start"]),
                end=integer(data["end"]),
                delta=integer(data["delta"]),
                base_setpoint=_setpoint(data.get("base_setpoint")),
                start_trigger=optional_text(data.get("start_trigger")),
                end_trigger=optional_text(data.get("end_trigger")),
                placed_at=instant(data["placed_at"]),
                batch=optional_text(data.get("batch")),
                preset=optional_text(data.get("preset")),
                outcome=Outcome(data.get("outcome", Outcome.PLACED)),
                source=optional_text(data.get("source")),
                ends=optional_text(data.get("ends")),
                zone=zone,
            )
            check_window(record.window)
        except (KeyError, TypeError, ValueError, DerogationPlanError):
            return None
        return record if MIN_DELTA <= record.delta <= MAX_DELTA else None


def _setpoint(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 50:
        raise ValueError
    return float(value)


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


def _cut_by_later(
    records: list[LedgerRecord], cuts: Callable[[LedgerRecord, LedgerRecord], bool]
) -> list[LedgerRecord]:
    """Each record (oldest asked first) less what later records of its date cover.

    Only the later records that `cuts(record, later)` accepts take their window out.
    """
    kept: list[LedgerRecord] = []
    for index, item in enumerate(records):
        spans = [(item.start, item.end)]
        for later in records[index + 1 :]:
            if later.day == item.day and cuts(item, later):
                spans = _cut(spans, later.start, later.end)
        kept.extend(replace(item, start=first, end=last) for first, last in spans)
    return kept


def without_ended(records: list[LedgerRecord]) -> list[LedgerRecord]:
    """The records, each cut where a later record ended its call (oldest asked first)."""
    return _cut_by_later(
        records, lambda item, later: item.batch is not None and later.ends == item.batch
    )


def signal_derogations(home_key: str) -> str:
    """The dispatcher signal sent when a home's ledger changes."""
    return f"{DOMAIN}_derogations_{home_key}"


def layered(records: Iterable[LedgerRecord]) -> list[LedgerRecord]:
    """Records of one room as the cloud may hold them, latest winning.

    A placed 0 °C shift is no change and is left out; an unconfirmed one stays: it may have
    ended what it covers, or not, and is shown as such until the heaters tell.
    """
    mine = [item for item in records if item.outcome in MAY_HOLD]
    return [
        piece
        for piece in _cut_by_later(mine, lambda _item, _later: True)
        if piece.delta or piece.outcome in UNSETTLED
    ]


class Ledger:
    """The ledger of one home (a subentry; its id keys the file)."""

    def __init__(self, hass: HomeAssistant, home_key: str, zone: tzinfo) -> None:
        """Bind the ledger to its file and to the homes' time zone."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{home_key}.derogations"
        )
        self.signal = signal_derogations(home_key)
        self.zone = zone
        self._items: list[LedgerRecord] = []
        self._pieces: dict[int | None, tuple[LedgerRecord, ...]] = {}
        # Records dropped at load (damaged), and a file that could not be read at all.
        self.dropped = 0
        self.damage: Damage | None = None

    async def async_load(self) -> None:
        """Read what earlier runs asked; a bad record is dropped alone, a bad file loads empty."""
        data, self.damage = await async_load_object(self._hass, self._store)
        items = data.get("derogations", [])
        items = items if isinstance(items, list) else []
        loaded = [LedgerRecord.from_json(item, self.zone) for item in items]
        self._items = [item for item in loaded if item is not None]
        self.dropped = len(loaded) - len(self._items)
        if self.dropped:
            LOGGER.warning("Dropped %s damaged derogation records of a home", self.dropped)
        # A request that was saved but never answered may have reached the cloud.
        self._items = [
            replace(item, outcome=Outcome.UNCERTAIN) if item.outcome is Outcome.PENDING else item
            for item in self._items
        ]
        self._pieces.clear()

    async def async_remove(self) -> None:
        """Delete the file (the home is being removed)."""
        await self._store.async_remove()

    @property
    def items(self) -> tuple[LedgerRecord, ...]:
        """Every remembered derogation, oldest first."""
        return tuple(self._items)

    async def async_record(self, asked: list[LedgerRecord]) -> None:
        """Write ahead: what is about to be asked, saved before it is sent (the save awaited)."""
        now = datetime.now(UTC)
        self._items = [item for item in self._items if item.bounds()[1] + KEEP_AFTER_END > now]
        self._items.extend(asked)
        self._pieces.clear()
        # No signal yet: the entities show the call once it is answered (one state write per
        # entity per call), or as uncertain if the answer never comes.
        await self._store.async_save(self._data_to_save())

    async def async_settle(self, outcomes: dict[LedgerRecord, LedgerRecord]) -> None:
        """Replace records by their settled versions (an answer, or what the heaters showed)."""
        if not outcomes:
            return
        self._items = [outcomes.get(item, item) for item in self._items]
        self._pieces.clear()
        await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(self._data_to_save())
        async_dispatcher_send(self._hass, self.signal)

    def records(self, room_id: int | None) -> list[LedgerRecord]:
        """Every record of a room, oldest asked first."""
        return [item for item in self._items if item.room_id == room_id]

    def pieces(self, room_id: int | None) -> list[LedgerRecord]:
        """Our changes of a room as the cloud may hold them (`layered`), oldest first.

        Worked out once per room until the ledger changes: every poll and state write reads it.
        """
        if (cached := self._pieces.get(room_id)) is None:
            cached = self._pieces[room_id] = tuple(layered(self.records(room_id)))
        return list(cached)

    def active(self, room_id: int | None, moment: datetime) -> LedgerRecord | None:
        """Our change in force in a room at a moment, if any (see `pieces`)."""
        for piece in self.pieces(room_id):
            if piece.active_at(moment):
                return piece
        return None

    def run_end(self, piece: LedgerRecord) -> datetime:
        """The real end of the whole change a piece belongs to (its call's pieces that follow on).

        A 14-day override is many windows, one per date: its end is the last one's.
        """
        end = piece.bounds()[1]
        if piece.batch is None:
            return end
        spans = sorted(p.bounds() for p in self.pieces(piece.room_id) if p.batch == piece.batch)
        for first, last in spans:
            if first <= end < last:
                end = last
        return end

    def already_asked(self, room_id: int, delta: int, window: Window) -> Outcome | None:
        """The outcome of our latest request holding this delta over the whole window, if any.

        The latest record that may hold over the window is the one in force there; if it covers
        the window with the same delta, sending it again would change nothing (placed) or might
        stack a second trigger (pending, uncertain).
        """
        latest: LedgerRecord | None = None
        for item in self.records(room_id):
            if (
                item.outcome in MAY_HOLD
                and item.day == window.day
                and item.start < window.end
                and window.start < item.end
            ):
                latest = item
        if (
            latest is not None
            and latest.delta == delta
            and latest.start <= window.start
            and latest.end >= window.end
        ):
            return latest.outcome
        return None

    def for_room(self, room_id: int | None) -> list[LedgerRecord]:
        """Our changes of a room, as they may hold (`pieces`)."""
        return self.pieces(room_id)

    @callback
    def unsettled(self) -> list[LedgerRecord]:
        """Records whose outcome the heaters still have to tell."""
        return [item for item in self._items if item.outcome in UNSETTLED]

    def _data_to_save(self) -> dict[str, Any]:
        return {"derogations": [item.as_json() for item in self._items]}
