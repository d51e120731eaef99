"""PEM certificates as a user pastes them (the options' own CA) or as we ship them."""

from __future__ import annotations

import re
import ssl

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class CertificateError(ValueError):
    """Not what it should be: no PEM certificate, a damaged one, or not the official one."""


def certificates(text: str) -> list[str]:
    """The PEM certificates in a text, each checked to load (CertificateError: none or bad)."""
    found = _PEM.findall(text)
    if not found:
        raise CertificateError("no PEM certificate")
    for pem in found:
        try:
            ssl.PEM_cert_to_DER_cert(pem)
            ssl.create_default_context(cadata=pem)
        except (ValueError, ssl.SSLError) as err:
            raise CertificateError("not a certificate") from err
    return found
