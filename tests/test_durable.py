"""Stores that survive damage (issue 22): what Home Assistant's Store does with a damaged file,
played by a stand-in whose file is real, and what we make of it."""

from __future__ import annotations

from collections.abc import Callable
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.homesmartlink.writes.durable import async_load_object


class _Store:
    """A Store's `path`, `key` and `async_load`, with a behaviour of Home Assistant's."""

    def __init__(self, path: Path, load: Callable[[Path], Any]) -> None:
        self.path = str(path)
        self.key = "homesmartlink.sub-x.derogations"
        self._load = load

    async def async_load(self) -> Any:
        return self._load(Path(self.path))


def _truncated(path: Path) -> None:
    # Home Assistant renames a file it cannot decode to `.corrupt.<time>` and returns nothing.
    path.rename(path.with_name(path.name + ".corrupt.now"))


def _newer(path: Path) -> None:
    raise NotImplementedError  # a version with no migration


async def test_a_truncated_file_is_damage_dated_by_its_last_write(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    path = tmp_path / "ledger"
    path.write_text('{"version": 1, "data": {"derog')
    os.utime(path, (1_700_000_000, 1_700_000_000))
    data, damage = await async_load_object(hass, _Store(path, _truncated))  # type: ignore[arg-type]
    assert data == {}
    assert damage is not None
    assert damage.written.timestamp() == 1_700_000_000


async def test_a_file_of_an_unknown_version_is_set_aside_not_overwritten(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    path = tmp_path / "ledger"
    path.write_text('{"version": 9, "data": {}}')
    data, damage = await async_load_object(hass, _Store(path, _newer))  # type: ignore[arg-type]
    assert (data, damage is not None) == ({}, True)
    assert not path.exists()
    assert [name.split(".")[1] for name in os.listdir(tmp_path)] == ["unreadable"]


@pytest.mark.parametrize(("content", "damaged"), [([], True), ({"a": 1}, False), (None, False)])
async def test_what_a_file_holds(
    hass: HomeAssistant, tmp_path: Path, content: Any, damaged: bool
) -> None:
    path = tmp_path / "ledger"
    path.write_text("{}")
    data, damage = await async_load_object(hass, _Store(path, lambda _: content))  # type: ignore[arg-type]
    assert (damage is not None) == damaged
    assert data == (content if isinstance(content, dict) else {})


async def test_no_file_is_no_damage(hass: HomeAssistant, tmp_path: Path) -> None:
    data, damage = await async_load_object(
        hass,
        _Store(tmp_path / "missing", lambda _: None),  # type: ignore[arg-type]
    )
    assert (data, damage) == ({}, None)
