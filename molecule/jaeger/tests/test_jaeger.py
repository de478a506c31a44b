# SPDX-License-Identifier: GPL-3.0-or-later
"""Jaeger v2 from the real binary: traces in over OTLP, out of the query API; Badger keeps them across restarts.
Jaeger on the Cassandra ring is the prod scenario's."""

from __future__ import annotations

import json
import secrets
import time

import pytest


def pid(host) -> str:
    return host.check_output("systemctl show -p MainPID --value jaeger")


def send_trace(host, spans: int = 3) -> str:
    """A trace of `spans` spans (a root and its children) over OTLP/HTTP; returns its trace ID."""
    trace_id, root = secrets.token_hex(16), secrets.token_hex(8)
    now = time.time_ns()
    body = json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "molecule-probe"}}]},
        "scopeSpans": [{"scope": {"name": "probe"}, "spans": [{
            "traceId": trace_id, "spanId": root if i == 0 else secrets.token_hex(8), "parentSpanId": "" if i == 0 else root,
            "name": f"step-{i}", "kind": 1, "startTimeUnixNano": str(now - 2_000_000), "endTimeUnixNano": str(now)}
            for i in range(spans)]}]}]})
    host.check_output(f"curl -sf -X POST -H 'Content-Type: application/json' -d '{body}' http://127.0.0.1:4318/v1/traces")
    return trace_id


def spans_of(host, trace_id: str, timeout: float = 30, want: int = 0) -> int:
    """How many spans the query API returns for the trace (0 when it does not know it), once it has `want` of them
    or the time is up (a span written at consistency ONE reaches the other replica a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        got = host.run(f"curl -s http://127.0.0.1:16686/api/traces/{trace_id}")
        data = json.loads(got.stdout or "{}").get("data") or []
        count = len(data[0]["spans"]) if data else 0
        if (count and count >= want) or time.monotonic() > deadline:
            return count
        time.sleep(1)


def test_service_active_and_enabled(host):
    svc = host.service("jaeger")
    assert svc.is_running and svc.is_enabled


def test_runs_unprivileged_from_the_versioned_directory(host):
    assert host.check_output(f"ps -o user= -p {pid(host)}") == "jaeger"
    assert host.file("/opt/jaeger/current").linked_to == "/opt/jaeger/2.13.0"
    assert host.user("jaeger").shell == "/usr/sbin/nologin"


def test_health_ok(host):
    assert json.loads(host.check_output("curl -sf http://127.0.0.1:13133/status"))["status"] == "StatusOK"


def test_ports(host):
    listening = host.check_output("ss -Hltn")
    for port in (4317, 4318, 16686, 16685, 8888):
        assert f"*:{port}" in listening or f"0.0.0.0:{port}" in listening, (port, listening)
    # Health serves the host's own checks only.
    assert "127.0.0.1:13133" in listening and "0.0.0.0:13133" not in listening and "*:13133" not in listening, listening


def test_internal_metrics_for_prometheus(host):
    out = host.check_output("curl -sf http://127.0.0.1:8888/metrics")
    assert "otelcol_receiver_accepted_spans" in out or "otelcol_process_uptime" in out, out[:500]


def test_a_trace_sent_over_otlp_comes_back_from_the_query_api(host):
    trace_id = send_trace(host, spans=3)
    assert spans_of(host, trace_id, want=3) == 3


def test_storage_across_a_restart(host):
    trace_id = send_trace(host, spans=2)
    assert spans_of(host, trace_id, want=2) == 2
    host.check_output("systemctl restart jaeger")
    host.check_output("timeout 30 sh -c 'until curl -sf http://127.0.0.1:13133/status; do sleep 1; done'")
    assert spans_of(host, trace_id, want=2) == 2, "Badger lost a trace across a restart"
    assert host.file("/var/lib/jaeger/badger/keys").is_directory


def test_config_names_its_storage_and_holds_no_secret(host):
    config = host.file("/etc/jaeger/config.yaml")
    assert config.user == "root" and config.group == "jaeger" and config.mode == 0o640
    assert "badger:" in config.content_string
    env = host.file("/etc/jaeger/jaeger.env")
    assert env.user == "root" and env.mode == 0o600


def test_a_config_change_reloads_in_place(named_host, converge):
    # One run over both hosts: each reloads, neither restarts.
    hosts = [named_host(name) for name in ("jaeger-debian12", "jaeger-debian13")]
    both = ("-l", "jaeger")
    before = [pid(host) for host in hosts]
    changed = converge(hosts[0], {"jaeger_badger_ttl": "24h"}, args=both)
    assert changed.returncode == 0, changed.stdout[-2000:]
    assert "RUNNING HANDLER [telemetry.stack.jaeger : Reload the Jaeger config]" in changed.stdout
    assert "Restart Jaeger" not in changed.stdout
    assert [pid(host) for host in hosts] == before
    for host in hosts:
        assert spans_of(host, send_trace(host, spans=1), want=1) == 1
    restored = converge(hosts[0], {}, args=both)
    assert restored.returncode == 0 and [pid(host) for host in hosts] == before


@pytest.mark.parametrize(("extra", "message"), [
    # The argument spec refuses it before the preflight.
    ({"jaeger_storage": "mysql"}, "value of jaeger_storage must be one of: memory, badger, elasticsearch, opensearch, cassandra, got: mysql"),
    ({"jaeger_badger_ttl": "3 days"}, "jaeger_badger_ttl must be a duration such as 72h or 30m, got 3 days"),
    ({"jaeger_storage": "elasticsearch"}, "jaeger_storage is elasticsearch but jaeger_storage_servers is empty"),
    ({"jaeger_storage": "opensearch", "jaeger_storage_servers": ["os1:9200"]}, "jaeger_storage_servers must be URLs for opensearch"),
    ({"jaeger_storage_username": "jaeger", "jaeger_storage_password": ""}, "jaeger_storage_username is set without jaeger_storage_password"),
    ({"jaeger_storage_tls_ca_file": "/etc/ssl/telemetry/no-such-ca.pem"},
     "TLS files missing on the host: /etc/ssl/telemetry/no-such-ca.pem (jaeger_storage_tls_ca_file)"),
], ids=["unknown-storage", "bad-ttl", "no-servers", "not-urls", "no-password", "ca-file-missing"])
def test_bad_variables_fail_in_preflight_and_change_nothing(named_host, refused, extra, message):
    # On jaeger-debian12 alone: the checks read variables, the same on either release.
    refused(named_host("jaeger-debian12"), extra, message, "jaeger", "/etc/jaeger/config.yaml")


# Uninstall and back, the trace in the kept data read again: the stack scenario's uninstall of everything
# (test_5_backup_uninstall_restore.py).
