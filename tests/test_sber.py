"""The Sber sync engine and its client against a fake Sber that checks headers and bodies."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
import logging
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.homesmartlink.bridges.sber_client import SberError, parse_answer
from custom_components.homesmartlink.bridges.sber_users import async_sber_users, user_key
from custom_components.homesmartlink.diagnostics import async_get_config_entry_diagnostics

from .conftest import HOME_ID, advance, poll, registry_device, with_options
from .fake_platforms import FakeSber, serving
from .simulator import Simulator

KEY = "sber-vendor-key-SECRET"
WEBHOOKS = "/api/homesmartlink/sber/v1"
GATHER = 1  # seconds: the sync gathers one poll's changes for a second
HEATERS = {"A1B2C3D4", "A1B2C3D5", "B7E8F901", "C0FFEE01", "D15EA5E0", "E0E0E0E0", "F00DF00D"}


@pytest.fixture
async def sber(socket_enabled: None) -> AsyncGenerator[tuple[FakeSber, str]]:
    fake = FakeSber(KEY)
    async with serving(fake.server.make_app()) as url:
        yield fake, url


@pytest.fixture
async def linked(
    hass_tz: HomeAssistant, hass_admin_user: MockUser, sber: tuple[FakeSber, str]
) -> str:
    """The admin linked Salute (as `GET /v1/user` records it): their Sber user id."""
    sber_user_id = await (await async_sber_users(hass_tz)).async_link(hass_admin_user)
    sber[0].user_key = user_key(sber_user_id)
    return sber_user_id


@pytest.fixture
def mock_config_entry(
    mock_config_entry: MockConfigEntry, sber: tuple[FakeSber, str], linked: str
) -> MockConfigEntry:
    return with_options(mock_config_entry, sber=True, sber_key=KEY, sber_url=sber[1])


async def _sync_sber(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    return await hass.services.async_call(
        "homesmartlink",
        "sync_sber",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )


@pytest.fixture
async def synced(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    sber: tuple[FakeSber, str],
    freezer: FrozenDateTimeFactory,
) -> FakeSber:
    await advance(hass_tz, freezer, GATHER)
    return sber[0]


def _states(fake: FakeSber, device_id: str) -> dict[str, Any]:
    values = {}
    for feature in fake.states[device_id]:
        value = feature["value"]
        values[feature["key"]] = value.get("bool_value", value.get("integer_value"))
    return values


async def test_first_sync_declares_models_then_devices_then_states(synced: FakeSber) -> None:
    assert synced.calls() == [
        ("POST", "/v1/models"),
        ("POST", "/v1/devices"),
        ("POST", "/v1/state"),
    ]
    assert synced.problems == []
    models = synced.received[0].body["models"]
    assert {m["category"] for m in models} == {"hvac_radiator", "hvac_heater"}
    for model in models:
        assert model["features"] == ["online", "on_off", "temperature", "hvac_temp_set"]
    add = synced.received[1].body
    assert len(add["user_id"]) == 32
    assert add["user_id"].startswith(synced.user_key)  # under the linked person's own id
    assert {d["id"] for d in add["devices"]} == {synced.id(h) for h in HEATERS}
    salon = synced.devices[synced.id("A1B2C3D4")]
    assert salon["room"] == "Salon"
    assert salon["model_id"] == "homesmartlink-radiator"
    assert salon["sw_version"] == "412"
    assert salon["default_name"] == "HomeSmartlink heater"
    assert synced.devices[synced.id("C0FFEE01")]["default_name"] == "HomeSmartlink towel dryer"
    assert synced.devices[synced.id("E0E0E0E0")]["model_id"] == "homesmartlink-heater"  # fireplace
    # Temperature in tenths, setpoint in whole degrees, both as strings.
    assert _states(synced, synced.id("A1B2C3D4")) == {
        "online": True,
        "on_off": True,
        "temperature": "195",
        "hvac_temp_set": "17",
    }
    assert _states(synced, synced.id("E0E0E0E0"))["on_off"] is False  # stopped
    assert "hvac_temp_set" not in _states(synced, synced.id("E0E0E0E0"))
    assert _states(synced, synced.id("F00DF00D")) == {
        "online": False,
        "on_off": False,
    }  # mode unknown


async def test_steady_state_sends_nothing(
    hass_tz: HomeAssistant, synced: FakeSber, freezer: FrozenDateTimeFactory
) -> None:
    before = len(synced.received)
    for _ in range(3):
        await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    assert len(synced.received) == before


async def test_cloud_changes_become_exactly_the_right_calls(
    hass_tz: HomeAssistant,
    synced: FakeSber,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    start = len(synced.received)
    new = dict(simulator.device(HOME_ID, "B7E8F901"))
    new.update(header="NEW00001", roomId=7, roomName="Grenier")
    simulator.add_device(HOME_ID, new)
    simulator.device(HOME_ID, "C0FFEE01")["roomName"] = "Salle d'eau"
    simulator.device(HOME_ID, "D15EA5E0")["softwareVersion"] = 400
    simulator.remove_device(HOME_ID, "A1B2C3D5")
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    calls = synced.received[start:]
    assert [(c.method, c.path) for c in calls] == [
        ("POST", "/v1/devices"),
        ("PUT", "/v1/devices"),
        ("DELETE", "/v1/devices"),
        ("POST", "/v1/state"),
    ]
    assert [d["id"] for d in calls[0].body["devices"]] == [synced.id("NEW00001")]
    updated = {d["id"]: (d["name"], d["room"], d["sw_version"]) for d in calls[1].body["devices"]}
    assert updated == {
        # Room renamed in the cloud: a new name; the area it was placed in stays (Sber's room).
        synced.id("C0FFEE01"): ("Salle d'eau towel dryer", "Salle de bain", "405"),
        synced.id("D15EA5E0"): ("Bureau heater", "Bureau", "400"),  # new firmware
        synced.id("A1B2C3D4"): ("Salon heater", "Salon", "412"),  # alone in its room now
    }
    assert calls[2].body == {"device_ids": [synced.id("A1B2C3D5")]}
    assert set(calls[3].body["devices"]) == {synced.id("NEW00001")}
    assert synced.problems == []


async def test_ha_rename_is_an_update(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    synced: FakeSber,
    freezer: FrozenDateTimeFactory,
) -> None:
    start = len(synced.received)
    registry = dr.async_get(hass_tz)
    device = registry_device(hass_tz, init_integration, "B7E8F901")
    registry.async_update_device(device.id, name_by_user="Guest heater")
    await advance(hass_tz, freezer, GATHER)
    (call,) = synced.received[start:]
    assert (call.method, call.path) == ("PUT", "/v1/devices")
    assert call.body["devices"][0]["name"] == "Guest heater"


async def test_state_change_pushes_only_that_state(
    hass_tz: HomeAssistant,
    synced: FakeSber,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    start = len(synced.received)
    simulator.device(HOME_ID, "B7E8F901")["pv"] = "18.7"
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    (call,) = synced.received[start:]
    assert (call.method, call.path) == ("POST", "/v1/state")
    assert list(call.body["devices"]) == [synced.id("B7E8F901")]
    assert _states(synced, synced.id("B7E8F901"))["temperature"] == "187"


async def test_rejected_ids_are_retried_with_backoff_until_accepted(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    sber: tuple[FakeSber, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    fake, _ = sber
    # The very first sync already ran at set-up; start over from a fresh fake.
    fake.devices.clear()
    fake.states.clear()
    fake.received.clear()
    fake.reject[fake.id("C0FFEE01")] = 3
    await _sync_sber(hass_tz, init_integration)
    issue_id = "sber_rejected_sub-home-demo-1"
    assert fake.id("C0FFEE01") not in fake.devices
    # Retried at 30 s, 60 s, 120 s: the third refusal raises a repair issue.
    await advance(hass_tz, freezer, 31)
    assert fake.id("C0FFEE01") not in fake.devices
    await advance(hass_tz, freezer, 61)
    assert fake.id("C0FFEE01") not in fake.devices
    assert ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id) is not None
    diagnostics = (await async_get_config_entry_diagnostics(hass_tz, init_integration))["homes"][0][
        "bridges"
    ]["sber"]
    rejected = [(r["item"], r["times"]) for r in diagnostics["rejected"]]
    assert rejected == [(f"device:{fake.id('C0FFEE01')}", 3)]
    posts = [r for r in fake.received if (r.method, r.path) == ("POST", "/v1/devices")]
    await advance(hass_tz, freezer, 60)  # still inside the 120 s pause: nothing
    assert len([r for r in fake.received if r.path == "/v1/devices"]) == len(posts)
    await advance(hass_tz, freezer, 61)
    assert fake.id("C0FFEE01") in fake.devices
    assert fake.id("C0FFEE01") in fake.states
    assert ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id) is None
    diagnostics = (await async_get_config_entry_diagnostics(hass_tz, init_integration))["homes"][0][
        "bridges"
    ]["sber"]
    assert diagnostics["rejected"] == []
    assert diagnostics["devices_accepted"] == len(HEATERS)
    assert fake.problems == []


async def test_pending_work_survives_a_restart(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    sber: tuple[FakeSber, str],
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake, _ = sber
    await advance(hass_tz, freezer, GATHER)
    fake.reject[fake.id("B7E8F901")] = 1
    simulator.device(HOME_ID, "B7E8F901")["roomName"] = "Chambre 1"
    simulator.device(HOME_ID, "C0FFEE01")["pv"] = "22.5"
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    assert fake.devices[fake.id("B7E8F901")]["name"] == "Chambre heater"
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await advance(hass_tz, freezer, GATHER)
    start = len(fake.received)
    await advance(hass_tz, freezer, GATHER)
    # After the restart only the refused update is sent again (no model, no add, no states).
    assert fake.devices[fake.id("B7E8F901")]["name"] == "Chambre 1 heater"
    puts = [r for r in fake.received if r.method == "PUT"]
    assert [d["id"] for d in puts[-1].body["devices"]] == [fake.id("B7E8F901")]
    assert [r for r in fake.received[start:] if r.path == "/v1/models"] == []
    assert fake.problems == []


async def test_sber_down_is_logged_once_and_retried_later(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    sber: tuple[FakeSber, str],
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, _ = sber
    await advance(hass_tz, freezer, GATHER)
    caplog.set_level(logging.INFO, logger="custom_components.homesmartlink")
    fake.down = 2
    simulator.device(HOME_ID, "B7E8F901")["pv"] = "19.0"
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    issue_id = "sber_sync_failed_sub-home-demo-1"
    issue = ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id)
    assert issue is not None
    assert issue.translation_placeholders["reason"] == "HTTP 503 code 503: unavailable"
    calls = len(fake.received)
    await advance(hass_tz, freezer, 10)
    assert len(fake.received) == calls  # no tight loop
    await advance(hass_tz, freezer, 21)  # first retry, still down
    await advance(hass_tz, freezer, 61)  # second retry, back
    assert _states(fake, fake.id("B7E8F901"))["temperature"] == "190"
    assert ir.async_get(hass_tz).async_get_issue("homesmartlink", issue_id) is None
    failures = [r for r in caplog.records if "Sber sync failed" in r.getMessage()]
    assert len(failures) == 1
    assert "Sber sync back to normal" in caplog.text
    assert KEY not in caplog.text


async def test_sync_sber_action_reports_sent_and_failed(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, synced: FakeSber
) -> None:
    synced.reject[synced.id("A1B2C3D4")] = 1
    result = (await _sync_sber(hass_tz, init_integration))["homes"][HOME_ID]
    assert result["models"] == ["homesmartlink-radiator", "homesmartlink-heater"]
    assert set(result["updated"]) == {synced.id(h) for h in HEATERS - {"A1B2C3D4"}}
    assert result["failed"] == [
        {"id": synced.id("A1B2C3D4"), "operation": "update", "code": 400, "message": "rejected"}
    ]
    assert set(result["states"]) == {synced.id(h) for h in HEATERS}
    assert result["error"] is None
    synced.down = 1
    with pytest.raises(HomeAssistantError) as err:
        await _sync_sber(hass_tz, init_integration)
    assert err.value.translation_key == "sber_sync_error"


async def test_sync_sber_needs_the_bridge(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    hass_tz.config_entries.async_update_entry(init_integration, options={"override_duration": 120})
    # Saved through the options flow, new options reload the entry (OptionsFlowWithReload).
    await hass_tz.config_entries.async_reload(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _sync_sber(hass_tz, init_integration)
    assert err.value.translation_key == "sber_not_enabled"


async def test_removing_the_entry_forgets_what_was_sent(
    hass_tz: HomeAssistant, init_integration: MockConfigEntry, synced: FakeSber, hass_storage: dict
) -> None:
    key = "homesmartlink.sub-home-demo-1.sber"
    await hass_tz.async_block_till_done()
    assert key in hass_storage
    await hass_tz.config_entries.async_remove(init_integration.entry_id)
    await hass_tz.async_block_till_done()
    assert key not in hass_storage


@pytest.mark.parametrize(
    ("status", "text", "rejected", "error"),
    [
        (200, "", set(), None),
        (200, "{}", set(), None),
        (200, '{"errors": [{"id": "a", "code": 400, "message": "x"}, 5, {"id": 3}]}', {"a"}, None),
        (207, '{"errors": [{"id": "b", "code": true}]}', {"b"}, None),
        (400, '{"code": 400, "message": "bad", "details": []}', None, "HTTP 400 code 400: bad"),
        (401, "not json", None, "HTTP 401"),
        (503, '{"errors": []}', None, "HTTP 503"),
        (500, "[1]", None, "HTTP 500"),
    ],
)
def test_answers_are_parsed(
    status: int, text: str, rejected: set[str] | None, error: str | None
) -> None:
    if error is None:
        assert {item.id for item in parse_answer(status, text).rejected} == rejected
    else:
        with pytest.raises(SberError) as err:
            parse_answer(status, text)
        assert err.value.reason == error
        assert err.value.status == status


async def test_what_sber_already_has_is_updated_not_added_again(
    hass_tz: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    sber: tuple[FakeSber, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A store lost, or a second installation: Sber refuses the POSTs as existing, we PUT."""
    fake, _ = sber
    fake.models.update({m: {"id": m} for m in ("homesmartlink-radiator", "homesmartlink-heater")})
    fake.devices[fake.id("A1B2C3D4")] = {"id": "A1B2C3D4", "name": "old name"}
    mock_config_entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(mock_config_entry.entry_id)
    await advance(hass_tz, freezer, GATHER)
    assert fake.calls() == [
        ("POST", "/v1/models"),
        ("PUT", "/v1/models"),
        ("POST", "/v1/devices"),
        ("PUT", "/v1/devices"),
        ("POST", "/v1/state"),
    ]
    assert fake.models["homesmartlink-radiator"]["category"] == "hvac_radiator"
    assert fake.devices[fake.id("A1B2C3D4")]["name"] != "old name"
    assert set(fake.devices) == {fake.id(h) for h in HEATERS}
    assert fake.problems == []
    issue = ir.async_get(hass_tz).async_get_issue("homesmartlink", "sber_rejected_sub-home-demo-1")
    assert issue is None
    # Later syncs of an unchanged home send nothing; a full one updates the models in place.
    fake.received.clear()
    report = await _sync_sber(hass_tz, mock_config_entry)
    assert ("PUT", "/v1/models") in fake.calls()
    assert ("POST", "/v1/models") not in fake.calls()
    assert report["homes"][HOME_ID]["failed"] == []


