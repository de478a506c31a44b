# SPDX-License-Identifier: GPL-3.0-or-later
"""A certificate identity per tier (the pki role's pki_tier_cas): every certificate of the stack chains to one CA, but
a collector's is issued by its tier's CA, and each receiver accepts clients of the tiers that send to it. Jaeger takes
the gateways alone, so no agent can skip them and their sampling; a gateway takes agents and gateways, and no other
certificate of the stack (a Cassandra node's, say). Jaeger's query API and UI, which have no login in Jaeger v2, speak
TLS alone (jaeger_query_tls), and the firewall keeps them to Grafana and the admin networks (test_1d_firewall.py)."""

from __future__ import annotations

import json

import pytest
from prodlib import APP, LBS, PROMETHEUS_ADMIN, SAMPLERS, STORES, TLS, node

testinfra_hosts = [f"ansible://{APP}"]

COLLECTOR = f"{TLS}/otelcol-contrib"


def post(source: str, target: str, cert: str, key: str) -> tuple[int, str]:
    """An empty OTLP/HTTP export from `source` to `target`, presenting `cert`: curl's exit code and HTTP status."""
    ran = node(source).run(f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 10 --cacert {TLS}/ca.pem --cert {cert} "
                           f"--key {key} -X POST -H 'Content-Type: application/json' -d '{{}}' https://{target}/v1/traces")
    return ran.rc, ran.stdout


@pytest.mark.parametrize(("source", "target", "cert", "key", "accepted"), [
    # Jaeger's OTLP port (4318 on the store hosts; their agents listen on 4320): a gateway's certificate is taken...
    (SAMPLERS[0], f"{STORES[0]}:4318", f"{COLLECTOR}/cert.pem", f"{COLLECTOR}/key.pem", True),
    # ...the agent's beside it is not, nor a Cassandra node's. Jaeger's own is of the gateways' tier (pki_service_tiers:
    # its write check, the upgrade gate).
    (STORES[0], f"{STORES[0]}:4318", f"{COLLECTOR}/cert.pem", f"{COLLECTOR}/key.pem", False),
    (STORES[0], f"{STORES[0]}:4318", f"{TLS}/cassandra/keystore.pem", f"{TLS}/cassandra/keystore.pem", False),
    (STORES[0], f"{STORES[0]}:4318", f"{TLS}/jaeger/cert.pem", f"{TLS}/jaeger/key.pem", True),
    # A load-balancing gateway takes an agent's certificate, and a sampling gateway the load balancer's...
    (APP, f"{LBS[0]}:4318", f"{COLLECTOR}/cert.pem", f"{COLLECTOR}/key.pem", True),
    (LBS[1], f"{SAMPLERS[1]}:4318", f"{COLLECTOR}/cert.pem", f"{COLLECTOR}/key.pem", True),
    # ...and not a Cassandra node's, though the same CA is behind it.
    (APP, f"{LBS[0]}:4318", f"{TLS}/cassandra/keystore.pem", f"{TLS}/cassandra/keystore.pem", False),
])
def test_each_receiver_takes_the_tiers_that_send_to_it_and_no_other(source, target, cert, key, accepted):
    rc, status = post(source, target, cert, key)
    if accepted:
        assert (rc, status) == (0, "200"), f"{source} -> {target} with {cert}: curl {rc}, HTTP {status}"
    else:
        # Refused in the handshake (TLS 1.3: the client learns it on its first read), before any HTTP.
        assert rc != 0 and status in ("", "000"), f"{source} -> {target} with {cert} was accepted: HTTP {status}"


def test_each_certificate_names_its_tier():
    for name, cert, tier in ((APP, COLLECTOR, "agent"), (STORES[0], COLLECTOR, "agent"), (LBS[0], COLLECTOR, "gateway"),
                             (SAMPLERS[0], COLLECTOR, "gateway"), (STORES[0], f"{TLS}/jaeger", "gateway")):
        issuer = node(name).check_output(f"openssl x509 -noout -issuer -in {cert}/cert.pem")
        assert f"telemetry.stack {tier} CA" in issuer, (name, cert, issuer)


def test_jaegers_query_api_speaks_tls_alone():
    # From a Grafana host, which the firewall lets through.
    plain = node(SAMPLERS[1]).run(f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 10 http://{STORES[0]}:16686/api/services")
    assert plain.stdout != "200", "Jaeger's query API answered plain HTTP"
    tls = node(SAMPLERS[1]).run(f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 10 --cacert {TLS}/ca.pem "
                                f"https://{STORES[0]}:16686/api/services")
    assert tls.stdout == "200", tls.stderr


def test_the_collectors_metrics_speak_tls_to_a_certificate_of_the_stack():
    """otelcol_metrics_tls: each collector's own metrics (8888) and a sampling gateway's exporter (8889) answer over TLS
    alone, to a client that presents a certificate of the stack's CA (Prometheus' own); Prometheus scrapes them so."""
    prom = LBS[0]
    curl = "curl -s -o /dev/null -w '%{http_code}' --max-time 10"
    cert = f"--cacert {TLS}/ca.pem --cert {TLS}/prometheus/cert.pem --key {TLS}/prometheus/key.pem"
    # A store host's agent serves on 8889 (Jaeger has 8888 there, plain: docs/security.md).
    for target in (f"{APP}:8888", f"{STORES[0]}:8889", f"{SAMPLERS[0]}:8888", f"{SAMPLERS[0]}:8889"):
        plain = node(prom).run(f"{curl} http://{target}/metrics")
        assert plain.stdout != "200", f"{target} answered plain HTTP"
        anonymous = node(prom).run(f"{curl} --cacert {TLS}/ca.pem https://{target}/metrics")
        assert anonymous.rc != 0 and anonymous.stdout in ("", "000"), f"{target} answered a client without a certificate"
        assert node(prom).run(f"{curl} {cert} https://{target}/metrics").stdout == "200", target
    targets = json.loads(node(prom).check_output(
        f"curl -sf --cacert {TLS}/ca.pem -u {PROMETHEUS_ADMIN} https://{prom}:9090/api/v1/targets?state=active"))["data"]["activeTargets"]
    collectors = [t for t in targets if t["labels"]["job"] in ("otelcol", "otelcol-exporter")]
    assert len(collectors) >= 8 and all(t["scrapeUrl"].startswith("https://") for t in collectors), [t["scrapeUrl"] for t in collectors]
    assert all(t["health"] == "up" for t in collectors), [(t["scrapeUrl"], t["lastError"]) for t in collectors if t["health"] != "up"]
