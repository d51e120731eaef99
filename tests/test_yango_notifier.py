"""The Yango notifier against a fake callback endpoint."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import HOME_ID, advance, poll, registry_device, set_temperature, with_options
from .fake_platforms import RecordingServer, serving
from .simulator import Fault, Simulator

SKILL = "skill-42"
TOKEN = "yango-skill-token-SECRET"


@pytest.fixture
async def callback_server(socket_enabled: None) -> AsyncGenerator[tuple[RecordingServer, str]]:
    fake = RecordingServer()
    async with serving(fake.make_app()) as url:
        yield fake, url


@pytest.fixture
def mock_config_entry(
    mock_config_entry: MockConfigEntry, callback_server: tuple[RecordingServer, str]
) -> MockConfigEntry:
    return with_options(
        mock_config_entry,
        yango=True,
        yango_skill_id=SKILL,
        yango_skill_token=TOKEN,
        yango_dialogs_url=callback_server[1],
    )


async def test_steady_state_sends_nothing(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    fake, _ = callback_server
    for _ in range(3):
        await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, 5)
    assert fake.received == []


async def test_state_change_is_pushed_in_one_batch(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    fake, _ = callback_server
    await set_temperature(hass_tz, "climate.salon_heater_1", 19)
    await advance(hass_tz, freezer, 1)
    (request,) = fake.received
    assert request.method == "POST"
    assert request.path == f"/api/v1/skills/{SKILL}/callback/state"
    assert request.headers["Authorization"] == f"OAuth {TOKEN}"
    assert isinstance(request.body["ts"], float)
    payload = request.body["payload"]
    assert len(payload["user_id"]) == 32
    # Both heaters of the Salon follow the room's derogation: one request carries both.
    assert {d["id"] for d in payload["devices"]} == {"A1B2C3D4", "A1B2C3D5"}
    device = payload["devices"][0]
    assert device["capabilities"] == [
        {"type": "devices.capabilities.range", "state": {"instance": "temperature", "value": 19}}
    ]
    assert device["properties"][0]["type"] == "devices.properties.float"
    # Changes since then are batched again, never more than one request a second.
    await set_temperature(hass_tz, "climate.chambre_heater", 20)
    await set_temperature(hass_tz, "climate.bureau_heater", 9)
    await advance(hass_tz, freezer, 0.2)
    assert len(fake.received) == 1
    await advance(hass_tz, freezer, 1)
    assert len(fake.received) == 2
    assert {d["id"] for d in fake.received[1].body["payload"]["devices"]} == {
        "B7E8F901",
        "D15EA5E0",
    }


async def test_device_set_change_pushes_discovery(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake, _ = callback_server
    simulator.remove_device(HOME_ID, "C0FFEE01")
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, 1)
    (request,) = fake.received
    assert request.path == f"/api/v1/skills/{SKILL}/callback/discovery"
    assert set(request.body["payload"]) == {"user_id"}
    await advance(hass_tz, freezer, 5)
    assert len(fake.received) == 1  # nothing else changed


async def test_failures_logged_once_with_a_repair_and_backoff(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, _ = callback_server
    fake.reply = lambda _: (401, {"error": "bad token"})
    caplog.set_level(logging.INFO, logger="custom_components.homesmartlink")
    await set_temperature(hass_tz, "climate.chambre_heater", 20)
    await advance(hass_tz, freezer, 1)
    assert len(fake.received) == 1
    issue_id = "yango_notify_failed_sub-home-demo-1"
    issue = ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"home": HOME_ID, "reason": "HTTP 401"}
    # No tight loop: nothing during the backoff, even with new changes.
    await set_temperature(hass_tz, "climate.bureau_heater", 9)
    for _ in range(5):
        await advance(hass_tz, freezer, 5)
    assert len(fake.received) == 1
    await advance(hass_tz, freezer, 10)  # 30 s after the failure
    assert len(fake.received) == 2
    warnings = [r for r in caplog.records if "Yango notifications failed" in r.getMessage()]
    assert len(warnings) == 1
    assert TOKEN not in caplog.text
    # Back: the undelivered and the newer states go out together, and the repair goes away.
    fake.reply = lambda _: (202, {"request_id": "x", "status": "ok"})
    await advance(hass_tz, freezer, 61)
    assert len(fake.received) == 3
    assert {d["id"] for d in fake.received[2].body["payload"]["devices"]} == {
        "B7E8F901",
        "D15EA5E0",
    }
    assert ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id) is None
    assert "Yango notifications back to normal" in caplog.text


async def test_unreachable_endpoint_is_a_failure_too(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass_tz.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, "yango_dialogs_url": "http://127.0.0.1:9"},
    )
    # Saved through the options flow, new options reload the entry (OptionsFlowWithReload).
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    await set_temperature(hass_tz, "climate.chambre_heater", 20)
    await advance(hass_tz, freezer, 1)
    issue = ir.async_get(hass_tz).async_get_issue(
        "homesmartlink", "yango_notify_failed_sub-home-demo-1"
    )
    assert issue is not None
    assert issue.translation_placeholders["reason"] == "ClientConnectorError"


async def test_rename_in_home_assistant_pushes_discovery(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    fake, _ = callback_server
    registry = dr.async_get(hass_tz)
    device = registry_device(hass_tz, init_integration, "B7E8F901")
    registry.async_update_device(device.id, name_by_user="Guest heater")
    await advance(hass_tz, freezer, 1)
    (request,) = fake.received
    assert request.path.endswith("/callback/discovery")


async def test_cloud_outage_pushes_no_stale_state(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While the cloud fails, heaters are unreachable for Yango, and nothing stale is pushed."""
    fake, _ = callback_server
    simulator.faults.append(Fault(status=500, count=3))
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, 1)
    assert fake.received == []
    await poll(hass_tz, freezer)
    await poll(hass_tz, freezer)
    await poll(hass_tz, freezer)  # back
    await advance(hass_tz, freezer, 1)
    assert fake.received == []  # the same values as before the outage: nothing to tell


