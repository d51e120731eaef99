"""Demand-response campaigns run in Home Assistant: sent, followed, verified, told.

Start: every phase of every targeted room is sent at once through the write path, as the fewest
requests (one per distinct window for the account). Then, until it ends: each start trigger's
report is read a few times (delivery per home), every poll checks each targeted room against what
its heaters report (closed-loop verification, no extra cloud call), and each phase boundary is
told. A campaign that ends with homes that never acknowledged raises a repair issue. All of it is
in the account's `CampaignBook`, so a restart loses nothing and picks the following up again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_point_in_time
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now

from ..api import Device, DeviceMode, HomeSmartlinkError
from ..const import CONF_COMFORT_FLOOR, LOGGER
from ..coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from ..delivery import CHECK_DELAYS
from ..notices import async_raise_issue
from ..writes.learned import SETTLE, period_at
from ..writes.ledger import Outcome
from ..writes.outcomes import WindowOutcome, WriteError
from ..writes.overrides import batch_end_changes
from ..writes.plan import DerogationPlanError, PlanProblem, Room, window_from_span
from ..writes.send import Placement, RoomChange, async_send_changes
from .book import CampaignBook
from .model import (
    Campaign,
    CampaignRoom,
    CampaignState,
    Ineligible,
    Phase,
    PhaseSpan,
    ReleaseReason,
    RoomStatus,
    verify_room,
)
from .release import ReleaseGatherer, ToRelease, async_send_ends


@dataclass(frozen=True, slots=True)
class CampaignTarget:
    """A room to shed, in a loaded home of the account."""

    home: HomeSmartlinkHome
    room_id: int


def every_room(homes: Iterable[HomeSmartlinkHome]) -> list[CampaignTarget]:
    """Every room with a heater in these homes (a campaign over whole homes)."""
    return [
        CampaignTarget(home, room_id)
        for home in homes
        for room_id in sorted(
            {d.room_id for d in home.coordinator.data.heaters if d.room_id is not None}
        )
    ]


def _changes(
    targets: Sequence[CampaignTarget], phases: Sequence[PhaseSpan], now: datetime
) -> list[RoomChange]:
    """Each room over each phase still to come (from now, on the homes' clock)."""
    changes: list[RoomChange] = []
    for phase in phases:
        start = max(phase.start, now)
        if phase.end <= start or not targets:
            continue
        for window in window_from_span(start, phase.end, targets[0].home.zone):
            changes.extend(
                RoomChange(t.home, Room(t.home.home_id, t.room_id), window, phase.delta)
                for t in targets
            )
    return changes


async def async_start_campaign(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    targets: Sequence[CampaignTarget],
    phases: tuple[PhaseSpan, ...],
    openadr_event: tuple[str, int] | None = None,
) -> tuple[Campaign, list[WindowOutcome]]:
    """Send a campaign and start following it; a failed request is raised after it is kept.

    The campaign is saved whole (awaited) before its first request leaves, and its requests are
    written ahead in the homes' ledgers: a crash at any moment leaves it known and cancellable.
    """
    now = dt_util.utcnow()
    rooms = tuple(
        dict.fromkeys(CampaignRoom(t.home.subentry_id, t.home.home_id, t.room_id) for t in targets)
    )
    campaign = Campaign(
        id=ulid_now(), created=now, phases=phases, rooms=rooms, openadr_event=openadr_event
    )
    taking_part = _judge_eligibility(campaign, targets)
    book = entry.runtime_data.campaigns
    await book.async_add(campaign)
    failure: WriteError | None = None
    try:
        outcomes = await async_send_changes(
            hass,
            _changes(taking_part, phases, now),
            Placement(batch=campaign.id, follow=False, source="campaign"),
        )
    except WriteError as err:  # kept and followed for what went through; then said
        outcomes, failure = err.outcomes, err
    _note_triggers(campaign, outcomes, rooms)
    await book.async_save_now()
    book.async_tell("scheduled", campaign, **campaign.counts())
    if (running := campaign.phase_at(now)) is not None:  # started on the current 5-min step
        book.async_tell("phase_started", campaign, phase=running.phase.value, **campaign.counts())
    async_follow_campaign(hass, entry, campaign)
    async_verify_campaigns(entry, now)  # against the last poll at once, not a minute later
    if failure is not None:
        raise failure
    return campaign, outcomes


def ineligible(heaters: Sequence[Device]) -> Ineligible | None:
    """Why none of a room's heaters can take part (the first one's reason); None if one can."""
    reasons: list[Ineligible] = []
    for device in heaters:
        if not device.online:
            reasons.append(Ineligible.OFFLINE)
        elif device.mode is None or device.mode is DeviceMode.STOP:
            reasons.append(Ineligible.STOPPED)
        elif device.setpoint is None or device.current_temperature is None:
            reasons.append(Ineligible.NO_READING)
        else:
            return None
    return reasons[0] if reasons else Ineligible.NO_READING


def taking_part(device: Device) -> bool:
    """Whether a heater takes part: online, not stopped, with a setpoint and a reading."""
    return ineligible([device]) is None


def _judge_eligibility(
    campaign: Campaign, targets: Sequence[CampaignTarget]
) -> list[CampaignTarget]:
    """The targets that take part; the others are noted with their reason (never sent).

    Each heater that takes part is kept with its mode and setpoint: those off their schedule
    (manual, antifreeze) are judged against that setpoint. Refuses the campaign when no room can
    take part.
    """
    kept: list[CampaignTarget] = []
    for target in targets:
        if not target.home.participating:  # its switch is off: left out, said so
            campaign.declined.add(target.home.home_id)
            continue
        heaters = [d for d in target.home.coordinator.data.heaters if d.room_id == target.room_id]
        key = CampaignRoom(target.home.subentry_id, target.home.home_id, target.room_id).key
        if (reason := ineligible(heaters)) is not None:
            campaign.ineligible[key] = reason
            continue
        kept.append(target)
        for device in heaters:
            if taking_part(device):
                campaign.bases[device.id] = (str(device.mode), float(device.setpoint or 0))
    if not kept:
        raise DerogationPlanError(PlanProblem.NO_ELIGIBLE_ROOM, rooms=str(len(campaign.rooms)))
    return kept


def _note_triggers(
    campaign: Campaign, outcomes: list[WindowOutcome], rooms: tuple[CampaignRoom, ...]
) -> None:
    homes = sorted({room.home_id for room in rooms})
    for outcome in outcomes:
        if outcome.start_trigger:
            campaign.triggers[outcome.start_trigger] = homes


async def async_cancel_campaign(
    hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, campaign: Campaign
) -> list[WindowOutcome]:
    """End what runs now and what has not run yet, giving back what the campaign had covered.

    In each room, the rest of the campaign's changes is replaced by the change of ours beneath
    it (an override the shed covered carries on) or 0 °C (`overrides.end_changes`). Changes of
    ours placed over the campaign are not touched.
    """
    now = dt_util.utcnow()
    homes = entry.runtime_data.homes
    changes = [
        change
        for room in campaign.rooms
        if room.subentry_id in homes
        for change in batch_end_changes(homes[room.subentry_id], room.room_id, campaign.id, now)
    ]
    # A refusal is raised: the cloud still runs it, not cancelled.
    outcomes = await async_send_ends(hass, changes)
    campaign.cancelled = now
    book = entry.runtime_data.campaigns
    await book.async_save_now()
    book.async_tell("cancelled", campaign, **campaign.counts())
    _check_delivery_repair(hass, campaign, now)
    return outcomes


@callback
def async_follow_campaigns(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
    """At set-up: verify at every poll, and pick up the following of unfinished campaigns."""
    gatherer = ReleaseGatherer(hass, entry)
    for home in entry.runtime_data.homes.values():

        @callback
        def polled(home: HomeSmartlinkHome = home) -> None:
            _verify_home(entry, home, dt_util.utcnow(), gatherer)

        entry.async_on_unload(home.coordinator.async_add_listener(polled))
    now = dt_util.utcnow()
    for campaign in entry.runtime_data.campaigns.campaigns.values():
        if campaign.state(now) not in (CampaignState.FINISHED, CampaignState.CANCELLED):
            async_follow_campaign(hass, entry, campaign)
    async_verify_campaigns(entry, now)


@callback
def async_verify_campaigns(entry: HomeSmartlinkConfigEntry, now: datetime) -> None:
    """Verify every home now (a poll that changes nothing does not call its listeners)."""
    for home in entry.runtime_data.homes.values():
        _verify_home(entry, home, now)


@callback
def async_follow_campaign(
    hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, campaign: Campaign
) -> None:
    """Tell each phase boundary as it comes, and read the delivery reports."""
    now = dt_util.utcnow()
    for phase in campaign.phases:
        for moment, last in ((phase.start, False), (phase.end, phase is campaign.phases[-1])):
            if moment <= now or (not last and moment == phase.end):
                continue
            entry.async_on_unload(
                async_track_point_in_time(
                    hass, _boundary(hass, entry, campaign, phase, last), moment
                )
            )
    if not campaign.delivery_settled and campaign.triggers:
        _DeliveryFollower(hass, entry, campaign).start()


def _boundary(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    campaign: Campaign,
    phase: PhaseSpan,
    last: bool,
) -> Callable[[datetime], None]:
    @callback
    def reached(now: datetime) -> None:
        if campaign.cancelled is not None:
            return
        book = entry.runtime_data.campaigns
        if last:
            book.async_tell("finished", campaign, **campaign.counts())
            _check_delivery_repair(hass, campaign, now)
        else:
            book.async_tell("phase_started", campaign, phase=phase.phase.value, **campaign.counts())
            async_verify_campaigns(entry, now)

    return reached


class _DeliveryFollower:
    """Reads each start trigger's report at the usual delays until every home acknowledged."""

    def __init__(
        self, hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, campaign: Campaign
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._campaign = campaign
        self._attempt = 0
        self._cancel: CALLBACK_TYPE | None = None

    def start(self) -> None:
        self._schedule()
        self._entry.async_on_unload(self._stop)

    @callback
    def _stop(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _schedule(self) -> None:
        delay = CHECK_DELAYS[self._attempt] - (
            CHECK_DELAYS[self._attempt - 1] if self._attempt else 0
        )
        self._cancel = async_call_later(self._hass, delay, self._fire)

    @callback
    def _fire(self, _now: datetime) -> None:
        self._cancel = None
        self._entry.async_create_background_task(
            self._hass, self._read(), f"campaign {self._campaign.id} delivery"
        )

    async def _read(self) -> None:
        campaign = self._campaign
        before = (len(campaign.sent), len(campaign.acknowledged))
        client = self._entry.runtime_data.client
        for trigger in campaign.triggers:
            try:
                report = await client.get_report(trigger)
            except HomeSmartlinkError as err:
                LOGGER.debug("Campaign delivery report not read: %s", err)
                continue
            for detail in report.details:
                if detail.home_id is None or detail.home_id not in campaign.homes:
                    continue
                if detail.sent_at is not None:
                    campaign.sent.add(detail.home_id)
                if detail.acknowledge:
                    campaign.acknowledged.add(detail.home_id)
        self._attempt += 1
        complete = set(campaign.homes) <= campaign.acknowledged
        campaign.delivery_settled = complete or self._attempt >= len(CHECK_DELAYS)
        book = self._entry.runtime_data.campaigns
        if (len(campaign.sent), len(campaign.acknowledged)) != before:
            book.async_tell("delivered", campaign, **campaign.counts())
        else:
            book.async_save()
        if campaign.delivery_settled:
            _check_delivery_repair(self._hass, campaign, dt_util.utcnow())
        else:
            self._schedule()


def _check_delivery_repair(hass: HomeAssistant, campaign: Campaign, now: datetime) -> None:
    """A campaign over, its delivery settled, with homes that never acknowledged: a repair."""
    over = campaign.state(now) in (CampaignState.FINISHED, CampaignState.CANCELLED)
    missing = set(campaign.homes) - campaign.acknowledged
    if over and campaign.delivery_settled and missing:
        async_raise_issue(
            hass,
            f"campaign_not_delivered_{campaign.id}",
            "campaign_not_delivered",
            {
                "campaign": campaign.id,
                "missing": str(len(missing)),
                "targeted": str(len(campaign.homes)),
            },
        )


def _heater_check(
    campaign: Campaign, device: Device, delta: int, home: HomeSmartlinkHome, now: datetime
) -> tuple[float | None, float | None] | None:
    """(reported, expected) for one heater; None while its schedule just changed (settling).

    A heater on its schedule is judged against its learned setpoint; one off it (manual,
    antifreeze) against the setpoint it held before the campaign.
    """
    base = campaign.bases.get(device.id)
    if base is not None and base[0] != DeviceMode.PROG.value:
        return device.setpoint, base[1] + delta
    period = period_at(device, now, home.zone)
    if period is not None and period_at(device, now - SETTLE, home.zone) is not period:
        return None
    learned = home.setpoints.get(device.id, period) if period is not None else None
    return device.setpoint, (learned + delta if learned is not None else None)


def _in_step(campaign: Campaign, device: Device) -> bool:
    """Online and in the mode it had: its schedule, or the manual/antifreeze mode it held."""
    base = campaign.bases.get(device.id)
    mode = DeviceMode.PROG.value if base is None else base[0]
    return device.online and device.mode is not None and str(device.mode) == mode


@callback
def _verify_home(
    entry: HomeSmartlinkConfigEntry,
    home: HomeSmartlinkHome,
    now: datetime,
    gatherer: ReleaseGatherer | None = None,
) -> None:
    """Check this home's rooms of every running campaign against what its heaters report.

    During a shed, a room whose reading is below the account's comfort floor is released.
    """
    book = entry.runtime_data.campaigns
    floor: float | None = entry.options.get(CONF_COMFORT_FLOOR)
    for campaign in book.campaigns.values():
        if campaign.state(now) is CampaignState.SCHEDULED:
            _follow_bases(campaign, home)
            continue
        phase = campaign.phase_at(now)
        if phase is None:
            continue
        rooms = campaign.running(home.subentry_id)
        keys = [room.key for room in rooms]
        before = campaign.tally(keys)
        for room in rooms:
            if _overridden(campaign, home, room, now):
                continue
            _verify_room(campaign, home, room, phase, now)
            if gatherer is not None and not home.participating:
                # Switched off but still shed (its release was refused): asked again.
                gatherer.add(ToRelease(campaign, room, ReleaseReason.DECLINED))
            elif gatherer is not None and floor is not None and phase.phase is Phase.SHED:
                _guard_comfort(campaign, home, room, floor, gatherer)
        _tell_changes(book, campaign, keys, before, now)


def _guard_comfort(
    campaign: Campaign,
    home: HomeSmartlinkHome,
    room: CampaignRoom,
    floor: float,
    gatherer: ReleaseGatherer,
) -> None:
    """A room whose coldest reading is below the floor goes to be released (once)."""
    readings = [
        d.current_temperature
        for d in home.coordinator.data.heaters
        if d.room_id == room.room_id and d.online and d.current_temperature is not None
    ]
    if readings and min(readings) < floor and not gatherer.pending(campaign, room):
        gatherer.add(ToRelease(campaign, room, ReleaseReason.COMFORT, min(readings)))


def _verify_room(
    campaign: Campaign,
    home: HomeSmartlinkHome,
    room: CampaignRoom,
    phase: PhaseSpan,
    now: datetime,
) -> None:
    """A room's heaters judged one by one; the room is verified when all of its are."""
    heaters = [
        d
        for d in home.coordinator.data.heaters
        # The heaters that took part (a campaign stored before they were kept: all of them).
        if d.room_id == room.room_id and (d.id in campaign.bases or not campaign.bases)
    ]
    checks = [_heater_check(campaign, d, phase.delta, home, now) for d in heaters]
    if any(check is None for check in checks):
        return
    statuses = campaign.status.setdefault(phase.phase.value, {})
    per_heater = campaign.heaters.setdefault(phase.phase.value, {})
    for device, check in zip(heaters, checks, strict=True):
        previous = _heater_opted(campaign, device.id) or per_heater.get(device.id)
        per_heater[device.id] = verify_room(
            previous, [check] if check else [], _in_step(campaign, device)
        )
    previous = _opted(campaign, room.key) or statuses.get(room.key)
    statuses[room.key] = verify_room(
        previous,
        [c for c in checks if c is not None],
        all(_in_step(campaign, d) for d in heaters),
    )
    if statuses[room.key] is RoomStatus.OPTED_OUT and room.key not in campaign.stopped:
        campaign.stopped[room.key] = now


def _follow_bases(campaign: Campaign, home: HomeSmartlinkHome) -> None:
    """Before it starts, a manual heater's base follows what the household sets."""
    for device in home.coordinator.data.heaters:
        base = campaign.bases.get(device.id)
        if base is None or base[0] == DeviceMode.PROG.value:
            continue
        if device.setpoint is not None and str(device.mode) == base[0]:
            campaign.bases[device.id] = (base[0], device.setpoint)


def _overridden(
    campaign: Campaign, home: HomeSmartlinkHome, room: CampaignRoom, now: datetime
) -> bool:
    """Whether a later change of ours holds the room now: then it is *overridden*.

    Never *opted out* (who placed it is kept); a room that opted out before stays so.
    """
    active = home.derogations.active(room.room_id, now)
    if active is None or active.batch == campaign.id or _opted(campaign, room.key):
        campaign.let_go(room.key, now)
        return False
    phase = campaign.phase_at(now)
    if phase is not None:
        campaign.status.setdefault(phase.phase.value, {})[room.key] = RoomStatus.OVERRIDDEN
    campaign.overridden[room.key] = active.source or "action"
    start = max(active.bounds()[0], active.placed_at)
    campaign.hold(room.key, (start, home.derogations.run_end(active)))
    return True


# The outcome a room shows when its requests had several: the least certain wins.
_WORST = (Outcome.PENDING, Outcome.UNCERTAIN, Outcome.REFUSED, Outcome.NOT_PLACED, Outcome.PLACED)


def room_outcomes(entry: HomeSmartlinkConfigEntry, campaign: Campaign) -> dict[str, str]:
    """What became of each room's requests of the campaign, from the homes' ledgers."""
    homes = entry.runtime_data.homes
    found: dict[str, str] = {}
    for room in campaign.rooms:
        home = homes.get(room.subentry_id)
        if home is None:
            continue
        seen = {
            r.outcome
            for r in home.derogations.records(room.room_id)
            if r.batch == campaign.id and r.delta
        }
        worst = next((o for o in _WORST if o in seen), None)
        if worst is not None:
            found[room.key] = Outcome.UNCERTAIN.value if worst is Outcome.PENDING else worst.value
    return found


def _heater_opted(campaign: Campaign, device_id: str) -> RoomStatus | None:
    """A heater that opted out in an earlier phase stays out."""
    for statuses in campaign.heaters.values():
        if statuses.get(device_id) is RoomStatus.OPTED_OUT:
            return RoomStatus.OPTED_OUT
    return None


def _opted(campaign: Campaign, key: str) -> RoomStatus | None:
    """A room that opted out in an earlier phase stays out."""
    for statuses in campaign.status.values():
        if statuses.get(key) is RoomStatus.OPTED_OUT:
            return RoomStatus.OPTED_OUT
    return None


def _tell_changes(
    book: CampaignBook,
    campaign: Campaign,
    keys: list[str],
    before: tuple[int, int, int],
    now: datetime,
) -> None:
    """Tell what changed in a home's rooms at a poll (opted out first), with the figures."""
    after = campaign.tally(keys)
    if after == before:
        return
    kind = next(
        kind
        for kind, was, now_is in zip(
            ("opted_out", "overridden", "verified"), before, after, strict=True
        )
        if was != now_is
    )
    book.async_tell(kind, campaign, **campaign.counts(now))
