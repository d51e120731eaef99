"""Fields the config and options forms share: their selectors and the secret fields.

A stored secret is never shown back: its field is then the "replace" one, whose help says that
leaving it empty keeps what is stored (the first field's help says what to enter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PEM_SELECTOR = TextSelector(TextSelectorConfig(multiline=True))
REPLACE = "_replace"


def secret_field(key: str, current: Mapping[str, Any]) -> str:
    """The secret's field: its own, or the "replace" one once something is stored."""
    return f"{key}{REPLACE}" if current.get(key) else key


def typed_secret(values: Mapping[str, Any], key: str) -> str:
    """What was typed in a secret's field, whichever of the two it was."""
    return str(values.get(key) or values.get(f"{key}{REPLACE}") or "").strip()
