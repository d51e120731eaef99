"""Client of Sber Smart Home's partner API, vendor → Sber direction (PROTOCOLS.md §2.1).

Every call carries the vendor key as a bearer token and a fresh `X-Request-Id`. An answer is
either a success, a partial failure naming the ids that failed (the others succeeded), or a
common error for the whole call, raised as `SberError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
import json
from typing import Any
from uuid import uuid4

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=20)


class SberError(Exception):
    """A whole call failed: network, timeout, or a common error from Sber."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        """`reason` is safe to log and show: a status, a code, never the key."""
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True)
class Rejected:
    """One id Sber refused in a partly failed call."""

    id: str
    code: int | None
    message: str


@dataclass(frozen=True, slots=True)
class SberAnswer:
    """A call that Sber took: the ids it refused, if any (all others are done)."""

    rejected: tuple[Rejected, ...] = ()

    def already_there(self) -> set[str]:
        """Ids refused because Sber already has them (a POST that should have been a PUT)."""
        return {
            item.id for item in self.rejected if item.code == 409 or "exist" in item.message.lower()
        }


def parse_answer(status: int, text: str) -> SberAnswer:
    """Read Sber's answer to a vendor call, or raise SberError for a whole failure."""
    try:
        body: Any = json.loads(text) if text.strip() else {}
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("errors"), list):
        rejected = []
        for item in body["errors"]:
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                continue
            code = item.get("code")
            rejected.append(
                Rejected(
                    item["id"],
                    code if isinstance(code, int) and not isinstance(code, bool) else None,
                    str(item.get("message") or "")[:200],
                )
            )
        if rejected:
            return SberAnswer(tuple(rejected))
    if status < HTTPStatus.MULTIPLE_CHOICES:
        return SberAnswer()
    code = body.get("code") if isinstance(body, Mapping) else None
    message = body.get("message") if isinstance(body, Mapping) else None
    detail = f"HTTP {status}"
    if isinstance(code, int) and not isinstance(code, bool):
        detail += f" code {code}"
    if isinstance(message, str) and message:
        detail += f": {message[:200]}"
    raise SberError(detail, status)


class SberClient:
    """The five vendor calls. Takes a session it does not own."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, key: str) -> None:
        """Talk to `base_url` with the vendor key."""
        self._session = session
        self._base = base_url.rstrip("/")
        self._key = key

    async def _call(self, method: str, path: str, body: Mapping[str, Any]) -> SberAnswer:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self._key}",
            "X-Request-Id": str(uuid4()),
        }
        try:
            async with self._session.request(
                method,
                f"{self._base}{path}",
                data=json.dumps(body),
                headers=headers,
                timeout=TIMEOUT,
            ) as response:
                text = await response.text(errors="replace")
                return parse_answer(response.status, text)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise SberError(type(err).__name__) from err

    async def declare_models(self, models: Sequence[Mapping[str, Any]]) -> SberAnswer:
        """`POST /v1/models`: models Sber does not have yet."""
        return await self._call("POST", "/v1/models", {"models": list(models)})

    async def update_models(self, models: Sequence[Mapping[str, Any]]) -> SberAnswer:
        """`PUT /v1/models`: models Sber already has, changed."""
        return await self._call("PUT", "/v1/models", {"models": list(models)})

    async def add_devices(self, user_id: str, devices: Sequence[Mapping[str, Any]]) -> SberAnswer:
        """`POST /v1/devices` for one user."""
        return await self._call(
            "POST", "/v1/devices", {"user_id": user_id, "devices": list(devices)}
        )

    async def update_devices(self, devices: Sequence[Mapping[str, Any]]) -> SberAnswer:
        """`PUT /v1/devices`."""
        return await self._call("PUT", "/v1/devices", {"devices": list(devices)})

    async def delete_devices(self, device_ids: Sequence[str]) -> SberAnswer:
        """`DELETE /v1/devices`."""
        return await self._call("DELETE", "/v1/devices", {"device_ids": list(device_ids)})

    async def push_states(self, states: Mapping[str, Sequence[Mapping[str, Any]]]) -> SberAnswer:
        """`POST /v1/state`."""
        return await self._call(
            "POST",
            "/v1/state",
            {"devices": {device_id: {"states": list(s)} for device_id, s in states.items()}},
        )
