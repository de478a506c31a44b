# SPDX-License-Identifier: GPL-3.0-or-later
"""Agents → load-balancing tier → tail-sampling gateways, over mTLS; a broken config changes nothing."""

from __future__ import annotations

import json
import os
import secrets
import time

import testinfra

testinfra_hosts = ["ansible://otel_agents"]

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
AGENTS = ["agent-debian12", "agent-debian13"]
GATEWAYS = ["gateway-debian12", "gateway-debian13"]
SPANS = "/var/lib/otelcol-contrib/spans.json"
STATUS_ERROR = 2


def other(name: str):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def send(agent, trace_id: str, service: str = "molecule-probe", status: int = 0) -> str:
    """Send one span of `trace_id` to the agent's OTLP/HTTP receiver; return its span ID."""
    span_id = secrets.token_hex(8)
    now = time.time_ns()
    body = json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "probe"}, "spans": [{
            "traceId": trace_id, "spanId": span_id, "name": "probe", "kind": 1, "status": {"code": status},
            "startTimeUnixNano": str(now - 1_000_000), "endTimeUnixNano": str(now)}]}]}]})
    sent = agent.run(f"curl -sf -X POST -H 'Content-Type: application/json' -d '{body}' http://127.0.0.1:4318/v1/traces")
    assert sent.rc == 0, sent.stderr
    return span_id


def lines(trace_id: str) -> dict[str, list[str]]:
    """The exported lines (one export request each) that hold `trace_id`, per gateway."""
    return {g: other(g).run(f"grep -hs {trace_id} {SPANS}").stdout.splitlines() for g in GATEWAYS}


def wait_for(trace_id: str, timeout: float = 60) -> dict[str, list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lines(trace_id)
        if any(found.values()):
            return found
        time.sleep(1)
    raise AssertionError(f"trace {trace_id} reached no gateway in {timeout:.0f} s")


def test_a_span_reaches_a_gateway_behind_the_tier(host):
    trace_id = secrets.token_hex(16)
    send(host, trace_id)
    wait_for(trace_id)


def test_a_trace_sent_through_two_agents_meets_at_one_gateway(host):
    # Spans of one trace from two hosts: routed by trace ID to the same
    # gateway, which tail-samples the whole trace and exports it at once.
    trace_id = secrets.token_hex(16)
    spans = [send(other(agent), trace_id) for agent in AGENTS]
    found = wait_for(trace_id)
    holders = [g for g, got in found.items() if got]
    assert len(holders) == 1, f"trace {trace_id} split over {holders}"
    assert any(all(s in line for s in spans) for line in found[holders[0]]), found


def test_traces_spread_over_the_gateways(host):
    trace_ids = [secrets.token_hex(16) for _i in range(12)]
    for trace_id in trace_ids:
        send(host, trace_id)
    seen = {g: 0 for g in GATEWAYS}
    for trace_id in trace_ids:
        for g, got in wait_for(trace_id).items():
            seen[g] += bool(got)
    assert all(seen.values()), f"12 traces did not spread over the gateways: {seen}"


def test_tail_sampling_keeps_failed_traces_and_drops_the_rest(host):
    kept, dropped = secrets.token_hex(16), secrets.token_hex(16)
    send(host, dropped, service="noise")
    send(host, kept, service="noise", status=STATUS_ERROR)
    wait_for(kept)
    time.sleep(2)
    assert not any(lines(dropped).values()), f"trace {dropped} (status unset, not a probe) was not sampled out"


def test_a_broken_config_fails_before_the_live_file_changes(host, refused):
    bad = {"otelcol_exporters": {"otlp/extra": {}}, "otelcol_service": {"pipelines": {"logs": {"exporters": ["otlp/extra"]}}}}
    # The preflight names the component and the field, and stops before any host changes.
    refused(host, bad, "exporters/otlp/extra.endpoint: is required", "otelcol-contrib", "/etc/otelcol-contrib/config.yaml")
