"""Fakes of the voice platforms' own servers: they record what we send and answer as told."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve an app on loopback; yields its base URL (no trailing slash)."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@dataclass
class Received:
    """One request the fake received."""

    method: str
    path: str
    headers: CIMultiDict[
        str
    ]  # header names are case-insensitive (newer aiohttp spells X-Request-ID)
    body: Any


@dataclass
class RecordingServer:
    """An aiohttp app that records every request and answers with `reply` (status, body).

    By default what Yango's callback service answers a callback it takes (202, status ok).
    """

    reply: Callable[[Received], tuple[int, Any]] = field(
        default=lambda _: (202, {"request_id": "fake", "status": "ok"})
    )
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
            CIMultiDict(request.headers),
            json.loads(text) if text else None,
        )
        self.received.append(item)
        status, body = self.reply(item)
        return web.json_response(body, status=status)


class FakeSber:
    """Sber's partner API as the spec describes it, strict about headers and bodies.

    `reject` holds, per id, how many more times Sber refuses it (a partial error naming it);
    `down` is how many calls in a row get a common 503 error.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.server = RecordingServer(reply=self._reply)
        self.reject: dict[str, int] = {}
        self.down = 0
        self.models: dict[str, Any] = {}
        self.devices: dict[str, Any] = {}
        self.states: dict[str, Any] = {}
        self.request_ids: set[str] = set()
        self.problems: list[str] = []  # anything the spec forbids, for the tests to assert empty
        # The linked test user's key: their devices are `<heater>@<key>` at Sber.
        self.user_key: str | None = None
        self.owners: dict[str, str] = {}  # device id -> the user_id it was added under

    def id(self, heater_id: str) -> str:
        """The Sber device id of one of our heaters, for the linked test user."""
        return heater_id if self.user_key is None else f"{heater_id}@{self.user_key}"

    @property
    def received(self) -> list[Received]:
        return self.server.received

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.received]

    def _check_headers(self, item: Received) -> bool:
        request_id = item.headers.get("X-Request-Id")
        ok = (
            item.headers.get("Authorization") == f"Bearer {self.key}"
            and item.headers.get("Content-Type", "").startswith("application/json")
            and bool(request_id)
            and request_id not in self.request_ids
        )
        if request_id:
            self.request_ids.add(request_id)
        if not ok:
            self.problems.append(f"bad headers on {item.method} {item.path}")
        return ok

    def _refused(self, item_id: str) -> bool:
        left = self.reject.get(item_id, 0)
        if left:
            self.reject[item_id] = left - 1
            return True
        return False

    def _reply(self, item: Received) -> tuple[int, Any]:
        if not self._check_headers(item):
            return 401, {"code": 401, "message": "unauthorized", "details": []}
        if self.down:
            self.down -= 1
            return 503, {"code": 503, "message": "unavailable", "details": []}
        body = item.body if isinstance(item.body, dict) else {}
        handler = {
            ("POST", "/v1/models"): self._models,
            ("PUT", "/v1/models"): self._models,
            ("POST", "/v1/devices"): self._devices,
            ("PUT", "/v1/devices"): self._devices,
            ("DELETE", "/v1/devices"): self._delete,
            ("POST", "/v1/state"): self._state,
        }.get((item.method, item.path))
        if handler is None:
            self.problems.append(f"unexpected {item.method} {item.path}")
            return 404, {"code": 404, "message": "not found", "details": []}
        errors = handler(item.method, body)
        if errors:
            return 200, {"errors": errors}
        return 200, {}

    def _models(self, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """POST adds (an id Sber has is refused as existing), PUT updates (an unknown id is
        refused)."""
        errors = []
        for model in body.get("models", []):
            missing = {"id", "manufacturer", "model", "category", "features"} - set(model)
            if missing:
                self.problems.append(f"model without {sorted(missing)}")
            model_id = model.get("id")
            if method == "POST" and model_id in self.models:
                errors.append({"id": model_id, "code": 400, "message": "model already exists"})
            elif method == "PUT" and model_id not in self.models:
                errors.append({"id": model_id, "code": 400, "message": "no such model"})
            elif self._refused(model_id):
                errors.append({"id": model_id, "code": 500, "message": "try later"})
            else:
                self.models[model["id"]] = model
        return errors

    def _check_device(self, method: str, device: dict[str, Any]) -> None:
        if not {"id", "name", "default_name"} <= set(device):
            self.problems.append("device without id, name or default_name")
        if device.get("model_id") not in self.models:
            self.problems.append(f"device {device.get('id')} before its model")
        if method == "PUT" and device.get("id") not in self.devices:
            self.problems.append(f"PUT of unknown device {device.get('id')}")

    def _devices(self, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        if method == "POST" and not isinstance(body.get("user_id"), str):
            self.problems.append("POST /v1/devices without user_id")
        errors = []
        for device in body.get("devices", []):
            self._check_device(method, device)
            if method == "POST" and device.get("id") in self.devices:
                errors.append({"id": device["id"], "code": 400, "message": "device already exists"})
            elif self._refused(device.get("id")):
                errors.append({"id": device["id"], "code": 400, "message": "rejected"})
            else:
                if method == "POST":
                    self.owners[device["id"]] = body["user_id"]
                self.devices[device["id"]] = device
        return errors

    def _delete(self, _method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        errors = []
        for device_id in body.get("device_ids", []):
            if self._refused(device_id):
                errors.append({"id": device_id, "code": 500, "message": "busy"})
            else:
                self.devices.pop(device_id, None)
        return errors

    def _state(self, _method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        errors = []
        for device_id, state in body.get("devices", {}).items():
            if device_id not in self.devices:
                self.problems.append(f"state of unknown device {device_id}")
            for feature in state.get("states", []):
                value = feature.get("value", {})
                if value.get("type") == "INTEGER" and not isinstance(
                    value.get("integer_value"), str
                ):
                    self.problems.append("INTEGER value not sent as a string")
            if self._refused(device_id):
                errors.append({"id": device_id, "code": 400, "message": "bad state"})
            else:
                self.states[device_id] = state["states"]
        return errors
