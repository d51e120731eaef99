"""openleadr's VTN in a process of its own for the benchmarks (its CPU is not Home Assistant's).

    python -m tests.bench.vtn_process --port 8080

Beside the OpenADR endpoints, a small control API: `POST /_bench/event` adds a load-control
event (`{"start": iso, "minutes": n, "offset": -2}`) for the VEN, `GET /_bench/state` says how
many polls the VEN made and which events it opted in or out of.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from openleadr import OpenADRServer
from openleadr.service import VTNService

VEN_ID = "ven-bench"


async def main(port: int) -> None:
    """Serve until killed."""
    opts: list[list[str]] = []
    polls = [0]
    server = OpenADRServer(
        vtn_id="BENCHVTN",
        http_port=port,
        requested_poll_freq=timedelta(seconds=1),
        ven_lookup=lambda ven_id: {"ven_id": ven_id, "registration_id": "reg-bench"},
        show_fingerprint=False,
    )
    server.add_handler("on_create_party_registration", lambda info: (VEN_ID, "reg-bench"))
    if not isinstance(VTNService.__dict__["_create_message"], staticmethod):  # Python 3.14
        VTNService._create_message = staticmethod(VTNService._create_message)

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.endswith("/OadrPoll"):
            polls[0] += 1
        return await handler(request)

    async def event(request: web.Request) -> web.Response:
        body = await request.json()
        event_id = server.add_event(
            ven_id=VEN_ID,
            signal_name="LOAD_CONTROL",
            signal_type="x-loadControlLevelOffset",
            intervals=[
                {
                    "dtstart": datetime.fromisoformat(body["start"]),
                    "duration": timedelta(minutes=body["minutes"]),
                    "signal_payload": body["offset"],
                }
            ],
            callback=lambda ven_id, event_id, opt_type: opts.append([event_id, opt_type]),
        )
        return web.json_response({"event_id": event_id})

    async def state(request: web.Request) -> web.Response:
        return web.json_response({"polls": polls[0], "opts": opts})

    server.app.middlewares.append(count)
    server.app.router.add_post("/_bench/event", event)
    server.app.router.add_get("/_bench/state", state)
    await server.run()
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
