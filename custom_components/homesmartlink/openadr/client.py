"""`openleadr`'s client, built in the executor (it reads the time zone and key files there).

`openleadr` is imported only here, in the executor, when an account turns its VEN on. Its
client reads the certificate and key from files: they are written to a private temporary folder
for the construction and removed at once (the signing keeps their bytes). For TLS (the VEN's
certificate, or the program's own authority trusted beside the system's), the session is made
here with a context built in the executor, never the library's own (it would load files inside
the event loop, and it trusts only the one authority file it is given).
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import ssl
import tempfile
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant

from .settings import VenSettings

_TIMEOUT = aiohttp.ClientTimeout(sock_connect=5, sock_read=10)


@dataclass(frozen=True, slots=True)
class _Built:
    client: Any
    tls: ssl.SSLContext | None


def _load_templates() -> None:
    """Read every message template of the library now, in the executor, and keep them.

    openleadr renders its messages with a Jinja environment that reads each template file on
    first use and checks its date on each later one: both would be file I/O inside the event
    loop. Loaded here once, the environment serves them from memory from then on.
    """
    from openleadr import messaging  # noqa: PLC0415 - imported only when a VEN is on

    templates = messaging.TEMPLATES
    templates.auto_reload = False
    for name in templates.list_templates():
        templates.get_template(name)


def _build(settings: VenSettings) -> _Built:
    """In the executor: import the library, write the key files for a moment, build the client."""
    from openleadr import OpenADRClient  # noqa: PLC0415 - imported only when a VEN is on

    _load_templates()
    tls = _tls(settings)
    if settings.cert is None or settings.key is None:
        client = OpenADRClient(settings.ven_name, settings.vtn_url, show_fingerprint=False)
        return _Built(client, tls)
    with tempfile.TemporaryDirectory(prefix="homesmartlink-ven-") as folder:
        cert, key = _write_pair(Path(folder), settings.cert, settings.key)
        client = OpenADRClient(
            settings.ven_name, settings.vtn_url, cert=cert, key=key, show_fingerprint=False
        )
        if tls is not None:
            tls.load_cert_chain(cert, key)
    return _Built(client, tls)


def _tls(settings: VenSettings) -> ssl.SSLContext | None:
    """Our TLS context: the system's authorities and the program's own, with the VEN's pair.

    Made when a certificate of the VEN or an authority is set; else the library's session serves.
    """
    if settings.ca is None and settings.cert is None:
        return None
    tls = ssl.create_default_context()
    if settings.ca is not None:
        tls.load_verify_locations(cadata=settings.ca)
    return tls


def _write_pair(folder: Path, cert_text: str, key_text: str) -> tuple[str, str]:
    """The certificate and key as private files (the library reads paths)."""
    cert, key = folder / "ven.pem", folder / "ven.key"
    for path, text in ((cert, cert_text), (key, key_text)):
        path.write_text(text, encoding="ascii")
        os.chmod(path, 0o600)
    return str(cert), str(key)


async def build_client(hass: HomeAssistant, settings: VenSettings) -> Any:
    """A client ready to run (its session made here when the VEN signs and speaks TLS)."""
    built = await hass.async_add_executor_job(_build, settings)
    if built.tls is not None:
        built.client.client_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=built.tls),
            headers={"content-type": "application/xml"},
            timeout=_TIMEOUT,
        )
    return built.client
