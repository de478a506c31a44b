# SPDX-License-Identifier: GPL-3.0-or-later
"""The alerting the roles ship, checked by the real promtool and amtool: every rule fires on the input it is for
and stays quiet on the input it is not for (promtool test rules), and the default route tree sends each severity
where it should (amtool config routes test)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from mirror_lib import ARTIFACTS, PINS, ROOT, render

ARCH = next(iter(ARTIFACTS.values())).arch
M = "1m"  # every input series has one sample a minute


@pytest.fixture(scope="module")
def promtool(unpacked) -> Path:
    version = PINS["prometheus"]["version"]
    return unpacked(f"prometheus-{version}-{ARCH}") / f"prometheus-{version}.linux-{ARCH}" / "promtool"


@pytest.fixture(scope="module")
def amtool(unpacked) -> Path:
    version = PINS["alertmanager"]["version"]
    return unpacked(f"alertmanager-{version}-{ARCH}") / f"alertmanager-{version}.linux-{ARCH}" / "amtool"


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("rules")
    text = render("prometheus", ["rules.yml.j2"], {}, out)["rules.yml"]
    return {"path": out / "rules.yml", "rules": {r["alert"]: r for g in yaml.safe_load(text)["groups"] for r in g["rules"]}}


def series(name: str, labels: dict, values: str) -> dict:
    return {"series": name + "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}", "values": values}


C = {"job": "otelcol", "instance": "gw1"}
# A stamp as the gateway's exporter shows it: the agent's resource attributes as labels.
STAMP = {"job": "otelcol-exporter", "instance": "gw1", "host_name": "be1", "os_type": "linux"}
RISING, FLAT = "0+10x30", "0+0x30"
# The gateways' log counts, as their exporter shows them: the record's host and program as labels.
LOGS = {"job": "otelcol-exporter", "instance": "gw1", "host_name": "app1", "service_name": "sshd"}
# For each shipped rule: the input it fires on (with the labels it fires with), and the input it must stay quiet
# on. The quiet input is what a healthy stack looks like, or the near miss (another exporter, another signal).
CASES = {
    "Watchdog": {"fires": ([], [{}]), "quiet": None},
    "HostDown": {
        "fires": ([series("up", C, "0x30"), series("up", {"job": "jaeger", "instance": "be1"}, "1x30")], [{"instance": "gw1"}]),
        "quiet": [series("up", C, "0x30"), series("up", {"job": "grafana", "instance": "gw1"}, "1x30")]},
    "TargetDown": {"fires": ([series("up", C, "0x30")], [C]), "quiet": [series("up", C, "1x30")]},
    "CollectorRefusingData": {
        # The spans and metric points of one receiver: the pair that used to collide and never fire.
        "fires": ([series("otelcol_receiver_refused_spans_total", {**C, "receiver": "otlp"}, RISING),
                   series("otelcol_receiver_refused_metric_points_total", {**C, "receiver": "otlp"}, FLAT)],
                  [{**C, "receiver": "otlp", "signal": "spans"}]),
        "quiet": [series("otelcol_receiver_refused_spans_total", {**C, "receiver": "otlp"}, FLAT),
                  series("otelcol_receiver_refused_metric_points_total", {**C, "receiver": "otlp"}, FLAT)]},
    "CollectorDroppingData": {
        "fires": ([series("otelcol_exporter_enqueue_failed_log_records_total", {**C, "exporter": "otlp/gateway"}, RISING),
                   series("otelcol_exporter_enqueue_failed_spans_total", {**C, "exporter": "otlp/gateway"}, FLAT)],
                  [{**C, "exporter": "otlp/gateway", "signal": "log_records"}]),
        "quiet": [series("otelcol_exporter_enqueue_failed_log_records_total", {**C, "exporter": "otlp/gateway"}, FLAT)]},
    "ExporterSendFailures": {
        "fires": ([series("otelcol_exporter_send_failed_metric_points_total", {**C, "exporter": "otlp/jaeger"}, RISING),
                   series("otelcol_exporter_send_failed_spans_total", {**C, "exporter": "otlp/jaeger"}, FLAT)],
                  [{**C, "exporter": "otlp/jaeger", "signal": "metric_points"}]),
        # Jaeger's own storage exporter is JaegerStorageErrors' business.
        "quiet": [series("otelcol_exporter_send_failed_spans_total", {"job": "jaeger", "instance": "be1", "exporter": "jaeger_storage_exporter"},
                         RISING)]},
    "ExporterQueueFilling": {
        "fires": ([series("otelcol_exporter_queue_size", {**C, "exporter": "otlp/jaeger"}, "900x30"),
                   series("otelcol_exporter_queue_capacity", {**C, "exporter": "otlp/jaeger"}, "1000x30")],
                  [{**C, "exporter": "otlp/jaeger"}]),
        "quiet": [series("otelcol_exporter_queue_size", {**C, "exporter": "otlp/jaeger"}, "100x30"),
                  series("otelcol_exporter_queue_capacity", {**C, "exporter": "otlp/jaeger"}, "1000x30")]},
    "JaegerStorageErrors": {
        "fires": ([series("otelcol_exporter_send_failed_spans_total", {"job": "jaeger", "instance": "be1", "exporter": "jaeger_storage_exporter"},
                          RISING)], [{"job": "jaeger", "instance": "be1"}]),
        "quiet": [series("otelcol_exporter_send_failed_spans_total", {"job": "jaeger", "instance": "be1", "exporter": "jaeger_storage_exporter"},
                         FLAT)]},
    "DiskFilling": {
        "fires": ([series("system_filesystem_usage_bytes", {"host_name": "be1", "mountpoint": "/var/lib", "device": "sdb", "state": s}, v)
                   for s, v in (("used", "90x30"), ("free", "8x30"), ("reserved", "2x30"))],
                  [{"host_name": "be1", "instance": "be1", "mountpoint": "/var/lib"}]),
        "quiet": [series("system_filesystem_usage_bytes", {"host_name": "be1", "mountpoint": "/var/lib", "device": "sdb", "state": s}, v)
                  for s, v in (("used", "50x30"), ("free", "48x30"), ("reserved", "2x30"))]},
    # 10 days left: inside the 21 days; 60 days left: renewed in time.
    "CertificateExpiring": {
        "fires": ([series("tlscheck_time_left_seconds", {"host_name": "be1", "tlscheck_target": "/etc/ssl/telemetry/jaeger/cert.pem",
                                                         "tlscheck_x509_cn": "be1"}, "864000x30")],
                  [{"host_name": "be1", "instance": "be1", "tlscheck_target": "/etc/ssl/telemetry/jaeger/cert.pem"}]),
        "quiet": [series("tlscheck_time_left_seconds", {"host_name": "be1", "tlscheck_target": "/etc/ssl/telemetry/jaeger/cert.pem",
                                                        "tlscheck_x509_cn": "be1"}, "5184000x30")]},
    # The stamps of role backup, by file_stats (file_mtime_seconds). At the 25th minute (1500 s since the epoch in
    # promtool's clock): a last good backup 10 days old, or 25 minutes old.
    "BackupTooOld": {
        "fires": ([series("file_mtime_seconds", {**STAMP, "file_name": "last-success.stamp"}, "-862500x30")],
                  [{"host_name": "be1", "instance": "be1"}]),
        "quiet": [series("file_mtime_seconds", {**STAMP, "file_name": "last-success.stamp"}, "0x30")]},
    # The last run failed after the last good one; or a failure that a good run has followed.
    "BackupFailed": {
        "fires": ([series("file_mtime_seconds", {**STAMP, "file_name": "last-success.stamp"}, "0x30"),
                   series("file_mtime_seconds", {**STAMP, "file_name": "last-failure.stamp"}, "100x30")],
                  [{"host_name": "be1", "instance": "be1"}]),
        "quiet": [series("file_mtime_seconds", {**STAMP, "file_name": "last-success.stamp"}, "200x30"),
                  series("file_mtime_seconds", {**STAMP, "file_name": "last-failure.stamp"}, "100x30")]},
    # 180 error lines a minute from one program, after twenty quiet minutes: 3 a second, and the hour before had none.
    "LogErrorsRising": {
        "fires": ([series("telemetry_stack_log_errors_total", LOGS, "0x20 180+180x10")],
                  [{"host_name": "app1", "service_name": "sshd", "instance": "app1"}]),
        # A program that has always logged that many is not news.
        "quiet": [series("telemetry_stack_log_errors_total", LOGS, "0+180x30")]},
    "LogIngestionStopped": {
        "fires": ([series("telemetry_stack_log_records_total", LOGS, RISING),
                   series("vl_rows_ingested_total", {"job": "victorialogs", "instance": "vl1", "type": "opentelemetry"}, FLAT)], [{}]),
        "quiet": [series("telemetry_stack_log_records_total", LOGS, RISING),
                  series("vl_rows_ingested_total", {"job": "victorialogs", "instance": "vl1", "type": "opentelemetry"}, RISING)]},
    "PrometheusRuleFailures": {
        "fires": ([series("prometheus_rule_evaluation_failures_total", {"job": "prometheus", "instance": "p1", "rule_group": "g"}, RISING)],
                  [{"job": "prometheus", "instance": "p1", "rule_group": "g"}]),
        "quiet": [series("prometheus_rule_evaluation_failures_total", {"job": "prometheus", "instance": "p1", "rule_group": "g"}, FLAT)]},
    "PrometheusNotificationsFailing": {
        "fires": ([series("prometheus_notifications_errors_total", {"job": "prometheus", "instance": "p1", "alertmanager": "https://am1:9093/api/v2/alerts"},
                          RISING)], [{"job": "prometheus", "instance": "p1", "alertmanager": "https://am1:9093/api/v2/alerts"}]),
        "quiet": [series("prometheus_notifications_errors_total", {"job": "prometheus", "instance": "p1", "alertmanager": "https://am1:9093/api/v2/alerts"},
                         FLAT)]},
    "AlertmanagerNotificationsFailing": {
        "fires": ([series("alertmanager_notifications_failed_total", {"job": "alertmanager", "instance": "am1", "integration": "webhook"}, RISING)],
                  [{"job": "alertmanager", "instance": "am1", "integration": "webhook"}]),
        "quiet": [series("alertmanager_notifications_failed_total", {"job": "alertmanager", "instance": "am1", "integration": "email"}, FLAT)]},
}


def annotations(rule: dict, labels: dict) -> dict:
    """The rule's annotations for these labels, as Prometheus templates them (the few template forms the rules use)."""
    def fill(text: str) -> str:
        text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), text)
        return (text.replace("{{ $value | humanizePercentage }}", "90%").replace("{{ $value | humanizeDuration }}", "10d 0h 0m 0s")
                .replace("{{ $value | humanize }}", "3"))
    return {k: fill(v) for k, v in rule.get("annotations", {}).items()}


