"""The partner API client against the simulated cloud, including every failure it maps."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime

import aiohttp
import pytest

from custom_components.homesmartlink.api import (
    Derogation,
    DeviceCategory,
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkClient,
    HomeSmartlinkConnectionError,
    HomeSmartlinkNotFoundError,
    HomeSmartlinkRateLimitError,
    HomeSmartlinkResponseError,
    client as client_module,
    parse_retry_after,
)

from .conftest import CLIENT_ID, CLIENT_SECRET, HOME_ID
from .simulator import Fault, Simulator


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def client(simulator: Simulator, session: aiohttp.ClientSession) -> HomeSmartlinkClient:
    return HomeSmartlinkClient(
        session,
        simulator.base_url + "/",
        CLIENT_ID,
        CLIENT_SECRET,  # type: ignore[attr-defined]
    )


async def test_config(client: HomeSmartlinkClient, simulator: Simulator) -> None:
    home = await client.get_home_config(HOME_ID)
    assert len(home.devices) == 8
    assert len(home.heaters) == 7
    assert home.gateway is not None
    assert home.gateway.version == "3.2.1"
    offline = home.device("F00DF00D")
    assert offline is not None
    assert not offline.online
    assert offline.category is DeviceCategory.FURNACE
    assert offline.current_temperature is None
    request = simulator.requests_to("config")[0]
    assert request.method == "POST"
    assert request.body == {"homeId": HOME_ID}
    assert request.client == CLIENT_ID


async def test_config_with_fixed_spelling(
    client: HomeSmartlinkClient, simulator: Simulator
) -> None:
    simulator.list_key = "response"
    home = await client.get_home_config(HOME_ID)
    assert len(home.devices) == 8


async def test_unknown_home(client: HomeSmartlinkClient) -> None:
    with pytest.raises(HomeSmartlinkNotFoundError) as err:
        await client.get_home_config("nope")
    assert err.value.status == 404


async def test_wrong_secret(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    client = HomeSmartlinkClient(session, simulator.base_url, CLIENT_ID, "wrong")  # type: ignore[attr-defined]
    with pytest.raises(HomeSmartlinkAuthenticationError) as err:
        await client.get_home_config(HOME_ID)
    assert "wrong" not in str(err.value)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(status=403), HomeSmartlinkAuthenticationError),
        (Fault(status=500), HomeSmartlinkConnectionError),
        (Fault(status=503), HomeSmartlinkConnectionError),
        (Fault(status=400), HomeSmartlinkResponseError),
        (Fault(body="{not json"), HomeSmartlinkResponseError),
        (Fault(body="[1, 2]"), HomeSmartlinkResponseError),
        (Fault(body='{"authorisation": {}}'), HomeSmartlinkResponseError),
        (Fault(body='{"reponse": "nope"}'), HomeSmartlinkResponseError),
        (Fault(reset=True), HomeSmartlinkConnectionError),
    ],
)
async def test_faults(
    client: HomeSmartlinkClient, simulator: Simulator, fault: Fault, error: type[Exception]
) -> None:
    simulator.faults.append(fault)
    with pytest.raises(error):
        await client.get_home_config(HOME_ID)
    # The next call is served normally.
    assert len((await client.get_home_config(HOME_ID)).devices) == 8


async def test_rate_limit_carries_retry_after(
    client: HomeSmartlinkClient, simulator: Simulator
) -> None:
    simulator.faults.append(Fault(status=429, retry_after="42"))
    with pytest.raises(HomeSmartlinkRateLimitError) as err:
        await client.get_home_config(HOME_ID)
    assert err.value.retry_after == 42.0
    simulator.faults.append(Fault(status=429))
    with pytest.raises(HomeSmartlinkRateLimitError) as err:
        await client.get_home_config(HOME_ID)
    assert err.value.retry_after is None


async def test_timeout(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    client = HomeSmartlinkClient(
        session,
        simulator.base_url,
        CLIENT_ID,
        CLIENT_SECRET,
        request_timeout=0.05,  # type: ignore[attr-defined]
    )
    simulator.faults.append(Fault(latency=1.0))
    with pytest.raises(HomeSmartlinkConnectionError, match="Timeout"):
        await client.get_home_config(HOME_ID)


async def test_unreachable(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    client = HomeSmartlinkClient(session, "http://127.0.0.1:9", CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(HomeSmartlinkConnectionError):
        await client.get_home_config(HOME_ID)


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("Mon, 23 Nov 2026 09:01:00 GMT", now) == 60.0
    assert parse_retry_after("Mon, 23 Nov 2026 08:59:00 GMT", now) == 0.0
    assert parse_retry_after("Mon, 23 Nov 2026 09:01:00 -0000", now) == 60.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("NaN") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after("999999999") == 86400.0
    assert parse_retry_after("Mon, 23 Nov 2026 09:01:00", now) == 60.0
    assert parse_retry_after("Mon, 23 Nov 2126 09:01:00 GMT") == 86400.0


async def test_users_pages(client: HomeSmartlinkClient, simulator: Simulator) -> None:
    home = simulator.homes[HOME_ID]
    home["users"] = [{"email": f"user{i}@example.com", "city": "Lyon"} for i in range(5)]
    assert len(await client.get_users(1, 2)) == 2
    assert len(await client.get_users(3, 2)) == 1
    users = [user async for user in client.iter_users(page_size=2)]
    assert len(users) == 5
    assert [r.query for r in simulator.requests_to("users")][-3:] == [
        {"page": "1", "size": "2"},
        {"page": "2", "size": "2"},
        {"page": "3", "size": "2"},
    ]
    with pytest.raises(ValueError, match="start at 1"):
        await client.get_users(0, 2)


async def test_users_stop_on_repeated_or_endless_pages(
    client: HomeSmartlinkClient, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server that ignores `page` answers the same page forever: we stop at the repeat.
    simulator.homes[HOME_ID]["users"] = [{"email": "a@example.com"}, {"email": "b@example.com"}]
    simulator.faults.append(Fault(count=10, path="users", body='{"response": [{"homeId": "x"}]}'))
    users = [user async for user in client.iter_users(page_size=1)]
    assert [u.home_id for u in users] == ["x"]
    simulator.faults.clear()
    monkeypatch.setattr(client_module, "MAX_USERS_PAGES", 1)
    users = [user async for user in client.iter_users(page_size=1)]
    assert len(users) == 1


async def test_derogations_and_report(client: HomeSmartlinkClient, simulator: Simulator) -> None:
    result = await client.set_derogations(
        [
            Derogation(HOME_ID, 1, 600, 720, 2, date(2026, 11, 23)),
            Derogation(HOME_ID, 2, 600, 720, -1, date(2026, 11, 23)),
        ]
    )
    assert result.start_trigger
    assert result.end_trigger
    assert len(result.messages) == 2
    assert simulator.requests_to("derogations")[0].body == {
        "derogations": [
            {
                "homeId": HOME_ID,
                "roomId": 1,
                "startTime": 600,
                "endTime": 720,
                "delta": 2,
                "date": "2026-11-23",
            },
            {
                "homeId": HOME_ID,
                "roomId": 2,
                "startTime": 600,
                "endTime": 720,
                "delta": -1,
                "date": "2026-11-23",
            },
        ]
    }
    report = await client.get_report(result.start_trigger)
    assert report.summary.requested == 1
    assert report.summary.received == 1
    assert report.details[0].home_id == HOME_ID
    with pytest.raises(HomeSmartlinkNotFoundError):
        await client.get_report("unknown")


async def test_derogations_need_one_shared_window(
    client: HomeSmartlinkClient, simulator: Simulator
) -> None:
    with pytest.raises(ValueError, match="At least one"):
        await client.set_derogations([])
    with pytest.raises(ValueError, match="share start and end"):
        await client.set_derogations(
            [
                Derogation(HOME_ID, 1, 600, 720, 2, date(2026, 11, 23)),
                Derogation(HOME_ID, 2, 600, 730, 2, date(2026, 11, 23)),
            ]
        )
    assert simulator.requests_to("derogations") == []


async def test_diagnosis(client: HomeSmartlinkClient, simulator: Simulator) -> None:
    simulator.diagnosis_delay = 0
    request = await client.request_diagnosis(HOME_ID)
    assert request.accepted
    assert request.message_id is not None
    result = await client.get_diagnosis_result(request.message_id)
    assert result.acknowledge is True
    assert result.details["devices"]
    with pytest.raises(HomeSmartlinkNotFoundError):
        await client.get_diagnosis_result("nope")
