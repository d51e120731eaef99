"""What users pay for the integration: cloud calls, state writes, CPU, memory; at scale.

The cloud is the simulator in its own process, so that CPU times are Home Assistant's alone.
Counts are also asserted by the unit tests; times and memory live only here.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import UTC, date, datetime, timedelta
import gc
import json
import math
from pathlib import Path
import subprocess
import sys
import time
import tracemalloc
from typing import Any, cast

from aiohttp import BasicAuth
from aiohttp.test_utils import TestClient, TestServer
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntityPlatform,
    flush_store,
)
import pytest_socket

from custom_components.homesmartlink.api import Device, DeviceCategory, DeviceMode, WeekSchedule
from custom_components.homesmartlink.campaigns.model import Campaign
from custom_components.homesmartlink.campaigns.release import GATHER
from custom_components.homesmartlink.campaigns.run import async_verify_campaigns
from custom_components.homesmartlink.const import (
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_OVERRIDE_DURATION,
    DOMAIN,
    LOGGER,
    SUBENTRY_HOME,
)
from custom_components.homesmartlink.writes.overrides import periods
from custom_components.homesmartlink.writes.plan import (
    Room,
    Window,
    plan,
    plan_changes,
    window_from_span,
)
from tests.conftest import account_entry, record_state_writes
from tests.e2e.processes import ROOT, SimulatorProcess, child_env, free_port, http, wait_until
from tests.fake_platforms import RecordingServer

from .conftest import record

SCHEDULE = [[{"start": 360, "end": 510}, {"start": 1020, "end": 1380}]] * 5 + [
    [{"start": 480, "end": 1380}]
] * 2
POLLS = 20


def _home(home_id: str, heaters: int) -> dict[str, Any]:
    return {
        "homeId": home_id,
        "gatewayEnabled": True,
        "gateway": {"version": "3.2.1", "lastPing": "2026-11-20T06:41:12Z"},
        "devices": [
            {
                "header": f"{home_id}-{index:04d}",
                "roomId": index // 2,
                "roomName": f"Room {index // 2}",
                "softwareVersion": 400,
                "category": "Heater",
                "online": True,
                "mode": "Prog",
                "pv": f"{18 + index % 30 / 10:.1f}",
                "comfortSp": 20,
                "ecoSp": 17,
                "lastUpdate": "2026-11-22T23:55:00Z",
                "weekSchedule": SCHEDULE,
            }
            for index in range(heaters)
        ],
    }


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Generator[SimulatorProcess]:
    """One simulator process with homes of 1, 20 and 200 heaters, and 50 homes of 20."""
    pytest_socket.enable_socket()
    homes = [_home("h1", 1), _home("h20", 20), _home("h200", 200)]
    homes += [_home(f"m{index:02d}", 20) for index in range(50)]
    homes += [_home("b1", 1), _home("b100", 100)]  # for the bridges
    homes += [_home(f"a{index:03d}", 10) for index in range(200)]  # one account, many homes
    seed = {
        "timezone": "UTC",
        "partners": [{"client_id": "bench", "client_secret": "bench-secret"}],
        "homes": homes,
    }
    path = tmp_path_factory.mktemp("bench") / "seed.json"
    path.write_text(json.dumps(seed))
    simulator = SimulatorProcess(path)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """The simulator is another process on loopback."""


def _entry(cloud: SimulatorProcess, *home_ids: str) -> MockConfigEntry:
    """The bench partner's account with these homes."""
    return account_entry(cloud.url, list(home_ids), client_id="bench", client_secret="bench-secret")