@pytest.mark.parametrize(
    "answer",
    [(200, {"status": "ok"}), (202, {}), (202, {"status": "error"}), (202, "ok")],
)
async def test_only_the_platforms_acceptance_counts_as_delivered(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    freezer: FrozenDateTimeFactory,
    answer: tuple[int, object],
) -> None:
    """The platform takes a callback with 202 and {"status": "ok"}; anything else is retried."""
    fake, _ = callback_server
    fake.reply = lambda _: answer
    await set_temperature(hass_tz, "climate.chambre_heater", 20)
    await advance(hass_tz, freezer, 1)
    issue_id = "yango_notify_failed_sub-home-demo-1"
    assert ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id) is not None
    fake.reply = lambda _: (202, {"request_id": "x", "status": "ok"})
    await advance(hass_tz, freezer, 31)
    assert len(fake.received) == 2
    assert fake.received[0].body == fake.received[1].body | {"ts": fake.received[0].body["ts"]}
    assert ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id) is None


async def test_a_device_without_values_is_never_pushed(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    callback_server: tuple[RecordingServer, str],
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A heater that reports neither setpoint nor reading has nothing to say: it is left out."""
    fake, _ = callback_server
    device = simulator.device(HOME_ID, "B7E8F901")
    del device["sp"], device["pv"]
    simulator.device(HOME_ID, "A1B2C3D4")["pv"] = "21.5"
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, 2)  # a discovery first (their range is gone)...
    await advance(hass_tz, freezer, 2)  # ...then the states, a second later
    states = [r for r in fake.received if r.path.endswith("/state")]
    pushed = [d for r in states for d in r.body["payload"]["devices"]]
    assert pushed
    assert all(d["capabilities"] or d["properties"] for d in pushed)
    assert "A1B2C3D4" in {d["id"] for d in pushed}
    assert "B7E8F901" not in {d["id"] for d in pushed}
