"""A real Home Assistant, started as users start it, against the simulated cloud.

Onboarded and configured through Home Assistant's own REST APIs; every check reads what Home
Assistant shows and what the simulated cloud received.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import http.server
import itertools
import json
from pathlib import Path
import shutil
import subprocess
import threading
import time
from typing import Any
import urllib.request
from zoneinfo import ZoneInfo

from .conftest import ARTIFACTS, HOME_ID
from .processes import (
    ROOT,
    HomeAssistantProcess,
    SimulatorProcess,
    browser_check,
    wait_until,
)
from .vtn import ThreadedVtn

PARIS = ZoneInfo("Europe/Paris")
MODES = {"Prog": "auto", "Manual": "heat", "Antifreeze": "heat", "Stop": "off"}
Stack = tuple[HomeAssistantProcess, SimulatorProcess]


def test_one_climate_entity_per_heater_with_the_clouds_values(stack: Stack) -> None:
    hass, simulator = stack
    wire = {d["header"]: d for d in simulator.control("GET", f"/_sim/homes/{HOME_ID}/wire")}
    states = hass.states("climate")
    names = {
        "climate.salon_heater_1": "A1B2C3D4",
        "climate.salon_heater_2": "A1B2C3D5",
        "climate.chambre_heater": "B7E8F901",
        "climate.salle_de_bain_towel_dryer": "C0FFEE01",
        "climate.bureau_heater": "D15EA5E0",
        "climate.veranda_fireplace": "E0E0E0E0",
        "climate.cave_furnace": "F00DF00D",
    }
    assert set(states) == set(names)
    for entity_id, header in names.items():
        device, state = wire[header], states[entity_id]
        if not device["online"]:
            assert state["state"] == "unavailable"
            continue
        assert state["state"] == MODES[device["mode"]], entity_id
        assert state["attributes"]["current_temperature"] == float(device["pv"]), entity_id
        expected = None if device["mode"] == "Stop" else float(device["sp"])
        assert state["attributes"]["temperature"] == expected, entity_id
    temperature = hass.states("sensor")["sensor.salon_heater_1_temperature"]
    assert temperature["state"] == "19.5"


def test_one_cloud_request_per_poll(stack: Stack) -> None:
    _hass, simulator = stack
    simulator.control("DELETE", "/_sim/requests")
    wait_until(lambda: len(simulator.requests("config")) >= 2, 150, "two polls", interval=2)
    requests = simulator.requests()
    assert {r["path"] for r in requests} == {"config"}
    gap = requests[1]["at"] - requests[0]["at"]
    assert 55 <= gap <= 65, gap


def test_set_temperature_sends_the_expected_derogation(stack: Stack) -> None:
    hass, simulator = stack
    simulator.control("DELETE", "/_sim/requests")
    before = datetime.now(PARIS)
    hass.action(
        "climate", "set_temperature", {"entity_id": "climate.chambre_heater", "temperature": 20}
    )
    (request,) = simulator.requests("derogations")
    derogations = request["body"]["derogations"]
    assert {d["roomId"] for d in derogations} == {2}
    assert {d["delta"] for d in derogations} == {2}  # Manual at 18 °C, wanted 20 °C
    assert {d["homeId"] for d in derogations} == {HOME_ID}
    first = derogations[0]
    start = datetime.fromisoformat(first["date"]).replace(tzinfo=PARIS) + timedelta(
        minutes=first["startTime"]
    )
    assert before - timedelta(minutes=5) <= start <= before + timedelta(minutes=1)
    total = sum(d["endTime"] - d["startTime"] for d in derogations)
    assert 120 <= total <= 125  # the default duration, in 5-minute steps
    state = wait_until(
        lambda: (
            (s := hass.states("climate")["climate.chambre_heater"])["attributes"]["temperature"]
            == 20
            and s
        ),
        30,
        "the new setpoint",
    )
    assert state["attributes"]["preset_mode"] == "override"
    assert state["attributes"]["override_delta"] == 2


def test_set_derogation_many_rooms_one_request(stack: Stack) -> None:
    hass, simulator = stack
    simulator.control("DELETE", "/_sim/requests")
    tomorrow = (datetime.now(PARIS) + timedelta(days=1)).date().isoformat()
    response = hass.action(
        "homesmartlink",
        "set_derogation",
        {
            "entity_id": [
                "climate.salon_heater_1",
                "climate.salon_heater_2",
                "climate.bureau_heater",
            ],
            "delta": -1,
            "start": "03:00",
            "end": "04:30",
            "date": tomorrow,
        },
        response=True,
    )
    (request,) = simulator.requests("derogations")
    assert sorted(
        (d["roomId"], d["startTime"], d["endTime"], d["delta"], d["date"])
        for d in request["body"]["derogations"]
    ) == [(1, 180, 270, -1, tomorrow), (4, 180, 270, -1, tomorrow)]
    (window,) = response["requests"]
    assert window["success"] is True
    report = hass.action(
        "homesmartlink",
        "get_derogation_report",
        {"trigger": window["start_trigger"]},
        response=True,
    )
    assert report["summary"]["requested"] == 1


def test_override_action_resume_and_a_preset(stack: Stack) -> None:
    hass, simulator = stack
    simulator.control("DELETE", "/_sim/requests")
    today = datetime.now(PARIS).date()
    response = hass.action(
        "homesmartlink",
        "override",
        {
            "entity_id": ["climate.salon_heater_1", "climate.bureau_heater"],
            "delta": 1,
            "duration": {"days": 3},
        },
        response=True,
    )
    requests = simulator.requests("derogations")
    # A first partial day, the full days in one request, a last partial day.
    assert len(requests) == len(response["requests"])
    assert len(requests) in (2, 3)  # 2 only when it starts at midnight
    items = [d for r in requests for d in r["body"]["derogations"]]
    assert {(d["roomId"], d["delta"]) for d in items} == {(1, 1), (4, 1)}
    assert {d["date"] for d in items} >= {
        (today + timedelta(days=n)).isoformat() for n in (1, 2, 3)
    }
    full_days = [r for r in requests if r["body"]["derogations"][0]["endTime"] == 1440]
    assert any(len({d["date"] for d in r["body"]["derogations"]}) >= 2 for r in full_days)
    wait_until(
        lambda: (
            hass.states("climate")["climate.salon_heater_1"]["attributes"].get("override_delta")
            == 1
        ),
        30,
        "the override shown",
    )
    simulator.control("DELETE", "/_sim/requests")
    resumed = hass.action(
        "homesmartlink", "resume_schedule", {"entity_id": "climate.salon_heater_1"}, response=True
    )
    zeros = [d for r in simulator.requests("derogations") for d in r["body"]["derogations"]]
    assert {(d["roomId"], d["delta"]) for d in zeros} == {(1, 0)}
    assert len(resumed["requests"]) == len(simulator.requests("derogations"))
    # A preset is an override too: boost shifts the towel dryer's room, schedule ends it.
    towel = "climate.salle_de_bain_towel_dryer"
    simulator.control("DELETE", "/_sim/requests")
    hass.action("climate", "set_preset_mode", {"entity_id": towel, "preset_mode": "boost"})
    boost = [d for r in simulator.requests("derogations") for d in r["body"]["derogations"]]
    assert {(d["roomId"], d["delta"]) for d in boost} == {(3, 2)}
    wait_until(
        lambda: hass.states("climate")[towel]["attributes"]["preset_mode"] == "boost",
        30,
        "the boost preset",
    )
    hass.action("climate", "set_preset_mode", {"entity_id": towel, "preset_mode": "schedule"})
    wait_until(
        lambda: hass.states("climate")[towel]["attributes"]["preset_mode"] == "schedule",
        30,
        "back to the schedule",
    )
    assert hass.states("climate")[towel]["attributes"]["hvac_modes"] == ["auto"]


def test_a_short_campaign_is_sent_delivered_verified_and_cancelled(stack: Stack) -> None:
    hass, simulator = stack
    simulator.control("DELETE", "/_sim/requests")
    now = datetime.now(PARIS).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=now.minute % 5)  # on the grid, running at once
    response = hass.action(
        "homesmartlink",
        "start_campaign",
        {
            "entity_id": ["climate.salon_heater_1"],
            "start": start.strftime("%Y-%m-%d %H:%M:%S"),
            "end": (start + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"),
            "delta": -2,
        },
        response=True,
    )
    campaign_id = response["campaign_id"]
    items = [d for r in simulator.requests("derogations") for d in r["body"]["derogations"]]
    assert {(d["roomId"], d["delta"]) for d in items} == {(1, -2)}
    assert len(simulator.requests("derogations")) == len(response["requests"]) <= 2
    sensor = "sensor.demo_partner_campaigns_campaign"
    assert hass.states("sensor")[sensor]["state"] == "shed"
    # Delivered (the report read 15 s later), then verified at a poll: no extra cloud call.
    got = wait_until(
        lambda: (
            (c := hass.action("homesmartlink", "get_campaign", {}, response=True))[
                "homes_acknowledged"
            ]
            == 1
            and c["rooms_verified"] == 1
            and c
        ),
        150,
        "the campaign delivered and verified",
        interval=5,
    )
    assert got["campaign_id"] == campaign_id
    simulator.control("DELETE", "/_sim/requests")
    hass.action("homesmartlink", "cancel_campaign", {"campaign_id": campaign_id})
    zeros = [d for r in simulator.requests("derogations") for d in r["body"]["derogations"]]
    assert {(d["roomId"], d["delta"]) for d in zeros} == {(1, 0)}
    assert hass.states("sensor")[sensor]["state"] == "cancelled"


def test_schedule_calendar_and_diagnosis(stack: Stack) -> None:
    hass, _simulator = stack
    answer = hass.action(
        "homesmartlink", "get_schedule", {"entity_id": "climate.salon_heater_1"}, response=True
    )
    schedule = answer["climate.salon_heater_1"]  # an entity action answers per entity
    assert schedule["days"][0]["comfort"] == [
        {"start": "06:00", "end": "08:30"},
        {"start": "17:00", "end": "23:00"},
    ]
    monday = datetime.now(PARIS).date() - timedelta(days=datetime.now(PARIS).weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=PARIS)
    events = hass.api(
        "GET",
        f"/api/calendars/calendar.salon_heater_1_schedule?start={start.isoformat()}"
        f"&end={(start + timedelta(days=7)).isoformat()}".replace("+", "%2B"),
    )
    # Titled with the heater, and its comfort setpoint once learned.
    comfort = [e for e in events if e["summary"].startswith("Salon heater 1 · Comfort")]
    assert len(comfort) == 12
    entry = hass.entry()
    message = hass.action(
        "homesmartlink", "request_diagnosis", {"config_entry_id": entry["entry_id"]}, response=True
    )
    result = hass.action(
        "homesmartlink",
        "get_diagnosis_result",
        {"message_id": message["message_id"]},
        response=True,
    )
    assert result["acknowledge"] is True


def _browser_check(url: str, out: Path, temperature: str) -> subprocess.CompletedProcess[str]:
    """Run the browser check (tests/e2e/browser.py) on the Salon heater's thermostat card."""
    return browser_check(
        url,
        out,
        "climate.salon_heater_1",
        *("--name", "Salon heater 1", "--temperature", temperature),
    )