async def _setup(hass: HomeAssistant, entries: list[MockConfigEntry]) -> tuple[float, float]:
    """Set the entries up; (wall ms, CPU ms)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for entry in entries:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


async def _poll_all(hass: HomeAssistant, entries: list[MockConfigEntry]) -> None:
    for entry in entries:
        for home in entry.runtime_data.homes.values():
            await home.coordinator.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.parametrize("heaters", [1, 20, 200])
async def test_heaters_per_home(hass: HomeAssistant, cloud: SimulatorProcess, heaters: int) -> None:
    case = f"{heaters} heaters"
    entries = [_entry(cloud, f"h{heaters}")]
    wall, cpu = await _setup(hass, entries)
    record("set-up", case, "wall ms", wall)
    record("set-up", case, "CPU ms", cpu)
    cloud.control("DELETE", "/_sim/requests")
    writes = record_state_writes(hass)
    cpu = time.process_time()
    for _ in range(POLLS):
        await _poll_all(hass, entries)
    per_poll = (time.process_time() - cpu) * 1000 / POLLS
    requests = len(cloud.requests("config")) / POLLS
    record("poll", case, "cloud requests per poll", requests, "1")
    record("poll", case, "state writes per unchanged poll", len(writes) / POLLS, "0")
    record("poll", case, "CPU ms per unchanged poll", per_poll, "<5 ms at 200")
    assert requests == 1
    assert writes == []
    # A poll where every reading changed, for comparison.
    device = cloud.control("GET", f"/_sim/homes/h{heaters}")["devices"][0]
    cloud.control("PATCH", f"/_sim/homes/h{heaters}/devices/{device['header']}", {"pv": "12.3"})
    cpu = time.process_time()
    await _poll_all(hass, entries)
    record("poll", case, "CPU ms, poll with 1 change", (time.process_time() - cpu) * 1000)


@pytest.mark.parametrize("homes", [1, 10, 50])
async def test_homes(hass: HomeAssistant, cloud: SimulatorProcess, homes: int) -> None:
    case = f"{homes} homes x 20"
    entries = [_entry(cloud, *(f"m{index:02d}" for index in range(homes)))]
    wall, cpu = await _setup(hass, entries)
    record("set-up", case, "wall ms", wall)
    record("set-up", case, "CPU ms", cpu)
    cloud.control("DELETE", "/_sim/requests")
    writes = record_state_writes(hass)
    cpu = time.process_time()
    for _ in range(5):
        await _poll_all(hass, entries)
    record("poll", case, "CPU ms per round of polls", (time.process_time() - cpu) * 1000 / 5)
    requests = len(cloud.requests("config")) / 5
    record("poll", case, "cloud requests per round", requests, f"{homes}")
    record("poll", case, "state writes per unchanged round", len(writes) / 5, "0")
    assert requests == homes
    assert writes == []


def _account(cloud: SimulatorProcess, entry_id: str, home_id: str) -> MockConfigEntry:
    """The bench partner's account with one home, under an entry id of its own."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=entry_id,
        unique_id=entry_id,
        version=2,
        data={
            CONF_BASE_URL: cloud.url,
            CONF_CLIENT_ID: "bench",
            CONF_CLIENT_SECRET: "bench-secret",
        },
        options={CONF_OVERRIDE_DURATION: 120},
        subentries_data=[
            {
                "data": {CONF_HOME_ID: home_id},
                "subentry_id": f"{entry_id}-{home_id}",
                "subentry_type": SUBENTRY_HOME,
                "title": home_id,
                "unique_id": home_id,
            }
        ],
    )


async def _held_after_setup(hass: HomeAssistant, entry: MockConfigEntry) -> int:
    """Bytes still held (traced) once an account is set up, its first poll settled, and the
    garbage collected: the same scope and settling for every size."""
    gc.collect()
    await hass.async_block_till_done()
    before = tracemalloc.get_traced_memory()[0]
    await _setup(hass, [entry])
    await _poll_all(hass, [entry])
    await hass.async_block_till_done(wait_background_tasks=True)
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before