def promtool_test(promtool: Path, rules: dict, tmp_path: Path, alertname: str, inputs: list, expected: list[dict]) -> subprocess.CompletedProcess:
    rule = rules["rules"][alertname]
    exp = [{"exp_labels": {**labels, **rule["labels"]}, "exp_annotations": annotations(rule, {**labels, **rule["labels"]})} for labels in expected]
    test = {"rule_files": [str(rules["path"])], "evaluation_interval": M,
            "tests": [{"interval": M, "input_series": inputs, "alert_rule_test": [{"eval_time": "25m", "alertname": alertname, "exp_alerts": exp}]}]}
    path = tmp_path / f"{alertname}.test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run([str(promtool), "test", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False)


def test_every_shipped_rule_has_its_cases(rules: dict) -> None:
    assert sorted(CASES) == sorted(rules["rules"])
    assert [name for name, case in CASES.items() if case["quiet"] is None] == ["Watchdog"]  # it always fires, by design


@pytest.mark.parametrize("alertname", sorted(CASES))
def test_the_rule_fires_on_its_input(promtool: Path, rules: dict, tmp_path: Path, alertname: str) -> None:
    inputs, expected = CASES[alertname]["fires"]
    proc = promtool_test(promtool, rules, tmp_path, alertname, inputs, expected)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("alertname", sorted(name for name, case in CASES.items() if case["quiet"] is not None))
