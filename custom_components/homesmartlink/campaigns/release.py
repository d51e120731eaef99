"""Rooms released from running campaigns: too cold (the comfort floor), or their home left.

A released room's shed ends through the write side: the rest of the campaign's changes in that
room is replaced by what was in force beneath it (`overrides.batch_end_changes`), so an override
the shed covered carries on. Every room released together goes in one call, hence one request
per window for the account, whatever the number of rooms and homes. A release the cloud refused
is not noted: the next poll finds the room again and asks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers.debounce import Debouncer
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..coordinator import HomeSmartlinkConfigEntry
from ..writes.ledger import Outcome
from ..writes.outcomes import WindowOutcome, WriteError
from ..writes.overrides import batch_end_changes
from ..writes.send import Placement, RoomChange, async_send_changes
from .model import Campaign, CampaignRoom, Release, ReleaseReason, RoomStatus

# Rooms found too cold at the polls of these seconds go together (homes are polled apart).
GATHER = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class ToRelease:
    """A room of a running campaign to release, and why."""

    campaign: Campaign
    room: CampaignRoom
    reason: ReleaseReason
    temperature: float | None = None


async def async_send_ends(hass: HomeAssistant, changes: list[RoomChange]) -> list[WindowOutcome]:
    """Send the ends of a campaign's changes (a cancel, a release).

    A refusal is raised: the cloud still runs the campaign there. An uncertain answer is kept:
    the ledgers show it so and the polls settle it.
    """
    if not changes:
        return []
    try:
        return await async_send_changes(hass, changes, Placement(follow=False, source="campaign"))
    except WriteError as err:
        if any(o.outcome is Outcome.REFUSED for o in err.outcomes) or not err.outcomes:
            raise
        return err.outcomes


async def async_release(
    hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, items: Sequence[ToRelease]
) -> list[WindowOutcome]:
    """End the campaigns' shifts in these rooms now, in one call; note each room released.

    A refused release is raised and nothing is noted: the rooms are found again at the next poll.
    """
    now = dt_util.utcnow()
    homes = entry.runtime_data.homes
    changes: list[RoomChange] = [
        change
        for item in items
        if item.room.subentry_id in homes
        for change in batch_end_changes(
            homes[item.room.subentry_id], item.room.room_id, item.campaign.id, now
        )
    ]
    outcomes = await async_send_ends(hass, changes)
    _note(entry, items, now)
    return outcomes


def _note(entry: HomeSmartlinkConfigEntry, items: Sequence[ToRelease], now: datetime) -> None:
    book = entry.runtime_data.campaigns
    told: dict[str, Campaign] = {}
    for item in items:
        campaign = item.campaign
        campaign.released[item.room.key] = Release(now, item.reason, item.temperature)
        if (phase := campaign.phase_at(now)) is not None:
            campaign.status.setdefault(phase.phase.value, {})[item.room.key] = RoomStatus.RELEASED
        told[campaign.id] = campaign
    for campaign in told.values():
        reasons = sorted({i.reason.value for i in items if i.campaign is campaign})
        book.async_tell("released", campaign, reasons=reasons, **campaign.counts(now))


class ReleaseGatherer:
    """Rooms found too cold over a poll round, released together a few seconds later."""

    def __init__(self, hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
        """Gather for this account; nothing is pending."""
        self._hass = hass
        self._entry = entry
        self._pending: dict[tuple[str, str], ToRelease] = {}
        self._debouncer = Debouncer(
            hass, LOGGER, cooldown=GATHER.total_seconds(), immediate=False, function=self._flush
        )
        entry.async_on_unload(self._debouncer.async_shutdown)

    def add(self, item: ToRelease) -> None:
        """Release this room with the others of the round (once, however often it is found)."""
        self._pending.setdefault((item.campaign.id, item.room.key), item)
        self._debouncer.async_schedule_call()

    def pending(self, campaign: Campaign, room: CampaignRoom) -> bool:
        """Whether the room is already waiting to be released."""
        return (campaign.id, room.key) in self._pending

    async def _flush(self) -> None:
        items, self._pending = list(self._pending.values()), {}
        if not items:
            return
        try:
            await async_release(self._hass, self._entry, items)
        except WriteError as err:
            LOGGER.debug("Release of %s rooms refused (%s): asked again", len(items), err.reason)