async def test_memory_per_heater(hass: HomeAssistant, cloud: SimulatorProcess) -> None:
    """Memory grows at most linearly with the heaters.

    Measured the same way at both sizes: tracing starts before a warm-up account (platforms,
    translations and caches that any first account loads), then each size is its own account,
    set up, polled, settled and collected, and only what stays held counts.
    """
    tracemalloc.start()
    try:
        await _held_after_setup(hass, _account(cloud, "warm", "h1"))
        per_heater = {
            heaters: await _held_after_setup(hass, _account(cloud, f"m{heaters}", f"h{heaters}"))
            / 1024
            / heaters
            for heaters in (20, 200)
        }
    finally:
        tracemalloc.stop()
    for heaters, value in per_heater.items():
        record("memory", f"{heaters} heaters", "KiB per heater held (tracemalloc)", value)
    # Stable, whatever the machine: no size reads an order of magnitude off the other, and a
    # home ten times larger costs at most as much per heater plus a margin.
    assert per_heater[200] >= per_heater[20] / 4
    assert per_heater[200] <= per_heater[20] * 1.5


async def test_ledger_save_per_write(hass: HomeAssistant, tmp_path: Path) -> None:
    """What the write-ahead ledger costs: every write is two awaited saves of the home's ledger
    (what is asked, before; its outcome, after), against Home Assistant's own awaited save of
    an empty store (the framework floor), written to disk (not the test's mocked storage)."""
    store: Store[dict[str, Any]] = Store(hass, 1, "bench.ledger")
    path = str(tmp_path / "bench.ledger")

    async def save_ms(data: dict[str, Any], rounds: int = 50) -> float:
        wrapped = {"version": 1, "minor_version": 1, "key": "bench.ledger", "data": data}
        start = time.perf_counter()
        for _ in range(rounds):
            await hass.async_add_executor_job(Store._write_data, store, path, dict(wrapped))
        return (time.perf_counter() - start) * 1000 / rounds

    floor = await save_ms({})
    for records in (10, 200):
        ledger = {"derogations": [_ledger_record(index) for index in range(records)]}
        per_save = await save_ms(ledger)
        record(
            "ledger",
            f"{records} records held",
            "ms per write: 2 awaited saves (floor: 2 empty saves)",
            f"{2 * per_save:.2f} ({2 * floor:.2f})",
        )


def _ledger_record(index: int) -> dict[str, Any]:
    return {
        "home_id": "h200",
        "room_id": index % 100,
        "day": "2026-11-23",
        "start": 600,
        "end": 720,
        "delta": -2,
        "base_setpoint": 17.0,
        "start_trigger": f"{index:032x}",
        "end_trigger": f"{index + 1:032x}",
        "placed_at": "2026-11-23T09:00:00+00:00",
        "batch": "01KBENCHBATCH0000000000000",
        "preset": None,
        "outcome": "placed",
        "source": "campaign",
    }


def test_derogation_requests() -> None:
    day = date(2026, 11, 23)
    window = Window(day, 600, 720)
    for rooms in (1, 10, 100, 500):
        shifts = [(Room(f"home{index % 50}", index), -2) for index in range(rooms)]
        requests = len(plan(shifts, [window]))
        record(
            "derogations",
            f"{rooms} rooms, 1 window",
            "requests (naive: 1 per room)",
            f"{requests} ({rooms})",
            "1",
        )
        assert requests == 1
    for windows in (1, 2, 7):
        spans = [Window(day, 60 * index, 60 * index + 30) for index in range(windows)]
        shifts = [(Room("home", index), 1) for index in range(10)]
        requests = len(plan(shifts, spans))
        record(
            "derogations",
            f"10 rooms, {windows} windows",
            "requests (naive: rooms x windows)",
            f"{requests} ({10 * windows})",
            f"{windows}",
        )
        assert requests == windows


