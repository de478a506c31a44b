# SPDX-License-Identifier: GPL-3.0-or-later
"""Two Alertmanagers in one cluster, from the real binary: the cluster over mutual TLS, secrets kept out of the
config and its API, both Prometheus servers sending to both; the changes are in test_alertmanager_3_changes.py."""

from __future__ import annotations

import json

from amlib import CURL, PASSWORD, TOKEN, URL, api, on

testinfra_hosts = ["ansible://alertmanager"]


def test_the_alertmanagers_form_one_cluster(host, wait):
    def joined():
        status = api(host, "/api/v2/status")["cluster"]
        return status["status"] == "ready" and len(status["peers"]) == 2
    wait(joined, what="both peers in the cluster")


def test_the_cluster_port_refuses_a_peer_without_a_certificate(host):
    # Mutual TLS: the CA's certificate is not enough, a peer must present one the CA signed.
    attempt = host.run(f"curl -s --max-time 5 --cacert /etc/ssl/telemetry/ca.pem https://{host.backend.get_hostname()}:9094/")
    assert attempt.rc in (35, 56), attempt


def test_the_api_needs_credentials(host):
    code = host.check_output(f"curl -s --cacert /etc/ssl/telemetry/ca.pem -o /dev/null -w '%{{http_code}}' {URL}/api/v2/status")
    assert code == "401"


def test_no_secret_in_the_config_or_its_api(host):
    config = host.file("/etc/alertmanager/alertmanager.yml").content_string
    assert TOKEN not in config and "url_file: /etc/alertmanager/secrets/critical.webhook_configs.0.url" in config
    secret = host.file("/etc/alertmanager/secrets/critical.webhook_configs.0.url")
    assert secret.user == "root" and secret.group == "alertmanager" and secret.mode == 0o640
    assert TOKEN in secret.content_string
    assert TOKEN not in host.check_output(f"{CURL} {URL}/api/v2/status")
    assert PASSWORD not in host.file("/etc/alertmanager/web.yml").content_string


def test_both_prometheus_servers_send_to_both_alertmanagers(host):
    prometheus = on("prometheus-debian12")
    out = json.loads(prometheus.check_output("curl -s --cacert /etc/ssl/telemetry/ca.pem -u admin:molecule-only-password "
                                             "https://localhost:9090/api/v1/alertmanagers"))
    urls = sorted(a["url"] for a in out["data"]["activeAlertmanagers"])
    assert urls == ["https://prometheus-debian12:9093/api/v2/alerts", "https://prometheus-debian13:9093/api/v2/alerts"]
