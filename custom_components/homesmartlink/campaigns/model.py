"""A demand-response campaign: its phases, its rooms, and what became of it. No Home Assistant.

A campaign shifts every targeted room by a delta over a shed window, optionally warmed before
(pre-conditioning) and eased after (recovery). What it knows is kept here as plain data: the
triggers the cloud answered and each home's delivery, and per phase each room's verification
against what the heaters report (`verify_room`). `campaigns.py` runs it in Home Assistant.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise
from typing import Any

from ..writes.plan import MAX_SPAN, STEP_MINUTES, DerogationPlanError, PlanProblem
from ..writes.stored import instant, text

MAX_CAMPAIGN_DELTA = 5


class Phase(StrEnum):
    """The phases of a campaign, in order."""

    PREHEAT = "preheat"
    SHED = "shed"
    RECOVERY = "recovery"


class CampaignState(StrEnum):
    """Where a campaign is (the sensor's state)."""

    SCHEDULED = "scheduled"
    PREHEAT = "preheat"
    SHED = "shed"
    RECOVERY = "recovery"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class RoomStatus(StrEnum):
    """A room in a phase: not yet at the shifted setpoint, at it, or left it."""

    NOT_YET = "not_yet"
    VERIFIED = "verified"
    OPTED_OUT = "opted_out"
    # A later change of ours (an override, a preset, a calendar event) holds the room.
    OVERRIDDEN = "overridden"
    # Its heaters cannot take part (stopped, offline, no reading): said from the start.
    NOT_ELIGIBLE = "not_eligible"
    # Its shed was ended for it: too cold (the comfort floor), or its home stopped taking part.
    RELEASED = "released"


class ReleaseReason(StrEnum):
    """Why a room was released from a campaign."""

    COMFORT = "comfort"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Release:
    """A room released: when, why, and the reading that did it (comfort)."""

    at: datetime
    reason: ReleaseReason
    temperature: float | None = None


class Ineligible(StrEnum):
    """Why a room's heaters cannot take part in a campaign (the first heater's reason)."""

    STOPPED = "stopped"
    OFFLINE = "offline"
    NO_READING = "no_reading"


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One phase: [start, end) and the delta its rooms are shifted by."""

    phase: Phase
    start: datetime
    end: datetime
    delta: int

    def hours(self) -> float:
        """The phase's length in hours."""
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class CampaignRoom:
    """A targeted room of a home of the account."""

    subentry_id: str
    home_id: str
    room_id: int

    @property
    def key(self) -> str:
        """How the campaign's records name the room."""
        return f"{self.home_id}/{self.room_id}"


def _on_grid(moment: datetime) -> bool:
    return not (moment.second or moment.microsecond or moment.minute % STEP_MINUTES)


def _check_delta(value: int, name: str) -> int:
    if value == 0 or abs(value) > MAX_CAMPAIGN_DELTA:
        raise DerogationPlanError(PlanProblem.CAMPAIGN_DELTA, field=name, delta=str(value))
    return value


def plan_phases(
    start: datetime,
    end: datetime,
    delta: int,
    now: datetime,
    *,
    preheat: tuple[int, int] | None = None,
    recovery: tuple[int, int] | None = None,
) -> tuple[PhaseSpan, ...]:
    """The campaign's phases, or the reason the cloud cannot carry them (nothing is sent).

    `preheat` and `recovery` are (delta, minutes). Every bound is on the 5-minute grid, no
    phase starts in the past, and the whole campaign lasts at most 14 days. Phases are counted
    in real time: a preheat of 60 minutes before a shed at 03:00 on a spring-forward night starts
    at 01:00.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    phases = [PhaseSpan(Phase.SHED, start, end, _check_delta(delta, "delta"))]
    if preheat is not None:
        before = start - timedelta(minutes=preheat[1])
        phases.insert(
            0, PhaseSpan(Phase.PREHEAT, before, start, _check_delta(preheat[0], "preheat_delta"))
        )
    if recovery is not None:
        after = end + timedelta(minutes=recovery[1])
        phases.append(
            PhaseSpan(Phase.RECOVERY, end, after, _check_delta(recovery[0], "recovery_delta"))
        )
    for span in phases:
        for moment in (span.start, span.end):
            if not _on_grid(moment):
                raise DerogationPlanError(PlanProblem.TIME_NOT_ALIGNED, time=moment.isoformat())
        if span.end <= span.start:
            raise DerogationPlanError(
                PlanProblem.END_NOT_AFTER_START,
                start=span.start.isoformat(),
                end=span.end.isoformat(),
            )
    floor = now - timedelta(
        minutes=now.minute % STEP_MINUTES, seconds=now.second, microseconds=now.microsecond
    )
    if phases[0].start < floor:
        raise DerogationPlanError(PlanProblem.START_IN_PAST, start=phases[0].start.isoformat())
    # Nothing we send ends more than 14 days after it is asked: what a lost record may still
    # hold in the cloud is bounded (`durable.py`).
    if phases[-1].end - floor > MAX_SPAN:
        raise DerogationPlanError(PlanProblem.SPAN_TOO_LONG, days=str(MAX_SPAN.days))
    return tuple(phases)


@dataclass
class Campaign:
    """One campaign of an account, as it is remembered (and persisted)."""

    id: str
    created: datetime
    phases: tuple[PhaseSpan, ...]
    rooms: tuple[CampaignRoom, ...]
    # Start trigger -> the homes its request named.
    triggers: dict[str, list[str]] = field(default_factory=dict)
    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    # Phase -> room key -> status; rooms that opted out stay so for the rest of the campaign.
    status: dict[str, dict[str, RoomStatus]] = field(default_factory=dict)
    cancelled: datetime | None = None
    delivery_settled: bool = False
    # Room key -> who placed the change of ours that holds it over the campaign.
    overridden: dict[str, str] = field(default_factory=dict)
    # Room key -> why it cannot take part (never sent, never judged, counted apart).
    ineligible: dict[str, Ineligible] = field(default_factory=dict)
    # Heater id -> (mode, setpoint) held before the campaign, for heaters off their schedule
    # (manual, antifreeze): the base their shift is judged against.
    bases: dict[str, tuple[str, float]] = field(default_factory=dict)
    # Phase -> heater id -> status (the room's is the sum of its heaters').
    heaters: dict[str, dict[str, RoomStatus]] = field(default_factory=dict)
    # Room key -> when its shift stopped counting (it opted out): the clock of its figures.
    stopped: dict[str, datetime] = field(default_factory=dict)
    # Room key -> its release; homes that did not take part (their switch was off at start).
    released: dict[str, Release] = field(default_factory=dict)
    declined: set[str] = field(default_factory=set)
    # Room key -> the real spans a later change of ours held it (its shift did not run then).
    held: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    # The OpenADR event it carries (its id and modification number), when a program sent it.
    openadr_event: tuple[str, int] | None = None

    @property
    def homes(self) -> list[str]:
        """The targeted homes, in a stable order."""
        return sorted({room.home_id for room in self.rooms})

    @property
    def start(self) -> datetime:
        """When its first phase starts."""
        return self.phases[0].start

    @property
    def end(self) -> datetime:
        """When its last phase ends (or when it was cancelled, if earlier)."""
        last = self.phases[-1].end
        return min(last, self.cancelled) if self.cancelled else last

    def phase_at(self, moment: datetime) -> PhaseSpan | None:
        """The phase running at a moment (none once cancelled)."""
        if self.cancelled is not None and moment >= self.cancelled:
            return None
        return next((p for p in self.phases if p.start <= moment < p.end), None)

    def state(self, moment: datetime) -> CampaignState:
        """Scheduled, in one of its phases, finished or cancelled."""
        if self.cancelled is not None and moment >= self.cancelled:
            return CampaignState.CANCELLED
        if moment < self.start:
            return CampaignState.SCHEDULED
        phase = self.phase_at(moment)
        return CampaignState(phase.phase.value) if phase else CampaignState.FINISHED

    @property
    def eligible(self) -> list[CampaignRoom]:
        """The rooms that take part (sent, judged, counted)."""
        return [
            room
            for room in self.rooms
            if room.key not in self.ineligible and room.home_id not in self.declined
        ]

    def running(self, subentry_id: str | None = None) -> list[CampaignRoom]:
        """The eligible rooms not released (still shed unless someone changed them).

        Of one home when `subentry_id` is given: a poll verifies its own home's rooms only.
        """
        return [
            room
            for room in self.rooms
            if (subentry_id is None or room.subentry_id == subentry_id)
            and room.home_id not in self.declined
            and room.key not in self.ineligible
            and room.key not in self.released
        ]

    def shedding(self, moment: datetime) -> int:
        """How many rooms its shed holds now: running, not opted out, not overridden."""
        phase = self.phase_at(moment)
        if phase is None or phase.phase is not Phase.SHED:
            return 0
        opted, _ = self.room_sets()
        now_status = self.status.get(phase.phase.value, {})
        return sum(
            1
            for room in self.running()
            if room.key not in opted and now_status.get(room.key) is not RoomStatus.OVERRIDDEN
        )

    def degree_hours_planned(self) -> float:
        """Σ |delta| x hours over its phases and eligible rooms (a figure, not an energy)."""
        return sum(abs(p.delta) * p.hours() for p in self.phases) * len(self.eligible)

    def degree_hours(self, moment: datetime) -> float:
        """What ran until `moment`: Σ |delta| x real hours each eligible room was shifted.

        A room's clock stops when the campaign is cancelled, the room opts out or is released,
        and pauses while a later change of ours holds it (*overridden*).
        """
        total = 0.0
        for room in self.eligible:
            release = self.released.get(room.key)
            until = min(
                moment,
                self.end,
                self.stopped.get(room.key, moment),
                release.at if release else moment,
            )
            held = self.held.get(room.key, ())
            for phase in self.phases:
                end = min(phase.end, until)
                seconds = (end - phase.start).total_seconds()
                seconds -= sum(_overlap(span, phase.start, end) for span in held)
                total += abs(phase.delta) * max(seconds, 0.0) / 3600
        return total

    def hold(self, key: str, span: tuple[datetime, datetime]) -> None:
        """Remember that a later change of ours holds a room over this real span."""
        spans = self.held.setdefault(key, [])
        if span not in spans:
            spans.append(span)

    def let_go(self, key: str, moment: datetime) -> None:
        """A room no longer held (the change was resumed early): its spans end at `moment`."""
        spans = self.held.get(key)
        if spans:
            self.held[key] = [(start, min(end, moment)) for start, end in spans]

    def _statuses(self, keys: Collection[str] | None) -> Iterator[tuple[str, RoomStatus]]:
        """(room, status) of every phase; of the rooms named only when `keys` is given."""
        for rooms in self.status.values():
            if keys is None:
                yield from rooms.items()
                continue
            for key in keys:
                if (status := rooms.get(key)) is not None:
                    yield key, status

    def rooms_with(self, status: RoomStatus, keys: Collection[str] | None = None) -> set[str]:
        """The rooms that had this status in some phase."""
        return {key for key, s in self._statuses(keys) if s is status}

    def room_sets(self, keys: Collection[str] | None = None) -> tuple[set[str], set[str]]:
        """The rooms that opted out, and those verified in some phase that did not."""
        opted: set[str] = set()
        verified: set[str] = set()
        for key, status in self._statuses(keys):
            if status is RoomStatus.OPTED_OUT:
                opted.add(key)
            elif status is RoomStatus.VERIFIED:
                verified.add(key)
        return opted, verified - opted

    def tally(self, keys: Collection[str] | None = None) -> tuple[int, int, int]:
        """Rooms opted out, overridden, verified: what a poll may change (cheap to compare).

        Of the rooms named only when `keys` is given: a home's poll changes its own rooms only.
        """
        opted, verified = self.room_sets(keys)
        overridden = self.rooms_with(RoomStatus.OVERRIDDEN, keys) - opted
        return len(opted), len(overridden), len(verified)

    def counts(self, moment: datetime | None = None) -> dict[str, Any]:
        """The figures users see: homes and rooms by what became of them; degree-hours.

        `degree_hours` is what ran until `moment` (now when not given), `degree_hours_planned`
        what the campaign asks of its eligible rooms.
        """
        opted, verified = self.room_sets()
        return {
            "homes_targeted": len(self.homes),
            "homes_sent": len(self.sent),
            "homes_acknowledged": len(self.acknowledged),
            "rooms_targeted": len(self.rooms),
            "homes_declined": len(self.declined),
            "rooms_not_eligible": len(self.ineligible),
            "rooms_released": len(self.released),
            "rooms_verified": len(verified),
            "rooms_opted_out": len(opted),
            "rooms_overridden": len(self.rooms_with(RoomStatus.OVERRIDDEN) - opted),
            "degree_hours": round(self.degree_hours(moment or datetime.now(UTC)), 2),
            "degree_hours_planned": round(self.degree_hours_planned(), 2),
        }

    def as_json(self) -> dict[str, Any]:
        """JSON form for the store."""
        return {
            "id": self.id,
            "created": self.created.isoformat(),
            "phases": [
                [p.phase.value, p.start.isoformat(), p.end.isoformat(), p.delta]
                for p in self.phases
            ],
            "rooms": [[r.subentry_id, r.home_id, r.room_id] for r in self.rooms],
            "triggers": self.triggers,
            "sent": sorted(self.sent),
            "acknowledged": sorted(self.acknowledged),
            "status": {
                phase: {k: s.value for k, s in rooms.items()}
                for phase, rooms in self.status.items()
            },
            "cancelled": self.cancelled.isoformat() if self.cancelled else None,
            "delivery_settled": self.delivery_settled,
            "overridden": self.overridden,
            "ineligible": {key: reason.value for key, reason in self.ineligible.items()},
            "bases": {device: [mode, sp] for device, (mode, sp) in self.bases.items()},
            "heaters": {
                phase: {d: s.value for d, s in statuses.items()}
                for phase, statuses in self.heaters.items()
            },
            "stopped": {key: moment.isoformat() for key, moment in self.stopped.items()},
            "released": {
                key: [r.at.isoformat(), r.reason.value, r.temperature]
                for key, r in self.released.items()
            },
            "declined": sorted(self.declined),
            "held": {
                key: [[start.isoformat(), end.isoformat()] for start, end in spans]
                for key, spans in self.held.items()
            },
            "openadr_event": list(self.openadr_event) if self.openadr_event else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> Campaign | None:
        """A stored campaign, checked; None when the record is not one (the others still load)."""
        try:
            campaign = cls(
                id=text(data["id"]),
                created=instant(data["created"]),
                phases=tuple(
                    PhaseSpan(Phase(p[0]), instant(p[1]), instant(p[2]), _delta(p[3]))
                    for p in data["phases"]
                ),
                rooms=tuple(CampaignRoom(text(r[0]), text(r[1]), int(r[2])) for r in data["rooms"]),
                triggers={str(k): [str(h) for h in v] for k, v in data.get("triggers", {}).items()},
                sent={str(h) for h in data.get("sent", [])},
                acknowledged={str(h) for h in data.get("acknowledged", [])},
                status={
                    str(phase): {str(k): RoomStatus(s) for k, s in rooms.items()}
                    for phase, rooms in data.get("status", {}).items()
                },
                cancelled=instant(data["cancelled"]) if data.get("cancelled") else None,
                delivery_settled=bool(data.get("delivery_settled", False)),
                overridden={str(k): str(v) for k, v in data.get("overridden", {}).items()},
                ineligible={str(k): Ineligible(v) for k, v in data.get("ineligible", {}).items()},
                bases={str(d): (text(v[0]), float(v[1])) for d, v in data.get("bases", {}).items()},
                heaters={
                    str(phase): {str(d): RoomStatus(s) for d, s in statuses.items()}
                    for phase, statuses in data.get("heaters", {}).items()
                },
                stopped={str(k): instant(v) for k, v in data.get("stopped", {}).items()},
                released={
                    str(k): Release(instant(v[0]), ReleaseReason(v[1]), _reading(v[2]))
                    for k, v in data.get("released", {}).items()
                },
                declined={str(h) for h in data.get("declined", [])},
                held={
                    str(k): [(instant(v[0]), instant(v[1])) for v in spans]
                    for k, spans in data.get("held", {}).items()
                },
                openadr_event=_program_event(data.get("openadr_event")),
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None
        return campaign if _well_formed(campaign.phases) and campaign.rooms else None


def _reading(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return float(value)


def _delta(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_CAMPAIGN_DELTA:
        raise ValueError
    return value


def _program_event(value: Any) -> tuple[str, int] | None:
    """A stored OpenADR event reference: [id, modification number], or nothing."""
    return None if value is None else (text(value[0]), int(value[1]))


def _overlap(span: tuple[datetime, datetime], start: datetime, end: datetime) -> float:
    """Seconds a span shares with [start, end) (0 when apart)."""
    return max((min(span[1], end) - max(span[0], start)).total_seconds(), 0.0)


def _well_formed(phases: tuple[PhaseSpan, ...]) -> bool:
    """Phases in order, each after the one before, within the API's longest span, one shed."""
    if [p.phase for p in phases].count(Phase.SHED) != 1:
        return False
    ordered = all(p.start < p.end for p in phases) and all(
        a.end <= b.start for a, b in pairwise(phases)
    )
    return ordered and phases[-1].end - phases[0].start <= MAX_SPAN


def verify_room(
    previous: RoomStatus | None,
    heaters: list[tuple[float | None, float | None]],
    in_step: bool,
) -> RoomStatus:
    """A room's status at a poll of a phase.

    `heaters`: for each heater of the room, (the setpoint it reports, its scheduled setpoint plus
    the phase's delta; None when not known yet); `in_step`: every heater online and on its
    schedule. A room that was verified and leaves that value, or whose heater leaves its schedule
    or goes offline, opted out (a household changed it); one that opted out stays so.
    """
    if previous is RoomStatus.OPTED_OUT:
        return previous
    at_value = (
        in_step
        and bool(heaters)
        and all(expected is not None and sp == expected for sp, expected in heaters)
    )
    if at_value:
        return RoomStatus.VERIFIED
    return RoomStatus.OPTED_OUT if previous is RoomStatus.VERIFIED else RoomStatus.NOT_YET


@dataclass(frozen=True, slots=True)
class CampaignNames:
    """Names to show in an answer (never stored, never in diagnostics): homes, rooms, heaters."""

    homes: Mapping[str, str] = field(default_factory=dict)
    rooms: Mapping[str, str] = field(default_factory=dict)  # by room key
    heaters: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)  # key -> (id, name)