def test_override_requests() -> None:
    """Overrides as people ask for them: the full days of a span share one request."""
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    rooms = [Room(f"home{index % 10}", index) for index in range(100)]
    windows = window_from_span(start, start + timedelta(days=14), UTC)
    requests = plan_changes((room, window, -2) for window in windows for room in rooms)
    record(
        "overrides",
        "14 days, 100 rooms in 10 homes",
        "requests (naive: 1 per room and date)",
        f"{len(requests)} ({len(rooms) * len(windows)})",
        "3",
    )
    assert len(requests) == 3
    # 21 °C for two days over a two-period schedule (comfort 06:00-22:00, eco 17 / comfort 20).
    schedule = WeekSchedule.from_wire([[{"start": 360, "end": 1320}]] * 7)
    heater = Device(
        "bench",
        1,
        "Room",
        400,
        DeviceCategory.HEATER,
        True,
        DeviceMode.PROG,
        20.0,
        week_schedule=schedule,
    )
    changes = []
    for first, last in periods(heater, start, start + timedelta(days=2), UTC):
        delta = 21 - (20 if schedule is not None and schedule.in_comfort(first) else 17)
        changes += [(Room("home0", 1), w, delta) for w in window_from_span(first, last, UTC)]
    requests = plan_changes(changes)
    record(
        "overrides",
        "21 °C for 2 days, 2-period schedule",
        "requests (naive: 1 per window)",
        f"{len(requests)} ({len(changes)})",
        "5",
    )
    assert len(requests) == 5


@pytest.fixture
async def platforms() -> AsyncGenerator[tuple[RecordingServer, str]]:
    """One fake for both platforms' own servers (Yango callbacks and Sber's partner API)."""
    fake = RecordingServer(reply=lambda item: (202 if "skills" in item.path else 200, {}))
    server = TestServer(fake.make_app(), host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


async def _cpu_ms(call: Callable[[], Awaitable[Any]], repeat: int) -> float:
    cpu = time.process_time()
    for _ in range(repeat):
        await call()
    return (time.process_time() - cpu) * 1000 / repeat


async def _bridged_entry(
    hass: HomeAssistant, cloud: SimulatorProcess, home: str, url: str
) -> MockConfigEntry:
    """An account with both bridges on, set up, its first Sber sync done."""
    entry = _entry(cloud, home)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        options={
            "yango": True,
            "yango_skill_id": "bench-skill",
            "yango_skill_token": "bench-token",
            "yango_dialogs_url": url,
            "sber": True,
            "sber_key": "bench-key",
            "sber_url": url,
        },
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await asyncio.sleep(1.2)  # Sber gathers changes for a second before its first sync
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _yango_action(ids: list[str], value: int) -> dict[str, Any]:
    capability = {
        "type": "devices.capabilities.range",
        "state": {"instance": "temperature", "value": value},
    }
    return {"payload": {"devices": [{"id": i, "capabilities": [capability]} for i in ids]}}


def _sber_command(ids: list[str], value: int) -> dict[str, Any]:
    state = {"key": "hvac_temp_set", "value": {"type": "INTEGER", "integer_value": str(value)}}
    return {"devices": {i: {"states": [state]} for i in ids}}


@pytest.mark.parametrize("heaters", [1, 100])
async def test_bridges(
    hass: HomeAssistant,
    cloud: SimulatorProcess,
    platforms: tuple[RecordingServer, str],
    hass_client: Callable[[], Awaitable[TestClient]],
    heaters: int,
) -> None:
    """Handler CPU (the cloud is another process, so its round trip is not counted; the
    in-process HTTP client is) and what the bridges send when nothing changes."""
    fake, url = platforms
    case = f"{heaters} heaters"
    home = f"b{heaters}"
    entry = await _bridged_entry(hass, cloud, home, url)
    client = await hass_client()
    ids = [f"{home}-{index:04d}" for index in range(heaters)]
    yango = "/api/homesmartlink/yango/v1.0/user/devices"
    sber = "/api/homesmartlink/sber/v1"

    async def yango_query() -> None:
        response = await client.post(f"{yango}/query", json={"devices": [{"id": i} for i in ids]})
        assert response.status == 200
        await response.read()

    async def sber_query() -> None:
        response = await client.post(f"{sber}/query", json={"devices": ids})
        assert response.status == 200
        await response.read()

    async def post(path: str, body: dict[str, Any]) -> None:
        response = await client.post(path, json=body)
        assert response.status == 200
        await response.read()

    record("bridges", case, "Yango query, CPU ms", await _cpu_ms(yango_query, 20))
    record("bridges", case, "Sber query, CPU ms", await _cpu_ms(sber_query, 20))
    cloud.control("DELETE", "/_sim/requests")
    first = await _cpu_ms(lambda: post(f"{yango}/action", _yango_action(ids, 19)), 1)
    record("bridges", case, "Yango action (new setpoint), CPU ms", first)
    repeat = await _cpu_ms(lambda: post(f"{yango}/action", _yango_action(ids, 19)), 10)
    record("bridges", case, "Yango action (already set), CPU ms", repeat)
    record(
        "bridges",
        case,
        "cloud requests, 11 identical actions",
        len(cloud.requests("derogations")),
        "1",
    )
    assert len(cloud.requests("derogations")) == 1
    first = await _cpu_ms(lambda: post(f"{sber}/command", _sber_command(ids, 20)), 1)
    record("bridges", case, "Sber command (new setpoint), CPU ms", first)
    await asyncio.sleep(1.2)
    await hass.async_block_till_done(wait_background_tasks=True)
    # Steady state: polls that change nothing send nothing to either platform.
    before = len(fake.received)
    for _ in range(POLLS):
        await _poll_all(hass, [entry])
    await asyncio.sleep(1.2)
    await hass.async_block_till_done(wait_background_tasks=True)
    sent = len(fake.received) - before
    record("bridges", case, "Sber + Yango requests, 20 unchanged polls", sent, "0")
    assert sent == 0


# --- An account of many homes, beside the framework floor measured in the same run. ---------
#
# The floor is what Home Assistant itself costs for the same work: one bare coordinator per home
# fetching the same answer through the same session (bytes read, nothing parsed, nothing written)
# and bare entities of the same count listening to it (nothing written on an update).


class _BareCoordinator(DataUpdateCoordinator[bytes]):
    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, url: str, home: str) -> None:
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"floor {home}", update_interval=None
        )
        self._session = async_get_clientsession(hass)
        self._url = f"{url}/partners/1/config"
        self._home = home

    async def _async_update_data(self) -> bytes:
        async with self._session.post(
            self._url, json={"homeId": self._home}, auth=BasicAuth("bench", "bench-secret")
        ) as response:
            return await response.read()


