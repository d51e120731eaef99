"""A switch per home: whether it takes part in demand response (on unless turned off).

Off, the home is left out of new campaigns (`declined` in their figures) and its rooms are
released from the running ones at once, in one request per window. Its state is restored at
start (the home's own choice, kept by Home Assistant), and shown in diagnostics.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import STATE_OFF, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .campaigns.model import CampaignState, ReleaseReason
from .campaigns.release import ToRelease, async_release
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from .entity import HomeSmartlinkGatewayEntity
from .errors import translated

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each home's demand-response switch."""
    for home in entry.runtime_data.homes.values():
        async_add_entities(
            [HomeSmartlinkParticipationSwitch(home)], config_subentry_id=home.subentry_id
        )


class HomeSmartlinkParticipationSwitch(HomeSmartlinkGatewayEntity, SwitchEntity, RestoreEntity):
    """Whether the home takes part in the account's demand-response campaigns."""

    _attr_translation_key = "demand_response"
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, home: HomeSmartlinkHome) -> None:
        """Bind the switch to the home."""
        super().__init__(home.coordinator, "demand_response")
        self._home = home

    async def async_added_to_hass(self) -> None:
        """Take back the home's last choice."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self._home.participating = last.state != STATE_OFF

    @property
    def is_on(self) -> bool:
        """On while the home takes part."""
        return self._home.participating

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Take part in the campaigns started from now on."""
        self._home.participating = True
        self.async_write_ha_state()

    @translated
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Leave new campaigns out, and release the home's rooms from the running ones now."""
        self._home.participating = False
        self.async_write_ha_state()
        entry = self._home.entry
        now = dt_util.utcnow()
        items = [
            ToRelease(campaign, room, ReleaseReason.DECLINED)
            for campaign in entry.runtime_data.campaigns.campaigns.values()
            if campaign.state(now) not in (CampaignState.FINISHED, CampaignState.CANCELLED)
            for room in campaign.running()
            if room.subentry_id == self._home.subentry_id
        ]
        if items:
            await async_release(self.hass, entry, items)
