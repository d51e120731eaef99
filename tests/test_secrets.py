"""Secrets audit: recognisable secrets and personal data never reach logs, diagnostics, states,
attributes or error messages, with debug logging on, through set-up, polls, actions and failures.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.json import JSONEncoder
import pytest

from custom_components.homesmartlink.const import CONF_BASE_URL, DOMAIN
from custom_components.homesmartlink.diagnostics import async_get_config_entry_diagnostics

from .conftest import CLIENT_ID, HOME_ID, account_entry, advance
from .fake_platforms import FakeSber, RecordingServer
from .simulator import Fault, Simulator

SECRET = "SECRET-c0ffee-9137"
PERSONAL = {
    "firstName": "Personalfirst",
    "lastName": "Personallast",
    "address": "77 rue Personnelle",
    "zipCode": "ZIP-31337",
    "prmId": "PRM-4242424242",
    "email": "personal.mail@example.org",
}
TOKEN = "GW-TOKEN-5150"
NEVER = [SECRET, TOKEN, *PERSONAL.values()]


@pytest.fixture
def seed(seed: dict[str, Any]) -> dict[str, Any]:
    seed["partners"][0]["client_secret"] = SECRET
    home = seed["homes"][0]
    home["users"] = [{**PERSONAL, "city": "Lyon"}]
    home["gateway"]["token"] = TOKEN
    return seed


async def test_nothing_secret_or_personal_leaks(
    hass_tz: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    # Set up through the config flow, which reads the users (personal data) to list homes.
    flow = await hass_tz.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    credentials = {"base_url": simulator.base_url, "client_id": CLIENT_ID}  # type: ignore[attr-defined]
    flow = await hass_tz.config_entries.flow.async_configure(
        flow["flow_id"], {**credentials, "client_secret": "wrong-one"}
    )
    assert flow["errors"] == {"client_secret": "invalid_auth"}
    flow = await hass_tz.config_entries.flow.async_configure(
        flow["flow_id"], {**credentials, "client_secret": SECRET}
    )
    flow = await hass_tz.config_entries.flow.async_configure(
        flow["flow_id"], {"home_ids": [HOME_ID]}
    )
    # The name proposed is the city, nothing of the person.
    proposed = {str(key): key.description["suggested_value"] for key in flow["data_schema"].schema}
    assert proposed == {HOME_ID: "Lyon"}
    flow = await hass_tz.config_entries.flow.async_configure(flow["flow_id"], proposed)
    entry = flow["result"]
    await hass_tz.async_block_till_done()
    # Polls, good and bad.
    for fault in (None, Fault(status=500), Fault(status=429, retry_after="1"), None):
        if fault:
            simulator.faults.append(fault)
        await advance(hass_tz, freezer, 61)
    # Actions, good and bad.
    await hass_tz.services.async_call(
        "climate",
        "set_temperature",
        {"entity_id": "climate.chambre_heater", "temperature": 19},
        blocking=True,
    )
    response = await hass_tz.services.async_call(
        DOMAIN,
        "set_derogation",
        {"entity_id": "climate.salon_heater_1", "delta": 1, "start": "18:00", "end": "19:00"},
        blocking=True,
        return_response=True,
    )
    await hass_tz.services.async_call(
        DOMAIN,
        "get_derogation_report",
        {"trigger": response["requests"][0]["start_trigger"]},
        blocking=True,
        return_response=True,
    )
    for call, data in (
        (
            "set_derogation",
            {"entity_id": "climate.salon_heater_1", "delta": 9, "start": "18:00", "end": "19:00"},
        ),
        ("get_derogation_report", {"trigger": "nope"}),
        ("request_diagnosis", {"config_entry_id": entry.entry_id}),
    ):
        simulator.faults.append(Fault(status=401))
        try:
            await hass_tz.services.async_call(
                DOMAIN, call, data, blocking=True, return_response=call != "set_derogation"
            )
        except HomeAssistantError as err:
            errors.append(f"{err!s} {err.translation_placeholders}")
    await hass_tz.async_block_till_done(wait_background_tasks=True)

    diagnostics = json.dumps(
        await async_get_config_entry_diagnostics(hass_tz, entry), cls=JSONEncoder
    )
    states = json.dumps([state.as_dict() for state in hass_tz.states.async_all()], cls=JSONEncoder)
    for where, text in (
        ("logs", caplog.text),
        ("diagnostics", diagnostics),
        ("states and attributes", states),
        ("error messages", " ".join(errors)),
        ("entry title", entry.title),
        ("home names", " ".join(sub.title for sub in entry.subentries.values())),
    ):
        for value in NEVER:
            assert value not in text, f"{value!r} leaked into {where}"
    # The audit looked at real material.
    assert "homesmartlink" in caplog.text
    assert len(errors) == 3
    assert "climate.chambre_heater" in states


SKILL_TOKEN = "SKILL-TOKEN-8086"
VENDOR_KEY = "VENDOR-KEY-6502"


async def test_bridges_leak_nothing(
    hass_tz: HomeAssistant,
    mock_config_entry: Any,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    hass_client: Any,
    socket_enabled: None,
) -> None:
    """Both bridges, with their own secrets, failing and working, under debug logging."""
    caplog.set_level(logging.DEBUG)
    sber = FakeSber(VENDOR_KEY)
    sber.down = 1
    yango = RecordingServer(reply=lambda _: (403, {"error": "bad token"}))
    servers = [
        TestServer(app, host="127.0.0.1") for app in (sber.server.make_app(), yango.make_app())
    ]
    for server in servers:
        await server.start_server()
    entry = account_entry(
        mock_config_entry.data[CONF_BASE_URL],
        [HOME_ID],
        client_secret=SECRET,
        sber=True,
        sber_key=VENDOR_KEY,
        sber_url=str(servers[0].make_url("")),
        yango=True,
        yango_skill_id="skill",
        yango_skill_token=SKILL_TOKEN,
        yango_dialogs_url=str(servers[1].make_url("")),
    )
    entry.add_to_hass(hass_tz)
    assert await hass_tz.config_entries.async_setup(entry.entry_id)
    await hass_tz.async_block_till_done()
    client = await hass_client()
    answers = []
    action = {
        "payload": {
            "devices": [
                {
                    "id": "B7E8F901",
                    "capabilities": [
                        {
                            "type": "devices.capabilities.range",
                            "state": {"instance": "temperature", "value": 20},
                        }
                    ],
                }
            ]
        }
    }
    yango_base = "/api/homesmartlink/yango/v1.0/user"
    sber_base = "/api/homesmartlink/sber/v1"
    for method, path, body in (
        ("get", f"{yango_base}/devices", None),
        ("post", f"{yango_base}/devices/query", {"devices": [{"id": "B7E8F901"}]}),
        ("post", f"{yango_base}/devices/action", action),
        ("get", f"{sber_base}/devices", None),
        ("post", f"{sber_base}/query", {"devices": ["B7E8F901"]}),
        (
            "post",
            f"{sber_base}/command",
            {"devices": {"B7E8F901": {"states": [{"key": "on_off"}]}}},
        ),
    ):
        response = await client.request(method, path, json=body)
        answers.append(await response.text())
    for _ in range(3):
        await advance(hass_tz, freezer, 61)
    result = await hass_tz.services.async_call(
        DOMAIN,
        "sync_sber",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )
    for server in servers:
        await server.close()
    diagnostics = json.dumps(
        await async_get_config_entry_diagnostics(hass_tz, entry), cls=JSONEncoder
    )
    issues = json.dumps(
        [
            {"id": issue_id, "placeholders": issue.translation_placeholders}
            for issue_id, issue in ir.async_get(hass_tz).issues.items()
        ]
    )
    for where, text in (
        ("logs", caplog.text),
        ("diagnostics", diagnostics),
        ("bridge answers", " ".join(answers)),
        ("repair issues", issues),
        ("sync report", json.dumps(result)),
    ):
        for value in (*NEVER, SKILL_TOKEN, VENDOR_KEY):
            assert value not in text, f"{value!r} leaked into {where}"
    # The audit looked at real material: both platforms were called and both failed once.
    assert sber.received
    assert yango.received
    assert "Sber sync failed" in caplog.text
    assert "Sber sync back to normal" in caplog.text  # the failure placeholders were seen too
    assert "yango_notify_failed" in issues
