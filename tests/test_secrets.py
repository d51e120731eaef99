"""Secrets audit: recognisable secrets and personal data never reach logs, diagnostics, states,
attributes or error messages, with debug logging on, through set-up, polls, actions and failures.
"""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.json import JSONEncoder
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.homesmartlink.const import DOMAIN
from custom_components.homesmartlink.diagnostics import async_get_config_entry_diagnostics

from .conftest import CLIENT_ID, HOME_ID
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
    assert flow["errors"] == {"base": "invalid_auth"}
    flow = await hass_tz.config_entries.flow.async_configure(
        flow["flow_id"], {**credentials, "client_secret": SECRET}
    )
    flow = await hass_tz.config_entries.flow.async_configure(flow["flow_id"], {"home_id": HOME_ID})
    entry = flow["result"]
    await hass_tz.async_block_till_done()
    # Polls, good and bad.
    for fault in (None, Fault(status=500), Fault(status=429, retry_after="1"), None):
        if fault:
            simulator.faults.append(fault)
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass_tz)
        await hass_tz.async_block_till_done(wait_background_tasks=True)
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
    ):
        for value in NEVER:
            assert value not in text, f"{value!r} leaked into {where}"
    # The audit looked at real material.
    assert "homesmartlink" in caplog.text
    assert len(errors) == 3
    assert "climate.chambre_heater" in states