def test_browser_shows_the_heater_and_the_week(stack: Stack) -> None:
    hass, _simulator = stack
    result = _browser_check(hass.url, ARTIFACTS, "19.5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (ARTIFACTS / "thermostat.png").stat().st_size > 10_000
    assert (ARTIFACTS / "calendar.png").stat().st_size > 10_000
    # The check can fail: a reading the card does not show is reported.
    wrong = _browser_check(hass.url, ARTIFACTS / "negative", "42.7")
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "'42.7' is not on the dashboard" in wrong.stdout


def test_restart_keeps_entry_entities_and_derogations(stack: Stack) -> None:
    hass, _simulator = stack
    hass.stop()
    hass.start()
    hass.onboard()
    entries = hass.api("GET", "/api/config/config_entries/entry")
    assert [e["title"] for e in entries if e["domain"] == "homesmartlink"] == ["demo-partner"]
    wait_until(lambda: len(hass.states("climate")) == 7, 120, "entities after restart")
    state = wait_until(
        lambda: (
            (s := hass.states("climate")["climate.chambre_heater"])["state"] != "unavailable" and s
        ),
        60,
        "the heater after restart",
    )
    # The derogation placed before the restart is still known and shown.
    assert state["attributes"]["preset_mode"] == "override"
    assert state["attributes"]["override_delta"] == 2


def test_a_kill_right_after_the_answers_loses_nothing(stack: Stack) -> None:
    """`kill -9` right after overrides and a campaign for tomorrow were answered: after the
    restart all are known, shown and can be ended (the ledger is written ahead), and cancelling
    the campaign gives back the override it covered."""
    hass, simulator = stack
    tomorrow = (datetime.now(PARIS) + timedelta(days=1)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    hass.action(
        "homesmartlink",
        "override",
        {"entity_id": "climate.bureau_heater", "delta": 1, "duration": {"days": 2}},
    )
    hass.action(
        "homesmartlink",
        "override",
        {"entity_id": "climate.bureau_heater", "delta": -1, "duration": "03:00:00"},
    )
    campaign = hass.action(
        "homesmartlink",
        "start_campaign",
        {
            "entity_id": ["climate.bureau_heater"],
            "start": tomorrow.strftime("%Y-%m-%d %H:%M:%S"),
            "end": (tomorrow + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
            "delta": -2,
        },
        response=True,
    )["campaign_id"]
    hass.kill()
    hass.start()
    hass.onboard()
    state = wait_until(
        lambda: (
            (s := hass.states("climate").get("climate.bureau_heater"))
            and s["state"] != "unavailable"
            and s
        ),
        120,
        "the heater after the kill",
    )
    assert state["attributes"]["override_delta"] == -1
    got = hass.action("homesmartlink", "get_campaign", {"campaign_id": campaign}, response=True)
    assert got["state"] == "scheduled"
    simulator.control("DELETE", "/_sim/requests")
    hass.action("homesmartlink", "cancel_campaign", {"campaign_id": campaign})
    sent = [d for r in simulator.requests("derogations") for d in r["body"]["derogations"]]
    # The shed covered the 2-day +1: it is given back, not 0 °C.
    assert {(d["date"], d["startTime"], d["endTime"], d["delta"]) for d in sent} == {
        (tomorrow.date().isoformat(), 1080, 1140, 1)
    }
    simulator.control("DELETE", "/_sim/requests")
    hass.action("homesmartlink", "resume_schedule", {"entity_id": "climate.bureau_heater"})
    assert {
        d["delta"] for r in simulator.requests("derogations") for d in r["body"]["derogations"]
    } == {0}


def _platform_call(url: str, token: str, method: str = "GET", body: Any = None) -> Any:
    """A call as the voice platforms make it: bearer token, request id, JSON."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Request-Id": "e2e-req-1",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode())


def test_yango_bridge_turned_on_in_the_options(stack: Stack) -> None:
    """Options flow over REST, then the platform's calls against the real Home Assistant."""
    hass, simulator = stack
    entry = hass.entry()
    flow = hass.api(
        "POST", "/api/config/config_entries/options/flow", {"handler": entry["entry_id"]}
    )
    assert flow["step_id"] == "init", flow
    result = hass.api(
        "POST",
        f"/api/config/config_entries/options/flow/{flow['flow_id']}",
        {
            "override_duration": 120,
            "yango_bridge": {"yango": True, "yango_dialogs_url": "https://dialogs.yango.com"},
            "sber_bridge": {"sber": False, "sber_url": "https://partners.iot.sberdevices.ru"},
            "openadr_ven": {"openadr": False},
        },
    )
    assert result["type"] == "create_entry", result
    base = f"{hass.url}/api/homesmartlink/yango/v1.0"
    head = urllib.request.Request(base, method="HEAD")
    with urllib.request.urlopen(head, timeout=30) as response:
        assert response.status == 200
    devices = wait_until(
        lambda: _platform_call(f"{base}/user/devices", hass.token)["payload"]["devices"],
        60,
        "heaters shared with Yango after the reload",
    )
    assert len(devices) == 7
    simulator.control("DELETE", "/_sim/requests")
    capability = {
        "type": "devices.capabilities.range",
        "state": {"instance": "temperature", "value": 9},
    }
    answer = _platform_call(
        f"{base}/user/devices/action",
        hass.token,
        "POST",
        {"payload": {"devices": [{"id": "D15EA5E0", "capabilities": [capability]}]}},
    )
    assert answer["request_id"] == "e2e-req-1"
    (device,) = answer["payload"]["devices"]
    assert device["capabilities"][0]["state"]["action_result"] == {"status": "DONE"}
    (request,) = simulator.requests("derogations")
    assert {(d["roomId"], d["delta"]) for d in request["body"]["derogations"]} == {(4, 2)}
    state = hass.states("climate")["climate.bureau_heater"]
    assert state["attributes"]["temperature"] == 9


class _FakeSber:
    """Sber's partner API in a thread of the test: records every call, answers 200 `{}`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        calls = self.calls

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                calls.append(
                    (
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        json.loads(raw) if raw else None,
                    )
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_POST = do_PUT = do_DELETE = _any  # noqa: N815 - http.server's names

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def routes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path, _, _ in self.calls]


def _set_options(hass: HomeAssistantProcess, data: dict[str, Any]) -> None:
    entry = hass.entry()
    flow = hass.api(
        "POST", "/api/config/config_entries/options/flow", {"handler": entry["entry_id"]}
    )
    result = hass.api("POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", data)
    assert result["type"] == "create_entry", result


def test_sber_sync_follows_the_cloud(stack: Stack) -> None:
    """Real Home Assistant, options set over REST, heaters added, renamed, removed in the cloud."""
    hass, simulator = stack
    sber = _FakeSber()
    try:
        _set_options(
            hass,
            {
                "override_duration": 120,
                "yango_bridge": {"yango": False, "yango_dialogs_url": "https://dialogs.yango.com"},
                "sber_bridge": {"sber": True, "sber_url": sber.url, "sber_key": "e2e-vendor-key"},
                "openadr_ven": {"openadr": False},
            },
        )
        # The person linking Salute: Sber asks who they are, then gets their heaters.
        user_id = _platform_call(f"{hass.url}/api/homesmartlink/sber/v1/user", hass.token)["id"]
        key = user_id[:12]
        wait_until(lambda: ("POST", "/v1/state") in sber.routes(), 60, "the first Sber sync")
        assert sber.routes() == [
            ("POST", "/v1/models"),
            ("POST", "/v1/devices"),
            ("POST", "/v1/state"),
        ]
        for _, _, headers, _ in sber.calls:
            assert headers["authorization"] == "Bearer e2e-vendor-key"
            assert headers["content-type"].startswith("application/json")
        assert len({headers["x-request-id"] for _, _, headers, _ in sber.calls}) == 3
        added = {d["id"] for d in sber.calls[1][3]["devices"]}
        assert sber.calls[1][3]["user_id"] == user_id
        assert len(added) == 7
        assert all(device_id.endswith(f"@{key}") for device_id in added)
        # One poll later: a heater added, one room renamed, one heater gone.
        sber.calls.clear()
        new = dict(simulator.control("GET", f"/_sim/homes/{HOME_ID}")["devices"][2])
        new.update(header="E2E00001", roomId=9, roomName="Grenier")
        simulator.control("POST", f"/_sim/homes/{HOME_ID}/devices", new)
        simulator.control("PATCH", f"/_sim/homes/{HOME_ID}/devices/C0FFEE01", {"roomName": "Spa"})
        simulator.control("DELETE", f"/_sim/homes/{HOME_ID}/devices/D15EA5E0")
        wait_until(lambda: ("DELETE", "/v1/devices") in sber.routes(), 90, "the next poll's sync")
        wait_until(
            lambda: any(
                p == "/v1/state" and f"E2E00001@{key}" in body["devices"]
                for _, p, _, body in sber.calls
            ),
            10,
            "the new heater's state",
        )
        writes = [(m, p, body) for m, p, _, body in sber.calls if p == "/v1/devices"]
        # Exactly one call of each kind, with exactly the heaters concerned.
        assert [m for m, _, _ in writes] == ["POST", "PUT", "DELETE"]
        assert len(writes[0][2]["user_id"]) == 32
        assert writes[2][2] == {"device_ids": [f"D15EA5E0@{key}"]}
        assert [d["id"] for d in writes[0][2]["devices"]] == [f"E2E00001@{key}"]
        # Renamed in the cloud: a new name; Sber's room is the area it was put in, which stays.
        assert [(d["id"], d["name"], d["room"]) for d in writes[1][2]["devices"]] == [
            (f"C0FFEE01@{key}", "Spa towel dryer", "Salle de bain")
        ]
        states = [body for m, p, _, body in sber.calls if p == "/v1/state"]
        assert any(f"E2E00001@{key}" in state["devices"] for state in states)
        # Nothing else (a schedule boundary passing during the test may add a state push).
        assert {p for _, p, _, _ in sber.calls} == {"/v1/devices", "/v1/state"}
    finally:
        sber.server.shutdown()


def _config_calls_by(simulator: SimulatorProcess, client: str) -> int:
    return sum(1 for r in simulator.requests("config") if r["client"] == client)


def _available(hass: HomeAssistantProcess) -> set[str]:
    return {eid for eid, s in hass.states("climate").items() if s["state"] != "unavailable"}


def _home_back(hass: HomeAssistantProcess, heaters: set[str]) -> bool:
    """Every heater that was available before the reload is available again."""
    return heaters <= _available(hass)


def test_reconfigure_and_reauthenticate_reload_the_home(stack: Stack) -> None:
    """Both flows end in a reload of the entry with the new credentials, and the home comes back."""
    hass, simulator = stack
    heaters = _available(hass)
    assert len(heaters) >= 6, heaters  # the sample home's online heaters (earlier tests change it)
    simulator.control("DELETE", "/_sim/requests")

    def reconfigure(client_id: str, client_secret: str) -> Any:
        flow = hass.api(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": "homesmartlink", "entry_id": hass.entry()["entry_id"]},
        )
        assert flow["step_id"] == "reconfigure", flow
        return hass.api(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"base_url": simulator.url, "client_id": client_id, "client_secret": client_secret},
        )

    # Another account, which the cloud accepts, is refused: the entry stays itself.
    result = reconfigure("demo-partner-2", "demo-secret-2")
    assert result["reason"] == "wrong_account", result
    assert _config_calls_by(simulator, "demo-partner-2") == 0
    # The secret rotated at the cloud: the same account with the new one reloads.
    simulator.control("PUT", "/_sim/partners/demo-partner", {"client_secret": "rotated"})
    result = reconfigure("demo-partner", "rotated")
    assert result["reason"] == "reconfigure_successful", result
    wait_until(lambda: _config_calls_by(simulator, "demo-partner") >= 1, 30, "the reload")
    wait_until(lambda: _home_back(hass, heaters), 60, "the home after reconfiguring")
    # Rotated back at the cloud: the next poll is refused and Home Assistant starts
    # re-authentication.
    simulator.control("PUT", "/_sim/partners/demo-partner", {"client_secret": "demo-secret"})
    flow = wait_until(
        lambda: next(
            (
                f
                for f in hass.ws({"type": "config_entries/flow/progress"})
                if f["handler"] == "homesmartlink" and f["context"]["source"] == "reauth"
            ),
            None,
        ),
        90,
        "the re-authentication flow",
    )
    simulator.control("DELETE", "/_sim/requests")
    result = hass.api(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"client_id": "demo-partner", "client_secret": "demo-secret"},
    )
    assert result["reason"] == "reauth_successful", result
    wait_until(lambda: _config_calls_by(simulator, "demo-partner") >= 1, 30, "the reload")
    wait_until(lambda: _home_back(hass, heaters), 60, "the home after re-authenticating")
    # The heaters are back once the platforms are; the bridges start after them (Sber's trust
    # store is built in the executor), and then the set-up is done.
    wait_until(lambda: hass.entry()["state"] == "loaded", 30, "the account loaded again")


def test_a_second_home_added_and_the_homes_polled_apart(stack: Stack) -> None:
    """ "Add home" through the subentry flow; then each home is polled once a minute, apart."""
    hass, simulator = stack
    result = hass.add_home(hass.entry()["entry_id"], "home-demo-2")
    assert result["type"] == "create_entry", result
    wait_until(lambda: len(hass.states("climate")) == 14, 120, "the second home's heaters")
    # Two homes: every heater's name says its home; the first home's entity ids stay.
    wait_until(
        lambda: (
            hass.states("climate")["climate.salon_heater_1"]["attributes"]["friendly_name"]
            == "Lyon · Salon heater 1"
        ),
        60,
        "the first home's names to say their home",
    )
    names = [s["attributes"]["friendly_name"] for s in hass.states("climate").values()]
    assert len(set(names)) == 14, names
    assert hass.states("climate")["climate.ville_2_salon_heater_1"]["attributes"][
        "friendly_name"
    ] == ("Ville 2 · Salon heater 1")
    simulator.control("DELETE", "/_sim/requests")
    time.sleep(65)
    calls = sorted(simulator.requests("config"), key=lambda r: r["at"])
    for home_id in (HOME_ID, "home-demo-2"):
        # 65 s: once a minute, so once, or twice when its turn fell in the first 5 s.
        assert sum(1 for r in calls if r["body"]["homeId"] == home_id) in (1, 2), calls
    # Two homes: one request every 30 s, never both in the same second.
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(calls)]
    assert all(gap > 20 for gap in gaps), gaps


def _blueprint_automation(hass: HomeAssistantProcess, key: str, path: str, inputs: Any) -> str:
    """An automation made from one of our blueprints, saved as the automation editor does."""
    hass.api(
        "POST",
        f"/api/config/automation/config/{key}",
        {"alias": key, "description": "", "use_blueprint": {"path": path, "input": inputs}},
    )
    return wait_until(
        lambda: next(
            (
                entity_id
                for entity_id, state in hass.states("automation").items()
                if state["attributes"].get("id") == key and state["state"] == "on"
            ),
            None,
        ),
        60,
        f"the automation {key}",
    )


def test_the_blueprints_import_and_run_a_campaign(stack: Stack) -> None:
    """Both blueprints, in the config folder as an import puts them, run by a real hass."""
    hass, simulator = stack
    shutil.copytree(
        ROOT / "blueprints" / "automation" / "homesmartlink",
        hass.config_dir / "blueprints" / "automation" / "homesmartlink",
        dirs_exist_ok=True,
    )
    entry_id = hass.entry()["entry_id"]
    now = datetime.now(PARIS).replace(second=0, microsecond=0) + timedelta(hours=1)
    start = now - timedelta(minutes=now.minute % 5)
    end = start + timedelta(minutes=30)
    signal = "sensor.rte_tempo_couleur_demain"
    hass.api("POST", f"/api/states/{signal}", {"state": "Bleu"})
    _blueprint_automation(
        hass,
        "hsl_shed_on_red",
        "homesmartlink/shed_on_signal.yaml",
        {
            "signal": signal,
            "signal_state": "Rouge",
            "account": entry_id,
            "days_ahead": (start.date() - datetime.now(PARIS).date()).days,
            "start_time": start.strftime("%H:%M:00"),
            "end_time": end.strftime("%H:%M:00"),
            "delta": -1,
        },
    )
    _blueprint_automation(
        hass,
        "hsl_campaign_report",
        "homesmartlink/report_finished_campaign.yaml",
        {"campaign_event": "event.demo_partner_campaigns_campaign"},
    )
    simulator.control("DELETE", "/_sim/requests")
    hass.api("POST", f"/api/states/{signal}", {"state": "Rouge"})
    wait_until(lambda: simulator.requests("derogations"), 60, "the campaign's request")
    got = hass.action("homesmartlink", "get_campaign", {}, response=True)
    assert got["phases"][0]["start"] == start.isoformat(), got
    assert got["state"] == "scheduled", got
    hass.action("homesmartlink", "cancel_campaign", {"campaign_id": got["campaign_id"]})
    note = wait_until(
        lambda: next(
            (
                n
                for n in hass.ws({"type": "persistent_notification/get"})
                if got["campaign_id"] in n["message"]
            ),
            None,
        ),
        60,
        "the campaign report",
    )
    assert "cancelled" in note["message"], note


def test_an_openadr_program_dispatches_a_campaign(stack: Stack) -> None:
    """The VEN turned on in the options: an event of openleadr's VTN becomes a campaign of one
    home, opted in; a household's change is a manual override in its report; its cancel."""
    hass, simulator = stack
    vtn = ThreadedVtn()
    try:
        _turn_on_the_ven(hass, vtn.url)
        server = "binary_sensor.demo_partner_campaigns_program_server"
        wait_until(lambda: hass.states()[server]["state"] == "on", 60, "the VTN reachable")
        simulator.control("DELETE", "/_sim/requests")
        now = datetime.now(PARIS).replace(second=0, microsecond=0)
        start = now - timedelta(minutes=now.minute % 5)  # shedding from the current step
        event = vtn.add_event(start, 30, -2.0, [HOME_ID])
        wait_until(lambda: (event, "optIn") in vtn.opts, 60, "the opt-in")
        got = hass.action("homesmartlink", "get_campaign", {}, response=True)
        assert got["openadr_event_id"] == event, got
        assert [h["home_id"] for h in got["homes"]] == [HOME_ID], got
        assert len(simulator.requests("derogations")) == 1
        wait_until(lambda: f"{HOME_ID}:manual_override" in vtn.reported, 60, "a status report")
        assert vtn.reported[f"{HOME_ID}:online"] == 1.0
        _verified_then_changed_at_home(hass, simulator)
        wait_until(
            lambda: vtn.reported.get(f"{HOME_ID}:manual_override") == 1.0,
            120,
            "the manual override reported",
        )
        vtn.cancel_event(event)
        wait_until(
            lambda: (
                hass.action("homesmartlink", "get_campaign", {}, response=True)["state"]
                == "cancelled"
            ),
            60,
            "the campaign cancelled by the program",
        )
    finally:
        _turn_on_the_ven(hass, None)  # off again: the program is gone with the test
        vtn.stop()


def _turn_on_the_ven(hass: HomeAssistantProcess, url: str | None) -> None:
    """The options form over REST, its VEN section on (with this VTN) or off."""
    ven = {"openadr": False} if url is None else {"openadr": True, "openadr_vtn_url": url}
    _set_options(
        hass,
        {
            "override_duration": 120,
            "yango_bridge": {"yango": False, "yango_dialogs_url": "https://dialogs.yango.com"},
            "sber_bridge": {"sber": False, "sber_url": "https://partners.iot.sberdevices.ru"},
            "openadr_ven": {**ven, "openadr_ven_name": "e2e"},
        },
    )


def _verified_then_changed_at_home(hass: HomeAssistantProcess, simulator: SimulatorProcess) -> None:
    """A poll sees the shed in force (verified), then a household sets its heater higher."""
    heater = "climate.salon_heater_1"
    hass.action("homeassistant", "update_entity", {"entity_id": heater})
    wait_until(
        lambda: (
            "verified"
            in json.dumps(hass.action("homesmartlink", "get_campaign", {}, response=True)["homes"])
        ),
        120,
        "a room verified",
    )
    simulator.control(
        "PATCH", f"/_sim/homes/{HOME_ID}/devices/A1B2C3D4", {"comfortSp": 23, "ecoSp": 23}
    )
    time.sleep(11)  # past the refresh debouncer's cooldown
    hass.action("homeassistant", "update_entity", {"entity_id": heater})


def test_home_assistant_reported_no_deprecation_of_ours(stack: Stack) -> None:
    """Last of the module: after set-up, options, reconfigure, re-auth, a restart and the stop."""
    hass, _simulator = stack
    hass.stop()
    assert hass.deprecation_reports() == []
