# SPDX-License-Identifier: GPL-3.0-or-later
"""Prometheus from the real binary: targets from the inventory all up, rules loaded, an alert that fires, auth and TLS."""

from __future__ import annotations

import json
import os

import pytest
import testinfra

testinfra_hosts = ["ansible://prometheus"]

PASSWORD = "molecule-only-password"
CURL = f"curl -s --cacert /etc/ssl/telemetry/ca.pem -u admin:{PASSWORD}"
URL = "https://localhost:9090"
SERVERS = ["prometheus-debian12", "prometheus-debian13"]


def api(host, path: str) -> dict:
    return json.loads(host.check_output(f"{CURL} {URL}{path}"))


def pid(host) -> str:
    return host.check_output("systemctl show -p MainPID --value prometheus")


def test_service_active_enabled_and_unprivileged(host):
    svc = host.service("prometheus")
    assert svc.is_running and svc.is_enabled
    assert host.check_output(f"ps -o user= -p {pid(host)}") == "prometheus"
    assert host.file("/opt/prometheus/current").linked_to == "/opt/prometheus/3.15.0"


def test_the_units_limits_hold_and_the_go_runtime_is_told_them(host):
    # prometheus_cpu_limit 1.5 and prometheus_memory_limit_mb 1024 (molecule.yml): the shared lifecycle writes them into
    # the unit and gives Go their measure, GOMAXPROCS rounded up from the quota and GOMEMLIMIT 80% of MemoryMax.
    show = host.check_output("systemctl show prometheus -p CPUQuotaPerSecUSec -p MemoryMax -p Environment")
    props = dict(line.split("=", 1) for line in show.splitlines())
    assert props["CPUQuotaPerSecUSec"] == "1.500000s" and props["MemoryMax"] == str(1024 << 20), props
    assert set(props["Environment"].split()) == {"GOMAXPROCS=2", "GOMEMLIMIT=819MiB"}, props
    environ = host.check_output(f"tr '\\0' '\\n' < /proc/{pid(host)}/environ").splitlines()
    assert {"GOMAXPROCS=2", "GOMEMLIMIT=819MiB"} <= set(environ), environ


def test_ready_with_credentials_over_tls(host):
    assert host.check_output(f"{CURL} -o /dev/null -w '%{{http_code}}' {URL}/-/ready") == "200"


def test_requests_without_credentials_are_refused(host):
    assert host.check_output(f"curl -s --cacert /etc/ssl/telemetry/ca.pem -o /dev/null -w '%{{http_code}}' {URL}/api/v1/targets") == "401"
    wrong = host.check_output(f"curl -s --cacert /etc/ssl/telemetry/ca.pem -u admin:wrong -o /dev/null -w '%{{http_code}}' {URL}/-/ready")
    assert wrong == "401"
    plain = host.run("curl -s -o /dev/null -w '%{http_code}' http://localhost:9090/-/ready")
    assert plain.stdout.strip() in ("400", "000", "")


def test_every_target_from_the_inventory_is_up(host, wait):
    expected = {("prometheus", "prometheus-debian12"), ("prometheus", "prometheus-debian13"), ("otelcol", "prometheus-debian12"),
                ("alertmanager", "prometheus-debian12"), ("alertmanager", "prometheus-debian13")}

    def up():
        targets = api(host, "/api/v1/targets")["data"]["activeTargets"]
        seen = {(t["labels"]["job"], t["labels"]["instance"]): t["health"] for t in targets}
        return seen if set(seen) == expected and all(h == "up" for h in seen.values()) else None

    wait(up, what=f"all of {sorted(expected)} up")


def test_the_shipped_rules_are_loaded(host):
    groups = api(host, "/api/v1/rules")["data"]["groups"]
    rules = {r["name"] for g in groups if g["name"] == "telemetry-stack" for r in g["rules"]}
    assert rules == {"Watchdog", "HostDown", "TargetDown", "CollectorRefusingData", "CollectorDroppingData", "ExporterSendFailures",
                     "ExporterQueueFilling", "JaegerStorageErrors", "DiskFilling", "CertificateExpiring", "PrometheusRuleFailures",
                     "PrometheusNotificationsFailing", "AlertmanagerNotificationsFailing", "BackupFailed", "BackupTooOld",
                     "LogErrorsRising", "LogIngestionStopped"}


