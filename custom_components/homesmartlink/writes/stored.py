"""Values read back from a stored file, checked: anything else is a damaged record.

Pure (no Home Assistant): the ledger and the campaigns' model read their records with these,
and drop a record whose value is not what we wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise TypeError
    return value


def optional_text(value: Any) -> str | None:
    """A string, or None for anything else."""
    return value if isinstance(value, str) else None


def integer(value: Any) -> int:
    """An integer (a boolean is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def instant(value: Any) -> datetime:
    """An ISO date-time with its offset (a naive one cannot be placed in time)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError
    return moment
