"""A certificate authority made on the organisers' laptop, and the server certificate it
signs for the laptop's addresses in the venue's network.

Browsers open the camera and run service workers only on secure origins; a venue's
network has no public name to get a certificate for. Installing this CA on the
volunteers' phones (once) makes https://<laptop address> trusted. The CA's key never
leaves instance/venue/ (owner-only files); only its certificate is offered to phones.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: A CA outlives several events; a server certificate lasts at most what browsers accept.
CA_DAYS = 5 * 365
SERVER_DAYS = 397


@dataclass
class VenueFiles:
    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca-key.pem"

    @property
    def cert(self) -> Path:
        return self.folder / "server.pem"

    @property
    def key(self) -> Path:
        return self.folder / "server-key.pem"


def _write_private(path: Path, data: bytes) -> None:
    """Written readable by the owner only, from the first byte."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def ensure_ca(files: VenueFiles, name: str = "eventapp venue") -> x509.Certificate:
    """The CA, made on first use and kept."""
    if files.ca_cert.exists() and files.ca_key.exists():
        return x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(files.ca_key, _key_pem(key))
    _write_private(files.ca_cert, cert.public_bytes(serialization.Encoding.PEM))
    return cert


def _san(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def ensure_server_cert(files: VenueFiles, hosts: list[str]) -> x509.Certificate:
    """The server's certificate for these hosts, signed by the CA; made again when the
    hosts change (another venue, another address) or it nears its end."""
    ca = ensure_ca(files)
    wanted = _san(hosts)
    if files.cert.exists() and files.key.exists():
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if (
            set(names) == set(wanted)
            and cert.issuer == ca.subject
            and cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=7)
        ):
            return cert
    ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    ca_public_key = ca.public_key()
    # ensure_ca made both: an EC key and its certificate.
    if not (
        isinstance(ca_key, ec.EllipticCurvePrivateKey)
        and isinstance(ca_public_key, ec.EllipticCurvePublicKey)
    ):
        raise ValueError(f"{files.ca_key} is not the EC key of the venue's authority")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(wanted), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public_key), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(files.key, _key_pem(key))
    _write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM))
    return cert


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate, as phones show it before installing: AB:CD:..."""
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def spki_hash(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the public key (what Chromium's certificate pinning flags take)."""
    import base64

    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def ca_der(files: VenueFiles) -> bytes:
    """The CA certificate as phones install it (DER, .crt)."""
    cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)
