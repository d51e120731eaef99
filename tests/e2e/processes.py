"""Start and talk to the real processes of the end-to-end suite (stdlib, aiohttp for websockets).

`HomeAssistantProcess` runs `python -m homeassistant -c DIR` as users run it, with this
integration linked into `DIR/custom_components`; `SimulatorProcess` runs
`python -m tests.simulator`. Both are driven over HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp

from tests.deprecations import is_deprecation_report

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "homesmartlink"
USERNAME = "dev"
PASSWORD = "dev-password"

CONFIGURATION = """\
homeassistant:
  name: HomeSmartlink end to end
  time_zone: Europe/Paris
  country: FR
  unit_system: metric
frontend:
config:
automation: !include automations.yaml
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: warning
  logs:
    custom_components.homesmartlink: debug
"""


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process, without pytest-cov's hooks.

    pytest-cov would otherwise start coverage in every Python child, which writes statement data
    beside the suite's branch data and breaks their combination.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COV_CORE_", "COVERAGE_"))
    }
    return {**env, **extra}


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    body: Any = None,
    token: str | None = None,
    form: dict[str, str] | None = None,
    timeout: float = 60,
) -> Any:
    """One JSON call; raises urllib.error.HTTPError on an error status."""
    headers = {"Accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def wait_until(check: Any, timeout: float, what: str, interval: float = 0.5) -> Any:
    """Call `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (OSError, urllib.error.URLError, ValueError, KeyError) as err:
            last_error = err
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what} ({last_error!r})")


@dataclass
class SimulatorProcess:
    """The simulated HomeSmartlink cloud in its own process."""

    seed: Path
    homes: int = 1
    port: int = field(default_factory=free_port)
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the partner API."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start and wait until it answers."""
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.simulator",
                "--port",
                str(self.port),
                "--seed",
                str(self.seed),
                "--homes",
                str(self.homes),
                "--diagnosis-delay",
                "0",
            ],
            cwd=ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: self.control("GET", "/_sim/requests") is not None, 30, "simulator")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API (`/_sim/...`)."""
        return http(method, f"{self.url}{path}", body)

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        """Partner requests received, optionally on one path."""
        return [r for r in self.control("GET", "/_sim/requests") if path in (None, r["path"])]

    def stop(self) -> None:
        """Stop the process."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def browser_check(
    url: str, out: Path, entity: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """Run the browser check (tests/e2e/browser.py) on a heater's card and the calendar panel.

    `options`: more of its arguments (`--name`, `--temperature`, `--calendar`).
    """
    return subprocess.run(
        [
            *(sys.executable, "-m", "tests.e2e.browser"),
            *("--url", url, "--out", str(out), "--entity", entity),
            *options,
        ],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def suggested(flow: dict[str, Any]) -> dict[str, Any]:
    """The values a flow's form proposes, as its REST API serialises them."""
    return {
        item["name"]: (item.get("description") or {}).get("suggested_value")
        for item in flow["data_schema"]
    }


@dataclass
class HomeAssistantProcess:
    """Home Assistant started from a config folder, as `hass -c DIR` does."""

    config_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    token: str | None = None

    @property
    def url(self) -> str:
        """Base URL of the instance."""
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        """Write the configuration and link the integration in."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(CONFIGURATION.format(port=self.port))
        automations = self.config_dir / "automations.yaml"
        if not automations.exists():
            automations.write_text("[]\n")
        components = self.config_dir / "custom_components"
        components.mkdir(exist_ok=True)
        link = components / "homesmartlink"
        if not link.exists():
            link.symlink_to(INTEGRATION, target_is_directory=True)

    def start(self, timeout: float = 600) -> None:
        """Start and wait until the HTTP API answers (the first start installs the frontend)."""
        (self.config_dir / ".ha_run.lock").unlink(missing_ok=True)
        env = child_env(SSL_CERT_FILE="/etc/ssl/certs/ca-certificates.crt", UV_NATIVE_TLS="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "homeassistant", "-c", str(self.config_dir)],
            cwd=self.config_dir,
            env=env,
            stdout=(self.config_dir / "stdout.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Wait until the HTTP server answers; fail early if our process died."""

        def answering() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"Home Assistant exited with {self.process.returncode}")
            # Any HTTP answer means the server is up (before onboarding this one is a 400).
            with contextlib.suppress(urllib.error.HTTPError):
                http("GET", f"{self.url}/auth/providers", timeout=5)
            return True

        wait_until(answering, timeout, "Home Assistant to answer", interval=1)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), as a service manager would, so stores are flushed."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Kill at once (SIGKILL), as a power cut would: nothing is flushed."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait()
        self.process = None

    def onboard(self) -> str:
        """Onboard (owner, core config, analytics, integrations) or log in; keep the token."""
        client_id = f"{self.url}/"
        try:
            steps = {s["step"]: s["done"] for s in http("GET", f"{self.url}/api/onboarding")}
        except urllib.error.HTTPError as err:
            if err.code != 404:  # the onboarding API is gone once onboarding is done
                raise
            steps = {"user": True, "core_config": True, "analytics": True, "integration": True}
        if not steps.get("user"):
            code = http(
                "POST",
                f"{self.url}/api/onboarding/users",
                {
                    "client_id": client_id,
                    "name": "Developer",
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            )["auth_code"]
        else:
            flow = http(
                "POST",
                f"{self.url}/auth/login_flow",
                {
                    "client_id": client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": client_id,
                },
            )
            code = http(
                "POST",
                f"{self.url}/auth/login_flow/{flow['flow_id']}",
                {
                    "client_id": client_id,
                    "username": USERNAME,
                    "password": PASSWORD,
                },
            )["result"]
        self.token = http(
            "POST",
            f"{self.url}/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
            },
        )["access_token"]
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": client_id, "redirect_uri": client_id}),
        ):
            if not steps.get(step):
                http("POST", f"{self.url}/api/onboarding/{step}", body, token=self.token)
        return self.token

    def deprecation_reports(self) -> list[str]:
        """Lines of this instance's logs (every run) reporting a deprecation or misuse of ours."""
        logs = [
            *sorted(self.config_dir.glob("home-assistant.log*")),
            self.config_dir / "stdout.log",
        ]
        return [
            f"{log.name}: {line}"
            for log in logs
            if log.is_file()
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if is_deprecation_report(line)
        ]

    def entry(self) -> dict[str, Any]:
        """The integration's one config entry, as the UI lists it."""
        entries = self.api("GET", "/api/config/config_entries/entry")
        (entry,) = [e for e in entries if e["domain"] == "homesmartlink"]
        return entry  # type: ignore[no-any-return]

    def ws(self, message: dict[str, Any]) -> Any:
        """One command over the websocket API (what the UI uses where REST has no call)."""
        return asyncio.run(self._ws(message))

    async def _ws(self, message: dict[str, Any]) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.url}/api/websocket") as socket,
        ):
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.token})
            await socket.receive_json()  # auth_ok
            await socket.send_json({"id": 1, **message})
            answer = await socket.receive_json()
        if not answer.get("success"):
            raise AssertionError(f"{message['type']} failed: {answer}")
        return answer["result"]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call Home Assistant's REST API with the owner's token."""
        return http(method, f"{self.url}{path}", body, token=self.token)

    def has_account(self) -> bool:
        """Whether a HomeSmartlink account is already configured."""
        entries = self.api("GET", "/api/config/config_entries/entry")
        return any(e["domain"] == "homesmartlink" for e in entries)

    def add_account(
        self, cloud: str, client_id: str, client_secret: str, home_ids: list[str]
    ) -> Any:
        """Add a partner account with these homes through the config-flow REST API, as the UI."""
        flow = self.api("POST", "/api/config/config_entries/flow", {"handler": "homesmartlink"})
        flow = self.api(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {
                "base_url": cloud,
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        assert flow["step_id"] == "homes", flow
        flow = self.api(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"home_ids": home_ids}
        )
        assert flow["step_id"] == "names", flow
        # The names proposed, as a user who keeps them.
        return self.api(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", suggested(flow)
        )

    def add_home(self, entry_id: str, home_id: str) -> Any:
        """Add a home to an account with its "Add home" flow (subentry flow REST API)."""
        path = "/api/config/config_entries/subentries/flow"
        flow = self.api("POST", path, {"handler": [entry_id, "home"]})
        assert flow["step_id"] == "user", flow
        flow = self.api("POST", f"{path}/{flow['flow_id']}", {"home_id": home_id})
        assert flow["step_id"] == "name", flow
        return self.api("POST", f"{path}/{flow['flow_id']}", suggested(flow))

    def states(self, domain: str | None = None) -> dict[str, Any]:
        """Current states by entity id."""
        return {
            s["entity_id"]: s
            for s in self.api("GET", "/api/states")
            if domain is None or s["entity_id"].startswith(f"{domain}.")
        }

    def action(
        self, domain: str, service: str, data: dict[str, Any], response: bool = False
    ) -> Any:
        """Call an action; with `response`, return its service response."""
        query = "?return_response" if response else ""
        result = self.api("POST", f"/api/services/{domain}/{service}{query}", data)
        return result["service_response"] if response else result
