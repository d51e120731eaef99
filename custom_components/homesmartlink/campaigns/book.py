"""An account's campaigns, persisted: what its entities show and what survives a restart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..writes.durable import Damage, async_load_object
from .model import Campaign

STORAGE_VERSION = 1
# Following a campaign (delivery, statuses) is saved with a delay: it can be read again.
SAVE_DELAY = 5
# Campaigns remembered per account; the oldest finished ones are forgotten first.
KEEP = 20


@dataclass(frozen=True, slots=True)
class CampaignEvent:
    """Something that happened to a campaign, for the account's event entity and sensor."""

    # scheduled, phase_started, delivered, verified, opted_out, overridden, finished, cancelled
    kind: str
    campaign: Campaign
    data: dict[str, Any] = field(default_factory=dict)


class CampaignBook:
    """The campaigns of one account (a config entry; its id keys the file)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the book to its file."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.campaigns"
        )
        self.signal = f"{DOMAIN}_campaigns_{entry_id}"
        self.campaigns: dict[str, Campaign] = {}
        # Records dropped at load (damaged), and a file that could not be read at all.
        self.dropped = 0
        self.damage: Damage | None = None

    async def async_load(self) -> None:
        """Read the campaigns of earlier runs; a damaged record is left out, not the others."""
        data, self.damage = await async_load_object(self._hass, self._store)
        items = data.get("campaigns", [])
        items = items if isinstance(items, list) else []
        for item in items:
            if (campaign := Campaign.from_json(item)) is not None:
                self.campaigns[campaign.id] = campaign
            else:
                self.dropped += 1
        if self.dropped:
            LOGGER.warning("Dropped %s damaged campaign records", self.dropped)

    async def async_remove(self) -> None:
        """Delete the file (the account is being removed)."""
        await self._store.async_remove()

    def latest(self, now: datetime) -> Campaign | None:
        """The campaign running now, else the next one scheduled, else the last one created."""
        running = [c for c in self.campaigns.values() if c.phase_at(now) is not None]
        upcoming = sorted(
            (c for c in self.campaigns.values() if c.cancelled is None and c.start > now),
            key=lambda c: c.start,
        )
        if running or upcoming:
            return (running or upcoming)[0]
        return max(self.campaigns.values(), key=lambda c: c.created, default=None)

    async def async_add(self, campaign: Campaign) -> None:
        """Remember a new campaign, saved before anything of it is sent (the save awaited).

        The oldest campaigns beyond `KEEP` are forgotten, never one that is still to end.
        """
        self.campaigns[campaign.id] = campaign
        if len(self.campaigns) > KEEP:
            now = dt_util.utcnow()
            ended = sorted(
                (c for c in self.campaigns.values() if c.end <= now), key=lambda c: c.created
            )
            for old in ended[: len(self.campaigns) - KEEP]:
                del self.campaigns[old.id]
        await self.async_save_now()

    async def async_save_now(self) -> None:
        """Save at once, awaited (what may reach the cloud is on disk before it is sent)."""
        await self._store.async_save(self._data_to_save())

    @callback
    def async_save(self) -> None:
        """Save soon (several changes in a row are one write)."""
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    @callback
    def async_tell(self, kind: str, campaign: Campaign, **data: Any) -> None:
        """Save, and tell the account's entities what happened (and the debug log: ids, counts)."""
        LOGGER.debug("Campaign %s: %s %s", campaign.id, kind, data)
        self.async_save()
        async_dispatcher_send(self._hass, self.signal, CampaignEvent(kind, campaign, data))

    def _data_to_save(self) -> dict[str, Any]:
        return {"campaigns": [c.as_json() for c in self.campaigns.values()]}
