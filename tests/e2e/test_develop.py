"""`scripts/develop` as a new user runs it: one command, then a dashboard with the heaters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import os
from pathlib import Path
import signal
import subprocess
import sys
import urllib.request

import pytest

from .conftest import ARTIFACTS
from .processes import (
    ROOT,
    HomeAssistantProcess,
    browser_check,
    child_env,
    free_port,
    http,
    wait_until,
)


def _two_homes_told_apart(hass: HomeAssistantProcess) -> None:
    """Both homes' heaters have names of their own; an override and a campaign, pictured (the
    two living rooms' calendars and the account's campaigns calendar).

    The pictures (`artifacts/develop/`) are those of the README (`docs/screenshots/`).
    """
    names = [state["attributes"]["friendly_name"] for state in hass.states("calendar").values()]
    # A schedule per heater of both homes, and the account's campaigns: no two alike.
    assert len(names) == len(set(names)) == 15, names
    assert "Lyon · Salon heater 1 Schedule" in names, names
    assert "Ville 2 · Salon heater 1 Schedule" in names, names
    hass.action(
        "homesmartlink",
        "override",
        {"entity_id": "climate.lyon_salon_heater_1", "delta": 2, "duration": "03:00:00"},
    )
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)
    start -= timedelta(minutes=start.minute % 5)
    hass.action(
        "homesmartlink",
        "start_campaign",
        {
            "entity_id": "climate.ville_2_salon_heater_1",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "delta": -2,
        },
    )
    assert hass.states("climate")["climate.lyon_salon_heater_1"]["attributes"]["preset_mode"] == (
        "override"
    )
    sensor, event = _shed_now(hass)
    # Logbooks that name an event entity's event type (2026.10 on) read the translated sentence;
    # older ones say "detected an event" whatever the integration does.
    sentences = ("Scheduled", "Phase started") if _logbook_names_event_types() else ()
    result = browser_check(
        hass.url,
        ARTIFACTS / "develop",
        "climate.lyon_salon_heater_1",
        *("--name", "Lyon · Salon heater 1", "--calendar", "Ville 2 · Salon heater 1"),
        *("--calendar", "demo-partner campaigns Campaigns"),
        *("--view", "List", "--history", sensor, "--logbook", event),
        *(arg for sentence in sentences for arg in ("--logbook-text", sentence)),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _shed_now(hass: HomeAssistantProcess) -> tuple[str, str]:
    """A half-hour shed of Ville 2's other rooms from the current 5-minute step; returns the
    account's *Rooms shedding* sensor (once it counts them) and its campaign event entity."""
    (sensor,) = (s for s in hass.states("sensor") if s.endswith("_rooms_shedding"))
    (event,) = (e for e in hass.states("event") if e.endswith("_campaign"))
    heaters = [
        entity
        for entity in hass.states("climate")
        if entity.startswith("climate.ville_2_") and "salon" not in entity
    ]
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 5)
    hass.action(
        "homesmartlink",
        "start_campaign",
        {
            "entity_id": heaters,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "delta": -1,
        },
    )
    wait_until(lambda: float(hass.states("sensor")[sensor]["state"]) > 0, 120, "rooms shedding")
    # The action editor's drop-down of campaigns to cancel: this one and the one in an hour.
    (ours,) = (d for d in hass.api("GET", "/api/services") if d["domain"] == "homesmartlink")
    field = ours["services"]["cancel_campaign"]["fields"]["campaign_id"]
    labels = [option["label"] for option in field["selector"]["select"]["options"]]
    assert len(labels) == 2, labels
    assert all(" °C · …" in label for label in labels), labels
    return sensor, event


def _logbook_names_event_types() -> bool:
    """Whether this release's logbook passes an event entity's event type to the frontend."""
    from homeassistant.components.logbook import const

    return hasattr(const, "EXPOSED_STATE_ATTRIBUTES")


def test_develop_serves_the_dashboard(tmp_path: Path) -> None:
    ha_port, sim_port = free_port(), free_port()
    env = child_env(
        HA_PORT=str(ha_port),
        SIM_PORT=str(sim_port),
        DEVELOP_DIR=str(tmp_path / "develop"),
        # The virtualenv this suite runs in: the one scripts/develop would create.
        VENV=sys.prefix,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "develop.log").open("wb")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "develop")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(
            lambda: (
                b"Log in as" in (ARTIFACTS / "develop.log").read_bytes()
                or process.poll() is not None
            ),
            600,
            "scripts/develop to print the login",
            interval=2,
        )
        assert process.poll() is None, (ARTIFACTS / "develop.log").read_text()
        hass = HomeAssistantProcess(tmp_path / "develop" / "config", port=ha_port)
        hass.onboard()  # logs in as the printed user
        wait_until(lambda: len(hass.states("climate")) == 14, 120, "the heaters of both homes")
        # The frontend serves its page (the dashboard loads from it).
        with urllib.request.urlopen(f"{hass.url}/", timeout=30) as answer:
            assert b"<html" in answer.read().lower()
        assert http("GET", f"http://127.0.0.1:{sim_port}/_sim/requests")
        _two_homes_told_apart(hass)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure too
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("scripts/develop did not stop on SIGTERM")
        log.close()
    # Started, set up and stopped as a developer does: not one deprecation of ours in its log.
    assert HomeAssistantProcess(tmp_path / "develop" / "config").deprecation_reports() == []
