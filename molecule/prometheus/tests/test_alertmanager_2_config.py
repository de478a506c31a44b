# SPDX-License-Identifier: GPL-3.0-or-later
"""Two Alertmanagers in one cluster, from the real binary: the cluster over mutual TLS, secrets kept out of the
config, the log and the diff, reloads without a restart, bad input refused before any host changes."""

from __future__ import annotations

import json
import os

import pytest
import testinfra

testinfra_hosts = ["ansible://alertmanager"]

PASSWORD = "molecule-only-alerts-password"
TOKEN = "molecule-secret-token"
CURL = f"curl -s --cacert /etc/ssl/telemetry/ca.pem -u alerts:{PASSWORD}"
URL = "https://localhost:9093"
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")


def other(name: str):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def api(host, path: str):
    return json.loads(host.check_output(f"{CURL} {URL}{path}"))


def pid(host) -> str:
    return host.check_output("systemctl show -p MainPID --value alertmanager")


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
    prometheus = other("prometheus-debian12")
    out = json.loads(prometheus.check_output("curl -s --cacert /etc/ssl/telemetry/ca.pem -u admin:molecule-only-password "
                                             "https://localhost:9090/api/v1/alertmanagers"))
    urls = sorted(a["url"] for a in out["data"]["activeAlertmanagers"])
    assert urls == ["https://prometheus-debian12:9093/api/v2/alerts", "https://prometheus-debian13:9093/api/v2/alerts"]


def test_a_config_change_reloads_without_a_restart(host, converge, wait):
    before = pid(host)
    changed = converge(host, {"alertmanager_resolve_timeout": "6m"})
    assert changed.returncode == 0, changed.stdout[-2000:]
    assert "RUNNING HANDLER [telemetry.stack.alertmanager : Reload the Alertmanager config]" in changed.stdout
    assert "Restart Alertmanager" not in changed.stdout and pid(host) == before
    wait(lambda: "resolve_timeout: 6m" in api(host, "/api/v2/status")["config"]["original"], timeout=30,
         what="the reloaded config in effect")
    assert converge(host, {}).returncode == 0 and pid(host) == before


def test_a_changed_secret_reaches_neither_the_log_nor_the_diff(host, converge):
    receivers = [{"name": "critical", "webhook_configs": [{"url": "http://prometheus-debian13:9099/critical/new-secret-token"}]},
                 {"name": "warning"}, {"name": "watchdog"}, {"name": "blackhole"}]
    run = converge(host, {"alertmanager_receivers": receivers}, args=("--diff", "-v"))
    assert run.returncode == 0, run.stdout[-2000:]
    assert "new-secret-token" not in run.stdout + run.stderr
    assert "new-secret-token" in host.file("/etc/alertmanager/secrets/critical.webhook_configs.0.url").content_string
    # The config's own diff is shown: it holds no secret.
    assert "-    email_configs:" in run.stdout or "email_configs" in run.stdout
    assert converge(host, {}).returncode == 0


@pytest.mark.parametrize(("extra", "message"), [
    ({"alertmanager_route": {"receiver": "pager"}},
     "alertmanager_route.receiver is 'pager', which alertmanager_receivers does not define: use one of critical, warning, watchdog, blackhole"),
    ({"alertmanager_route": {"receiver": "warning", "group_wait": "soon"}},
     "alertmanager_route.group_wait must be a duration such as 30s, 5m or 4h, got 'soon'"),
    ({"alertmanager_cluster_tls_ca_file": ""}, "alertmanager_cluster_tls_cert_file, _key_file and _ca_file go together"),
    # Past the preflight: amtool refuses it, before it replaces the live file.
    ({"alertmanager_receivers": [{"name": "warning", "email_configs": [{"send_resolved": True}]},
                                 {"name": "critical"}, {"name": "watchdog"}, {"name": "blackhole"}]},
     "missing to address in email config"),
], ids=["unknown-receiver", "bad-duration", "half-cluster-tls", "amtool"])
def test_bad_input_is_refused_and_changes_nothing(host, refused, extra, message):
    refused(host, extra, message, "alertmanager", "/etc/alertmanager/alertmanager.yml")


def test_absent_uninstalls_and_keeps_the_data(host, uninstall_then_reinstall):
    if host.backend.get_hostname() != "prometheus-debian12":
        pytest.skip("one host is enough")
    uninstall_then_reinstall(host, "alertmanager", removed=["/opt/alertmanager", "/etc/alertmanager"], kept=["/var/lib/alertmanager"])
