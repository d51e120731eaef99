"""Run the simulated HomeSmartlink cloud: `python -m tests.simulator --port 8765`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aiohttp import web

from .app import SAMPLE_HOME, Simulator, more_homes


def main() -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description="Simulated HomeSmartlink partner cloud")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=Path, default=SAMPLE_HOME, help="JSON file of homes")
    parser.add_argument(
        "--homes", type=int, default=1, help="homes of the partner (copies of the seed's first)"
    )
    parser.add_argument("--timezone", default=None, help="local time zone of the homes")
    parser.add_argument(
        "--diagnosis-delay", type=float, default=300.0, help="seconds before a diagnosis is ready"
    )
    args = parser.parse_args()
    seed = more_homes(json.loads(args.seed.read_text(encoding="utf-8")), args.homes)
    simulator = Simulator(seed, timezone=args.timezone, diagnosis_delay=args.diagnosis_delay)
    partner = seed["partners"][0]
    print(
        f"HomeSmartlink simulator on http://{args.host}:{args.port} "
        f"(client id {partner['client_id']!r}, homes: {', '.join(simulator.homes)})",
        flush=True,
    )
    web.run_app(simulator.make_app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