async def test_a_heater_that_stops_or_goes_offline_keeps_its_last_readings(
    hass_tz: HomeAssistant,
    synced: FakeSber,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every declared feature stays in its state: the last values Sber took, with `on_off` and
    `online` saying why they are not current."""
    chambre = simulator.device(HOME_ID, "B7E8F901")
    chambre["mode"], chambre["sp"] = "Stop", 0
    salon = simulator.device(HOME_ID, "A1B2C3D4")
    salon["online"] = False
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    assert _states(synced, synced.id("B7E8F901")) == {
        "online": True,
        "on_off": False,
        "temperature": "182",
        "hvac_temp_set": "18",
    }
    assert _states(synced, synced.id("A1B2C3D4")) == {
        "online": False,
        "on_off": True,
        "temperature": "195",
        "hvac_temp_set": "17",
    }
    assert synced.problems == []


@pytest.fixture
async def reader(
    synced: FakeSber,
    hass_client: Callable[..., Awaitable[TestClient]],
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> tuple[TestClient, str]:
    """A second person, allowed only the Chambre heater: their client and their Sber device id.

    Their link (`GET /v1/user`) is made here; what it sends is for the test to see.
    """
    hass_read_only_user.mock_policy({"entities": {"entity_ids": {"climate.chambre_heater": True}}})
    client = await hass_client(hass_read_only_access_token)
    synced.received.clear()
    reader_id = (await (await client.get(f"{WEBHOOKS}/user")).json())["id"]
    return client, reader_id


async def test_each_linked_person_gets_only_their_heaters_under_their_own_id(
    hass_tz: HomeAssistant,
    synced: FakeSber,
    reader: tuple[TestClient, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    client, reader_id = reader
    await advance(hass_tz, freezer, GATHER)
    (add, state) = synced.received
    assert (add.method, add.path, add.body["user_id"]) == ("POST", "/v1/devices", reader_id)
    reader_device = f"B7E8F901@{reader_id[:12]}"
    assert [d["id"] for d in add.body["devices"]] == [reader_device]
    assert list(state.body["devices"]) == [reader_device]
    assert synced.owners[reader_device] == reader_id
    # Unlinking: Sber drops that person's devices itself; nothing is sent, the others stay.
    start = len(synced.received)
    assert (await client.post(f"{WEBHOOKS}/unlink")).status == 200
    await advance(hass_tz, freezer, GATHER)
    assert synced.received[start:] == []
    await poll(hass_tz, freezer)
    await advance(hass_tz, freezer, GATHER)
    assert all(reader_device not in str(r.body) for r in synced.received[start:])
    assert synced.id("B7E8F901") in synced.devices


async def test_a_person_deactivated_in_home_assistant_loses_their_heaters_at_sber(
    hass_tz: HomeAssistant,
    synced: FakeSber,
    reader: tuple[TestClient, str],
    hass_read_only_user: MockUser,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Still linked at Sber, no longer allowed here: their devices are deleted there."""
    _client, reader_id = reader
    await advance(hass_tz, freezer, GATHER)
    reader_device = f"B7E8F901@{reader_id[:12]}"
    assert reader_device in synced.devices
    start = len(synced.received)
    await hass_tz.auth.async_update_user(hass_read_only_user, is_active=False)
    await advance(hass_tz, freezer, GATHER)
    deletes = [r.body for r in synced.received[start:] if r.method == "DELETE"]
    assert deletes == [{"device_ids": [reader_device]}]
    assert reader_device not in synced.devices
    assert synced.id("B7E8F901") in synced.devices
