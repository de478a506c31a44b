# SPDX-License-Identifier: GPL-3.0-or-later
"""The production shape as site.yml deployed it: a ring of three, two Jaeger hosts on it, both Prometheus servers
scraping every target with their own replica label, two Alertmanagers in one cluster, two Grafana on PostgreSQL behind
HAProxy, and a trace through the whole pipeline."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

from prodlib import (APP, LBS, PROMETHEUS_ADMIN, REPO, RING, SAMPLERS, STORES, TLS, grafana, node, stream, traces_in_jaeger, up_nodes)
from scenario import wait_for

testinfra_hosts = [f"ansible://{APP}"]


def prometheus(on: str, query: str) -> list:
    out = node(on).check_output(f"curl -sf --cacert {TLS}/ca.pem -u {PROMETHEUS_ADMIN} https://{on}:9090/api/v1/query?query={quote(query)}")
    return json.loads(out)["data"]["result"]


def test_the_ring_has_three_nodes_up():
    assert up_nodes(APP) == len(RING)


def test_a_trace_written_through_one_jaeger_is_found_through_the_other():
    sent = stream("shape", 20)
    for store in STORES:
        wait_for(lambda s=store: set(sent) <= traces_in_jaeger("shape", through=s), 90, f"every trace through {store}")


def test_both_prometheus_scrape_every_target_each_with_its_replica():
    def all_up(on: str):
        up = prometheus(on, "up")
        return up if up and all(r["value"][1] == "1" for r in up) else None
    first = wait_for(lambda: all_up(LBS[0]), 120, "every target up on the first Prometheus")
    second = wait_for(lambda: all_up(LBS[1]), 120, "every target up on the second Prometheus")
    targets = {(r["metric"]["job"], r["metric"]["instance"]) for r in first}
    assert targets == {(r["metric"]["job"], r["metric"]["instance"]) for r in second}
    # The sampling gateways' own telemetry and the spanmetrics they export are scraped too.
    for sampler in SAMPLERS:
        assert any(instance.startswith(sampler) for _job, instance in targets), f"nothing of {sampler} is scraped"
    labels = {node(on).check_output("grep -A3 external_labels /etc/prometheus/prometheus.yml | grep replica") for on in LBS}
    assert len(labels) == 2, labels


def test_the_alertmanagers_form_one_cluster():
    out = node(LBS[0]).check_output(
        f"curl -sf --cacert {TLS}/ca.pem -u alerts:molecule-alerts-password https://{LBS[0]}:9093/api/v2/status")
    assert len(json.loads(out)["cluster"]["peers"]) == 2


def test_each_grafana_reaches_both_backends_through_its_proxy():
    for on in SAMPLERS:
        sources = {d["name"]: d for d in json.loads(grafana(on, "/api/datasources")[1])}
        assert sources["Prometheus"]["url"] == "http://127.0.0.1:19090"
        assert sources["Jaeger"]["url"] == "http://127.0.0.1:16687"
        assert grafana(on, "/api/datasources/proxy/uid/telemetry-prometheus/api/v1/query?query=up")[0] == 200


def test_a_run_in_check_mode_would_change_nothing(host, converge):
    """After converge and Molecule's idempotence run: site.yml --check over every host reports no change either."""
    started = time.monotonic()
    ran = converge(host, {}, REPO / "playbooks" / "site.yml", ("-l", "all", "--check"), timeout=900)
    print(f"site.yml --check, no change: {time.monotonic() - started:.0f} s")
    assert ran.returncode == 0, ran.stdout[-3000:]
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", ran.stdout, re.MULTILINE)
    assert len(recap) == 7 and all(changed == "0" for _host, changed in recap), recap
