"""openleadr's own VTN for the end-to-end suite, in a thread of the test process.

The suite's tests are plain functions: the server runs in an event loop of its own thread, and
each call goes to that loop. What the VTN heard (opt-ins and outs, report values) is kept here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from functools import partial
import socket
import threading
from typing import Any

from openleadr import OpenADRServer
from openleadr.service import VTNService

VEN_ID = "ven-e2e"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThreadedVtn:
    """A program's server on 127.0.0.1, polled every second."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/OpenADR2/Simple/2.0b"
        self.opts: list[tuple[str, str]] = []
        self.reported: dict[str, float] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.server: Any = self._run(self._start())

    def _run(self, job: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(job, self._loop).result(30)

    async def _start(self) -> Any:
        server = OpenADRServer(
            vtn_id="E2EVTN",
            http_port=self.port,
            requested_poll_freq=timedelta(seconds=1),
            ven_lookup=lambda ven_id: {"ven_id": ven_id, "registration_id": "reg-e2e"},
            show_fingerprint=False,
        )
        server.add_handler("on_create_party_registration", lambda info: (VEN_ID, "reg-e2e"))
        server.add_handler("on_register_report", self._offered)
        # openleadr 0.5.36's VTN on Python 3.14: its message builder held as a static method
        # (a functools.partial class attribute binds like a method from 3.14).
        if not isinstance(VTNService.__dict__["_create_message"], staticmethod):
            VTNService._create_message = staticmethod(VTNService._create_message)
        await server.run()
        return server

    def _offered(self, report: dict[str, Any]) -> list[tuple[str, Any, timedelta]]:
        return [
            (d["r_id"], partial(self._reported, d["r_id"]), d["sampling_rate"]["min_period"])
            for d in report["report_descriptions"]
        ]

    def _reported(self, r_id: str, values: list[tuple[datetime, float]]) -> None:
        self.reported[r_id] = values[-1][1]

    def _opted(self, ven_id: str, event_id: str, opt_type: str) -> None:
        self.opts.append((event_id, opt_type))

    def add_event(self, start: datetime, minutes: int, offset: float, homes: list[str]) -> str:
        """A load-control offset (°C) for these homes (resource ids)."""

        async def add() -> str:
            return str(
                self.server.add_event(
                    ven_id=VEN_ID,
                    signal_name="LOAD_CONTROL",
                    signal_type="x-loadControlLevelOffset",
                    intervals=[
                        {
                            "dtstart": start,
                            "duration": timedelta(minutes=minutes),
                            "signal_payload": offset,
                        }
                    ],
                    targets=[{"resource_id": home} for home in homes],
                    callback=self._opted,
                )
            )

        return str(self._run(add()))

    def cancel_event(self, event_id: str) -> None:
        async def cancel() -> None:
            self.server.cancel_event(VEN_ID, event_id)

        self._run(cancel())

    def stop(self) -> None:
        self._run(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