def test_every_rule_evaluates(host, wait):
    # A rule that cannot be evaluated looks like coverage and never fires.
    def healthy():
        groups = api(host, "/api/v1/rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return rules if all(r.get("lastEvaluation", "").startswith("20") and r["health"] == "ok" for r in rules) else None
    wait(healthy, timeout=30, what="every rule evaluated with health ok")


def test_each_server_labels_itself_and_drops_the_label_from_alerts(host):
    config = api(host, "/api/v1/status/config")["data"]["yaml"]
    assert f"replica: {host.backend.get_hostname()}" in config
    assert "action: labeldrop" in config and "regex: replica" in config


def test_a_stopped_target_fires_target_down(host, wait):
    # Both servers scrape the collector on prometheus-debian12.
    collector = testinfra.get_host(f"ansible://prometheus-debian12?ansible_inventory={os.environ['MOLECULE_INVENTORY_FILE']}")
    collector.check_output("systemctl stop otelcol-contrib")
    try:
        def firing():
            alerts = api(host, "/api/v1/alerts")["data"]["alerts"]
            return [a for a in alerts if a["labels"]["alertname"] == "TargetDown" and a["labels"]["job"] == "otelcol"
                    and a["labels"]["instance"] == "prometheus-debian12" and a["state"] == "firing"]
        wait(firing, what="TargetDown firing for the stopped collector")
    finally:
        collector.check_output("systemctl start otelcol-contrib")


def test_web_config_holds_a_bcrypt_hash_not_the_password(host):
    web = host.file("/etc/prometheus/web.yml")
    assert web.user == "root" and web.group == "prometheus" and web.mode == 0o640
    assert "$2b$12$" in web.content_string and PASSWORD not in web.content_string
    secret = host.file("/etc/prometheus/scrape-password")
    assert secret.group == "prometheus" and secret.mode == 0o640
    assert PASSWORD not in host.file("/etc/prometheus/prometheus.yml").content_string


def test_promtool_accepts_the_live_config(host):
    host.check_output("/opt/prometheus/current/promtool check config /etc/prometheus/prometheus.yml")


def test_retention_by_time_and_size(host):
    cmdline = host.check_output(f"cat /proc/{pid(host)}/cmdline | tr '\\0' ' '")
    assert "--storage.tsdb.retention.time=2d" in cmdline and "--storage.tsdb.retention.size=1GB" in cmdline


def test_a_config_change_reloads_without_a_restart(named_host, converge, wait):
    # One run over both servers: each reloads, neither restarts.
    servers = [named_host(name) for name in SERVERS]
    before = [pid(h) for h in servers]
    changed = converge(servers[0], {"prometheus_scrape_interval": "7s"}, args=("-l", "prometheus"))
    assert changed.returncode == 0, changed.stdout[-2000:]
    assert "RUNNING HANDLER [telemetry.stack.prometheus : Reload the Prometheus config]" in changed.stdout
    assert "Restart Prometheus" not in changed.stdout
    assert [pid(h) for h in servers] == before
    for h in servers:
        wait(lambda h=h: api(h, "/api/v1/status/config")["data"]["yaml"].count("scrape_interval: 7s") > 0, timeout=30,
             what=f"the reloaded config in effect on {h.backend.get_hostname()}")
    assert converge(servers[0], {}, args=("-l", "prometheus")).returncode == 0 and [pid(h) for h in servers] == before


@pytest.mark.parametrize(("extra", "message"), [
    ({"prometheus_retention_time": "forever"}, "prometheus_retention_time must be a Prometheus duration such as 15s, 12h or 30d, got forever"),
    ({"prometheus_retention_size": "lots"}, "prometheus_retention_size must be a size such as 512MB, 50GB or 2TB, got lots"),
    ({"prometheus_web_password": ""}, "prometheus_web_username is set without prometheus_web_password"),
], ids=["retention-time", "retention-size", "no-password"])
def test_bad_variables_fail_in_preflight_and_change_nothing(host, refused, extra, message):
    refused(host, extra, message, "prometheus", "/etc/prometheus/prometheus.yml")


def test_preflight_warns_when_the_disk_is_too_small(named_host, converge):
    # Without the 1GB retention size that caps the scenario's data; in check mode, so nothing changes. Both servers in one run.
    run = converge(named_host(SERVERS[0]), {"prometheus_expected_series": 10 ** 9, "prometheus_retention_size": ""},
                   args=("--check", "-l", "prometheus"))
    assert run.returncode == 0
    assert run.stdout.count("Warning: /var/lib/prometheus has") == len(SERVERS) and "Give it more disk" in run.stdout, run.stdout[-2000:]


def test_absent_uninstalls_and_keeps_the_data(named_host, uninstall_then_reinstall):
    # Prometheus and the Alertmanager beside it, in one run each way, on Debian 13 alone: the lifecycle's absent steps
    # are the same on both (each uninstall and reinstall costs a minute or two of CI).
    uninstall_then_reinstall(named_host("prometheus-debian13"), "prometheus", removed=["/opt/prometheus", "/etc/prometheus"],
                             kept=["/var/lib/prometheus"],
                             more=(("alertmanager", ["/opt/alertmanager", "/etc/alertmanager"], ["/var/lib/alertmanager"]),))
