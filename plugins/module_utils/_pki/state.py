# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the controller's PKI holds for one host, read in one pass (telemetry.stack.pki_state).

The pki role issues with community.crypto (a key, a signing request and a certificate per service, signed by the CA),
one module run per file. Each run costs the controller about half a second, also when it changes nothing. This reads
every file once, in the controller's own process, and says which certificates are *current*: their key, request and
certificate are what those modules would leave as they are. Only the others go through them. The judgement is
conservative: anything not understood is not current, and community.crypto decides.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import stat
from dataclasses import dataclass, field
from typing import Union

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the controller's community.crypto needs it too
    HAS_CRYPTOGRAPHY = False

PEM_PKCS8 = b"-----BEGIN PRIVATE KEY-----"
# What the pki role asks of community.crypto for each service.
KEY_MODE, CSR_MODE, CERT_MODE = 0o600, 0o600, 0o644


@dataclass
class Certificate:
    """A certificate file's expiry, as the preflight needs it."""
    path: str
    exists: bool = False
    not_after: str = ""
    renewal_due: bool = False
    reason: str = ""
    current: bool = False

    def as_dict(self) -> dict:
        return {"path": self.path, "exists": self.exists, "not_after": self.not_after, "renewal_due": self.renewal_due,
                "current": self.current, "reason": self.reason}


@dataclass
class Wanted:
    """What the pki role would issue for a host."""
    common_name: str
    sans: list[str]
    renew_before_days: int
    rotate: bool = False
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _not_after(cert) -> datetime.datetime:
    return cert.not_valid_after_utc


def normalize_san(name: str) -> str:
    """'IP:10.0.0.1' and 'DNS:host' as community.crypto compares them (IP addresses in their canonical form)."""
    kind, value = name.split(":", 1) if ":" in name else ("DNS", name)
    if kind.upper() == "IP":
        return "IP:" + str(ipaddress.ip_address(value))
    return f"{kind.upper()}:{value}"


def _sans(extensions) -> set[str]:
    try:
        names = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    out = set()
    for name in names:
        if isinstance(name, x509.DNSName):
            out.add("DNS:" + name.value)
        elif isinstance(name, x509.IPAddress):
            out.add("IP:" + str(name.value))
        else:
            out.add("OTHER:" + repr(name))
    return out


