"""An event entity per partner account: what happens to its demand-response campaigns."""

from __future__ import annotations

from homeassistant.components.event import EventEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .campaigns.book import CampaignEvent
from .coordinator import HomeSmartlinkConfigEntry
from .entity import HomeSmartlinkAccountEntity
from .openadr.entities import VenProgramEvent, has_ven

PARALLEL_UPDATES = 0

EVENT_TYPES = [
    "scheduled",
    "phase_started",
    "delivered",
    "verified",
    "opted_out",
    "overridden",
    "released",
    "finished",
    "cancelled",
]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's campaign event entity (and its program's, when a VEN is on)."""
    async_add_entities([HomeSmartlinkCampaignEvent(entry)])
    if has_ven(hass, entry, Platform.EVENT):
        async_add_entities([VenProgramEvent(entry)])


class HomeSmartlinkCampaignEvent(HomeSmartlinkAccountEntity, EventEntity):
    """Fires `scheduled`, `phase_started`, `delivered`, `verified`, `opted_out`, `finished`..."""

    _attr_translation_key = "campaign"
    _attr_event_types = EVENT_TYPES

    def __init__(self, entry: HomeSmartlinkConfigEntry) -> None:
        """Bind the entity to the account."""
        super().__init__(entry, "campaign_event")

    @callback
    def _campaign_event(self, event: CampaignEvent) -> None:
        """Fire the event with the campaign's id and figures."""
        self._trigger_event(event.kind, {"campaign_id": event.campaign.id, **event.data})
        self.async_write_ha_state()
