# SPDX-License-Identifier: GPL-3.0-or-later
"""What the prod scenario's tests share: its hosts, a steady stream of spans from the application host, counting them
in Jaeger, and queries through Grafana."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

from scenario import host as node
from scenario import wait_for

REPO = Path(__file__).resolve().parents[3]
TLS = "/etc/ssl/telemetry"
APP = "apps-debian12"
LBS = ["lb-debian12", "lb-debian13"]
SAMPLERS = ["gw-debian12", "gw-debian13"]
STORES = ["store-debian12", "store-debian13"]
# Where the tests read Jaeger's API from: a Grafana host, which the host firewall lets reach it (the application
# host may not).
OBSERVER = SAMPLERS[0]
RING = [APP, *STORES]
NODETOOL = "/usr/local/sbin/nodetool"
# The vault values molecule.yml gives.
GRAFANA_ADMIN = "admin:molecule-grafana-admin-password"
PROMETHEUS_ADMIN = "admin:molecule-prometheus-password"
ALERTMANAGER_ADMIN = "alerts:molecule-alerts-password"
# VictoriaLogs: its front ends take the clients' login, its storage nodes the front ends'.
LOGS_ADMIN = "logs:molecule-logs-password"
LOGS_STORAGE = "logs-storage:molecule-logs-storage-password"


def stream(service: str, count: int, rate: float = 10) -> list[str]:
    """Start sending `count` one-span traces, `rate` a second, from the application host through its agent, retrying as
    an SDK would; return their trace IDs. Each span has an error status: prod's tail sampling keeps every error and
    a tenth of the rest."""
    prefix = secrets.token_hex(4)
    span = ('{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"' + service + '"}}]},'
            '"scopeSpans":[{"spans":[{"traceId":"\'$t\'","spanId":"00000000000000a1","name":"load","kind":1,'
            '"status":{"code":2},"startTimeUnixNano":"\'$(date +%s%N)\'","endTimeUnixNano":"\'$(date +%s%N)\'"}]}]}]}')
    script = (f"rm -f /tmp/{service}.lost /tmp/{service}.sent; for i in $(seq 1 {count}); do t={prefix}$(printf '%024x' $i); "
              f"b='{span}'; curl -sf -o /dev/null --retry 30 --retry-all-errors --retry-delay 1 -H 'Content-Type: application/json' "
              f"-d \"$b\" http://127.0.0.1:4318/v1/traces && echo $t $(date +%s.%N) >> /tmp/{service}.sent "
              f"|| echo $t >> /tmp/{service}.lost; sleep {1 / rate:.3f}; done")
    encoded = base64.b64encode(script.encode()).decode()
    node(APP).check_output(f"echo {encoded} | base64 -d > /tmp/{service}.sh; systemd-run --unit={service} bash /tmp/{service}.sh")
    return [f"{prefix}{i:024x}" for i in range(1, count + 1)]


def accepted_at(service: str) -> dict[str, float]:
    """When the agent accepted each trace of a stream (the application host's clock, which is the machine's)."""
    text = node(APP).check_output(f"cat /tmp/{service}.sent 2>/dev/null || true")
    return {t: float(at) for t, at in (line.split() for line in text.splitlines() if line.strip())}


def streaming(service: str) -> bool:
    return node(APP).run(f"systemctl is-active {service}").stdout.strip() == "active"


def traces_in_jaeger(service: str, through: str = STORES[-1]) -> set[str]:
    """The trace IDs Jaeger has for a service, asked of one Jaeger host (from OBSERVER), over TLS (jaeger_query_tls)."""
    out = node(OBSERVER).run(f"curl -sf --cacert {TLS}/ca.pem 'https://{through}:16686/api/traces?service={service}&limit=100000&lookback=1h'")
    if out.rc != 0:
        return set()
    return {t["traceID"] for t in json.loads(out.stdout)["data"]}


def logs_with(on: str, text: str) -> list[str] | None:
    """The messages holding `text` that VictoriaLogs on `on` answers with: through a front end (SAMPLERS), or only
    what one storage node (STORES) holds. None when it does not answer (a front end with a storage node down refuses
    a query rather than answer a part: victorialogs_allow_partial_response)."""
    login = LOGS_STORAGE if on in STORES else LOGS_ADMIN
    out = node(on).run(f"curl -sf --cacert {TLS}/ca.pem -u {login} https://localhost:9428/select/logsql/query "
                       f"-d 'query=\"{text}\"' -d limit=10000")
    if out.rc != 0:
        return None
    return [json.loads(line)["_msg"] for line in out.stdout.splitlines() if line.strip()]


def grafana(on: str, path: str) -> tuple[int, str]:
    """GET a Grafana API path on a Grafana host, as its admin, over its TLS."""
    out = node(on).run(f"curl -s --cacert {TLS}/ca.pem -u {GRAFANA_ADMIN} -w '\\n%{{http_code}}' https://{on}:3000{path}")
    body, code = out.stdout.rsplit("\n", 1) if "\n" in out.stdout else ("", out.stdout)
    return int(code or 0), body


def up_nodes(on: str) -> int:
    return len([line for line in node(on).run(f"{NODETOOL} status").stdout.splitlines() if line.startswith("UN ")])


def ring_up(count: int, timeout: float, what: str, on: str = APP) -> None:
    """Wait until `count` nodes are up and normal, as `on` sees them. Every 10 s: each nodetool is a JVM that takes
    a couple of seconds of a core to start, which the ring and the other lane of CI need more."""
    wait_for(lambda: up_nodes(on) == count, timeout, what, step=10)