def _usages(extensions) -> set:
    try:
        return set(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return set()


def _common_name(name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _signed_by(cert, issuer) -> bool:
    """Whether the issuer's key signed the certificate."""
    public = issuer.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        else:
            return False
    except Exception:  # pylint: disable=broad-exception-caught  # any failure to verify: not signed by it
        return False
    return cert.issuer == issuer.subject


def read_certificate(path: str, wanted: Wanted) -> tuple[Certificate, object | None]:
    """The certificate's expiry (exists, not_after, renewal_due), and the parsed certificate when it is readable."""
    found = Certificate(path=path)
    if not os.path.isfile(path):
        found.reason = "no certificate"
        return found, None
    try:
        cert = x509.load_pem_x509_certificate(_read(path))
    except (OSError, ValueError) as exc:
        found.reason = f"unreadable certificate: {exc}"
        return found, None
    found.exists = True
    not_after = _not_after(cert)
    found.not_after = not_after.strftime("%Y%m%d%H%M%SZ")
    found.renewal_due = not_after <= wanted.now + datetime.timedelta(days=wanted.renew_before_days)
    return found, cert


def stale_reason(cert_path: str, key_path: str, csr_path: str, cert, ca, wanted: Wanted) -> str:
    """Why this service's key, request or certificate would be issued again; '' when none would. `ca` is the
    certificate of whichever CA issues it: the stack's, or its tier's."""
    # pylint: disable=too-many-return-statements
    if wanted.rotate:
        return "a rotation was asked for"
    if ca is None:
        return "no certificate of its issuing CA"
    if cert is None:
        return "no certificate"
    for path, mode in ((key_path, KEY_MODE), (csr_path, CSR_MODE), (cert_path, CERT_MODE)):
        if not os.path.isfile(path):
            return f"{path} is missing"
        if _mode(path) != mode:
            return f"{path} has mode {_mode(path):04o}, not {mode:04o}"
    raw = _read(key_path)
    if not raw.lstrip().startswith(PEM_PKCS8):
        return "the key is not PKCS#8"
    try:
        key = serialization.load_pem_private_key(raw, password=None)
        csr = x509.load_pem_x509_csr(_read(csr_path))
    except (OSError, ValueError, TypeError) as exc:
        return f"unreadable key or signing request: {exc}"
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        return "the key is not ECC secp256r1"
    public = _public(key.public_key())
    sans = {normalize_san(name) for name in wanted.sans}
    usages = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    if _public(csr.public_key()) != public or not csr.is_signature_valid:
        return "the signing request is not of the key"
    if _common_name(csr.subject) != wanted.common_name or _sans(csr.extensions) != sans or _usages(csr.extensions) != usages:
        return "the signing request names other names"
    if _public(cert.public_key()) != public:
        return "the certificate is not of the key"
    if cert.subject != csr.subject or _sans(cert.extensions) != sans or _usages(cert.extensions) != usages:
        return "the certificate names other names"
    if not _signed_by(cert, ca):
        return "the certificate is not signed by the CA"
    return ""


def _path_length(cert_or_csr):
    """The CA's path length constraint: None for no limit, -1 when it is no CA at all."""
    try:
        constraints = cert_or_csr.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return -1
    return constraints.path_length if constraints.ca else -1


def may_sign_cas(cert) -> bool:
    """Whether a CA certificate may sign other CAs (the tiers' issuing CAs): a CA with no path length of 0."""
    length = _path_length(cert)
    return length is None or length >= 1


def _ca_files(files: dict, modes: tuple, what: str) -> tuple:
    """A CA's key, request and certificate (`files`: key, csr, cert), as community.crypto's steps leave them: each of
    its mode (`modes`, in that order), readable, and of one key. ('', csr, cert) when they are; (why not, None, None)
    when not. `what` names the CA in the reasons."""
    for name, mode in zip(("key", "csr", "cert"), modes):
        if not os.path.isfile(files[name]) or _mode(files[name]) != mode:
            return f"{files[name]} is missing or not of mode {mode:04o}", None, None
    try:
        key = serialization.load_pem_private_key(_read(files["key"]), password=None)
        csr = x509.load_pem_x509_csr(_read(files["csr"]))
        cert = x509.load_pem_x509_certificate(_read(files["cert"]))
    except (OSError, ValueError, TypeError) as exc:
        return f"unreadable file of {what}: {exc}", None, None
    public = _public(key.public_key())
    if _public(csr.public_key()) != public or _public(cert.public_key()) != public:
        return f"the files of {what} are not of one key", None, None
    return "", csr, cert


def tier_reason(files: dict, common_name: str, ca, wanted: Wanted) -> str:
    """Why a tier's issuing CA (its key, request, and certificate signed by the stack's CA, as the pki role asks
    community.crypto for them) would change; '' when it would not. `files` has the paths: key, csr, cert."""
    if ca is None:
        return "no CA certificate"
    reason, csr, cert = _ca_files(files, (KEY_MODE, CSR_MODE, CERT_MODE), "the tier's CA")
    if reason:
        return reason
    if _common_name(csr.subject) != common_name or _path_length(csr) != 0:
        return "the tier CA's signing request names another CA"
    if cert.subject != csr.subject or _path_length(cert) != 0:
        return "the tier CA's certificate names another CA"
    if not _signed_by(cert, ca):
        return "the tier CA is not signed by the CA"
    if _not_after(cert) <= wanted.now + datetime.timedelta(days=wanted.renew_before_days):
        return "the tier CA expires within the renewal time"
    return ""


def ca_current(pki_dir: str, common_name: str) -> str:
    """Why the internal CA's files would change (community.crypto's CA steps); '' when they would not."""
    if not os.path.isdir(pki_dir) or _mode(pki_dir) != 0o700:
        return f"{pki_dir} is not a directory of mode 0700"
    files = {name: os.path.join(pki_dir, "ca." + ext) for name, ext in (("key", "key"), ("csr", "csr"), ("cert", "pem"))}
    reason, csr, cert = _ca_files(files, (0o600, 0o600, 0o644), "the CA")
    if reason:
        return reason
    if _common_name(csr.subject) != common_name or cert.subject != csr.subject or not _signed_by(cert, cert):
        return "the CA certificate names another CA"
    # pathlen:1 since the tiers' issuing CAs: a CA of pathlen:0 (made before them) is signed again with its own key,
    # and what it issued stays valid.
    if _path_length(csr) != 1 or _path_length(cert) != 1:
        return "the CA may not sign the tiers' CAs (its path length is not 1)"
    return ""


def _csr_path(cert: str) -> str:
    return cert[:-len(".pem")] + ".csr" if cert.endswith(".pem") else cert + ".csr"


def read(ca_cert: str, certs: list[dict], wanted: Wanted, pki_dir: str = "", ca_common_name: str = "",
         tiers: Union[list[dict], None] = None) -> dict:
    """The whole state: the CA's expiry, whether it may sign the tiers' CAs, and whether its files are whole (pki_dir
    given: the internal CA); each tier's CA (name, cert, key, common_name), whether it is current; and each
    certificate's expiry and whether it is current (signed by its `issuer`, a tier's CA, or else by the CA)."""
    ca, ca_parsed = read_certificate(ca_cert, wanted)
    out = {"ca": dict(ca.as_dict(), may_sign_cas=ca_parsed is not None and may_sign_cas(ca_parsed)),
           "certificates": [], "current": [], "tiers": {}}
    if pki_dir:
        reason = ca_current(pki_dir, ca_common_name)
        out["ca_current"], out["ca_reason"] = not reason, reason
    # Each issuer's certificate, parsed once: the tiers' CAs are the issuers of the certificates that follow.
    issuers: dict[str, object] = {}
    for tier in tiers or []:
        files = {"key": tier["key"], "csr": tier.get("csr") or _csr_path(tier["cert"]), "cert": tier["cert"]}
        reason = tier_reason(files, tier["common_name"], ca_parsed, wanted)
        found, issuers[tier["cert"]] = read_certificate(files["cert"], wanted)
        out["tiers"][tier["name"]] = {"current": not reason, "reason": reason, "renewal_due": found.renewal_due}
    for entry in certs:
        found, parsed = read_certificate(entry["cert"], wanted)
        csr = entry.get("csr") or _csr_path(entry["cert"])
        issuer = ca_parsed
        if entry.get("issuer"):
            if entry["issuer"] not in issuers:
                issuers[entry["issuer"]] = read_certificate(entry["issuer"], wanted)[1]
            issuer = issuers[entry["issuer"]]
        reason = found.reason or stale_reason(entry["cert"], entry["key"], csr, parsed, issuer, wanted)
        if not reason and found.renewal_due:
            reason = "it expires within the renewal time"
        found.reason, found.current = reason, not reason
        out["certificates"].append(found.as_dict())
        if found.current:
            out["current"].append(entry["cert"])
    return out
