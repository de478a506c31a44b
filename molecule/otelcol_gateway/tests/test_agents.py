# SPDX-License-Identifier: GPL-3.0-or-later
"""Agents: a span sent to an agent reaches a gateway over mTLS; a broken config changes nothing."""

from __future__ import annotations

import json
import os
import secrets
import time

import testinfra

testinfra_hosts = ["ansible://otel_agents"]

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
GATEWAYS = ["gateway-debian12", "gateway-debian13"]


def gateway(name: str):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def span(trace_id: str) -> str:
    now = time.time_ns()
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "molecule-probe"}}]},
        "scopeSpans": [{"scope": {"name": "probe"}, "spans": [{
            "traceId": trace_id, "spanId": secrets.token_hex(8), "name": "probe", "kind": 1,
            "startTimeUnixNano": str(now - 1_000_000), "endTimeUnixNano": str(now)}]}]}]})


def test_a_span_reaches_a_gateway(host):
    trace_id = secrets.token_hex(16)
    sent = host.run(f"curl -sf -X POST -H 'Content-Type: application/json' -d '{span(trace_id)}' http://127.0.0.1:4318/v1/traces")
    assert sent.rc == 0, sent.stderr
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [g for g in GATEWAYS if gateway(g).run(f"grep -qs {trace_id} /var/lib/otelcol-contrib/spans.json").rc == 0]
        if found:
            return
        time.sleep(1)
    raise AssertionError(f"trace {trace_id} sent to {host.backend.get_hostname()} reached no gateway in 60 s")


def test_a_broken_config_fails_before_the_live_file_changes(host, converge):
    pid = host.check_output("systemctl show -p MainPID --value otelcol-contrib")
    before = host.file("/etc/otelcol-contrib/config.yaml").sha256sum
    bad = {"otelcol_exporters": {"otlp/extra": {}}, "otelcol_service": {"pipelines": {"logs": {"exporters": ["otlp/extra"]}}}}
    run = converge(host, bad)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    # The preflight names the component and the field, and stops before any host changes.
    assert "exporters/otlp/extra.endpoint: is required" in output, output[-2000:]
    assert "changed=0" in run.stdout
    assert host.file("/etc/otelcol-contrib/config.yaml").sha256sum == before
    assert host.check_output("systemctl show -p MainPID --value otelcol-contrib") == pid
