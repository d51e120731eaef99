"""Upgrade in place: one entry per home (version 1) becomes one account with its homes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant import bootstrap
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    category_registry as cr,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
    issue_registry as ir,
    label_registry as lr,
    restore_state as rs,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.compat import device_in, find_device
from custom_components.homesmartlink.const import DOMAIN

from .conftest import HOME_ID
from .simulator import Simulator, more_homes

FIXTURES = Path(__file__).parent / "fixtures" / "v1_storage"
HOME_2 = "home-demo-2"
# The ids version 1 gave the two entries: they become the ids of the homes' subentries.
ENTRY_1 = "01M81KT0Q18S6NWSP6RQ3HADDX"
ENTRY_2 = "01M81KT0R0YPGWTCA52FF62M5P"


@pytest.fixture
def v1_installation(
    hass_storage: dict[str, Any], simulator: Simulator, seed: dict[str, Any]
) -> dict[str, Any]:
    """The stored files of version 1, pointed at this test's simulator (before hass starts)."""
    simulator.homes[HOME_2] = more_homes(seed, 2)["homes"][1]
    files: dict[str, Any] = {}
    for path in FIXTURES.iterdir():
        if path.suffix == ".md":
            continue
        files[path.name] = json.loads(path.read_text(encoding="utf-8"))
    for entry in files["core.config_entries"]["data"]["entries"]:
        if entry["domain"] == DOMAIN:
            entry["data"]["base_url"] = simulator.base_url  # type: ignore[attr-defined]
    hass_storage.update(copy.deepcopy(files))
    return files


@pytest.fixture
def load_registries() -> bool:
    """The test harness would load empty registries: the test loads the stored ones."""
    return False


async def _start_as_home_assistant_does(hass: HomeAssistant) -> None:
    """Read the registries and the config entries from the stored files, as at start."""
    if hasattr(dr, "async_setup"):  # newer releases create the device registry first
        dr.async_setup(hass)
    with (
        patch("homeassistant.helpers.restore_state.RestoreStateData.async_setup_dump"),
        patch("homeassistant.helpers.restore_state.start.async_at_start"),
    ):
        for registry in (ar, cr, dr, er, fr, ir, lr, rs):
            await registry.async_load(hass)
    hass.data[bootstrap.DATA_REGISTRIES_LOADED] = None
    await hass.config_entries.async_initialize()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    v1_installation: dict[str, Any], enable_custom_integrations: None
) -> None:
    """The stored files are in place before Home Assistant starts and loads them."""


async def test_upgrade_keeps_ids_names_areas_and_what_was_remembered(
    v1_installation: dict[str, Any], hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    old_entities = {
        e["unique_id"]: e["entity_id"]
        for e in v1_installation["core.entity_registry"]["data"]["entities"]
        if e["platform"] == DOMAIN
    }
    others = [
        e["entry_id"]
        for e in v1_installation["core.config_entries"]["data"]["entries"]
        if e["domain"] != DOMAIN
    ]
    await _start_as_home_assistant_does(hass_tz)
    assert await async_setup_component(hass_tz, DOMAIN, {})
    await hass_tz.async_block_till_done()

    (account,) = hass_tz.config_entries.async_entries(DOMAIN)
    assert (account.version, account.minor_version) == (2, 2)
    assert account.entry_id == ENTRY_1
    assert account.title == "demo-partner"
    assert account.unique_id == "demo-partner@127.0.0.1"
    # The Sber vendor key moved to the data (version 2.2), unchanged.
    assert set(account.data) == {"base_url", "client_id", "client_secret", "sber_key"}
    assert account.data["sber_key"] == "vendor-key-v1"
    assert "sber_key" not in account.options
    homes = {sub.subentry_id: sub.data["home_id"] for sub in account.subentries.values()}
    assert homes == {ENTRY_1: HOME_ID, ENTRY_2: HOME_2}
    # Options merged: the first home's value wins, a bridge on for any home stays on.
    assert account.options["override_duration"] == 120
    assert account.options["sber"] is True
    assert account.options["yango"] is False
    # Other integrations' entries are untouched.
    assert all(hass_tz.config_entries.async_get_entry(entry_id) for entry_id in others)

    entities = er.async_get(hass_tz)
    for unique_id, entity_id in old_entities.items():
        domain = entity_id.split(".")[0]
        assert entities.async_get_entity_id(domain, DOMAIN, unique_id) == entity_id
        entity = entities.async_get(entity_id)
        assert entity is not None
        assert entity.config_entry_id == ENTRY_1
        wanted = ENTRY_2 if unique_id.startswith(("H2", HOME_2)) else ENTRY_1
        assert entity.config_subentry_id == wanted, entity_id
    office = entities.async_get("climate.office_radiator")
    assert office is not None
    assert office.name == "Office radiator"

    devices = dr.async_get(hass_tz)
    bedroom = find_device(devices, ENTRY_1, (DOMAIN, "B7E8F901"))
    assert bedroom is not None
    assert bedroom.name_by_user == "Radiateur de Camille"
    assert bedroom.area_id == "bedroom"
    assert device_in(bedroom, ENTRY_1, ENTRY_1)
    gateway_2 = find_device(devices, ENTRY_1, (DOMAIN, HOME_2))
    assert gateway_2 is not None
    assert device_in(gateway_2, ENTRY_1, ENTRY_2)

    # Every entity is there and current, and the remembered derogation is shown.
    assert len(hass_tz.states.async_entity_ids("climate")) == 14
    chambre = hass_tz.states.get("climate.chambre_heater")
    assert chambre.attributes["preset_mode"] == "override"
    assert chambre.attributes["override_delta"] == 2
    assert hass_tz.states.get("climate.office_radiator").state != "unavailable"
    # What Sber accepted for the second home is still known.
    sber = account.runtime_data.bridges["sber"].home_diagnostics(ENTRY_2)
    assert sber is not None
    assert sber["devices_accepted"] == 1


async def test_a_lone_old_entry_found_later_is_migrated_in_place(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    """Entries of version 1 met after start-up (none merged then) become accounts of one home."""
    await _start_as_home_assistant_does(hass_tz)
    assert await async_setup_component(hass_tz, DOMAIN, {})
    await hass_tz.async_block_till_done()
    simulator.homes["home-demo-3"] = more_homes(simulator.seed, 3)["homes"][2]
    lone = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        unique_id="home-demo-3",
        data={
            "base_url": simulator.base_url,  # type: ignore[attr-defined]
            "client_id": "demo-partner-2",
            "client_secret": "demo-secret-2",
            "home_id": "home-demo-3",
        },
        options={"override_duration": 45},
    )
    lone.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(lone.entry_id)
    await hass_tz.async_block_till_done()
    assert lone.version == 2
    assert lone.unique_id == "demo-partner-2@127.0.0.1"
    assert [s.data["home_id"] for s in lone.subentries.values()] == ["home-demo-3"]
    assert lone.options == {"override_duration": 45}


async def test_an_entry_from_a_newer_version_is_not_downgraded(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    await _start_as_home_assistant_does(hass_tz)
    newer = MockConfigEntry(domain=DOMAIN, version=3, data={})
    newer.add_to_hass(hass_tz)
    assert not await hass_tz.config_entries.async_setup(newer.entry_id)
    assert newer.state is ConfigEntryState.MIGRATION_ERROR
