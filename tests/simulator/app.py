"""A faithful fake of the HomeSmartlink partner cloud, for the tests and `scripts/develop`.

It speaks the partner API of `shared/specs/homesmartlink-partner-api.txt` with its real shapes and
typos (`reponse`, `pv` a string, fields missing while offline), checks Basic auth, pages users,
enforces the shared-window rule of derogations and shifts the setpoint of a room's heaters while
their derogation is active, keeps triggers with delivery reports, and answers diagnoses only after a
delay. Faults (latency, 5xx, 429 with Retry-After, malformed bodies, connection resets) are injected
through the control API under `/_sim/`, which also exposes the log of every partner request.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
import copy
from dataclasses import dataclass
from datetime import date, datetime
import json
from pathlib import Path
import time
from typing import Any
import uuid
from zoneinfo import ZoneInfo

from aiohttp import web

SAMPLE_HOME = Path(__file__).with_name("sample_home.json")


def more_homes(seed: dict[str, Any], count: int) -> dict[str, Any]:
    """The seed with `count` homes in all: copies of its first home, `home-demo-2`, `-3`...

    Each copy's devices get ids of their own (`H2…`, `H3…`: a device id is unique in the cloud)
    and its user lives in another city, so that the users call lists every home.
    """
    seed = copy.deepcopy(seed)
    first = seed["homes"][0]
    for number in range(len(seed["homes"]) + 1, count + 1):
        home = copy.deepcopy(first)
        home["homeId"] = f"home-demo-{number}"
        for device in home["devices"]:
            device["header"] = f"H{number}{device['header'][2:]}"
        for user in home.get("users", []):
            user["city"] = f"Ville {number}"
            user["email"] = f"home{number}@example.com"
        seed["homes"].append(home)
    return seed


ANTIFREEZE_SETPOINT = 7.0


@dataclass
class RecordedRequest:
    """One partner API request as the cloud received it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    client: str | None
    at: float = 0.0  # monotonic seconds, to measure polling intervals

    def as_json(self) -> dict[str, Any]:
        """JSON form for the control API."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "client": self.client,
            "at": self.at,
        }


@dataclass
class Fault:
    """A misbehaviour applied to the next `count` partner requests matching `path` (all if None).

    `skip` lets that many matching requests through first.
    """

    count: int = 1
    skip: int = 0
    path: str | None = None
    status: int | None = None
    retry_after: str | None = None
    body: str | None = None
    latency: float = 0.0
    reset: bool = False
    # The cloud does what was asked first, then misbehaves (a 5xx, a timeout, a reset, a lie).
    applied: bool = False


@dataclass
class Trigger:
    """A derogation trigger and the homes its MQTT message went to."""

    homes: list[str]
    sent_at: datetime


@dataclass
class Diagnosis:
    """A diagnosis requested from a home."""

    home_id: str
    created_at: datetime


@dataclass
class Placed:
    """A derogation the cloud accepted."""

    home_id: str
    room_id: int
    start: int
    end: int
    delta: int
    day: date
    trigger: str


class _RefusedError(Exception):
    """A request the cloud refuses, with the answer it gives."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _bad(message: str) -> web.Response:
    return web.json_response({"message": message}, status=400)


