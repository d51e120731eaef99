"""openleadr's own VTN as the tests run it (unit, end-to-end and bench): never an imitation.

`ProgramVtn` builds the library's `OpenADRServer` on 127.0.0.1, asks for a poll every second,
registers any VEN as `VEN_ID`, requests every report point the VEN offers at its shortest period,
and keeps what it heard: opt-ins and outs per event, the last value of each report point.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
import socket
from typing import Any

from openleadr import OpenADRServer
from openleadr.service import VTNService

VEN_ID = "ven-hsl-1"
PATH = "/OpenADR2/Simple/2.0b"


def free_port() -> int:
    """A TCP port free on the loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _static_message_builder() -> None:
    """openleadr 0.5.36's VTN keeps its message builder as a class attribute holding a
    functools.partial: from Python 3.14 a partial binds like a method (3.13 warns about it) and
    every answer fails. Held as a static method it is the library's own builder, unchanged."""
    if not isinstance(VTNService.__dict__["_create_message"], staticmethod):
        VTNService._create_message = staticmethod(VTNService._create_message)


class ProgramVtn:
    """A program's server, and what it heard from the VEN."""

    def __init__(
        self,
        port: int | None = None,
        *,
        compact: bool = False,
        tls: dict[str, str] | None = None,
        ven_fingerprint: str | None = None,
    ) -> None:
        self.port = port or free_port()
        # Mutual TLS (openleadr's VTN asks the VEN's certificate whenever it serves TLS):
        # `http_cert`, `http_key`, `http_ca_file` paths; the VEN's certificate's fingerprint.
        self.tls = tls or {}
        self.ven_fingerprint = ven_fingerprint
        # openleadr's two ways to ask for reports: the whole report (r_ids), or each point by
        # resource and measurement ("compact"); `measured` keeps the latter's last values.
        self.compact = compact
        self.measured: dict[tuple[str, str], float] = {}
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}{PATH}"
        self.opts: list[tuple[str, str]] = []
        self.reported: dict[str, float] = {}
        self.registrations = 0
        self.server = self.build()

    def build(self) -> Any:
        """A new server on the same port (a restart loses the events the last one had)."""
        server = OpenADRServer(
            vtn_id="TESTVTN",
            http_port=self.port,
            requested_poll_freq=timedelta(seconds=1),
            ven_lookup=self._ven,
            show_fingerprint=False,
            **self.tls,
        )
        server.add_handler("on_create_party_registration", self._register)
        server.add_handler(
            "on_register_report", self._offered_compact if self.compact else self._offered
        )
        _static_message_builder()
        return server

    def _ven(self, ven_id: str) -> dict[str, Any]:
        return {"ven_id": ven_id, "registration_id": "reg-1", "fingerprint": self.ven_fingerprint}

    def _register(self, registration_info: dict[str, Any]) -> tuple[str, str]:
        self.registrations += 1
        return VEN_ID, "reg-1"

    def _offered(self, report: dict[str, Any]) -> list[tuple[str, Any, timedelta]]:
        """Every point the VEN offers, at its shortest sampling period."""
        return [
            (d["r_id"], partial(self._reported, d["r_id"]), d["sampling_rate"]["min_period"])
            for d in report["report_descriptions"]
        ]

    def _offered_compact(
        self,
        ven_id: str,
        resource_id: str,
        measurement: str,
        unit: str | None,
        scale: str | None,
        min_sampling_interval: timedelta,
        max_sampling_interval: timedelta,
    ) -> tuple[Any, timedelta]:
        """Each point by its resource and measurement, at its shortest sampling period."""
        return partial(self._measured, (resource_id, measurement)), min_sampling_interval

    def _measured(self, key: tuple[str, str], values: list[tuple[datetime, float]]) -> None:
        self.measured[key] = values[-1][1]

    def _reported(self, r_id: str, values: list[tuple[datetime, float]]) -> None:
        self.reported[r_id] = values[-1][1]

    def _opted(self, ven_id: str, event_id: str, opt_type: str) -> None:
        self.opts.append((event_id, opt_type))

    def add_event(
        self, start: datetime, minutes: int, offset: float, homes: list[str] | None = None
    ) -> str:
        """A load-control offset (°C) over the active period, for these homes (resource ids;
        none: the whole VEN)."""
        targets = [{"resource_id": home} for home in homes] if homes else None
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
                targets=targets,
                callback=self._opted,
            )
        )

    def cancel_event(self, event_id: str) -> None:
        """The program cancels the event (a new modification, status cancelled)."""
        self.server.cancel_event(VEN_ID, event_id)