def _room_data(
    campaign: Campaign, room: CampaignRoom, outcomes: Mapping[str, str], names: CampaignNames
) -> dict[str, Any]:
    """A room's status in each phase, what became of its requests, and who overrode it."""
    data: dict[str, Any] = {"room_id": room.room_id}
    if room.key in names.rooms:
        data["room"] = names.rooms[room.key]
    if room.key in campaign.ineligible:
        data["not_eligible"] = campaign.ineligible[room.key].value
    if room.home_id in campaign.declined:
        data["declined"] = True
    if (release := campaign.released.get(room.key)) is not None:
        data["released"] = {
            "at": release.at.isoformat(),
            "reason": release.reason.value,
            "temperature": release.temperature,
        }
    if room.key in outcomes:
        data["outcome"] = outcomes[room.key]
    if room.key in campaign.overridden:
        data["overridden_by"] = campaign.overridden[room.key]
    data.update(
        {
            phase: statuses[room.key].value
            for phase, statuses in campaign.status.items()
            if room.key in statuses
        }
    )
    if heaters := names.heaters.get(room.key):
        data["heaters"] = [
            {
                "device_id": device_id,
                "name": name,
                **{
                    phase: statuses[device_id].value
                    for phase, statuses in campaign.heaters.items()
                    if device_id in statuses
                },
            }
            for device_id, name in heaters
        ]
    return data


