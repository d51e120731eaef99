"""Config flow: the account and its homes, "Add home", reauth, reconfigure and options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink import config_flow
from custom_components.homesmartlink.bridges.sber_tls import CERTS
from custom_components.homesmartlink.const import (
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_OVERRIDE_DURATION,
    DOMAIN,
)

from .certificates import certificate_and_key
from .conftest import CLIENT_ID, CLIENT_SECRET, HOME_ID, account_entry
from .simulator import Fault, Simulator, more_homes

CLIENT = "custom_components.homesmartlink.config_flow.HomeSmartlinkClient"
HOME_2 = "home-demo-2"


def _credentials(simulator: Simulator, **overrides: str) -> dict[str, str]:
    return {
        CONF_BASE_URL: simulator.base_url + "/",  # type: ignore[attr-defined]
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: CLIENT_SECRET,
        **overrides,
    }


def _add_second_home(simulator: Simulator) -> None:
    simulator.homes[HOME_2] = more_homes(simulator.seed, 2)["homes"][1]


async def _to_homes_step(hass: HomeAssistant, simulator: Simulator) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] in ("homes", "type_homes")
    return result


def _suggested(result: dict[str, Any]) -> dict[str, Any]:
    return {str(key): key.description["suggested_value"] for key in result["data_schema"].schema}


async def _accept_names(hass: HomeAssistant, result: dict[str, Any]) -> dict[str, Any]:
    """The names step, with the names proposed."""
    assert result["step_id"] == "names"
    return await hass.config_entries.flow.async_configure(result["flow_id"], _suggested(result))


def _homes_of(result: dict[str, Any]) -> list[str]:
    entry = result["result"]
    return sorted(subentry.data[CONF_HOME_ID] for subentry in entry.subentries.values())


async def test_full_flow_one_entry_several_homes(hass: HomeAssistant, simulator: Simulator) -> None:
    _add_second_home(simulator)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["step_id"] == "homes"
    assert result["description_placeholders"] == {"count": "2"}
    selector = result["data_schema"].schema["home_ids"]
    assert selector.config["options"] == [
        {"value": HOME_ID, "label": f"{HOME_ID} (Lyon)"},
        {"value": HOME_2, "label": f"{HOME_2} (Ville 2)"},
    ]
    assert selector.config["multiple"] is True
    assert selector.config["custom_value"] is True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"home_ids": [HOME_ID, HOME_2]}
    )
    # Each home named: its city proposed (never a person's name or address), editable.
    assert _suggested(result) == {HOME_ID: "Lyon", HOME_2: "Ville 2"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {HOME_ID: "  ", HOME_2: "Ville 2"}
    )
    assert result["errors"] == {HOME_ID: "name_empty"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {HOME_ID: "ville 2", HOME_2: "Ville 2"}
    )
    assert result["errors"] == {HOME_2: "name_taken"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {HOME_ID: "Lyon  Part-Dieu ", HOME_2: "Ville 2"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == CLIENT_ID
    titles = {sub.unique_id: sub.title for sub in result["result"].subentries.values()}
    assert titles == {HOME_ID: "Lyon Part-Dieu", HOME_2: "Ville 2"}
    assert result["data"] == {
        CONF_BASE_URL: simulator.base_url,  # type: ignore[attr-defined]
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: CLIENT_SECRET,
    }
    assert result["options"] == {CONF_OVERRIDE_DURATION: 120}
    assert result["result"].unique_id == f"{CLIENT_ID}@127.0.0.1"
    assert _homes_of(result) == [HOME_ID, HOME_2]
    # Credentials checked with the users call; listed homes need no further check.
    assert [r.path for r in simulator.requests][:1] == ["users"]
    await hass.async_block_till_done()
    assert len(hass.states.async_entity_ids("climate")) == 14


async def test_all_homes_and_typed_ones(hass: HomeAssistant, simulator: Simulator) -> None:
    _add_second_home(simulator)
    result = await _to_homes_step(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"home_ids": [], "all_homes": True}
    )
    assert _homes_of(await _accept_names(hass, result)) == [HOME_ID, HOME_2]


async def test_base_url_with_the_api_path_is_taken_off(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(simulator, base_url=f"{simulator.base_url}/partners/1/"),  # type: ignore[attr-defined]
    )
    assert result["step_id"] == "homes"
    assert result["description_placeholders"] == {"count": "1"}


async def test_home_labels_without_city_and_cap(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator.homes[HOME_ID]["users"] = [{"email": "a@example.com"}]
    simulator.homes["home-2"] = {"homeId": "home-2", "devices": [], "users": [{"city": "Nice"}]}
    monkeypatch.setattr(config_flow, "MAX_HOME_CHOICES", 1)
    result = await _to_homes_step(hass, simulator)
    selector = result["data_schema"].schema["home_ids"]
    assert selector.config["options"] == [{"value": HOME_ID, "label": HOME_ID}]


async def test_typed_homes_when_users_call_is_refused(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    _add_second_home(simulator)
    simulator.faults.append(Fault(path="users", status=404))
    result = await _to_homes_step(hass, simulator)
    assert result["step_id"] == "type_homes"
    assert set(result["data_schema"].schema["home_ids"].serialize()["selector"]) == {"text"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"home_ids": f" {HOME_ID}, {HOME_2} "}
    )
    # Nothing said of the homes: their ids are proposed.
    assert _suggested(result) == {HOME_ID: HOME_ID, HOME_2: HOME_2}
    result = await _accept_names(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _homes_of(result) == [HOME_ID, HOME_2]


@pytest.mark.parametrize(
    ("fault", "errors"),
    [
        (Fault(path="users", status=401), {CONF_CLIENT_SECRET: "invalid_auth"}),
        (Fault(path="users", status=500), {CONF_BASE_URL: "cannot_connect"}),
        (Fault(path="users", status=429, retry_after="5"), {CONF_BASE_URL: "cannot_connect"}),
        (Fault(path="users", reset=True, count=2), {CONF_BASE_URL: "cannot_connect"}),
    ],
)
async def test_user_step_errors_keep_what_was_typed_then_recover(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, errors: dict[str, str]
) -> None:
    simulator.faults.append(fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    # Everything typed is offered again, the secret too.
    suggested = {
        str(key): key.description["suggested_value"] for key in result["data_schema"].schema
    }
    assert suggested == _credentials(simulator)
    simulator.faults.clear()  # aiohttp may retry a dropped connection once: clear leftovers
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["step_id"] == "homes"


async def test_user_step_wrong_secret(hass: HomeAssistant, simulator: Simulator) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, client_secret="wrong")
    )
    assert result["errors"] == {CONF_CLIENT_SECRET: "invalid_auth"}


async def test_user_step_unexpected_error(hass: HomeAssistant, simulator: Simulator) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with patch(f"{CLIENT}.iter_users", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _credentials(simulator)
        )
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.parametrize("url", ["ftp://example.com", "not a url", "http://", "http://[::1"])
async def test_user_step_invalid_url(hass: HomeAssistant, simulator: Simulator, url: str) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, base_url=url)
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_url"}
    assert simulator.requests == []


@pytest.mark.parametrize(
    ("fault", "errors"),
    [
        (Fault(path="config", status=401), {"base": "invalid_auth"}),
        (Fault(path="config", status=404), {"home_ids": "invalid_home"}),
        (Fault(path="config", status=500), {"base": "cannot_connect"}),
        (Fault(path="config", body="garbage"), {"home_ids": "invalid_home"}),
    ],
)
async def test_typed_home_errors_then_recover(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, errors: dict[str, str]
) -> None:
    """A home the users call does not list is checked with the config call."""
    simulator.faults.append(Fault(path="users", status=404))
    flow_id = (await _to_homes_step(hass, simulator))["flow_id"]
    simulator.faults.append(fault)
    result = await hass.config_entries.flow.async_configure(flow_id, {"home_ids": HOME_ID})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(flow_id, {"home_ids": HOME_ID})
    assert (await _accept_names(hass, result))["type"] is FlowResultType.CREATE_ENTRY


async def test_unknown_blank_and_failing_home(hass: HomeAssistant, simulator: Simulator) -> None:
    flow_id = (await _to_homes_step(hass, simulator))["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"home_ids": ["nope"]})
    assert result["errors"] == {"home_ids": "invalid_home"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"home_ids": ["  "]})
    assert result["errors"] == {"home_ids": "no_home_chosen"}
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"home_ids": "no_home_chosen"}
    with patch(f"{CLIENT}.get_home_config", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(flow_id, {"home_ids": ["x"]})
    assert result["errors"] == {"base": "unknown"}


async def test_one_entry_per_account(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _add_home_flow(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, "home"), context={"source": SOURCE_USER}
    )


async def test_add_home_offers_only_homes_not_added(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    _add_second_home(simulator)
    result = await _add_home_flow(hass, init_integration)
    assert result["step_id"] == "user"
    assert result["description_placeholders"] == {"count": "1"}
    selector = result["data_schema"].schema[CONF_HOME_ID]
    assert selector.config["options"] == [{"value": HOME_2, "label": f"{HOME_2} (Ville 2)"}]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_HOME_ID: HOME_ID}
    )
    assert result["errors"] == {CONF_HOME_ID: "home_already_added"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_HOME_ID: "nope"}
    )
    assert result["errors"] == {CONF_HOME_ID: "invalid_home"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_HOME_ID: HOME_2}
    )
    assert result["step_id"] == "name"
    assert _suggested(result) == {"name": "Ville 2"}
    assert result["description_placeholders"] == {"home_id": HOME_2}
    # The first home is called by its id in this account: a second home may not take it.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": HOME_ID}
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Ville 2"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Ville 2"
    await hass.async_block_till_done()
    # The account reloaded with its second home.
    assert len(hass.states.async_entity_ids("climate")) == 14
    # The first home's entity ids stay; its names now say its home, as the new home's do.
    assert hass.states.get("climate.salon_heater_1").name == f"{HOME_ID} · Salon heater 1"
    assert hass.states.get("climate.ville_2_salon_heater_1").name == "Ville 2 · Salon heater 1"
    assert sorted(home.home_id for home in init_integration.runtime_data.homes.values()) == [
        HOME_ID,
        HOME_2,
    ]


async def test_add_home_when_the_cloud_fails(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    simulator.faults.append(Fault(path="users", status=500))
    result = await _add_home_flow(hass, init_integration)
    assert result["errors"] == {"base": "cannot_connect"}
    simulator.faults.append(Fault(path="users", status=404))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_HOME_ID: HOME_ID}
    )
    # Without the users call, the home is typed; one already added is still refused.
    assert result["errors"] == {CONF_HOME_ID: "home_already_added"}


async def test_reauth(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    simulator.partners[CLIENT_ID] = "new-secret"
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID, CONF_CLIENT_SECRET: "still-wrong"}
    )
    assert result["errors"] == {CONF_CLIENT_SECRET: "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID, CONF_CLIENT_SECRET: "new-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_CLIENT_SECRET] == "new-secret"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_reauth_without_the_users_call(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """Partners without the users call: the credentials are checked on a home of the account."""
    mock_config_entry.add_to_hass(hass)
    simulator.partners[CLIENT_ID] = "new-secret"
    result = await mock_config_entry.start_reauth_flow(hass)
    simulator.faults.append(Fault(path="users", status=404, count=2))
    simulator.faults.append(Fault(path="config", status=404))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID, CONF_CLIENT_SECRET: "new-secret"}
    )
    assert result["errors"] == {CONF_CLIENT_SECRET: "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID, CONF_CLIENT_SECRET: "new-secret"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_reconfigure(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, base_url="mailto:x")
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_url"}
    simulator.faults.append(Fault(path="users", status=503))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["errors"] == {CONF_BASE_URL: "cannot_connect"}
    # Another account, even one the cloud accepts, is refused: the entry stays itself.
    simulator.partners["other-partner"] = "other-secret"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(simulator, client_id="other-partner", client_secret="other-secret"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert mock_config_entry.data[CONF_CLIENT_ID] == CLIENT_ID
    assert mock_config_entry.unique_id == f"{CLIENT_ID}@127.0.0.1"
    assert mock_config_entry.title == CLIENT_ID
    assert [s.data[CONF_HOME_ID] for s in mock_config_entry.subentries.values()] == [HOME_ID]
    # The same account at the same host with a new address path: taken.
    simulator.partners[CLIENT_ID] = "rotated"
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(
            simulator,
            base_url=f"{simulator.base_url}/partners/1",  # type: ignore[attr-defined]
            client_secret="rotated",
        ),
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_BASE_URL] == simulator.base_url  # type: ignore[attr-defined]
    assert mock_config_entry.title == CLIENT_ID
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_reauth_with_another_account_is_refused(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    simulator.partners["other-partner"] = "other-secret"
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: " other-partner ", CONF_CLIENT_SECRET: "other-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert mock_config_entry.data[CONF_CLIENT_ID] == CLIENT_ID
    assert mock_config_entry.data[CONF_CLIENT_SECRET] == CLIENT_SECRET
    # Nothing of the other account was even asked.
    assert simulator.requests == []


async def test_reconfigure_to_another_configured_account_is_refused(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    other = MockConfigEntry(domain=DOMAIN, unique_id="demo-partner-2@127.0.0.1", version=2)
    other.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(simulator, client_id="demo-partner-2", client_secret="demo-secret-2"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


def _options_input(
    duration: float = 45.0,
    yango: dict | None = None,
    sber: dict | None = None,
    openadr: dict | None = None,
) -> dict:
    return {
        CONF_OVERRIDE_DURATION: duration,
        "preset_delta": 3,
        "yango_bridge": {"yango": False, "yango_dialogs_url": "https://dialogs.yango.com"}
        | (yango or {}),
        "sber_bridge": {"sber": False, "sber_url": "https://partners.iot.sberdevices.ru"}
        | (sber or {}),
        "openadr_ven": {"openadr": False} | (openadr or {}),
    }


# What the options hold for a VEN left off: its switch and the SIMPLE levels' table.
VEN_OFF = {"openadr": False, "openadr_level_1": -1, "openadr_level_2": -2, "openadr_level_3": -3}


async def test_options(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(result["flow_id"], _options_input())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options == {
        CONF_OVERRIDE_DURATION: 45,
        "preset_delta": 3,
        "yango": False,
        "sber": False,
        "yango_dialogs_url": "https://dialogs.yango.com",
        "sber_url": "https://partners.iot.sberdevices.ru",
        **VEN_OFF,
    }


async def test_options_comfort_floor(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Off unless set; set, it is kept as a number; emptied, it is off again."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**_options_input(), "comfort_floor": 17.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options["comfort_floor"] == 17.5
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    floor = next(key for key in result["data_schema"].schema if str(key) == "comfort_floor")
    assert floor.description == {"suggested_value": 17.5}
    result = await hass.config_entries.options.async_configure(result["flow_id"], _options_input())
    assert "comfort_floor" not in mock_config_entry.options


async def test_options_time_zone_of_the_homes(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The homes' clock: an IANA name, checked; empty is Home Assistant's."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**_options_input(), "time_zone": "Mars/Olympus"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"time_zone": "invalid_time_zone"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**_options_input(), "time_zone": " Europe/Paris "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options["time_zone"] == "Europe/Paris"


@pytest.mark.parametrize(
    ("yango", "sber", "error"),
    [
        ({"yango_dialogs_url": "ftp://x"}, {}, "invalid_url"),
        ({}, {"sber_url": "not a url"}, "invalid_url"),
        ({"yango": True, "yango_skill_id": "skill-1"}, {}, "skill_incomplete"),
        ({"yango": True, "yango_skill_token": "tok"}, {}, "skill_incomplete"),
        ({}, {"sber": True}, "sber_key_required"),
        ({}, {"sber_ca": "not a certificate"}, "invalid_ca"),
    ],
)
async def test_options_errors_keep_input(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, yango: dict, sber: dict, error: str
) -> None:
    """A wrong bridge setting is explained, and a corrected form goes through."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_input(yango=yango, sber=sber)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.options.async_configure(result["flow_id"], _options_input())
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_options_bridges_keep_stored_secrets(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Secrets are never shown back; an empty secret field keeps the stored one."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options_input(
            yango={"yango": True, "yango_skill_id": " skill-1 ", "yango_skill_token": "tok-1"},
            sber={"sber": True, "sber_key": "key-1", "sber_url": "https://sber.test/"},
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options["yango_skill_id"] == "skill-1"
    assert mock_config_entry.options["sber_url"] == "https://sber.test"
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    schema_text = str(result["data_schema"].schema)
    assert "tok-1" not in schema_text
    assert "key-1" not in schema_text
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options_input(
            yango={"yango": True, "yango_skill_id": "skill-1"},
            sber={"sber": True, "sber_url": "https://sber.test"},
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Secrets are kept in the entry's data, never in its options.
    assert mock_config_entry.data["yango_skill_token"] == "tok-1"
    assert mock_config_entry.data["sber_key"] == "key-1"
    assert "yango_skill_token" not in mock_config_entry.options
    assert "sber_key" not in mock_config_entry.options
    assert mock_config_entry.data[CONF_CLIENT_SECRET] == CLIENT_SECRET
    # With something stored, the secret fields are the "replace" ones (their help says that
    # empty keeps it); a new value typed there replaces it.
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    yango_fields = {str(key) for key in result["data_schema"].schema["yango_bridge"].schema.schema}
    assert "yango_skill_token_replace" in yango_fields
    assert "yango_skill_token" not in yango_fields
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options_input(
            yango={
                "yango": True,
                "yango_skill_id": "skill-1",
                "yango_skill_token_replace": "tok-2",
            },
            sber={"sber": True, "sber_url": "https://sber.test", "sber_key_replace": "key-2"},
        ),
    )
    assert mock_config_entry.data["yango_skill_token"] == "tok-2"
    assert mock_config_entry.data["sber_key"] == "key-2"


async def test_reconfigure_the_same_account_with_a_new_secret(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    simulator.partners[CLIENT_ID] = "rotated"
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, client_secret="rotated")
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.unique_id == f"{CLIENT_ID}@127.0.0.1"
    assert mock_config_entry.data[CONF_CLIENT_SECRET] == "rotated"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_options_sber_ca_of_ones_own(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A CA pasted with text around it is kept as its certificates alone."""
    pem = (CERTS / "russian_trusted_sub_ca_2024.pem").read_text()
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options_input(sber={"sber": True, "sber_key": "key-1", "sber_ca": f"ours:\n{pem}\n"}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options["sber_ca"] == pem


async def test_rename_a_home(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """A home is renamed from its ⋮ menu; its devices' names follow, entity ids stay."""
    _add_second_home(simulator)
    entry = account_entry(simulator.base_url, [HOME_ID, HOME_2])  # type: ignore[attr-defined]
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    salon = "climate.home_demo_2_salon_heater_1"
    assert hass.states.get(salon).name == "home-demo-2 · Salon heater 1"
    # A device the user named keeps its name.
    devices = dr.async_get(hass)
    chambre = next(
        device
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
        if device.name == "home-demo-2 · Chambre heater"
    )
    devices.async_update_device(chambre.id, name_by_user="Kids' room")
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "home"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": f"sub-{HOME_2}"},
    )
    assert result["step_id"] == "reconfigure"
    assert _suggested(result) == {"name": HOME_2}
    assert result["description_placeholders"] == {"home_id": HOME_2}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": HOME_ID}
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": " Ville 2 "}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[f"sub-{HOME_2}"].title == "Ville 2"
    assert hass.states.get(salon).name == "Ville 2 · Salon heater 1"
    assert devices.async_get(chambre.id).name_by_user == "Kids' room"
    assert devices.async_get(chambre.id).name == "Ville 2 · Chambre heater"
    assert hass.states.get(salon.replace("salon_heater_1", "chambre_heater")) is not None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_many_homes_take_their_proposed_names(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the form's size, homes are named as proposed: a city shared by two gets the id."""
    _add_second_home(simulator)
    simulator.homes[HOME_2]["users"] = [{"city": "Lyon"}]
    monkeypatch.setattr(config_flow, "MAX_NAMED_HOMES", 1)
    result = await _to_homes_step(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"home_ids": [HOME_ID, HOME_2]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    titles = {sub.unique_id: sub.title for sub in result["result"].subentries.values()}
    assert titles == {HOME_ID: f"Lyon ({HOME_ID})", HOME_2: f"Lyon ({HOME_2})"}
    await hass.async_block_till_done()


async def test_a_second_set_up_of_the_same_account_is_said_in_words(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    first = await _to_homes_step(hass, simulator)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_in_progress"
    hass.config_entries.flow.async_abort(first["flow_id"])


def test_every_abort_reason_is_translated() -> None:
    """Reasons the flows or Home Assistant can answer with have words in every language."""
    root = Path(config_flow.__file__).parent
    reasons = {"already_configured", "already_in_progress", "wrong_account"}
    reasons |= {"reauth_successful", "reconfigure_successful"}
    for name in (
        "strings.json",
        "translations/en.json",
        "translations/fr.json",
        "translations/ru.json",
    ):
        strings = json.loads((root / name).read_text(encoding="utf-8"))
        assert reasons <= set(strings["config"]["abort"]), name
        assert "reconfigure_successful" in strings["config_subentries"]["home"]["abort"], name


def _flow_answers() -> set[str]:
    """Every error and abort reason the flows' code can answer with (read from its source)."""
    import ast

    tree = ast.parse(Path(config_flow.__file__).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Dict):
            values = [v for k, v in zip(node.keys, node.values, strict=True) if k is not None]
        elif (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript)) or (
            isinstance(node, ast.keyword) and node.arg == "reason"
        ):
            values = [node.value]
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            values = list(node.value.elts)
        found |= {
            v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        }
    return found


def test_every_answer_a_flow_can_give_is_translated() -> None:
    """Errors and aborts of the account, home and options flows, in each language."""
    answers = _flow_answers()
    assert {"invalid_auth", "name_taken", "wrong_account", "invalid_time_zone"} <= answers
    root = Path(config_flow.__file__).parent
    for name in ("strings.json", "translations/fr.json", "translations/ru.json"):
        strings = json.loads((root / name).read_text(encoding="utf-8"))
        known = (
            set(strings["config"]["error"])
            | set(strings["config"]["abort"])
            | set(strings["config_subentries"]["home"]["error"])
            | set(strings["config_subentries"]["home"]["abort"])
            | set(strings["options"]["error"])
        )
        assert answers - known == set(), name


async def test_a_home_of_several_users_takes_the_first_city_given(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    _add_second_home(simulator)
    simulator.homes[HOME_ID]["users"] = [{"city": "Lyon"}, {"city": "Paris"}]
    simulator.homes[HOME_2]["users"] = [{"email": "a@example.com"}, {"city": "Nice"}]
    result = await _to_homes_step(hass, simulator)
    labels = [
        option["label"] for option in result["data_schema"].schema["home_ids"].config["options"]
    ]
    assert labels == [f"{HOME_ID} (Lyon)", f"{HOME_2} (Nice)"]


async def _ven_options(hass: HomeAssistant, entry: MockConfigEntry, **ven: Any) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"], _options_input(openadr={"openadr": True, **ven})
    )


async def test_options_openadr_ven(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """On with a VTN and a VEN name; levels kept; incomplete or a bad URL said in words."""
    mock_config_entry.add_to_hass(hass)
    result = await _ven_options(hass, mock_config_entry, openadr_ven_name="hsl")
    assert result["errors"] == {"base": "openadr_incomplete"}
    result = await _ven_options(
        hass, mock_config_entry, openadr_vtn_url="ftp://vtn.test", openadr_ven_name="hsl"
    )
    assert result["errors"] == {"base": "invalid_url"}
    result = await _ven_options(
        hass,
        mock_config_entry,
        openadr_vtn_url="https://vtn.test",
        openadr_ven_name="hsl",
        openadr_ca="not a certificate",
    )
    assert result["errors"] == {"base": "invalid_ca"}
    authority_pem, _ = certificate_and_key("ca.test")
    result = await _ven_options(
        hass,
        mock_config_entry,
        openadr_ca=authority_pem,
        openadr_vtn_url=" https://vtn.test/OpenADR2/Simple/2.0b ",
        openadr_ven_name="hsl",
        openadr_level_3=-4,
        openadr_preheat_delta=1,
        openadr_preheat_minutes=60,
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options["openadr_preheat_minutes"] == 60
    assert "openadr_recovery_delta" not in mock_config_entry.options
    assert mock_config_entry.options["openadr_vtn_url"] == "https://vtn.test/OpenADR2/Simple/2.0b"
    assert mock_config_entry.options["openadr_level_3"] == -4
    assert "openadr_cert" not in mock_config_entry.data
    assert mock_config_entry.options["openadr_ca"] == authority_pem


async def test_options_openadr_certificate_is_a_secret(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The certificate and key: checked to pair, kept in the data, never shown back."""
    mock_config_entry.add_to_hass(hass)
    cert, key = certificate_and_key()
    _, other_key = certificate_and_key()
    ven = {"openadr_vtn_url": "https://vtn.test", "openadr_ven_name": "hsl"}
    result = await _ven_options(
        hass, mock_config_entry, **ven, openadr_cert=cert, openadr_key=other_key
    )
    assert result["errors"] == {"base": "invalid_ven_certificate"}
    result = await _ven_options(hass, mock_config_entry, **ven, openadr_cert=cert)
    assert result["errors"] == {"base": "invalid_ven_certificate"}
    result = await _ven_options(hass, mock_config_entry, **ven, openadr_cert=cert, openadr_key=key)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored_key = mock_config_entry.data["openadr_key"]
    assert mock_config_entry.data["openadr_cert"] == cert
    assert "PRIVATE KEY" in stored_key
    assert "openadr_key" not in mock_config_entry.options
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    fields = {str(k) for k in result["data_schema"].schema["openadr_ven"].schema.schema}
    assert {"openadr_cert_replace", "openadr_key_replace"} <= fields
    assert "PRIVATE KEY" not in str(result["data_schema"].schema)
    # Left empty: kept. A new certificate alone must pair with the stored key.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_input(openadr={"openadr": True, **ven})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.data["openadr_key"] == stored_key
    new_cert, _ = certificate_and_key("other.test")
    result = await _ven_options(hass, mock_config_entry, **ven, openadr_cert_replace=new_cert)
    assert result["errors"] == {"base": "invalid_ven_certificate"}
