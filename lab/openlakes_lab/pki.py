"""Certificates for the lab control plane: one CA, a serving certificate for
the API server on 127.0.0.1, client certificates per component, and the
service-account signing key. Written once per lab, mode 0600."""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=30)
CLIENTS = {
    # file stem: (common name, organisation)
    "admin": ("openlakes-lab-admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", None),
    "scheduler": ("system:kube-scheduler", None),
}


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _cert(subject, key, issuer, issuer_key, *, ca=False, usages=(), sans=()):
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def ensure(pki: Path) -> None:
    """Create the lab's PKI under `pki` unless it is already there."""
    if (pki / "ca.crt").exists():
        return
    pki.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_key = _key()
    ca_name = _name("openlakes-lab-ca")
    ca = _cert(ca_name, ca_key, ca_name, ca_key, ca=True)
    _write(pki / "ca.crt", ca.public_bytes(serialization.Encoding.PEM))
    _write(pki / "ca.key", _pem_key(ca_key))

    key = _key()
    sans = [x509.DNSName(n) for n in ("localhost", "kubernetes", "kubernetes.default",
                                      "kubernetes.default.svc", "kubernetes.default.svc.cluster.local")]
    sans += [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("10.96.0.1"))]
    cert = _cert(_name("kube-apiserver"), key, ca_name, ca_key, usages=[ExtendedKeyUsageOID.SERVER_AUTH], sans=sans)
    _write(pki / "apiserver.crt", cert.public_bytes(serialization.Encoding.PEM))
    _write(pki / "apiserver.key", _pem_key(key))

    for stem, (cn, org) in CLIENTS.items():
        key = _key()
        cert = _cert(_name(cn, org), key, ca_name, ca_key, usages=[ExtendedKeyUsageOID.CLIENT_AUTH])
        _write(pki / f"{stem}.crt", cert.public_bytes(serialization.Encoding.PEM))
        _write(pki / f"{stem}.key", _pem_key(key))

    sa = _key()
    _write(pki / "sa.key", _pem_key(sa))
    _write(pki / "sa.pub", sa.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo))


def ensure_wildcard(tls_dir: Path, domain: str) -> tuple[Path, Path]:
    """A certificate for `*.domain` from a lab CA, for the lab's `user-certificates` TLS mode.
    Created once; kept across lab restarts so the TLS Secret does not change between runs."""
    crt, key_file = tls_dir / "wildcard.crt", tls_dir / "wildcard.key"
    if crt.exists() and key_file.exists():
        return crt, key_file
    tls_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_key = _key()
    ca_name = _name("openlakes-lab-ingress-ca")
    ca = _cert(ca_name, ca_key, ca_name, ca_key, ca=True)
    _write(tls_dir / "ca.crt", ca.public_bytes(serialization.Encoding.PEM))
    key = _key()
    cert = _cert(_name(f"*.{domain}"), key, ca_name, ca_key, usages=[ExtendedKeyUsageOID.SERVER_AUTH],
                 sans=[x509.DNSName(domain), x509.DNSName(f"*.{domain}")])
    _write(crt, cert.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM))
    _write(key_file, _pem_key(key))
    return crt, key_file
