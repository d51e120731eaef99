"""Bring a fresh Home Assistant to a usable state through its own REST APIs (stdlib only).

Used by `scripts/develop`: waits for Home Assistant, onboards it (owner user, core config,
analytics, integration step), then adds HomeSmartlink through the config-flow REST API, exactly
as a user's browser would. Idempotent: an already onboarded instance is logged in to instead.

    python scripts/ha_setup.py --url http://127.0.0.1:8123 --cloud http://127.0.0.1:8765 \
        --client-id demo-partner --client-secret demo-secret --home home-demo-1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

USERNAME = "dev"
PASSWORD = "dev-password"  # a throw-away local account of the development instance


def _call(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    form: dict[str, str] | None = None,
) -> Any:
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
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def wait_for(url: str, timeout: float) -> None:
    """Wait until Home Assistant answers on /api/onboarding (served before onboarding)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _call("GET", f"{url}/api/onboarding")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    raise SystemExit(f"Home Assistant did not answer at {url} within {timeout:.0f} s")


def token(url: str) -> str:
    """Onboard if needed, then return an access token of the owner."""
    client_id = f"{url}/"
    steps = {step["step"]: step["done"] for step in _call("GET", f"{url}/api/onboarding")}
    if not steps.get("user"):
        code = _call(
            "POST",
            f"{url}/api/onboarding/users",
            {
                "client_id": client_id,
                "name": "Developer",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )["auth_code"]
    else:
        flow = _call(
            "POST",
            f"{url}/auth/login_flow",
            {"client_id": client_id, "handler": ["homeassistant", None], "redirect_uri": client_id},
        )
        code = _call(
            "POST",
            f"{url}/auth/login_flow/{flow['flow_id']}",
            {"client_id": client_id, "username": USERNAME, "password": PASSWORD},
        )["result"]
    access = _call(
        "POST",
        f"{url}/auth/token",
        form={"grant_type": "authorization_code", "code": code, "client_id": client_id},
    )["access_token"]
    for step, path, body in (
        ("core_config", "core_config", {}),
        ("analytics", "analytics", {}),
        ("integration", "integration", {"client_id": client_id, "redirect_uri": client_id}),
    ):
        if not steps.get(step):
            _call("POST", f"{url}/api/onboarding/{path}", body, token=access)
    return access


def add_integration(url: str, access: str, args: argparse.Namespace) -> None:
    """Add the home through the config-flow REST API, unless it is already there."""
    entries = _call("GET", f"{url}/api/config/config_entries/entry", token=access)
    if any(e["domain"] == "homesmartlink" and e["unique_id"] == args.home for e in entries):
        print(f"HomeSmartlink home {args.home} is already configured")
        return
    flow = _call(
        "POST", f"{url}/api/config/config_entries/flow", {"handler": "homesmartlink"}, token=access
    )
    flow = _call(
        "POST",
        f"{url}/api/config/config_entries/flow/{flow['flow_id']}",
        {"base_url": args.cloud, "client_id": args.client_id, "client_secret": args.client_secret},
        token=access,
    )
    if flow.get("step_id") != "home":
        raise SystemExit(f"Unexpected answer to the credentials step: {flow}")
    flow = _call(
        "POST",
        f"{url}/api/config/config_entries/flow/{flow['flow_id']}",
        {"home_id": args.home},
        token=access,
    )
    if flow.get("type") != "create_entry":
        raise SystemExit(f"Unexpected answer to the home step: {flow}")
    print(f"HomeSmartlink home {args.home} added")


def main() -> None:
    """Parse arguments, onboard, add the integration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--cloud", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    wait_for(args.url, args.timeout)
    add_integration(args.url, token(args.url), args)


if __name__ == "__main__":
    sys.exit(main())
