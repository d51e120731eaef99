"""openleadr's own VTN for the end-to-end suite, in a thread of the test process.

The suite's tests are plain functions: the server (`tests/vtn.py`) runs in an event loop of its
own thread, and each call goes to that loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
import threading
from typing import Any

from tests.vtn import ProgramVtn


class ThreadedVtn:
    """A program's server on 127.0.0.1, polled every second, in its own thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.vtn: ProgramVtn = self._run(self._start())
        self.url = self.vtn.url

    def _run(self, job: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(job, self._loop).result(30)

    @staticmethod
    async def _start() -> ProgramVtn:
        vtn = ProgramVtn()
        await vtn.server.run()
        return vtn

    @property
    def opts(self) -> list[tuple[str, str]]:
        """Opt-ins and outs received, per event."""
        return list(self.vtn.opts)

    @property
    def reported(self) -> dict[str, float]:
        """The last value of each report point."""
        return dict(self.vtn.reported)

    def add_event(self, start: datetime, minutes: int, offset: float, homes: list[str]) -> str:
        """A load-control offset (°C) for these homes (resource ids)."""

        async def add() -> str:
            return self.vtn.add_event(start, minutes, offset, homes)

        return str(self._run(add()))

    def cancel_event(self, event_id: str) -> None:
        """The program cancels the event."""

        async def cancel() -> None:
            self.vtn.cancel_event(event_id)

        self._run(cancel())

    def stop(self) -> None:
        """Stop the server and its thread."""
        self._run(self.vtn.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
