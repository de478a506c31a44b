# SPDX-License-Identifier: GPL-3.0-or-later
"""A collector's own metrics over TLS (otelcol_metrics_tls), as the otelcol role renders it, run for real.

The pinned otelcol-contrib serves on its metrics port, over TLS and to clients with a certificate of the CA only, the
same metric families its telemetry server serves on loopback (the names the shipped rules and dashboards use), without
the series of its own scrape (`up`, `scrape_*`) or a job and instance of its own, which Prometheus adds.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mirror_lib import ARTIFACTS, PINS, free_port, render

ARCH = next(iter(ARTIFACTS.values())).arch


def issue(out: Path, name: str, ca: tuple | None) -> tuple:
    """A key and certificate for `name` (127.0.0.1 too), signed by `ca` (key, cert), or a CA of its own when None."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca[1].subject if ca else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1)))
    if ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                        critical=False)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    cert = builder.sign(ca[0] if ca else key, hashes.SHA256())
    (out / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (out / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def series(text: str) -> set[str]:
    """Each sample's name and labels, an empty label left out (Prometheus stores none), target_info aside (its labels
    are the collector's service.*, which the TLS pipeline leaves to Prometheus' job and instance)."""
    out = set()
    for line in text.splitlines():
        if line and not line.startswith("#") and not line.startswith("target_info"):
            name, rest = (line.rpartition(" ")[0] + "{").split("{", 2)[:2]
            labels = ",".join(sorted(p for p in rest.rstrip("}").split(",") if p and not p.endswith('=""')))
            out.add(f"{name}{{{labels}}}")
    return out


def get(url: str, context: ssl.SSLContext | None = None) -> str:
    with urllib.request.urlopen(url, timeout=5, context=context) as resp:  # noqa: S310 (loopback, a test)
        return resp.read().decode()


@pytest.fixture(scope="module")
def collector(unpacked, tmp_path_factory):
    """An agent with otelcol_metrics_tls on, running: (its TLS metrics URL, its loopback one, the test's PKI dir)."""
    otelcol = unpacked(f"otelcol-contrib-{PINS['otelcol']['version']}-{ARCH}") / "otelcol-contrib"
    work = tmp_path_factory.mktemp("metrics-tls")
    ca = issue(work, "ca", None)
    issue(work, "collector", ca)
    issue(work, "prometheus", ca)
    metrics, loopback, health = free_port(), free_port(), free_port()
    extra = {"otelcol_metrics_tls": True, "otelcol_metrics_port": metrics, "otelcol_metrics_loopback_port": loopback,
             "otelcol_health_port": health, "otelcol_otlp_grpc_port": free_port(), "otelcol_otlp_http_port": free_port(),
             "otelcol_gateway_endpoints": [f"127.0.0.1:{free_port()}"], "otelcol_certificate_files": [],
             "otelcol_tls_ca_file": str(work / "ca.pem"), "otelcol_tls_cert_file": str(work / "collector.pem"),
             "otelcol_tls_key_file": str(work / "collector.key")}
    config = yaml.safe_load(render("otelcol", ["config.yaml.j2"], extra, work / "render", facts=True)["config.yaml"])
    config["extensions"]["file_storage/queue"]["directory"] = str(work / "queue")
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.Popen([str(otelcol), f"--config={work / 'config.yaml'}"], stdout=subprocess.DEVNULL, stderr=(work / "log").open("w"))
    try:
        yield config, f"https://127.0.0.1:{metrics}/metrics", f"http://127.0.0.1:{loopback}/metrics", work
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def client(work: Path, with_certificate: bool = True) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(work / "ca.pem"))
    if with_certificate:
        context.load_cert_chain(str(work / "prometheus.pem"), str(work / "prometheus.key"))
    return context


def test_the_config_scrapes_the_loopback_server_and_serves_it_over_tls(collector) -> None:
    config, loopback, work = collector[0], collector[2], collector[3]
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]
    assert reader["host"] == "127.0.0.1" and f":{reader['port']}/" in loopback
    assert config["service"]["pipelines"]["metrics/self"]["exporters"] == ["prometheus/self"]
    assert config["exporters"]["prometheus/self"]["tls"] == {
        "cert_file": str(work / "collector.pem"), "key_file": str(work / "collector.key"), "client_ca_file": str(work / "ca.pem")}


def test_the_same_metrics_over_tls_without_a_job_of_their_own(collector) -> None:
    url, loopback, work = collector[1:]
    # The collector scrapes itself every 15 s: until a scrape has every series its telemetry server has by then.
    deadline = time.monotonic() + 60
    served, own, over_tls = "", set(), set()
    while time.monotonic() < deadline:
        try:
            own = series(get(loopback))
            served = get(url, client(work))
            over_tls = series(served)
            if own and own <= over_tls:
                break
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(1)
    assert served, f"no metrics over TLS within 60 s: {(work / 'log').read_text()[-2000:]}"
    # Every series of the telemetry server, under its name and labels: no suffix added (otelcol_process_uptime, as the
    # rules and dashboards read it, not otelcol_process_uptime_total), no scope of the receiver's.
    assert own - over_tls == set(), f"missing over TLS: {sorted(own - over_tls)[:20]}"
    names = {s.partition("{")[0] for s in over_tls}
    assert {"otelcol_process_uptime", "otelcol_process_runtime_total_alloc_bytes", "otelcol_exporter_queue_size",
            "otelcol_exporter_queue_capacity"} <= names
    assert not {n for n in names if n.startswith("otelcol_") and n.endswith("_total")}
    # Nothing of the collector's own scrape: Prometheus makes `up` and the job and instance labels itself.
    assert not {n for n in names if n == "up" or n.startswith("scrape_")}
    assert not re.search(r'[{,](job|instance|otel_scope_name)="', served)


def test_plain_http_and_clients_without_a_certificate_get_nothing(collector) -> None:
    url, work = collector[1], collector[3]
    with pytest.raises((OSError, urllib.error.URLError)):
        get(url.replace("https://", "http://"))
    with pytest.raises((ssl.SSLError, OSError, urllib.error.URLError)):
        get(url, client(work, with_certificate=False))
