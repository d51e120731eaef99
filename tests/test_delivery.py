"""Delivery of derogations: reports read until settled, sensors, and a repair issue."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.homesmartlink.const import DOMAIN

from .conftest import HOME_ID, advance
from .simulator import Fault, Simulator

GATEWAY = "sensor.homesmartlink_gateway_home_demo_1"
ISSUE = f"delivery_incomplete_{HOME_ID}"


async def _derogate(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_derogation",
        {"entity_id": "climate.chambre_heater", "delta": -1, "start": "18:00", "end": "19:00"},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_delivered(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    assert hass_tz.states.get(f"{GATEWAY}_last_change_homes_targeted").state == STATE_UNKNOWN
    await _derogate(hass_tz)
    targeted = hass_tz.states.get(f"{GATEWAY}_last_change_homes_targeted")
    assert targeted.state == STATE_UNKNOWN
    assert targeted.attributes["settled"] is False
    await advance(hass_tz, freezer, 16)
    assert len(simulator.requests_to("report")) == 1
    assert hass_tz.states.get(f"{GATEWAY}_last_change_homes_targeted").state == "1"
    assert hass_tz.states.get(f"{GATEWAY}_last_change_homes_sent").state == "1"
    received = hass_tz.states.get(f"{GATEWAY}_last_change_homes_confirmed")
    assert received.state == "1"
    assert received.attributes["settled"] is True
    # Settled: no more reads.
    await advance(hass_tz, freezer, 700)
    assert len(simulator.requests_to("report")) == 1
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None


async def test_not_delivered_raises_then_clears_a_repair(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    simulator.homes[HOME_ID]["gatewayAck"] = False
    await _derogate(hass_tz)
    simulator.faults.append(Fault(path="report", status=500))  # one read fails: kept trying
    for seconds in (16, 45, 120):
        await advance(hass_tz, freezer, seconds)
        assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
    await advance(hass_tz, freezer, 421)
    assert len(simulator.requests_to("report")) == 4
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "delivery_incomplete"
    assert issue.translation_placeholders == {"home": HOME_ID, "requested": "1", "received": "0"}
    assert hass_tz.states.get(f"{GATEWAY}_last_change_homes_confirmed").state == "0"
    # A later change delivered in full clears it.
    simulator.homes[HOME_ID]["gatewayAck"] = True
    await _derogate(hass_tz)
    await advance(hass_tz, freezer, 16)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None


async def test_no_report_at_all(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    await _derogate(hass_tz)
    simulator.faults.append(Fault(path="report", status=500, count=4))
    for seconds in (16, 45, 120, 421):
        await advance(hass_tz, freezer, seconds)
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_placeholders == {"home": HOME_ID, "requested": "?", "received": "?"}


async def test_new_derogation_replaces_tracking_and_unload_stops_it(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _derogate(hass_tz)
    await _derogate(hass_tz)
    await advance(hass_tz, freezer, 16)
    assert len(simulator.requests_to("report")) == 1  # only the latest trigger is read
    await _derogate(hass_tz)
    await hass_tz.config_entries.async_unload(init_integration.entry_id)
    await advance(hass_tz, freezer, 16)
    assert len(simulator.requests_to("report")) == 1
