"""Fixtures of the end-to-end suite: one real Home Assistant and one simulator for the module."""

from __future__ import annotations

from collections.abc import Generator
import os
from pathlib import Path
import shutil

import pytest

try:  # part of the test plugin's set; the latest leg runs without the plugin, sockets unblocked
    import pytest_socket
except ImportError:  # pragma: no cover - latest leg only
    pytest_socket = None

from tests.simulator import SAMPLE_HOME

from .processes import ROOT, HomeAssistantProcess, SimulatorProcess, wait_until

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "artifacts"))
HOME_ID = "home-demo-1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `e2e` (scripts/test can leave them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """No in-process Home Assistant here: the real one runs in its own process, on loopback."""
    if pytest_socket is not None:
        request.getfixturevalue("socket_enabled")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Generator[tuple[HomeAssistantProcess, SimulatorProcess]]:
    """A simulator and a Home Assistant onboarded with the sample home added through REST."""
    # Module-scoped: set up before the per-test `socket_enabled`; these are loopback processes.
    if pytest_socket is not None:
        pytest_socket.enable_socket()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    workdir = tmp_path_factory.mktemp("e2e")
    # The partner has two homes; the account starts with one (the other is added by a test).
    simulator = SimulatorProcess(SAMPLE_HOME, homes=2, log=ARTIFACTS / "simulator.log")
    simulator.start()
    hass = HomeAssistantProcess(workdir / "config")
    hass.prepare()
    try:
        hass.start()
        hass.onboard()
        result = hass.add_account(simulator.url, "demo-partner", "demo-secret", [HOME_ID])
        assert result["type"] == "create_entry", result
        wait_until(lambda: len(hass.states("climate")) == 7, 120, "seven climate entities")
        yield hass, simulator
    finally:
        hass.stop()
        simulator.stop()
        log = workdir / "config" / "home-assistant.log"
        if log.exists():
            shutil.copy(log, ARTIFACTS / "home-assistant.log")