class Simulator:
    """The simulated cloud: state, behaviour and the aiohttp application that serves it."""

    def __init__(
        self,
        seed: dict[str, Any] | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        timezone: str | None = None,
        diagnosis_delay: float = 300.0,
    ) -> None:
        """Load homes from a seed (the sample home when None)."""
        if seed is None:
            seed = json.loads(SAMPLE_HOME.read_text(encoding="utf-8"))
        self.seed = copy.deepcopy(seed)
        self.timezone = ZoneInfo(timezone or seed.get("timezone", "Europe/Paris"))
        # The cloud's clock: real time unless a test fixes it.
        self.clock = now
        self.diagnosis_delay = diagnosis_delay
        self.partners: dict[str, str] = {
            p["client_id"]: p["client_secret"] for p in seed.get("partners", [])
        }
        self.homes: dict[str, dict[str, Any]] = {
            home["homeId"]: copy.deepcopy(home) for home in seed.get("homes", [])
        }
        # Spelling of the payload key of config and invitations: the real cloud says "reponse".
        self.list_key: str = seed.get("list_key", "reponse")
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.derogations: list[Placed] = []
        self.triggers: dict[str, Trigger] = {}
        self.diagnoses: dict[str, Diagnosis] = {}

    # --- clock and state -------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated cloud's local time."""
        moment = self.clock() if self.clock else datetime.now(self.timezone)
        return moment.astimezone(self.timezone)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The partner requests received on one path (e.g. "config")."""
        return [r for r in self.requests if r.path == path]

    def device(self, home_id: str, device_id: str) -> dict[str, Any]:
        """The seed record of one device (to change it from a test)."""
        for device in self.homes[home_id]["devices"]:
            if device["header"] == device_id:
                return device
        raise KeyError(device_id)

    def add_device(self, home_id: str, device: dict[str, Any]) -> None:
        """Add a device to a home."""
        self.homes[home_id]["devices"].append(copy.deepcopy(device))

    def remove_device(self, home_id: str, device_id: str) -> None:
        """Remove a device from a home."""
        devices = self.homes[home_id]["devices"]
        devices[:] = [d for d in devices if d["header"] != device_id]

    def _active_delta(self, home_id: str, room_id: Any, moment: datetime) -> int:
        if self.homes[home_id].get("ignoreDerogations"):
            return 0  # its gateway never applies them (a test of non-delivery and opt-out)
        minute = moment.hour * 60 + moment.minute
        delta = 0
        for placed in self.derogations:  # the latest placed derogation wins
            if (
                placed.home_id == home_id
                and placed.room_id == room_id
                and placed.day == moment.date()
                and placed.start <= minute < placed.end
            ):
                delta = placed.delta
        return delta

    def scheduled_setpoint(self, device: dict[str, Any], moment: datetime) -> float | None:
        """The setpoint a device follows before any derogation."""
        mode = device.get("mode")
        if mode == "Prog":
            minute = moment.hour * 60 + moment.minute
            schedule = device.get("weekSchedule") or [[]] * 7
            comfort = any(r["start"] <= minute < r["end"] for r in schedule[moment.weekday()])
            return float(device["comfortSp"] if comfort else device["ecoSp"])
        if mode == "Antifreeze":
            return float(device.get("sp", ANTIFREEZE_SETPOINT))
        sp = device.get("sp")
        return float(sp) if sp is not None else None

    def device_wire(self, home_id: str, device: dict[str, Any]) -> dict[str, Any]:
        """A DeviceDTO as the cloud sends it."""
        if "raw" in device:  # a deliberately malformed record, sent as is
            return copy.deepcopy(device["raw"])
        wire: dict[str, Any] = {
            key: device[key]
            for key in ("header", "roomId", "roomName", "softwareVersion", "category", "online")
            if key in device
        }
        if not device.get("online"):
            return wire
        moment = self.now()
        wire["mode"] = device.get("mode")
        try:
            sp = self.scheduled_setpoint(device, moment)
        except (KeyError, TypeError, ValueError, IndexError):
            # A record a test filled with garbage goes out as it is, like a buggy cloud would.
            wire["sp"] = device.get("sp")
        else:
            if sp is not None:
                wire["sp"] = sp + self._active_delta(home_id, device.get("roomId"), moment)
        if "pv" in device:
            wire["pv"] = device["pv"]
        wire["lastUpdate"] = device.get("lastUpdate", moment.isoformat())
        if device.get("mode") == "Prog" and "weekSchedule" in device:
            wire["weekSchedule"] = device["weekSchedule"]
        return wire

    # --- HTTP plumbing ---------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """The aiohttp application: partner API plus control API."""
        app = web.Application(middlewares=[self._partner_middleware])
        api = "/partners/1"
        app.router.add_post(f"{api}/config", self._config)
        app.router.add_post(f"{api}/invitations", self._invitations)
        app.router.add_post(f"{api}/derogations", self._derogations)
        app.router.add_post(f"{api}/report", self._report)
        app.router.add_get(f"{api}/users", self._users)
        app.router.add_post(f"{api}/request", self._diagnosis_request)
        app.router.add_put(f"{api}/request", self._diagnosis_result)
        app.router.add_put("/_sim/partners/{client_id}", self._control_partner)
        app.router.add_get("/_sim/requests", self._control_requests)
        app.router.add_delete("/_sim/requests", self._control_clear_requests)
        app.router.add_post("/_sim/faults", self._control_add_faults)
        app.router.add_delete("/_sim/faults", self._control_clear_faults)
        app.router.add_get("/_sim/homes/{home}", self._control_home)
        app.router.add_patch("/_sim/homes/{home}", self._control_patch_home)
        app.router.add_get("/_sim/homes/{home}/wire", self._control_wire)
        app.router.add_post("/_sim/homes/{home}/devices", self._control_add_device)
        app.router.add_patch("/_sim/homes/{home}/devices/{device}", self._control_patch_device)
        app.router.add_delete("/_sim/homes/{home}/devices/{device}", self._control_remove_device)
        app.router.add_get("/_sim/derogations", self._control_derogations)
        return app

    def _client(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return client_id if self.partners.get(client_id) == secret else None

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path in (None, path):
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    @web.middleware
    async def _partner_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if not request.path.startswith("/partners/1/"):
            return await handler(request)  # type: ignore[no-any-return]
        path = request.path.removeprefix("/partners/1/")
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        client = self._client(request)
        self.requests.append(
            RecordedRequest(
                request.method, path, dict(request.query), body, client, time.monotonic()
            )
        )
        fault = self._take_fault(path)
        if fault is not None and fault.applied and client is not None:
            request["client"] = client
            request["body"] = body
            await handler(request)
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.reset and request.transport is not None:
                # Drop the connection without an answer, as a reset or crashed proxy would.
                request.transport.abort()
                return web.Response(status=500)
            if fault.status is not None or fault.body is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return web.Response(
                    status=fault.status or 200,
                    text=fault.body if fault.body is not None else '{"message": "fault"}',
                    content_type="application/json",
                    headers=headers,
                )
        if client is None:
            return web.json_response(
                {"message": "Unauthorized"}, status=401, headers={"WWW-Authenticate": "Basic"}
            )
        request["client"] = client
        request["body"] = body
        return await handler(request)  # type: ignore[no-any-return]

    def _answer(self, request: web.Request, **payload: Any) -> web.Response:
        return web.json_response(
            {"authorisation": {"type": "BASIC", "client": request["client"]}, **payload}
        )

    # --- partner API -----------------------------------------------------------------------

    async def _config(self, request: web.Request) -> web.Response:
        body = request["body"]
        home_id = body.get("homeId") if isinstance(body, dict) else None
        if not isinstance(home_id, str):
            return _bad("homeId is required")
        home = self.homes.get(home_id)
        if home is None:
            return web.json_response({"message": "Home not found"}, status=404)
        devices = [self.device_wire(home_id, device) for device in home["devices"]]
        payload: dict[str, Any] = {self.list_key: devices}
        if "gateway" in home:
            payload["gateway"] = home["gateway"]
        return self._answer(request, **payload)

    async def _invitations(self, request: web.Request) -> web.Response:
        body = request["body"]
        email = body.get("email") if isinstance(body, dict) else None
        if not isinstance(email, str):
            return _bad("email is required")
        homes = []
        for home_id, home in self.homes.items():
            users = [u for u in home.get("users", []) if u.get("email") == email]
            if not users:
                continue
            rooms: dict[Any, dict[str, Any]] = {}
            for device in home["devices"]:
                room = rooms.setdefault(
                    device.get("roomId"),
                    {
                        "name": device.get("roomName"),
                        "roomNumber": device.get("roomId"),
                        "accessories": [],
                    },
                )
                room["accessories"].append(device.get("header"))
            for room in rooms.values():
                room["deviceCount"] = str(len(room["accessories"]))
            homes.append(
                {
                    "_id": home_id,
                    "email": email,
                    "creationDate": home.get("creationDate"),
                    "role": users[0].get("role", 2),
                    "city": home.get("city"),
                    "gatewayEnabled": home.get("gatewayEnabled", True),
                    "hasGateway": home.get("hasGateway", True),
                    "rooms": list(rooms.values()),
                }
            )
        return self._answer(request, **{self.list_key: homes})

    def _parse_derogation(self, item: Any, trigger: str) -> Placed:
        """One derogation of a request, checked as the cloud checks it."""
        if not isinstance(item, dict):
            raise _RefusedError(_bad("each derogation must be an object"))
        home = self.homes.get(item.get("homeId"))  # type: ignore[arg-type]
        if home is None:
            raise _RefusedError(web.json_response({"message": "Home not found"}, status=404))
        room_id = item.get("roomId")
        if not any(d.get("roomId") == room_id for d in home["devices"]):
            raise _RefusedError(_bad(f"room {room_id} not in home"))
        start, end, delta = item.get("startTime"), item.get("endTime"), item.get("delta")
        for name, value in (("startTime", start), ("endTime", end)):
            if type(value) is not int or value < 0 or value > 1440 or value % 5:
                raise _RefusedError(_bad(f"{name} must be a multiple of 5 in 0..1440"))
        if end <= start:  # type: ignore[operator]
            raise _RefusedError(_bad("endTime must be after startTime"))
        if type(delta) is not int or not -5 <= delta <= 5:
            raise _RefusedError(_bad("delta must be an integer in -5..5"))
        try:
            day = date.fromisoformat(item.get("date"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _RefusedError(_bad("date must be YYYY-MM-DD")) from None
        return Placed(item["homeId"], room_id, start, end, delta, day, trigger)  # type: ignore[arg-type]

    async def _derogations(self, request: web.Request) -> web.Response:
        body = request["body"]
        items = body.get("derogations") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return _bad("derogations must be a non-empty list")
        trigger = uuid.uuid4().hex
        try:
            parsed = [self._parse_derogation(item, trigger) for item in items]
        except _RefusedError as err:
            return err.response
        if len({(p.start, p.end) for p in parsed}) != 1:
            return _bad("All derogations must have the same startTime and endTime")
        self.derogations.extend(parsed)
        homes = sorted({p.home_id for p in parsed})
        now = self.now()
        end_trigger = uuid.uuid4().hex
        self.triggers[trigger] = Trigger(homes, now)
        self.triggers[end_trigger] = Trigger(homes, now)
        return self._answer(
            request,
            response=[f"derogation scheduled for room {p.room_id}" for p in parsed],
            startTrigger=trigger,
            endTrigger=end_trigger,
        )

    async def _report(self, request: web.Request) -> web.Response:
        body = request["body"]
        trigger_id = body.get("trigger") if isinstance(body, dict) else None
        trigger = self.triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            return web.json_response({"message": "Trigger not found"}, status=404)
        details = []
        for home_id in trigger.homes:
            home = self.homes[home_id]
            if not home.get("gatewayEnabled", True):
                continue
            details.append(
                {
                    "acknowledge": bool(home.get("gatewayAck", True))
                    and not home.get("ignoreDerogations"),
                    "homeId": home_id,
                    "sendAt": trigger.sent_at.isoformat(),
                }
            )
        stamp = trigger.sent_at.isoformat() if details else None
        return self._answer(
            request,
            response={
                "summary": {
                    "requested": len(trigger.homes),
                    "sent": len(details),
                    "received": sum(1 for d in details if d["acknowledge"]),
                    "first": stamp,
                    "last": stamp,
                },
                "details": details,
            },
        )

    async def _users(self, request: web.Request) -> web.Response:
        try:
            page = int(request.query.get("page", "1"))
            size = int(request.query.get("size", "20"))
        except ValueError:
            return _bad("page and size must be integers")
        if page < 1 or size < 1:
            return _bad("page and size must be positive")
        users = [
            {"homeId": home_id, **{k: v for k, v in user.items() if k != "role"}}
            for home_id, home in self.homes.items()
            for user in home.get("users", [])
        ]
        return self._answer(request, response=users[(page - 1) * size : page * size])

    async def _diagnosis_request(self, request: web.Request) -> web.Response:
        body = request["body"]
        home_id = body.get("homeId") if isinstance(body, dict) else None
        home = self.homes.get(home_id) if isinstance(home_id, str) else None
        if home is None:
            return web.json_response({"message": "Home not found"}, status=404)
        if not home.get("gatewayEnabled", True):
            return self._answer(request, response={"status": "NOK", "messageId": None})
        message_id = uuid.uuid4().hex
        self.diagnoses[message_id] = Diagnosis(home_id, self.now())  # type: ignore[arg-type]
        return self._answer(request, response={"status": "OK", "messageId": message_id})

    async def _diagnosis_result(self, request: web.Request) -> web.Response:
        body = request["body"]
        message_id = body.get("messageId") if isinstance(body, dict) else None
        diagnosis = self.diagnoses.get(message_id) if isinstance(message_id, str) else None
        if diagnosis is None:
            return web.json_response({"message": "Message not found"}, status=404)
        ready = (self.now() - diagnosis.created_at).total_seconds() >= self.diagnosis_delay
        result: dict[str, Any] = {
            "_created_at": diagnosis.created_at.isoformat(),
            "acknowledge": ready,
        }
        if ready:
            home = self.homes[diagnosis.home_id]
            result["devices"] = [
                {"header": d["header"], "online": bool(d.get("online"))} for d in home["devices"]
            ]
            result["gatewayVersion"] = home.get("gateway", {}).get("version")
        return self._answer(request, response=result)

    # --- control API -----------------------------------------------------------------------

    async def _control_requests(self, request: web.Request) -> web.Response:
        return web.json_response([r.as_json() for r in self.requests])

    async def _control_partner(self, request: web.Request) -> web.Response:
        """A partner's secret rotated at the cloud (`{"client_secret": ...}`)."""
        data = await request.json()
        secret = data.get("client_secret") if isinstance(data, dict) else None
        if not isinstance(secret, str) or not secret:
            return web.json_response({"error": "client_secret needed"}, status=400)
        self.partners[request.match_info["client_id"]] = secret
        return web.json_response({})

    async def _control_clear_requests(self, request: web.Request) -> web.Response:
        self.requests.clear()
        return web.json_response({})

    async def _control_add_faults(self, request: web.Request) -> web.Response:
        data = await request.json()
        items = data if isinstance(data, list) else [data]
        try:
            self.faults.extend(Fault(**item) for item in items)
        except TypeError as err:
            return _bad(str(err))
        return web.json_response({"faults": len(self.faults)})

    async def _control_clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return web.json_response({})

    async def _control_home(self, request: web.Request) -> web.Response:
        home = self.homes.get(request.match_info["home"])
        if home is None:
            raise web.HTTPNotFound
        return web.json_response(home)

    async def _control_patch_home(self, request: web.Request) -> web.Response:
        """Change a home's flags (e.g. `ignoreDerogations`, `gatewayAck`)."""
        home = self.homes.get(request.match_info["home"])
        if home is None:
            raise web.HTTPNotFound
        home.update(await request.json())
        return web.json_response(home)

    async def _control_wire(self, request: web.Request) -> web.Response:
        """What the config call would answer now, without counting as a partner request."""
        home_id = request.match_info["home"]
        if home_id not in self.homes:
            raise web.HTTPNotFound
        return web.json_response(
            [self.device_wire(home_id, device) for device in self.homes[home_id]["devices"]]
        )

    async def _control_add_device(self, request: web.Request) -> web.Response:
        home_id = request.match_info["home"]
        if home_id not in self.homes:
            raise web.HTTPNotFound
        self.add_device(home_id, await request.json())
        return web.json_response({})

    async def _control_patch_device(self, request: web.Request) -> web.Response:
        try:
            device = self.device(request.match_info["home"], request.match_info["device"])
        except KeyError as err:
            raise web.HTTPNotFound from err
        device.update(await request.json())
        return web.json_response(device)

    async def _control_remove_device(self, request: web.Request) -> web.Response:
        home_id = request.match_info["home"]
        if home_id not in self.homes:
            raise web.HTTPNotFound
        self.remove_device(home_id, request.match_info["device"])
        return web.json_response({})

    async def _control_derogations(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "homeId": p.home_id,
                    "roomId": p.room_id,
                    "startTime": p.start,
                    "endTime": p.end,
                    "delta": p.delta,
                    "date": p.day.isoformat(),
                    "trigger": p.trigger,
                }
                for p in self.derogations
            ]
        )


__all__ = ["SAMPLE_HOME", "Fault", "RecordedRequest", "Simulator", "more_homes"]
