"""Config flow: user and home steps, one entry per home, reauth, reconfigure and options."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink import config_flow
from custom_components.homesmartlink.const import (
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_OVERRIDE_DURATION,
    DOMAIN,
)

from .conftest import CLIENT_ID, CLIENT_SECRET, HOME_ID
from .simulator import Fault, Simulator

CLIENT = "custom_components.homesmartlink.config_flow.HomeSmartlinkClient"


def _credentials(simulator: Simulator, **overrides: str) -> dict[str, str]:
    return {
        CONF_BASE_URL: simulator.base_url + "/",  # type: ignore[attr-defined]
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: CLIENT_SECRET,
        **overrides,
    }


async def _to_home_step(hass: HomeAssistant, simulator: Simulator) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "home"
    return result["flow_id"]


async def test_full_flow(hass: HomeAssistant, simulator: Simulator) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["step_id"] == "home"
    assert result["description_placeholders"] == {"count": "1"}
    selector = result["data_schema"].schema[CONF_HOME_ID]
    assert selector.config["options"] == [{"value": HOME_ID, "label": f"{HOME_ID} (Lyon)"}]
    assert selector.config["custom_value"] is True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOME_ID: f" {HOME_ID} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == HOME_ID
    assert result["data"] == {
        CONF_BASE_URL: simulator.base_url,  # type: ignore[attr-defined]
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: CLIENT_SECRET,
        CONF_HOME_ID: HOME_ID,
    }
    assert result["options"] == {CONF_OVERRIDE_DURATION: 120}
    assert result["result"].unique_id == HOME_ID
    # The credentials were checked with the users call, the home with the config call.
    assert [r.path for r in simulator.requests][:2] == ["users", "config"]


async def test_home_labels_without_city_and_cap(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator.homes[HOME_ID]["users"] = [{"email": "a@example.com"}]
    simulator.homes["home-2"] = {"homeId": "home-2", "devices": [], "users": [{"city": "Nice"}]}
    monkeypatch.setattr(config_flow, "MAX_HOME_CHOICES", 1)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    selector = result["data_schema"].schema[CONF_HOME_ID]
    assert selector.config["options"] == [{"value": HOME_ID, "label": HOME_ID}]


async def test_typed_home_when_users_call_is_refused(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    simulator.faults.append(Fault(path="users", status=404))
    flow_id = await _to_home_step(hass, simulator)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: HOME_ID})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_typed_home_form_is_text(hass: HomeAssistant, simulator: Simulator) -> None:
    simulator.faults.append(Fault(path="users", status=400))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["description_placeholders"] == {"count": "0"}
    assert set(result["data_schema"].schema[CONF_HOME_ID].serialize()["selector"]) == {"text"}


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(path="users", status=401), "invalid_auth"),
        (Fault(path="users", status=500), "cannot_connect"),
        (Fault(path="users", status=429, retry_after="5"), "cannot_connect"),
        (Fault(path="users", reset=True, count=2), "cannot_connect"),
    ],
)
async def test_user_step_errors_then_recover(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, error: str
) -> None:
    simulator.faults.append(fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": error}
    simulator.faults.clear()  # aiohttp may retry a dropped connection once: clear leftovers
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["step_id"] == "home"


async def test_user_step_wrong_secret(hass: HomeAssistant, simulator: Simulator) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, client_secret="wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}


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
        (Fault(path="config", status=404), {CONF_HOME_ID: "invalid_home"}),
        (Fault(path="config", status=500), {"base": "cannot_connect"}),
        (Fault(path="config", body="garbage"), {CONF_HOME_ID: "invalid_home"}),
    ],
)
async def test_home_step_errors_then_recover(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, errors: dict[str, str]
) -> None:
    flow_id = await _to_home_step(hass, simulator)
    simulator.faults.append(fault)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: HOME_ID})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: HOME_ID})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_home_step_unknown_and_blank_home(hass: HomeAssistant, simulator: Simulator) -> None:
    flow_id = await _to_home_step(hass, simulator)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: "nope"})
    assert result["errors"] == {CONF_HOME_ID: "invalid_home"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: "  "})
    assert result["errors"] == {CONF_HOME_ID: "invalid_home"}
    with patch(f"{CLIENT}.get_home_config", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: HOME_ID})
    assert result["errors"] == {"base": "unknown"}


async def test_one_entry_per_home(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    flow_id = await _to_home_step(hass, simulator)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOME_ID: HOME_ID})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


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
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID, CONF_CLIENT_SECRET: "new-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_CLIENT_SECRET] == "new-secret"
    assert mock_config_entry.data[CONF_HOME_ID] == HOME_ID
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
    simulator.faults.append(Fault(path="config", status=503))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    simulator.partners["other-partner"] = "other-secret"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(simulator, client_id="other-partner", client_secret="other-secret"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_CLIENT_ID] == "other-partner"
    assert mock_config_entry.data[CONF_BASE_URL] == simulator.base_url  # type: ignore[attr-defined]
    assert mock_config_entry.data[CONF_HOME_ID] == HOME_ID
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


def _options_input(
    duration: float = 45.0, yango: dict | None = None, sber: dict | None = None
) -> dict:
    return {
        CONF_OVERRIDE_DURATION: duration,
        "yango_bridge": {"yango": False, "yango_dialogs_url": "https://dialogs.yango.com"}
        | (yango or {}),
        "sber_bridge": {"sber": False, "sber_url": "https://partners.iot.sberdevices.ru"}
        | (sber or {}),
    }


async def test_options(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(result["flow_id"], _options_input())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options == {
        CONF_OVERRIDE_DURATION: 45,
        "yango": False,
        "sber": False,
        "yango_dialogs_url": "https://dialogs.yango.com",
        "sber_url": "https://partners.iot.sberdevices.ru",
    }


@pytest.mark.parametrize(
    ("yango", "sber", "error"),
    [
        ({"yango_dialogs_url": "ftp://x"}, {}, "invalid_url"),
        ({}, {"sber_url": "not a url"}, "invalid_url"),
        ({"yango": True, "yango_skill_id": "skill-1"}, {}, "skill_incomplete"),
        ({"yango": True, "yango_skill_token": "tok"}, {}, "skill_incomplete"),
        ({}, {"sber": True}, "sber_key_required"),
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
    assert mock_config_entry.options["yango_skill_token"] == "tok-1"
    assert mock_config_entry.options["sber_key"] == "key-1"
