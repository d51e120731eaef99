"""Certificates made for the tests (EC P-256, PEM text): self-signed pairs, authorities and the
certificates they sign. Python's strict verification (3.13+) asks for the key identifiers and,
of an authority, its key usage: every certificate here carries them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_CA_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _builder(
    name: str, issuer: x509.Name | None, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    """Valid from yesterday for 30 days; self-issued unless an issuer is named."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _pem(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    return (
        cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode("ascii"),
    )


def certificate_and_key(name: str = "ven.test") -> tuple[str, str]:
    """A fresh self-signed certificate and its unencrypted private key."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _pem(_builder(name, None, key).sign(key, hashes.SHA256()), key)


def authority(name: str = "Program test CA") -> tuple[str, str]:
    """A certificate authority (self-signed, may sign others)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(name, None, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_CA_USAGE, critical=True)
        .sign(key, hashes.SHA256())
    )
    return _pem(cert, key)


def issued(ca: tuple[str, str], name: str, *, server: bool = False) -> tuple[str, str]:
    """A certificate the authority signed (a TLS server's for 127.0.0.1 when `server`)."""
    ca_cert = x509.load_pem_x509_certificate(ca[0].encode("ascii"))
    ca_key = serialization.load_pem_private_key(ca[1].encode("ascii"), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _builder(name, ca_cert.subject, key).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return _pem(builder.sign(ca_key, hashes.SHA256()), key)
