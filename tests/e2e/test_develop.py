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
    result = browser_check(
        hass.url,
        ARTIFACTS / "develop",
        "climate.lyon_salon_heater_1",
        *("--name", "Lyon · Salon heater 1", "--calendar", "Ville 2 · Salon heater 1"),
        *("--calendar", "demo-partner campaigns Campaigns"),
        *("--view", "List"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
