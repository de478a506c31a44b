# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/_pki/state.py: which of a host's certificates the pki role would leave as they are."""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.telemetry.stack.plugins.module_utils._pki.state import Wanted, normalize_san, read

NOW = datetime.datetime.now(datetime.timezone.utc)
SANS = ["DNS:host1", "DNS:localhost", "IP:127.0.0.1", "IP:10.0.0.7"]


def _write(path: Path, data: bytes, mode: int) -> None:
    path.write_bytes(data)
    os.chmod(path, mode)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _alt(sans: list[str]) -> x509.SubjectAlternativeName:
    return x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(s[3:])) if s.startswith("IP:") else x509.DNSName(s[4:])
                                        for s in sans])


def make_ca(pki: Path, cn: str = "telemetry.stack CA", path_length: int = 1, signer=None, name: str = "ca", days: int = 3650):
    """A CA's key, request and certificate as the pki role's steps leave them: the stack's (self-signed, path length 1),
    or with `signer` (a CA's key and certificate) a tier's."""
    pki.mkdir(mode=0o700, exist_ok=True)
    key = ec.generate_private_key(ec.SECP384R1())
    constraints = x509.BasicConstraints(ca=True, path_length=path_length)
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(cn)).add_extension(constraints, critical=True).sign(key, hashes.SHA256())
    signer_key, signer_cert = signer or (key, None)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(signer_cert.subject if signer_cert else _name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=days))
            .add_extension(constraints, critical=True).sign(signer_key, hashes.SHA256()))
    _write(pki / f"{name}.key", key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()), 0o600)
    _write(pki / f"{name}.csr", csr.public_bytes(serialization.Encoding.PEM), 0o600)
    _write(pki / f"{name}.pem", cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return key, cert


def issue(pki: Path, ca, name: str = "otelcol-contrib", sans: list[str] | None = None, days: int = 365,
          fmt=serialization.PrivateFormat.PKCS8) -> dict:
    """A key, request and certificate as the pki role's community.crypto steps leave them."""
    ca_key, ca_cert = ca
    host = pki / "hosts" / "host1"
    host.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    usages = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    alt = _alt(sans or SANS)
    csr = (x509.CertificateSigningRequestBuilder().subject_name(_name("host1")).add_extension(alt, critical=False)
           .add_extension(usages, critical=False).sign(key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=days)).add_extension(alt, critical=False)
            .add_extension(usages, critical=False).sign(ca_key, hashes.SHA256()))
    entry = {"name": name, "cert": str(host / f"{name}.pem"), "key": str(host / f"{name}.key")}
    _write(Path(entry["key"]), key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()), 0o600)
    _write(host / f"{name}.csr", csr.public_bytes(serialization.Encoding.PEM), 0o600)
    _write(Path(entry["cert"]), cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return entry


def state(pki: Path, entries: list[dict], tiers: list[dict] | None = None, **wanted) -> dict:
    want = Wanted(common_name="host1", sans=wanted.pop("sans", SANS), renew_before_days=wanted.pop("renew", 30), **wanted)
    return read(str(pki / "ca.pem"), entries, want, pki_dir=str(pki), ca_common_name="telemetry.stack CA", tiers=tiers)


@pytest.fixture
def pki(tmp_path: Path):
    return tmp_path / ".pki"


def test_what_the_role_issued_is_current(pki):
    ca = make_ca(pki)
    entries = [issue(pki, ca), issue(pki, ca, name="prometheus")]
    got = state(pki, entries)
    assert got["ca_current"], got["ca_reason"]
    assert got["current"] == [e["cert"] for e in entries]
    assert [c["reason"] for c in got["certificates"]] == ["", ""]
    assert got["ca"]["exists"] and not got["ca"]["renewal_due"]


def test_the_names_in_another_order_are_still_current(pki):
    ca = make_ca(pki)
    entry = issue(pki, ca)
    assert state(pki, [entry], sans=list(reversed(SANS)))["current"] == [entry["cert"]]


@pytest.mark.parametrize(("change", "reason"), [
    (lambda e: {"sans": SANS + ["IP:10.0.0.8"]}, "the signing request names other names"),
    (lambda e: {"rotate": True}, "a rotation was asked for"),
    (lambda e: {"renew": 400}, "it expires within the renewal time"),
    (lambda e: os.chmod(e["key"], 0o644) or {}, "has mode 0644, not 0600"),
    (lambda e: os.remove(e["cert"][:-4] + ".csr") or {}, ".csr is missing"),
    (lambda e: os.remove(e["cert"]) or {}, "no certificate"),
], ids=["a-new-address", "rotation", "renewal-time", "key-mode", "no-request", "no-certificate"])
def test_what_community_crypto_would_change_is_not_current(pki, change, reason):
    ca = make_ca(pki)
    entry = issue(pki, ca)
    got = state(pki, [entry], **change(entry))
    assert got["current"] == []
    assert reason in got["certificates"][0]["reason"]


def test_a_certificate_of_another_ca_is_not_current(pki, tmp_path):
    entry = issue(pki, make_ca(tmp_path / "other"))
    make_ca(pki)
    got = state(pki, [entry])
    assert got["current"] == [] and got["certificates"][0]["reason"] == "the certificate is not signed by the CA"


def test_a_key_in_the_older_format_is_not_current(pki):
    entry = issue(pki, make_ca(pki), fmt=serialization.PrivateFormat.TraditionalOpenSSL)
    assert state(pki, [entry])["certificates"][0]["reason"] == "the key is not PKCS#8"


def test_the_expiry_is_read_for_the_preflight(pki):
    entry = issue(pki, make_ca(pki), days=10)
    got = state(pki, [entry, {"cert": str(pki / "none.pem"), "key": str(pki / "none.key")}])
    soon, missing = got["certificates"]
    assert soon["exists"] and soon["renewal_due"] and soon["not_after"].endswith("Z")
    assert not missing["exists"] and not missing["current"]


def test_a_missing_or_damaged_ca_is_not_current(pki):
    make_ca(pki)
    os.chmod(pki / "ca.key", 0o640)
    assert not state(pki, [])["ca_current"]
    (pki / "ca.pem").write_text("not a certificate")
    os.chmod(pki / "ca.pem", 0o644)
    os.chmod(pki / "ca.key", 0o600)
    got = state(pki, [])
    assert not got["ca_current"] and not got["ca"]["exists"]


def test_addresses_compare_in_their_canonical_form():
    assert normalize_san("IP:::0001") == "IP:::1"
    assert normalize_san("dns:host") == "DNS:host"


def _tier(pki: Path, name: str = "agent") -> dict:
    return {"name": name, "common_name": f"telemetry.stack {name} CA", "cert": str(pki / "tiers" / f"{name}.pem"),
            "key": str(pki / "tiers" / f"{name}.key")}


def test_a_tiers_ca_signed_by_the_ca_and_what_it_issued_are_current(pki):
    ca = make_ca(pki)
    agent = make_ca(pki / "tiers", "telemetry.stack agent CA", path_length=0, signer=ca, name="agent")
    entry = dict(issue(pki, agent), issuer=_tier(pki)["cert"])
    got = state(pki, [entry], tiers=[_tier(pki)])
    assert got["tiers"]["agent"] == {"current": True, "reason": "", "renewal_due": False}
    assert got["current"] == [entry["cert"]] and got["ca"]["may_sign_cas"]


def test_a_collectors_certificate_from_the_ca_itself_is_not_current(pki):
    ca = make_ca(pki)
    make_ca(pki / "tiers", "telemetry.stack agent CA", path_length=0, signer=ca, name="agent")
    entry = dict(issue(pki, ca), issuer=_tier(pki)["cert"])
    assert state(pki, [entry], tiers=[_tier(pki)])["certificates"][0]["reason"] == "the certificate is not signed by the CA"


@pytest.mark.parametrize(("make", "reason"), [
    (lambda pki, ca: None, "missing or not of mode"),
    (lambda pki, ca: make_ca(pki / "tiers", "telemetry.stack agent CA", path_length=0, signer=make_ca(pki / "other"), name="agent"),
     "not signed by the CA"),
    (lambda pki, ca: make_ca(pki / "tiers", "telemetry.stack agent CA", path_length=1, signer=ca, name="agent"), "names another CA"),
    (lambda pki, ca: make_ca(pki / "tiers", "another CA", path_length=0, signer=ca, name="agent"), "names another CA"),
    (lambda pki, ca: make_ca(pki / "tiers", "telemetry.stack agent CA", path_length=0, signer=ca, name="agent", days=10),
     "expires within the renewal time"),
])
def test_a_tiers_ca_community_crypto_would_change_is_not_current(pki, make, reason):
    make(pki, make_ca(pki))
    got = state(pki, [], tiers=[_tier(pki)])["tiers"]["agent"]
    assert not got["current"] and reason in got["reason"], got


def test_a_ca_of_path_length_0_may_sign_no_tier_and_is_signed_again(pki):
    make_ca(pki, path_length=0)
    got = state(pki, [])
    assert not got["ca"]["may_sign_cas"] and not got["ca_current"] and "path length" in got["ca_reason"]
