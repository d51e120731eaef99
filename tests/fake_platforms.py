"""Fakes of the voice platforms' own servers: they record what we send and answer as told."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web


@dataclass
class Received:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class RecordingServer:
    """An aiohttp app that records every request and answers with `reply` (status, body)."""

    reply: Callable[[Received], tuple[int, Any]] = field(default=lambda _: (202, {}))
    received: list[Received] = field(default_factory=list)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        text = await request.text()
        item = Received(
            request.method,
            request.path,
            dict(request.headers),
            json.loads(text) if text else None,
        )
        self.received.append(item)
        status, body = self.reply(item)
        return web.json_response(body, status=status)
