"""PEM certificates as a user pastes them (the options' own CA) or as we ship them."""

from __future__ import annotations

import re
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import serialization

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


def certificates_text(text: str) -> str:
    """The PEM certificates of a text, checked, one after the other (CertificateError)."""
    return "\n".join(certificates(text)) + "\n"


def certificate_and_key(cert_text: str, key_text: str) -> tuple[str, str]:
    """A client certificate and its private key (PEM), checked to belong together.

    CertificateError when either does not load, the key is encrypted, or the key is not the
    certificate's. Both are returned as PEM text, normalised (what the VEN signs with).
    """
    try:
        (cert_pem,) = certificates(cert_text)[:1]
        cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
        key = serialization.load_pem_private_key(key_text.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as err:
        raise CertificateError("not a certificate and its key") from err
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.PEM
    if cert.public_key().public_bytes(encoding, public) != key.public_key().public_bytes(
        encoding, public
    ):
        raise CertificateError("the key is not the certificate's")
    key_pem = key.private_bytes(
        encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return cert_pem + "\n", key_pem
