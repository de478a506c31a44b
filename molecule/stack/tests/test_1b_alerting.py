# SPDX-License-Identifier: GPL-3.0-or-later
"""Alerting on the running stack: every shipped rule evaluates and every dashboard panel answers once all three
signals have flowed; Grafana shows the Alertmanagers' alerts. (A host that goes down reaches a person once and holds back
its other alerts: the prod scenario's gateway host stop; by webhook and mail: the prometheus scenario.)"""

from __future__ import annotations

import base64
import json

from stacklib import COLLECTORS, GRAFANA, PROMETHEUS_API, REPO, TLS, probe, prometheus

testinfra_hosts = ["ansible://app-debian12"]

DASHBOARDS = sorted((REPO / "roles" / "grafana" / "files" / "dashboards").glob("*.json"))
# Panels that show throughput, and the hosts' disks and certificates: on a stack that has carried traffic they have data.
THROUGHPUT = {"Accepted per second, by signal", "Spans in and out per second", "Metric points in and out per second",
              "Sent per second, by exporter", "Jaeger: spans written per second", "Disk used, by host and mount",
              "Certificates: days left"}


def test_every_rule_evaluates_once_all_three_signals_have_flowed(host, backend, converge, wait):
    probe(converge, host, 5)  # spans, a log record and a data point, through agent and gateway

    def healthy():
        groups = json.loads(backend.check_output(f"{PROMETHEUS_API}/api/v1/rules"))["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        bad = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        return rules if rules and not bad else None
    rules = wait(healthy, timeout=60, what="every rule with health ok")
    # The shipped rules (the prometheus role's README lists them), the backup and log rules among them.
    assert len(rules) == 17
    assert prometheus(backend, 'sum by (instance) ({__name__=~"otelcol_receiver_accepted_log_records(_total)?"})'), "no collector accepted a log record"


def test_every_host_reports_its_disks_and_certificates(backend, wait):
    # What DiskFilling and CertificateExpiring read: every host's collector, the backend's agent included, reports
    # its filesystems and the expiry of the CA and of each service certificate on it (tls_check reads the files).
    certificates = {"app-debian12": ["otelcol-contrib"], "gateway-debian13": ["alertmanager", "otelcol-contrib"],
                    "backend-debian12": ["alertmanager", "grafana", "jaeger", "otelcol-contrib", "prometheus", "victorialogs"]}
    expected = {host: sorted([f"{TLS}/ca.pem"] + [f"{TLS}/{s}/cert.pem" for s in services]) for host, services in certificates.items()}

    def measured():
        found = {}
        for r in prometheus(backend, "tlscheck_time_left_seconds"):
            found.setdefault(r["metric"]["host_name"], []).append((r["metric"]["tlscheck_target"], float(r["value"][1])))
        return found if {h: sorted(t[0] for t in v) for h, v in found.items()} == expected else print("measured:", found)
    found = wait(measured, timeout=150, what="every host's certificates measured")
    # Issued for 365 days, or 500 after the rotation test; the CA for ten years: none is close to expiring.
    days = {target: left / 86400 for host in found for target, left in found[host]}
    assert all(300 < d < 3651 for d in days.values()), days
    disks = {r["metric"]["host_name"] for r in prometheus(backend, 'count by (host_name) (system_filesystem_usage_bytes)')}
    assert disks >= set(COLLECTORS), disks


def panel_queries():
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                if "expr" in target:
                    yield path.stem, panel["title"], target["refId"], target["expr"]


def test_every_panel_query_answers_through_grafana(backend, wait):
    # As the dashboards ask, with their variables at "all".
    queries = list(panel_queries())
    assert len(queries) >= 20

    def answers():
        failed, empty = [], []
        for board, title, ref, expr in queries:
            body = json.dumps({"from": "now-15m", "to": "now", "queries": [
                {"refId": ref, "datasource": {"uid": "telemetry-prometheus"}, "expr": expr.replace("$instance", ".*"),
                 "intervalMs": 15000, "maxDataPoints": 100}]})
            encoded = base64.b64encode(body.encode()).decode()
            out = backend.run(f"echo {encoded} | base64 -d | {GRAFANA}/api/ds/query -H 'Content-Type: application/json' -d @- -w '\\n%{{http_code}}'")
            text, code = out.stdout.rsplit("\n", 1)
            result = json.loads(text)["results"][ref] if code == "200" else {}
            if code != "200" or result.get("error"):
                failed.append((board, title, ref, code, result.get("error") or text[:200]))
            elif title in THROUGHPUT and not any(f["data"]["values"] for f in result.get("frames", [])):
                empty.append((board, title, ref))
        assert not failed, failed
        return not empty or print("empty, waiting:", empty)
    wait(answers, timeout=120, what="every panel answering, throughput panels with data")


def test_grafana_shows_the_alertmanagers_alerts(backend):
    # Through Grafana's data source proxy, with the credentials and CA the role provisioned.
    out = backend.check_output(f"{GRAFANA}/api/datasources/proxy/uid/telemetry-alertmanager/api/v2/alerts")
    names = {a["labels"]["alertname"] for a in json.loads(out)}
    assert "Watchdog" in names, names
