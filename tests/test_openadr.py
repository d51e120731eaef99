"""The OpenADR VEN against a real VTN: `openleadr`'s own OpenADRServer, started by each test.

Real time here (no frozen clock): the library's scheduler polls the VTN every second.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
import threading
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from openleadr.utils import certificate_fingerprint
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesmartlink.const import DOMAIN

from .certificates import authority, certificate_and_key, issued
from .conftest import TIME_ZONE, account_entry
from .simulator import Simulator, more_homes
from .vtn import VEN_ID, ProgramVtn


class Vtn(ProgramVtn):
    """The program's server in the test's own event loop."""

    async def start(self) -> None:
        await self.server.run()

    async def stop(self) -> None:
        await self.server.stop()

    async def restart(self) -> None:
        """The same program back on the same port (events it had are gone with it)."""
        self.server = self.build()
        await self.start()


@pytest.fixture
async def vtn(socket_enabled: None) -> AsyncGenerator[Vtn]:
    server = Vtn()
    await server.start()
    yield server
    await server.stop()


async def _until(check: Callable[[], bool], what: str, seconds: float = 15) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"waited {seconds} s for {what}")


async def _ven_account(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn, **more: Any
) -> MockConfigEntry:
    """An account of three homes whose VEN talks to the VTN."""
    await hass.config.async_set_time_zone(TIME_ZONE)
    for extra in more_homes(simulator.seed, 3)["homes"][1:]:
        simulator.homes[extra["homeId"]] = extra
    entry = account_entry(
        simulator.base_url,  # type: ignore[attr-defined]
        list(simulator.homes),
        openadr=True,
        openadr_vtn_url=vtn.url,
        openadr_ven_name="hsl-partner",
        **more,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _ven(entry: MockConfigEntry) -> Any:
    return entry.runtime_data.bridges["openadr"]


def _campaigns(entry: MockConfigEntry) -> list[Any]:
    return sorted(entry.runtime_data.campaigns.campaigns.values(), key=lambda c: c.created)


def _next_step(minutes: int = 10) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return now - timedelta(minutes=now.minute % 5)


async def test_an_event_for_two_of_three_homes_is_one_campaign(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    assert vtn.registrations == 1
    count = len(simulator.requests_to("derogations"))
    start = _next_step()
    event = vtn.add_event(
        start,
        60,
        -2.0,
        homes=["home-demo-1", "home-demo-3"],
    )
    await _until(lambda: vtn.opts == [(event, "optIn")], "the opt-in")
    (campaign,) = _campaigns(entry)
    assert campaign.openadr_event == (event, 0)
    assert {room.home_id for room in campaign.rooms} == {"home-demo-1", "home-demo-3"}
    assert (campaign.start, campaign.end) == (start, start + timedelta(hours=1))
    assert campaign.phases[0].delta == -2
    # One request for the window, naming both homes' rooms.
    sent = simulator.requests_to("derogations")[count:]
    assert len(sent) == 1
    assert {d["homeId"] for d in sent[0].body["derogations"]} == {"home-demo-1", "home-demo-3"}
    got = await hass.services.async_call(
        DOMAIN, "get_campaign", {}, blocking=True, return_response=True
    )
    assert got["openadr_event_id"] == event
    # On the account's campaigns calendar, the phase says which event it carries.
    calendar = "calendar.demo_partner_campaigns_campaigns"
    shown = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": calendar,
            "start_date_time": start.isoformat(),
            "end_date_time": (start + timedelta(hours=1)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    (shed,) = shown[calendar]["events"]
    assert shed["description"] == f"OpenADR {event}"
    # Redelivered at each poll: recognised, never sent again.
    await asyncio.sleep(2.5)
    assert len(simulator.requests_to("derogations")) == count + 1
    assert len(_campaigns(entry)) == 1


async def test_a_modified_event_replans_and_a_cancelled_one_cancels(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    start = _next_step()
    event = vtn.add_event(start, 60, -2.0, homes=["home-demo-2"])
    await _until(lambda: len(_campaigns(entry)) == 1, "the campaign")
    # The program asks -3 instead: modification 1.
    (queued,) = vtn.server.events[VEN_ID]
    queued.event_signals[0].intervals[0]["signal_payload"] = -3.0
    queued.event_descriptor.modification_number = 1
    vtn.server.events_updated[VEN_ID] = True
    await _until(lambda: len(_campaigns(entry)) == 2, "the new plan")
    first, second = _campaigns(entry)
    assert first.cancelled is not None
    assert (second.openadr_event, second.phases[0].delta) == ((event, 1), -3)
    # Cancelled by the program: so is the campaign.
    vtn.cancel_event(event)
    await _until(lambda: _campaigns(entry)[-1].cancelled is not None, "the cancel")
    assert len(_campaigns(entry)) == 2
    assert _ven(entry).state.last_event.status == "cancelled"


async def test_what_cannot_be_carried_is_opted_out_with_its_reason(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    far = vtn.add_event(datetime.now(UTC) + timedelta(days=20), 60, -2.0)
    await _until(lambda: (far, "optOut") in vtn.opts, "the opt-out")
    assert _ven(entry).state.last_event.reason == "too_far"
    nowhere = vtn.add_event(_next_step(), 60, -2.0, homes=["elsewhere"])
    await _until(lambda: (nowhere, "optOut") in vtn.opts, "the second opt-out")
    assert _ven(entry).state.last_event.reason == "unknown_resources"
    assert _campaigns(entry) == []


async def test_a_vtn_away_then_back(hass: HomeAssistant, simulator: Simulator, vtn: Vtn) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    state = _ven(entry).state
    await _until(lambda: state.connected(datetime.now(UTC)), "a poll answered")
    await vtn.stop()
    await _until(lambda: not state.connected(datetime.now(UTC)), "the VTN gone", 10)
    await vtn.restart()
    await _until(lambda: state.connected(datetime.now(UTC)), "the VTN back", 10)
    event = vtn.add_event(_next_step(), 30, -1.0)
    await _until(lambda: (event, "optIn") in vtn.opts, "an event after the return")


async def test_no_vtn_at_start_then_unloaded_leaves_nothing_running(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    await vtn.stop()  # the program is down when Home Assistant starts
    threads = {t.name for t in threading.enumerate()}
    entry = await _ven_account(hass, simulator, vtn)
    ven = _ven(entry)
    await asyncio.sleep(1)
    assert not ven.state.registered
    client = ven._client
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert ven._client is None
    assert client is None or not client.scheduler.running
    assert not [t for t in asyncio.all_tasks() if "VEN" in t.get_name()]
    # No thread of its own: the library's scheduler runs in the event loop.
    assert {t.name for t in threading.enumerate()} - threads <= {
        t.name for t in threading.enumerate() if t.name.startswith("SyncWorker")
    }


async def test_unloaded_after_registration_stops_the_scheduler(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    client = _ven(entry)._client
    assert client.scheduler.running
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not client.scheduler.running
    assert client.client_session.closed


async def test_the_account_shows_its_vens_server_and_program_events(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    server, program = (
        "binary_sensor.demo_partner_campaigns_program_server",
        "event.demo_partner_campaigns_program_event",
    )
    await _until(lambda: hass.states.get(server).state == "on", "the server reachable")
    assert hass.states.get(server).attributes["device_class"] == "connectivity"
    event = vtn.add_event(_next_step(), 30, -1.0)
    await _until(
        lambda: hass.states.get(program).attributes.get("event_type") == "opted_in", "opted in"
    )
    attributes = hass.states.get(program).attributes
    assert attributes["event_id"] == event
    assert attributes["campaign_id"] == _campaigns(entry)[0].id
    refused = vtn.add_event(_next_step(), 30, -1.0, homes=["elsewhere"])
    await _until(lambda: hass.states.get(program).attributes["event_id"] == refused, "opt-out")
    assert hass.states.get(program).attributes["event_type"] == "opted_out"
    assert hass.states.get(program).attributes["reason"] == "unknown_resources"
    vtn.cancel_event(event)
    await _until(
        lambda: hass.states.get(program).attributes["event_type"] == "cancelled", "cancelled"
    )
    await vtn.stop()
    await _until(lambda: hass.states.get(server).state == "off", "the server gone", 20)
    await vtn.restart()


async def test_reports_say_each_homes_status_and_a_households_change(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=now.minute % 5)  # shedding from the current step
    event = vtn.add_event(start, 30, -2.0, homes=["home-demo-1"])
    await _until(lambda: (event, "optIn") in vtn.opts, "the opt-in")
    await _until(lambda: "home-demo-1:online" in vtn.reported, "the first status report", 30)
    assert vtn.reported["home-demo-1:online"] == 1.0
    assert vtn.reported["home-demo-1:manual_override"] == 0.0
    (home,) = (h for h in entry.runtime_data.homes.values() if h.home_id == "home-demo-1")
    await home.coordinator.async_refresh()  # the heaters report the shed: verified
    (campaign,) = _campaigns(entry)
    assert "verified" in {s.value for s in campaign.status.get("shed", {}).values()}
    await _until(lambda: vtn.reported.get("rooms_shedding", 0) > 0, "rooms shedding", 30)
    # A household changes its heater at home: opted out, reported as a manual override.
    device = simulator.device("home-demo-1", "A1B2C3D4")
    device["comfortSp"] = device["ecoSp"] = 23
    await home.coordinator.async_refresh()
    await _until(
        lambda: vtn.reported.get("home-demo-1:manual_override") == 1.0, "the manual override", 30
    )
    assert vtn.reported["home-demo-2:manual_override"] == 0.0


async def test_a_ven_with_a_certificate_signs_what_it_sends(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    """Its messages carry an XML signature the VTN's schema accepts (over plain HTTP the
    library's VTN checks signatures only on TLS connections)."""
    cert, key = certificate_and_key()
    entry = await _ven_account(hass, simulator, vtn, openadr_cert=cert, openadr_key=key)
    await _until(lambda: _ven(entry).state.registered, "the registration")
    client = _ven(entry)._client
    assert client.cert_path is not None  # built with the stored pair (files gone since)
    message = client._create_message("oadrPoll", ven_id=VEN_ID)
    assert "SignatureValue" in str(message)


