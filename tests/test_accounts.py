"""An account with several homes: polls spread over the minute, homes failing alone, homes
added and deleted, and actions that name a home."""

from __future__ import annotations

from collections import Counter
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.compat import find_device
from custom_components.homesmartlink.const import DOMAIN

from .conftest import HOME_ID, account_entry, account_of_homes, advance, home
from .simulator import Fault, Simulator


async def test_homes_are_polled_once_a_minute_each_spread_over_it(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    await account_of_homes(hass_tz, simulator, 6)
    simulator.requests.clear()
    for _ in range(120):  # two minutes, second by second
        await advance(hass_tz, freezer, 1)
    config = simulator.requests_to("config")
    per_home = Counter(request.body["homeId"] for request in config)
    assert per_home == dict.fromkeys(simulator.homes, 2)
    per_second = Counter(int(request.at) for request in config)
    assert max(per_second.values()) == 1


async def test_a_home_failing_at_set_up_does_not_hold_the_others(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """The account loads with the homes that answer; the other joins once it answers."""
    simulator.faults.append(Fault(path="config", status=500, skip=1))
    entry = await account_of_homes(hass_tz, simulator, 2)
    assert entry.state is ConfigEntryState.LOADED
    assert [h.home_id for h in entry.runtime_data.homes.values()] == [HOME_ID]
    assert len(hass_tz.states.async_entity_ids("climate")) == 7
    for _ in range(61):
        await advance(hass_tz, freezer, 1)
    assert len(entry.runtime_data.homes) == 2
    assert len(hass_tz.states.async_entity_ids("climate")) == 14


async def test_every_home_down_retries_the_account(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    simulator.faults.append(Fault(path="config", status=500, count=2))
    entry = await account_of_homes(hass_tz, simulator, 2)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_refused_credentials_start_one_reauth_for_the_account(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    simulator.partners["demo-partner"] = "rotated"
    entry = await account_of_homes(hass_tz, simulator, 3)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass_tz.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_deleting_a_home_removes_its_devices_and_what_was_stored(
    hass_tz: HomeAssistant, simulator: Simulator, hass_storage: dict[str, Any]
) -> None:
    entry = await account_of_homes(hass_tz, simulator, 2)
    await hass_tz.services.async_call(
        "climate",
        "set_temperature",
        {"entity_id": "climate.home_demo_2_chambre_heater", "temperature": 20},
        blocking=True,
    )
    await hass_tz.async_block_till_done()
    key = "homesmartlink.sub-home-demo-2.derogations"
    assert key in hass_storage or home(entry, "home-demo-2").derogations.items
    assert hass_tz.config_entries.async_remove_subentry(entry, "sub-home-demo-2")
    await hass_tz.async_block_till_done()
    assert key not in hass_storage
    devices = dr.async_get(hass_tz)
    assert find_device(devices, entry.entry_id, (DOMAIN, "home-demo-2")) is None
    assert find_device(devices, entry.entry_id, (DOMAIN, "H2E8F901")) is None
    assert len(hass_tz.states.async_entity_ids("climate")) == 7
    assert [h.home_id for h in entry.runtime_data.homes.values()] == [HOME_ID]


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def test_actions_name_a_home_by_its_gateway_or_account_and_id(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    entry = await account_of_homes(hass_tz, simulator, 2)
    gateway = find_device(dr.async_get(hass_tz), entry.entry_id, (DOMAIN, "home-demo-2"))
    assert gateway is not None
    await _call(hass_tz, "request_diagnosis", {"device_id": gateway.id})
    await _call(
        hass_tz, "request_diagnosis", {"config_entry_id": entry.entry_id, "home_id": HOME_ID}
    )
    assert [r.body["homeId"] for r in simulator.requests_to("request")] == [
        "home-demo-2",
        HOME_ID,
    ]
    for data, key in (
        ({"config_entry_id": entry.entry_id}, "home_id_needed"),
        ({"config_entry_id": entry.entry_id, "home_id": "nope"}, "home_not_found"),
        ({"device_id": "not-a-device"}, "not_a_gateway"),
        ({}, "no_home_given"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass_tz, "request_diagnosis", data)
        assert err.value.translation_key == key


async def test_set_derogation_on_every_home_of_an_account(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    entry = await account_of_homes(hass_tz, simulator, 3)
    response = await _call(
        hass_tz,
        "set_derogation",
        {"config_entry_id": entry.entry_id, "delta": -2, "start": "18:00", "end": "20:00"},
    )
    (request,) = simulator.requests_to("derogations")
    homes = {d["homeId"] for d in request.body["derogations"]}
    assert homes == set(simulator.homes)
    assert response["requests"][0]["rooms"] == len(request.body["derogations"])
    await _call(
        hass_tz,
        "set_derogation",
        {
            "config_entry_id": entry.entry_id,
            "home_id": "home-demo-3",
            "delta": 1,
            "start": "18:00",
            "end": "20:00",
        },
    )
    last = simulator.requests_to("derogations")[-1]
    assert {d["homeId"] for d in last.body["derogations"]} == {"home-demo-3"}


async def test_an_account_without_homes_loads(hass_tz: HomeAssistant, simulator: Simulator) -> None:
    """Every home deleted: the account stays, with its "Add home" button, and polls nothing."""
    entry = account_entry(simulator.base_url, [])  # type: ignore[attr-defined]
    entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(entry.entry_id)
    assert entry.runtime_data.homes == {}
    assert simulator.requests_to("config") == []


async def test_deleting_a_home_that_never_answered_forgets_it_too(
    hass_tz: HomeAssistant, simulator: Simulator, hass_storage: dict[str, Any]
) -> None:
    key = "homesmartlink.sub-home-demo-2.derogations"
    hass_storage[key] = {"version": 1, "key": key, "data": {"derogations": []}}
    simulator.faults.append(Fault(path="config", status=500, skip=1))
    entry = await account_of_homes(hass_tz, simulator, 2)
    assert "sub-home-demo-2" not in entry.runtime_data.homes
    assert hass_tz.config_entries.async_remove_subentry(entry, "sub-home-demo-2")
    await hass_tz.async_block_till_done()
    assert key not in hass_storage
    assert entry.state is ConfigEntryState.LOADED


async def test_a_rate_limit_holds_every_home_of_the_account(
    hass_tz: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """The cloud limits the partner's credentials: after a 429 no home polls before its end."""
    await account_of_homes(hass_tz, simulator, 3)
    simulator.requests.clear()
    simulator.faults.append(Fault(path="config", status=429, retry_after="150"))
    for _ in range(140):  # the first turn (at 20 s) is refused; nothing more until 170 s
        await advance(hass_tz, freezer, 1)
    assert len(simulator.requests_to("config")) == 1
    for _ in range(60):
        await advance(hass_tz, freezer, 1)
    assert len(simulator.requests_to("config")) >= 2


async def test_bridge_secrets_move_to_the_data_without_loss(
    hass_tz: HomeAssistant, simulator: Simulator
) -> None:
    """An account of version 2.1 kept the bridges' secrets in its options: 2.2 moves them."""
    account = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        minor_version=1,
        unique_id="demo-partner@127.0.0.1",
        data={
            "base_url": simulator.base_url,  # type: ignore[attr-defined]
            "client_id": "demo-partner",
            "client_secret": "demo-secret",
        },
        options={
            "override_duration": 60,
            "yango": True,
            "yango_skill_id": "skill-1",
            "yango_skill_token": "tok-1",
            "sber": False,
            "sber_key": "key-1",
        },
        subentries_data=[
            {
                "data": {"home_id": HOME_ID},
                "subentry_type": "home",
                "title": "Lyon",
                "unique_id": HOME_ID,
            }
        ],
    )
    account.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(account.entry_id)
    await hass_tz.async_block_till_done()
    assert account.minor_version == 2
    assert account.data["yango_skill_token"] == "tok-1"
    assert account.data["sber_key"] == "key-1"
    assert account.data["client_secret"] == "demo-secret"
    assert account.options == {
        "override_duration": 60,
        "yango": True,
        "yango_skill_id": "skill-1",
        "sber": False,
    }
    # The home kept the name it had.
    assert [sub.title for sub in account.subentries.values()] == ["Lyon"]
    # The Yango bridge found its token where it is now: notifications are on.
    assert account.runtime_data.bridges["yango"].notifiers
    await hass_tz.config_entries.async_unload(account.entry_id)
