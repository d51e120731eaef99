"""Bring a fresh Home Assistant to a usable state through its own REST APIs.

Used by `scripts/develop`, with the same machinery as the end-to-end suite
(`tests/e2e/processes.py`): waits for Home Assistant, onboards it (owner `dev` / `dev-password`,
core config, analytics, integrations), then adds the HomeSmartlink partner account with its homes
through the config-flow REST API, exactly as a user's browser would. Idempotent: an onboarded
instance is logged in to.

    python scripts/ha_setup.py --port 8123 --config .develop/config \
        --cloud http://127.0.0.1:8765 --client-id demo-partner --client-secret demo-secret \
        --home home-demo-1 --home home-demo-2
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.processes import HomeAssistantProcess


def main() -> int:
    """Parse arguments, onboard, add the home."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--cloud", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--home", required=True, action="append", help="a home to add (repeat)")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    hass = HomeAssistantProcess(args.config, port=args.port)
    hass.wait_ready(args.timeout)
    hass.onboard()
    if hass.has_account():
        print("The HomeSmartlink account is already configured")
        return 0
    result = hass.add_account(args.cloud, args.client_id, args.client_secret, args.home)
    if result.get("type") != "create_entry":
        print(f"Adding the account failed: {result}", file=sys.stderr)
        return 1
    print(f"HomeSmartlink account added with homes {', '.join(args.home)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