async def test_the_options_phases_go_around_each_event(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(
        hass,
        simulator,
        vtn,
        openadr_preheat_delta=1,
        openadr_preheat_minutes=30,
        openadr_recovery_delta=-1,
        openadr_recovery_minutes=15,
    )
    await _until(lambda: _ven(entry).state.registered, "the registration")
    count = len(simulator.requests_to("derogations"))
    start = _next_step(60)
    event = vtn.add_event(start, 60, -2.0)
    await _until(lambda: (event, "optIn") in vtn.opts, "the opt-in")
    (campaign,) = _campaigns(entry)
    assert [(p.phase.value, p.start, p.end, p.delta) for p in campaign.phases] == [
        ("preheat", start - timedelta(minutes=30), start, 1),
        ("shed", start, start + timedelta(hours=1), -2),
        ("recovery", start + timedelta(hours=1), start + timedelta(minutes=75), -1),
    ]
    # One request per window (the three phases, over all three homes' rooms).
    assert len(simulator.requests_to("derogations")) - count == 3


async def test_a_vtn_asking_reports_by_measurement_tells_the_points_apart(
    hass: HomeAssistant, simulator: Simulator, socket_enabled: None
) -> None:
    vtn = Vtn(compact=True)
    await vtn.start()
    try:
        entry = await _ven_account(hass, simulator, vtn)
        await _until(lambda: _ven(entry).state.registered, "the registration")
        await _until(lambda: len(vtn.measured) >= 8, "the measurements", 30)
        assert vtn.measured[("home-demo-1", "x-online")] == 1.0
        assert vtn.measured[("home-demo-2", "x-manual_override")] == 0.0
        assert vtn.measured[("hsl-partner", "x-rooms_shedding")] == 0.0
    finally:
        await vtn.stop()


async def test_turned_off_the_vens_entities_go(
    hass: HomeAssistant, simulator: Simulator, vtn: Vtn
) -> None:
    entry = await _ven_account(hass, simulator, vtn)
    registry = er.async_get(hass)
    server = "binary_sensor.demo_partner_campaigns_program_server"
    program = "event.demo_partner_campaigns_program_event"
    assert registry.async_get(server) is not None
    assert registry.async_get(program) is not None
    hass.config_entries.async_update_entry(entry, options={**entry.options, "openadr": False})
    await hass.async_block_till_done()
    assert "openadr" not in entry.runtime_data.bridges
    assert registry.async_get(server) is None
    assert registry.async_get(program) is None
    assert hass.states.get(server) is None


async def test_a_tls_vtn_of_the_programs_own_authority(
    hass: HomeAssistant, simulator: Simulator, socket_enabled: None, tmp_path: Path
) -> None:
    """Mutual TLS: the VTN's certificate from the program's authority (trusted through the
    options), the VEN's certificate checked by the VTN (fingerprint) and its signatures."""
    ca = authority()
    server_cert, server_key = issued(ca, "vtn.test", server=True)
    ven_cert, ven_key = issued(ca, "ven.test")
    files = {"ca.pem": ca[0], "vtn.pem": server_cert, "vtn.key": server_key}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="ascii")
    tls = {
        "http_cert": str(tmp_path / "vtn.pem"),
        "http_key": str(tmp_path / "vtn.key"),
        "http_ca_file": str(tmp_path / "ca.pem"),
    }
    vtn = Vtn(tls=tls, ven_fingerprint=certificate_fingerprint(ven_cert))
    await vtn.start()
    try:
        entry = await _ven_account(
            hass, simulator, vtn, openadr_ca=ca[0], openadr_cert=ven_cert, openadr_key=ven_key
        )
        await _until(lambda: _ven(entry).state.registered, "the registration over TLS")
        event = vtn.add_event(_next_step(), 30, -1.0, homes=["home-demo-2"])
        await _until(lambda: (event, "optIn") in vtn.opts, "the opt-in over TLS")
    finally:
        await vtn.stop()
