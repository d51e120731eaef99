"""Sber's trust store: the official Russian CAs (exactly them), the user's own, never relaxed."""

from __future__ import annotations

from collections.abc import Generator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import shutil
import ssl
import threading

import aiohttp
import pytest

from custom_components.homesmartlink.bridges.sber_tls import (
    CERTS,
    SHIPPED,
    fingerprint,
    sber_ssl_context,
    shipped,
)
from custom_components.homesmartlink.pem import CertificateError, certificates

from .certificates import authority, issued

# Published on gosuslugi.ru/crt (and in PROTOCOLS.md §2.1), written here independently.
ROOT_SHA256 = "D26D2D0231B7C39F92CC738512BA54103519E4405D68B5BD703E9788CA8ECF31"
SUB_2024_SHA256 = "2155785036C900DBB5F1BB2A1569C80C55595BD6BF94867A29BBDDBC7D88A3F2"


def _colons(hex_digits: str) -> str:
    return ":".join(hex_digits[i : i + 2] for i in range(0, len(hex_digits), 2))


def _server_context(ca: tuple[str, str], tmp: Path) -> ssl.SSLContext:
    """A TLS server context for 127.0.0.1, its certificate signed by the CA."""
    cert, key = issued(ca, "127.0.0.1", server=True)
    (tmp / "server.pem").write_text(cert, encoding="ascii")
    (tmp / "server.key").write_text(key, encoding="ascii")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp / "server.pem", tmp / "server.key")
    return context


class _Ping(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, *_args: object) -> None:
        pass  # a refused handshake is what one test wants


@pytest.fixture
def tls_server(tmp_path: Path, socket_enabled: None) -> Generator[tuple[str, str]]:
    """A TLS server signed by a throwaway CA, in a thread of its own: its URL and the CA's PEM."""
    ca = authority("Throwaway test CA")
    server = _QuietServer(("127.0.0.1", 0), _Ping)
    context = _server_context(ca, tmp_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/v1/ping", ca[0]
    server.shutdown()
    server.server_close()


async def _get(url: str, context: ssl.SSLContext) -> int:
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(url) as response,
    ):
        return response.status


def test_the_shipped_certificates_are_exactly_the_official_ones() -> None:
    official = {
        "russian_trusted_root_ca.pem": _colons(ROOT_SHA256),
        "russian_trusted_sub_ca_2024.pem": _colons(SUB_2024_SHA256),
    }
    assert official == SHIPPED
    root, sub = shipped()
    assert (fingerprint(root), fingerprint(sub)) == (_colons(ROOT_SHA256), _colons(SUB_2024_SHA256))
    assert sorted(path.name for path in CERTS.glob("*.pem")) == sorted(SHIPPED)


def test_a_replaced_certificate_is_refused(tmp_path: Path) -> None:
    for name in SHIPPED:
        shutil.copy(CERTS / name, tmp_path / name)
    impostor, _key = authority("Russian Trusted Root CA")  # same name, not the official key
    (tmp_path / "russian_trusted_root_ca.pem").write_text(impostor)
    with pytest.raises(CertificateError, match="not the official certificate"):
        sber_ssl_context(folder=tmp_path)


async def test_the_store_adds_the_russian_cas_to_the_usual_roots() -> None:
    context = sber_ssl_context()
    subjects = {
        dict(item[0] for item in cert["subject"]).get("commonName")
        for cert in context.get_ca_certs()
    }
    assert {"Russian Trusted Root CA", "Russian Trusted Sub CA"} <= subjects
    assert len(subjects) > 100  # certifi's roots are all still there
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


async def test_a_server_of_an_unknown_ca_is_refused(tls_server: tuple[str, str]) -> None:
    url, _ca_pem = tls_server
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await _get(url, sber_ssl_context())


async def test_the_users_own_ca_is_trusted(tls_server: tuple[str, str]) -> None:
    url, ca_pem = tls_server
    assert await _get(url, sber_ssl_context(ca_pem)) == 200


@pytest.mark.parametrize(
    "text",
    ["", "hello", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"],
)
def test_what_is_not_a_certificate_is_refused(text: str) -> None:
    with pytest.raises(CertificateError):
        certificates(text)
