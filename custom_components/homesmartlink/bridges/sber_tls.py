"""Sber's trust store: Home Assistant's usual roots plus the Russian Trusted Root CA and Sub CA.

Sber's partner host (`partners.iot.sberdevices.ru`) is signed by the Russian Trusted Root CA
(NUC Mintsifry), which certifi, Home Assistant's store, does not hold; Sber's pages ask vendors to
install the Russian certificates (developers.sber.ru/docs/en/smarthome/c2c/api-post-devices). The
two official certificates (gosuslugi.ru/crt) ship in `certs/`, each checked against its published
SHA-256 fingerprint before it is trusted; an option adds a CA of the user's own. Verification is
never relaxed, and this store serves Sber's calls only (its own session, closed on unload).
"""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path
import ssl
from typing import Any

import aiohttp
import certifi
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..pem import CertificateError, certificates

CERTS = Path(__file__).parent / "certs"
# The published fingerprints (PROTOCOLS.md §2.1, gosuslugi.ru/crt).
SHIPPED: dict[str, str] = {
    "russian_trusted_root_ca.pem": (
        "D2:6D:2D:02:31:B7:C3:9F:92:CC:73:85:12:BA:54:10:35:19:E4:40:5D:68:B5:BD:70:3E:97:88:CA:8E:CF:31"
    ),
    "russian_trusted_sub_ca_2024.pem": (
        "21:55:78:50:36:C9:00:DB:B5:F1:BB:2A:15:69:C8:0C:55:59:5B:D6:BF:94:86:7A:29:BB:DD:BC:7D:88:A3:F2"
    ),
}


def fingerprint(pem: str) -> str:
    """The SHA-256 fingerprint of one PEM certificate, as published (AA:BB:...)."""
    digest = sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def shipped(folder: Path = CERTS) -> list[str]:
    """The official certificates, each checked against its published fingerprint (blocking)."""
    pems = []
    for name, expected in SHIPPED.items():
        (pem,) = certificates((folder / name).read_text(encoding="ascii"))
        if fingerprint(pem) != expected:
            raise CertificateError(f"{name} is not the official certificate")
        pems.append(pem)
    return pems


def sber_ssl_context(extra_ca: str | None = None, folder: Path = CERTS) -> ssl.SSLContext:
    """Home Assistant's roots (certifi), the official Russian CAs and the user's own (blocking)."""
    context = ssl.create_default_context(cafile=certifi.where())
    for pem in shipped(folder):
        context.load_verify_locations(cadata=pem)
    if extra_ca:
        for pem in certificates(extra_ca):
            context.load_verify_locations(cadata=pem)
    return context


async def async_sber_session(
    hass: HomeAssistant, entry: ConfigEntry[Any], extra_ca: str | None
) -> aiohttp.ClientSession:
    """A session for Sber's calls with that store, closed when the account unloads."""
    context = await hass.async_add_executor_job(sber_ssl_context, extra_ca)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
    entry.async_on_unload(session.close)
    return session
