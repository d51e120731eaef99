"""openleadr's VTN (`tests/vtn.py`) in a process of its own for the benchmarks: its CPU is not
Home Assistant's.

    python -m tests.bench.vtn_process --port 8080

Beside the OpenADR endpoints, a small control API: `POST /_bench/event` adds a load-control
event for the whole VEN (`{"start": iso, "minutes": n, "offset": -2}`), `GET /_bench/state` says
how many polls the VEN made and which events it opted in or out of.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

from tests.vtn import ProgramVtn


async def main(port: int) -> None:
    """Serve until killed."""
    vtn = ProgramVtn(port)
    polls = [0]

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.endswith("/OadrPoll"):
            polls[0] += 1
        return await handler(request)

    async def event(request: web.Request) -> web.Response:
        body = await request.json()
        start = datetime.fromisoformat(body["start"])
        return web.json_response(
            {"event_id": vtn.add_event(start, body["minutes"], body["offset"])}
        )

    async def state(request: web.Request) -> web.Response:
        return web.json_response({"polls": polls[0], "opts": vtn.opts})

    vtn.server.app.middlewares.append(count)
    vtn.server.app.router.add_post("/_bench/event", event)
    vtn.server.app.router.add_get("/_bench/state", state)
    await vtn.server.run()
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
