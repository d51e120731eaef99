"""Shared fixtures: the simulated cloud on loopback, a config entry, a loaded integration."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import copy
from datetime import datetime, timedelta
import json
import logging
import os
from pathlib import Path
from typing import Any, cast
from unittest.mock import PropertyMock, patch

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    EVENT_STATE_CHANGED,
    __version__ as ha_version,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import area_registry as ar, device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntry
from hypothesis import settings
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.homesmartlink.const import (
    BRIDGE_SECRETS,
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_OVERRIDE_DURATION,
    DOMAIN,
    SUBENTRY_HOME,
)
from custom_components.homesmartlink.coordinator import HomeSmartlinkHome

from .deprecations import is_deprecation_report
from .simulator import SAMPLE_HOME, Simulator, more_homes

# In CI the examples are the same on every run, so that a red run is reproducible and no random
# draw blocks a landing; locally they vary and keep finding new cases.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

HOME_ID = "home-demo-1"
CLIENT_ID = "demo-partner"
CLIENT_SECRET = "demo-secret"
TIME_ZONE = "Europe/Paris"
# A Monday, 10:00 in Paris: the living room (Salon) is in eco (comfort 06:00-08:30, 17:00-23:00).
MONDAY_MORNING = "2026-11-23T10:00:00+01:00"


def record_state_writes(hass: HomeAssistant) -> list[Event]:
    """Every state write from now on: changes, and unchanged rewrites where HA reports them."""
    writes: list[Event] = []

    @callback
    def note(event: Event) -> None:
        writes.append(event)

    hass.bus.async_listen(EVENT_STATE_CHANGED, note)
    try:  # Home Assistant fires this for a state written unchanged
        from homeassistant.const import EVENT_STATE_REPORTED
    except ImportError:  # pragma: no cover - not in every release
        return writes
    hass.bus.async_listen(EVENT_STATE_REPORTED, note, event_filter=callback(lambda _: True))
    return writes


async def set_temperature(hass: HomeAssistant, entity_id: str, temperature: float) -> None:
    """Set a climate entity's temperature as a user does, and let what follows finish."""
    await hass.services.async_call(
        "climate",
        "set_temperature",
        {"entity_id": entity_id, "temperature": temperature},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def calendar_summaries(
    hass: HomeAssistant, entity_id: str, start: str, hours: int
) -> list[str]:
    """The titles of a calendar's events over `hours` from `start`, as the panel asks them."""
    begin = datetime.fromisoformat(start)
    events = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": entity_id,
            "start_date_time": start,
            "end_date_time": (begin + timedelta(hours=hours)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    return [event["summary"] for event in events[entity_id]["events"]]


def registry_device(hass: HomeAssistant, entry: MockConfigEntry, device_id: str) -> DeviceEntry:
    """The registry entry of a cloud device of the entry's home."""
    registry = dr.async_get(hass)
    return next(
        device
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        if (DOMAIN, device_id) in device.identifiers
    )


async def account_of_homes(
    hass: HomeAssistant, simulator: Simulator, count: int
) -> MockConfigEntry:
    """An account of `count` homes of the simulated partner (copies of the sample), set up."""
    for extra in more_homes(simulator.seed, count)["homes"][1:]:
        simulator.homes[extra["homeId"]] = extra
    entry = account_entry(simulator.base_url, list(simulator.homes))  # type: ignore[attr-defined]
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def user_area(hass: HomeAssistant, entry: MockConfigEntry, room_name: str) -> str:
    """An area the user made of the rooms of this name in every home (their choice to join)."""
    area = ar.async_get(hass).async_get_or_create(f"{room_name} (all homes)")
    registry = dr.async_get(hass)
    for loaded in entry.runtime_data.homes.values():
        for device in loaded.coordinator.data.devices:
            if device.room_name == room_name and device.category.has_own_device:
                found = registry_device(hass, entry, device.id)
                registry.async_update_device(found.id, area_id=area.id)
    return area.id


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass, and whatever it starts (timers, polls, background tasks) finish."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one polling interval pass, and the poll it starts finish."""
    await advance(hass, freezer, 61)


class _DeprecationReports(logging.Handler):
    """Keeps every log line in which Home Assistant reports a deprecation or misuse of ours."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.name}: {record.getMessage()}"
        if is_deprecation_report(line):
            self.lines.append(line)


# On the root logger from the first import on, so that reports made while a module of ours is
# imported (entity-member migration runs at class creation) are kept too.
DEPRECATION_REPORTS = _DeprecationReports()
logging.getLogger().addHandler(DEPRECATION_REPORTS)


class _PerReleaseSnapshots(HomeAssistantSnapshotExtension):
    """Snapshots kept per Home Assistant release: registry entries gain fields between them."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        release = ".".join(ha_version.split(".")[:2])
        return str(Path(test_location.filepath).parent / "snapshots" / f"ha-{release}")


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Every entity enabled, also those disabled by default (as core's fixture does)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """The test plugin's snapshot, stored per release."""
    return snapshot.use_extension(_PerReleaseSnapshots)


@pytest.fixture(autouse=True)
def no_deprecation_reports() -> Generator[None]:
    """Fail the test in which Home Assistant reports a deprecation or misuse of this integration.

    Home Assistant reports each one once per process, so the test that first triggers it fails.
    """
    seen = len(DEPRECATION_REPORTS.lines)
    yield
    if reported := DEPRECATION_REPORTS.lines[seen:]:
        pytest.fail("Home Assistant reported:\n" + "\n".join(reported), pytrace=False)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/homesmartlink."""


@pytest.fixture
def seed() -> dict[str, Any]:
    """The sample home the simulator serves (a fresh copy per test)."""
    return copy.deepcopy(json.loads(SAMPLE_HOME.read_text(encoding="utf-8")))


@pytest.fixture
async def hass_tz(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> HomeAssistant:
    """Home Assistant in the homes' time zone, at a known moment."""
    await hass.config.async_set_time_zone(TIME_ZONE)
    freezer.move_to(MONDAY_MORNING)
    return hass


@pytest.fixture
async def simulator(seed: dict[str, Any], socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulated cloud, served on loopback; `simulator.base_url` is its address."""
    sim = Simulator(seed, timezone=TIME_ZONE)
    # No access log: aiohttp's formats the local time, which fails under a frozen clock.
    server = TestServer(sim.make_app(), host="127.0.0.1", access_log=None)
    await server.start_server()
    sim.base_url = str(server.make_url("")).rstrip("/")  # type: ignore[attr-defined]
    yield sim
    await server.close()


def account_entry(
    base_url: str,
    homes: list[str],
    *,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
    **options: Any,
) -> MockConfigEntry:
    """A partner account with these homes as subentries (subentry id = `sub-<home id>`)."""
    return MockConfigEntry(
        domain=DOMAIN,
        # A fixed id, so that the account's own entities (unique id from it) snapshot the same.
        entry_id=f"entry-{client_id}",
        title=client_id,
        unique_id=f"{client_id}@127.0.0.1",
        version=2,
        minor_version=2,
        data={
            CONF_BASE_URL: base_url,
            CONF_CLIENT_ID: client_id,
            CONF_CLIENT_SECRET: client_secret,
            # The bridges' secrets are kept in the data, the options form sets them.
            **{key: options.pop(key) for key in BRIDGE_SECRETS if key in options},
        },
        options={CONF_OVERRIDE_DURATION: 120, **options},
        subentries_data=[
            {
                "data": {CONF_HOME_ID: home_id},
                "subentry_id": f"sub-{home_id}",
                "subentry_type": SUBENTRY_HOME,
                "title": home_id,
                "unique_id": home_id,
            }
            for home_id in homes
        ],
    )


def with_options(entry: MockConfigEntry, **options: Any) -> MockConfigEntry:
    """The same account with other options (the bridges' tests turn a bridge on)."""
    return account_entry(
        entry.data[CONF_BASE_URL],
        [subentry.data[CONF_HOME_ID] for subentry in entry.subentries.values()],
        **options,
    )


def home(entry: MockConfigEntry, home_id: str = HOME_ID) -> HomeSmartlinkHome:
    """A loaded home of an account."""
    return cast(HomeSmartlinkHome, entry.runtime_data.homes[f"sub-{home_id}"])


@pytest.fixture
def mock_config_entry(simulator: Simulator) -> MockConfigEntry:
    """A partner account with the sample home."""
    return account_entry(simulator.base_url, [HOME_ID])  # type: ignore[attr-defined]


@pytest.fixture
async def init_integration(
    hass_tz: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The integration loaded for the sample home."""
    mock_config_entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    await hass_tz.async_block_till_done()
    return mock_config_entry