class _BareEntity(CoordinatorEntity[_BareCoordinator]):
    _attr_should_poll = False

    def __init__(self, coordinator: _BareCoordinator, number: int) -> None:
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.name}-{number}"

    @callback
    def _handle_coordinator_update(self) -> None:
        """Writes nothing."""


async def _floor(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    cloud: SimulatorProcess,
    homes: list[str],
    per_home: int,
) -> tuple[list[_BareCoordinator], float, float]:
    """Set the floor up; (coordinators, wall ms, CPU ms)."""
    wall, cpu = time.perf_counter(), time.process_time()
    coordinators = [_BareCoordinator(hass, entry, cloud.url, home) for home in homes]
    for coordinator in coordinators:
        await coordinator.async_refresh()
    platform = MockEntityPlatform(hass, domain="sensor", platform_name="bench_floor")
    await platform.async_add_entities(
        [_BareEntity(c, n) for c in coordinators for n in range(per_home)]
    )
    await hass.async_block_till_done()
    return coordinators, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _max_in_one_second(times: list[float]) -> int:
    """The largest number of requests in any window of one second."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + 1) - i for i, t in enumerate(times)), default=0)


@pytest.mark.parametrize("homes", [1, 50, 200])
async def test_account_of_many_homes(
    hass: HomeAssistant, cloud: SimulatorProcess, homes: int
) -> None:
    case = f"account, {homes} homes x 10"
    ids = [f"a{index:03d}" for index in range(homes)]
    entry = _entry(cloud, *ids)
    wall, cpu = await _setup(hass, [entry])
    entities = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
    floor, floor_wall, floor_cpu = await _floor(hass, entry, cloud, ids, entities // homes)
    record("set-up", case, "wall ms (floor)", f"{wall:,.0f} ({floor_wall:,.0f})")
    record(
        "set-up",
        case,
        "CPU ms (floor), ratio",
        f"{cpu:,.0f} ({floor_cpu:,.0f}), {cpu / floor_cpu:.2f}x",
    )
    rounds = 5
    cloud.control("DELETE", "/_sim/requests")
    writes = record_state_writes(hass)
    ours = time.process_time()
    for _ in range(rounds):
        await _poll_all(hass, [entry])
    ours = (time.process_time() - ours) * 1000 / rounds
    bare = time.process_time()
    for _ in range(rounds):
        for coordinator in floor:
            await coordinator.async_refresh()
        await hass.async_block_till_done()
    bare = (time.process_time() - bare) * 1000 / rounds
    record(
        "poll",
        case,
        "CPU ms per unchanged round (floor), ratio",
        f"{ours:,.1f} ({bare:,.1f}), {ours / bare:.2f}x",
        "<1.3x",
    )
    assert writes == []
    # A real minute of the account's own polling: every home once, spread over the minute.
    cloud.control("DELETE", "/_sim/requests")
    await asyncio.sleep(60)
    calls = [r for r in cloud.requests("config") if r["body"]["homeId"] in ids]
    record("poll", case, "requests in one minute", len(calls), f"{homes}")
    record(
        "poll",
        case,
        "most requests in any one second",
        _max_in_one_second([r["at"] for r in calls]),
        # Spread evenly: one request every 60/N s, so at most ceil(N/60) in any second.
        f"{math.ceil(homes / 60)}",
    )


@pytest.mark.parametrize("homes", [1, 50, 200])
async def test_account_memory(hass: HomeAssistant, cloud: SimulatorProcess, homes: int) -> None:
    case = f"account, {homes} homes x 10"
    ids = [f"a{index:03d}" for index in range(homes)]
    entry = _entry(cloud, *ids)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    await _setup(hass, [entry])
    ours = tracemalloc.get_traced_memory()[0] - before
    entities = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
    before = tracemalloc.get_traced_memory()[0]
    await _floor(hass, entry, cloud, ids, entities // homes)
    floor = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    record("memory", case, "MiB (floor)", f"{ours / 2**20:,.1f} ({floor / 2**20:,.1f})")


async def test_campaign_of_a_thousand_rooms(hass: HomeAssistant, cloud: SimulatorProcess) -> None:
    """A campaign of 1,000 rooms over 200 homes with all three phases; its verification's CPU."""
    ids = [f"a{index:03d}" for index in range(200)]
    entry = _entry(cloud, *ids)
    await _setup(hass, [entry])
    now = dt_util.now()
    start = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)

    async def start_campaign(day: int) -> dict[str, Any]:
        shed = start + timedelta(days=day)
        response = await hass.services.async_call(
            "homesmartlink",
            "start_campaign",
            {
                "config_entry_id": entry.entry_id,
                "start": shed.strftime("%Y-%m-%d %H:%M:%S"),
                "end": (shed + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
                "delta": -2,
                "preheat_delta": 1,
                "preheat_minutes": 60,
                "recovery_delta": -1,
                "recovery_minutes": 30,
            },
            blocking=True,
            return_response=True,
        )
        await hass.async_block_till_done()
        return cast(dict[str, Any], response)

    cloud.control("DELETE", "/_sim/requests")
    cpu = time.process_time()
    response = await start_campaign(0)
    cpu = (time.process_time() - cpu) * 1000
    campaign = entry.runtime_data.campaigns.campaigns[response["campaign_id"]]
    sent = len(cloud.requests("derogations"))
    # Memory: a second campaign, the day after, measured alone (tracemalloc slows what it sees),
    # once the registries' delayed saves of the set-up are written (they are not the campaign's).
    for registry in (er.async_get(hass), dr.async_get(hass)):
        await flush_store(registry._store)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    await start_campaign(1)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename")) / 1024
    windows = {(r["start"], r["end"], r["date"]) for r in response["requests"]}
    rooms = len(campaign.rooms)
    record(
        "campaign",
        f"{rooms} rooms, 200 homes, 3 phases",
        "requests (distinct windows)",
        f"{sent} ({len(windows)})",
        f"{len(windows)}",
    )
    record(
        "campaign", f"{rooms} rooms, 200 homes, 3 phases", "CPU ms to plan and send", f"{cpu:,.0f}"
    )
    record(
        "campaign",
        f"{rooms} rooms, 200 homes, 3 phases",
        "KiB allocated and held (tracemalloc)",
        f"{grown:,.0f}",
    )
    assert rooms == 1000
    assert sent == len(windows) == len(response["requests"])
    # Verification of every room at a poll, against the poll itself (the framework's share).
    freeze = start + timedelta(minutes=70)
    cpu = time.process_time()
    for _ in range(5):
        async_verify_campaigns(entry, freeze)
    verify = (time.process_time() - cpu) * 1000 / 5
    poll = time.process_time()
    await _poll_all(hass, [entry])
    poll = (time.process_time() - poll) * 1000
    record(
        "campaign",
        "1000 rooms verified",
        "CPU ms per round of 200 homes (poll round)",
        f"{verify:,.1f} ({poll:,.1f})",
    )


async def test_campaign_releases(hass: HomeAssistant, cloud: SimulatorProcess) -> None:
    """A shed over 1,000 rooms of 200 homes: 5 % of the rooms fall below the comfort floor at one
    poll round, then two homes stop taking part; the requests their releases cost."""
    ids = [f"a{index:03d}" for index in range(200)]
    entry = account_entry(
        cloud.url, ids, client_id="bench", client_secret="bench-secret", comfort_floor=17.0
    )
    await _setup(hass, [entry])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=now.minute % 5)  # on the grid: shedding at once
    await hass.services.async_call(
        "homesmartlink",
        "start_campaign",
        {
            "config_entry_id": entry.entry_id,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "delta": -2,
        },
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    (campaign,) = entry.runtime_data.campaigns.campaigns.values()
    # One heater of one room in each of 50 homes reads 15 °C: 50 rooms, 5 % of them.
    for home_id in ids[:50]:
        cloud.control("PATCH", f"/_sim/homes/{home_id}/devices/{home_id}-0000", {"pv": "15.0"})
    cloud.control("DELETE", "/_sim/requests")
    cpu = time.process_time()
    await _poll_all(hass, [entry])
    poll = (time.process_time() - cpu) * 1000
    await asyncio.sleep(GATHER.total_seconds() + 1)  # the round's releases, gathered
    await hass.async_block_till_done()
    released = len(cloud.requests("derogations"))
    assert len(campaign.released) == 50
    cloud.control("DELETE", "/_sim/requests")
    for home_id in ids[100:102]:
        await hass.services.async_call(
            "switch",
            "turn_off",
            {"entity_id": f"switch.homesmartlink_gateway_{home_id}_demand_response"},
            blocking=True,
        )
    await hass.async_block_till_done()
    declined = len(cloud.requests("derogations"))
    assert len(campaign.released) == 60
    case = "1000 rooms shed, 200 homes"
    record(
        "campaign",
        case,
        "requests to release 50 rooms of 50 homes (one poll round)",
        f"{released}",
        "1",
    )
    record("campaign", case, "requests when 2 homes stop taking part", f"{declined}", "2")
    record("campaign", case, "CPU ms of the poll round that finds them", f"{poll:,.0f}")
    # Verification with the releases recorded, apart from the poll (the framework's share).
    cpu = time.process_time()
    for _ in range(5):
        async_verify_campaigns(entry, dt_util.utcnow())
    verify = (time.process_time() - cpu) * 1000 / 5
    cpu = time.process_time()
    await _poll_all(hass, [entry])
    poll = (time.process_time() - cpu) * 1000
    record(
        "campaign",
        case,
        "verification CPU ms per round (poll round)",
        f"{verify:,.1f} ({poll:,.0f})",
    )
    # What the campaign holds with its releases and statuses: a copy read back from its record.
    stored = json.dumps(campaign.as_json())
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    copy = Campaign.from_json(json.loads(stored))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    assert copy is not None
    assert len(copy.released) == 60
    held = sum(s.size_diff for s in after.compare_to(before, "filename")) / 1024
    record(
        "campaign",
        case,
        "KiB held in memory (stored JSON)",
        f"{held:,.0f} ({len(stored) / 1024:,.0f})",
    )


@pytest.fixture
def vtn_process() -> Generator[str]:
    """openleadr's VTN in its own process; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.vtn_process", "--port", str(port)],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http("GET", f"{base}/_bench/state") is not None, 30, "the VTN")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


WINDOW = 20.0


async def _window(cloud: SimulatorProcess, seconds: float) -> tuple[float, int]:
    """CPU ms of Home Assistant's process over `seconds`, and the home polls made in them."""
    cloud.control("DELETE", "/_sim/requests")
    cpu = time.process_time()
    await asyncio.sleep(seconds)
    return (time.process_time() - cpu) * 1000, len(cloud.requests("config"))


async def _until_true(check: Callable[[], bool], seconds: float) -> float:
    """Wait (polling every 5 ms) until `check`; the seconds it took."""
    start = time.perf_counter()
    while not check():
        assert time.perf_counter() - start < seconds, "timed out"
        await asyncio.sleep(0.005)
    return time.perf_counter() - start


async def test_openadr_ven(hass: HomeAssistant, cloud: SimulatorProcess, vtn_process: str) -> None:
    """An account of 50 homes whose VEN polls a VTN every second: what an idle poll costs
    Home Assistant beside the account's own polls, and an event's way to the cloud request."""
    ids = [f"a{index:03d}" for index in range(50)]
    entry = account_entry(
        cloud.url,
        ids,
        client_id="bench",
        client_secret="bench-secret",
        openadr=True,
        openadr_vtn_url=f"{vtn_process}/OpenADR2/Simple/2.0b",
        openadr_ven_name="bench",
    )
    await _setup(hass, [entry])
    ven = entry.runtime_data.bridges["openadr"]
    await _until_true(lambda: ven.state.registered, 30)
    case = "VEN of 50 homes, VTN polled every 1 s"
    # Two windows of the same length while the account polls its homes as it does in use (50
    # homes spread over the minute): the VEN's scheduler paused, then running. The difference
    # is the VEN's; the first window's home polls are the account's own cost beside it.
    client = ven._client
    await asyncio.sleep(2)
    client.scheduler.pause()
    paused, paused_polls = await _window(cloud, WINDOW)
    client.scheduler.resume()
    before = http("GET", f"{vtn_process}/_bench/state")["polls"]
    running, _ = await _window(cloud, WINDOW)
    polls = http("GET", f"{vtn_process}/_bench/state")["polls"] - before
    record(
        "openadr",
        case,
        "CPU ms per idle VTN poll (per home poll)",
        f"{(running - paused) / polls:,.2f} ({paused / max(paused_polls, 1):,.2f})",
    )
    cloud.control("DELETE", "/_sim/requests")
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)
    body = {"start": now.isoformat(), "minutes": 60, "offset": -2}
    cpu = time.process_time()
    sent = time.perf_counter()
    http("POST", f"{vtn_process}/_bench/event", body)
    waited = await _until_true(lambda: bool(cloud.requests("derogations")), 30)
    handled = (time.process_time() - cpu) * 1000
    record(
        "openadr",
        case,
        "ms from the VTN's event to the cloud request (CPU ms)",
        f"{waited * 1000:,.0f} ({handled:,.0f})",
        "< 1 poll + 1 s",
    )
    assert time.perf_counter() - sent < 5
    assert len(cloud.requests("derogations")) == 1
