# SPDX-License-Identifier: GPL-3.0-or-later
"""What the stack scenario's tests share: the other hosts, Prometheus and Jaeger queries, the probe, a steady stream
of spans, the collectors' version links."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import yaml
from scenario import host

REPO = Path(__file__).resolve().parents[3]
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
PROBE = REPO / "playbooks" / "probe.yml"
COLLECTORS = ["app-debian12", "backend-debian12", "gateway-debian13"]
TLS = "/etc/ssl/telemetry"
# The backend's APIs as the demo inventory's credentials reach them (curl on the host itself).
PROMETHEUS_API = "curl -sf -u admin:demo-prometheus-password http://localhost:9090"
PROMETHEUS = PROMETHEUS_API + "/api/v1/query?query="
GRAFANA = "curl -s -u admin:demo-admin-password http://localhost:3000"
ALERTMANAGER_API = f"curl -s --cacert {TLS}/ca.pem -u alerts:demo-alerts-password https://localhost:9093/api/v2"


other = host


def firing_at_webhook(backend, since: float = 0) -> list[dict]:
    """The firing alerts the demo's webhook sink (on the backend) received since `since` (a Unix time)."""
    text = backend.check_output("cat /var/lib/sinks/webhook.jsonl 2>/dev/null || true")
    return [a for n in map(json.loads, text.splitlines()) if n["received_at"] >= since
            for a in n.get("body", {}).get("alerts", []) if a["status"] == "firing"]


def prometheus(backend, query: str) -> list:
    return json.loads(backend.check_output(PROMETHEUS + quote(query)))["data"]["result"]


def probe(converge, host, spans: int) -> str:
    """Run playbooks/probe.yml as a user would, over the whole stack; return the trace ID it reported."""
    ran = converge(host, {"probe_spans": spans}, PROBE, ("-l", "all"))
    assert ran.returncode == 0, ran.stdout[-3000:]
    # The report as one line: the callback folds long lines.
    report = " ".join(ran.stdout.split())
    found = re.search(r"trace ([0-9a-f]{32}): (\d+) of (\d+) spans in Jaeger", report)
    assert found, ran.stdout[-3000:]
    # Its log record, found in VictoriaLogs by the trace ID (the "logs for this trace" path).
    assert f": telemetry.stack probe {found.group(1)}" in report, ran.stdout[-3000:]
    return found.group(1)


def spans_in_jaeger(backend, trace_id: str) -> int:
    got = json.loads(backend.check_output(f"curl -sf http://localhost:16686/api/traces/{trace_id}"))
    return len(got["data"][0]["spans"])


def serial(host, target: str) -> str:
    out = host.check_output(f"openssl s_client -connect {target} -CAfile {TLS}/ca.pem -cert {TLS}/otelcol-contrib/cert.pem "
                            f"-key {TLS}/otelcol-contrib/key.pem </dev/null 2>/dev/null | openssl x509 -noout -serial")
    return out.strip()


PINS = yaml.safe_load((REPO / "pins.yml").read_text())


CURRENT, EARLIER = PINS["otelcol"]["version"], PINS["otelcol"]["previous_version"]


def links(h) -> tuple[str, str]:
    return (h.file("/opt/otelcol-contrib/current").linked_to.rsplit("/", 1)[-1],
            h.file("/opt/otelcol-contrib/previous").linked_to.rsplit("/", 1)[-1])


def stream(host, service: str, count: int = 3000) -> None:
    """Start sending up to `count` one-span traces, 10 a second, from the app host; retry as an SDK would.
    stop_stream ends it between two traces."""
    prefix = os.urandom(4).hex()
    script = (f"for i in $(seq 1 {count}); do [ -e /tmp/load-stop ] && break; t={prefix}$(printf '%024x' $i); "
              f"b='{{\"resourceSpans\":[{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":{{\"stringValue\":\"{service}\"}}}}]}},"
              f"\"scopeSpans\":[{{\"spans\":[{{\"traceId\":\"'$t'\",\"spanId\":\"00000000000000a1\",\"name\":\"load\",\"kind\":1,"
              f"\"startTimeUnixNano\":\"'$(date +%s%N)'\",\"endTimeUnixNano\":\"'$(date +%s%N)'\"}}]}}]}}]}}'; "
              "curl -sf -o /dev/null --retry 30 --retry-all-errors --retry-delay 1 -H 'Content-Type: application/json' "
              "-d \"$b\" http://127.0.0.1:4318/v1/traces || echo lost $i >> /tmp/load-lost; echo $i > /tmp/load-sent; sleep 0.1; done")
    encoded = base64.b64encode(script.encode()).decode()
    host.check_output(f"rm -f /tmp/load-lost /tmp/load-stop /tmp/load-sent; echo {encoded} | base64 -d > /tmp/load.sh; "
                      f"systemd-run --unit={service} bash /tmp/load.sh")


def stop_stream(host, service: str) -> int:
    """End a stream that is still running (the run it was to outlast is over) and return how many traces it sent.
    Fails when it had already ended: then it did not outlast that run."""
    assert host.run(f"systemctl is-active {service}").stdout.strip() == "active", "the stream ended before the run did"
    host.check_output("touch /tmp/load-stop")
    deadline = time.monotonic() + 60
    while host.run(f"systemctl is-active {service}").stdout.strip() == "active":
        assert time.monotonic() < deadline, "the stream did not stop"
        time.sleep(1)
    assert not host.file("/tmp/load-lost").exists, host.file("/tmp/load-lost").content_string
    return int(host.file("/tmp/load-sent").content_string)


def traces_of(backend, service: str) -> int:
    got = json.loads(backend.check_output(f"curl -sf 'http://localhost:16686/api/traces?service={service}&limit=100000&lookback=1h'"))
    return len({t["traceID"] for t in got["data"]})


DASHBOARD = {"dashboard": {"uid": "made-by-hand", "title": "Made by hand", "panels": []}, "overwrite": True}


def dashboard(backend) -> int:
    return int(backend.check_output(f"{GRAFANA}/api/dashboards/uid/made-by-hand -o /dev/null -w '%{{http_code}}'"))


def up_at(backend, at: float) -> int:
    """How many targets Prometheus has an `up` sample for at a moment (its five-minute look-back)."""
    got = json.loads(backend.check_output(f"{PROMETHEUS}up'&time={at:.3f}'"))
    return len(got["data"]["result"])


def changed_by_host(stdout: str) -> dict[str, int]:
    """The play recap's changed= count of each host (the backup target among them, when the run reached it)."""
    return {h: int(n) for h, n in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", stdout, re.M)}


def nothing_changed(stdout: str) -> bool:
    """A run over the stack's three hosts (and the backup target, when it reached it) that changed nothing."""
    counts = changed_by_host(stdout)
    return set(COLLECTORS) <= set(counts) and set(counts.values()) == {0}
