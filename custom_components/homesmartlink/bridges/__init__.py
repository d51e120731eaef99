"""Optional outward bridges: the same heaters for the Yango and Sber voice platforms.

Each is a plug-in of the core (`plugins.py`): the core reaches them only through `PLUGINS`.
Both answer requests with one pipeline (`pipeline.py`) and push changes with one engine
(`outward.py`); a bridge itself is its platform mapping (`yango.py`, `sber.py`) and transport.
"""

from __future__ import annotations

from ..plugins import BridgePlugin
from .sber_bridge import SberPlugin
from .yango_bridge import YangoPlugin

PLUGINS: tuple[BridgePlugin, ...] = (SberPlugin(), YangoPlugin())
