"""Snapshots, in core's habit: every platform's entities, registry entries and states, and the
diagnostics download through Home Assistant's own endpoint.

Registry entries carry fields that differ between Home Assistant releases, so each tested
release keeps its own snapshots (`snapshots/ha-<release>/`, see conftest). After moving a pin,
generate the new release's with `--snapshot-update` and review them like code.
"""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.homesmartlink import PLATFORMS

from .conftest import HOME_ID, with_options
from .simulator import Simulator


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_platform(
    hass_tz: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    mock_config_entry.add_to_hass(hass_tz)
    with patch("custom_components.homesmartlink.PLATFORMS", [platform]):
        assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
        await hass_tz.async_block_till_done()
    await snapshot_platform(hass_tz, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_diagnostics(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """The download of an account with the Yango bridge on, through Home Assistant's endpoint.

    Real time, not a frozen clock: the endpoint imports modules that a frozen clock breaks. So
    nothing in the download may depend on the hour: the heaters on a schedule are in comfort all
    week (the setpoints they report, and the ones learned, are the same at any time).
    """
    for device in simulator.homes[HOME_ID]["devices"]:
        if device.get("mode") == "Prog":
            device["weekSchedule"] = [[{"start": 0, "end": 1440}]] * 7
    entry = with_options(mock_config_entry, yango=True)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert await get_diagnostics_for_config_entry(hass, hass_client, entry) == snapshot