def _homes_data(
    campaign: Campaign, outcomes: Mapping[str, str], names: CampaignNames
) -> list[dict[str, Any]]:
    """Per home: its delivery, its rooms, and their figures."""
    per_home: dict[str, dict[str, Any]] = {
        home_id: {
            "home_id": home_id,
            **({"home": names.homes[home_id]} if home_id in names.homes else {}),
            "sent": home_id in campaign.sent,
            "acknowledged": home_id in campaign.acknowledged,
            "rooms": [],
        }
        for home_id in campaign.homes
    }
    opted, verified = campaign.room_sets()
    for home in per_home.values():
        keys = {room.key for room in campaign.rooms if room.home_id == home["home_id"]}
        home["rooms_verified"] = len(keys & verified)
        home["rooms_opted_out"] = len(keys & opted)
        home["rooms_not_eligible"] = len(keys & set(campaign.ineligible))
        home["rooms_released"] = len(keys & set(campaign.released))
        home["declined"] = home["home_id"] in campaign.declined
    for room in campaign.rooms:
        per_home[room.home_id]["rooms"].append(_room_data(campaign, room, outcomes, names))
    return list(per_home.values())


def campaign_data(
    campaign: Campaign,
    moment: datetime,
    zone: tzinfo,
    outcomes: Mapping[str, str] | None = None,
    names: CampaignNames | None = None,
) -> dict[str, Any]:
    """Everything about a campaign, as `get_campaign` answers: phases, figures, per home.

    Times are given on the homes' clock (with their offset); `outcomes` says, per room key, what
    became of its requests (placed, uncertain, refused, not_placed: the homes' ledgers); `names`
    are only given to the action's answer.
    """
    return {
        "campaign_id": campaign.id,
        "state": campaign.state(moment).value,
        "created": campaign.created.astimezone(zone).isoformat(),
        "cancelled": campaign.cancelled.astimezone(zone).isoformat()
        if campaign.cancelled
        else None,
        "phases": [
            {
                "phase": p.phase.value,
                "start": p.start.astimezone(zone).isoformat(),
                "end": p.end.astimezone(zone).isoformat(),
                "delta": p.delta,
            }
            for p in campaign.phases
        ],
        **campaign.counts(moment),
        "homes": _homes_data(campaign, outcomes or {}, names or CampaignNames()),
        **(
            {"openadr_event_id": campaign.openadr_event[0]}
            if campaign.openadr_event is not None
            else {}
        ),
    }