def test_the_rule_stays_quiet_otherwise(promtool: Path, rules: dict, tmp_path: Path, alertname: str) -> None:
    proc = promtool_test(promtool, rules, tmp_path, alertname, CASES[alertname]["quiet"], [])
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("alertname, family, labels", [
    ("CollectorRefusingData", "otelcol_receiver_refused_spans_total", {**C, "receiver": "otlp"}),
    ("CollectorDroppingData", "otelcol_exporter_enqueue_failed_spans_total", {**C, "exporter": "otlp/gateway"}),
])
def test_a_single_burst_pages(promtool: Path, rules: dict, tmp_path: Path, alertname: str, family: str, labels: dict) -> None:
    # The memory overload of the pipeline benchmark: the limiter refused 16 spans at once, and never again. The rate
    # over 5m is above zero for less than five minutes after it (the range leaves out its first instant), so a rule
    # that waited 5m for it never fired; with 1m it fires a minute later (promtool checks it two minutes on).
    burst = [series(family, labels, "0+0x22 16+0x10")]
    proc = promtool_test(promtool, rules, tmp_path, alertname, burst, [{**labels, "signal": "spans"}])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_promtool_accepts_the_rules(promtool: Path, rules: dict) -> None:
    proc = subprocess.run([str(promtool), "check", "rules", str(rules["path"])], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and f"{len(CASES)} rules found" in proc.stdout, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def am_config(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("alertmanager")
    render("alertmanager", ["alertmanager.yml.j2"], {}, out)
    return out / "alertmanager.yml"


def test_amtool_accepts_the_default_config(amtool: Path, am_config: Path) -> None:
    proc = subprocess.run([str(amtool), "check-config", str(am_config)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 receivers" in proc.stdout and "3 inhibit rules" in proc.stdout, proc.stdout


@pytest.mark.parametrize(("labels", "receiver"), [
    (["alertname=HostDown", "severity=critical", "instance=a"], "critical"),
    (["alertname=ExporterSendFailures", "severity=warning", "instance=a"], "warning"),
    (["alertname=Watchdog", "severity=none"], "watchdog"),
    (["alertname=SomethingElse"], "warning"),
])
def test_the_default_routes_send_each_severity_to_its_receiver(amtool: Path, am_config: Path, labels: list[str], receiver: str) -> None:
    proc = subprocess.run([str(amtool), "config", "routes", "test", f"--config.file={am_config}", *labels],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.stdout.strip() == receiver, proc.stdout + proc.stderr


@pytest.mark.parametrize("environment", ["staging", "prod", "demo"])
def test_amtool_accepts_the_example_inventories_receivers(amtool: Path, tmp_path: Path, environment: str) -> None:
    inventory = ROOT / "inventories" / environment / "group_vars"
    given = {k: v for f in ("all.yml", "alertmanager.yml") for k, v in (yaml.safe_load((inventory / f).read_text()) or {}).items()
             if k.startswith("alertmanager_")}
    vault = {name: f"example-{name}" for name in set(re.findall(r"vault_\w+", yaml.safe_dump(given)))}
    files = render("alertmanager", ["alertmanager.yml.j2"], {**given, **vault}, tmp_path, groups={"alertmanager": {"am1": {}}})
    text = files["alertmanager.yml"]
    assert not [v for v in vault.values() if v in text], "a secret reached alertmanager.yml"
    proc = subprocess.run([str(amtool), "check-config", str(tmp_path / "alertmanager.yml")], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
