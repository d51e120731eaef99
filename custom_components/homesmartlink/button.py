"""A button per home that starts a diagnosis (its result arrives as an event)."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from .entity import HomeSmartlinkGatewayEntity
from .errors import translated
from .home_diagnosis import async_request_diagnosis

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the diagnosis button of the home."""
    for home in entry.runtime_data.homes.values():
        async_add_entities(
            [HomeSmartlinkDiagnosisButton(home)], config_subentry_id=home.subentry_id
        )


class HomeSmartlinkDiagnosisButton(HomeSmartlinkGatewayEntity, ButtonEntity):
    """Requests a diagnosis of the home."""

    _attr_translation_key = "request_diagnosis"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, home: HomeSmartlinkHome) -> None:
        """Bind the button to the home."""
        super().__init__(home.coordinator, "request_diagnosis")
        self._home = home

    def _source(self) -> object:
        return None  # a button shows no data, only availability

    @translated
    async def async_press(self) -> None:
        """Send the request; the result is fetched five minutes later."""
        await async_request_diagnosis(self.hass, self._home)
