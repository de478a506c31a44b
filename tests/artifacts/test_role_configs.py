# SPDX-License-Identifier: GPL-3.0-or-later
"""The configs the roles render, for settings Molecule cannot reach (external clusters), pass the real binaries' checks."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from mirror_lib import ARTIFACTS, PINS, free_port, render, wait_for

ARCH = next(iter(ARTIFACTS.values())).arch


@pytest.fixture(scope="module")
def jaeger(unpacked) -> Path:
    version = PINS["jaeger"]["version"]
    return unpacked(f"jaeger-{version}-{ARCH}") / f"jaeger-{version}-linux-{ARCH}" / "jaeger"


STORAGES = {
    "memory": {"jaeger_tls_cert_file": "/etc/ssl/host.pem", "jaeger_tls_key_file": "/etc/ssl/host.key",
               "jaeger_tls_ca_file": "/etc/ssl/ca.pem", "jaeger_tls_client_auth": True},
    "badger": {"jaeger_badger_ttl": "168h"},
    "elasticsearch": {"jaeger_storage_servers": ["https://es1:9200", "https://es2:9200"], "jaeger_storage_username": "jaeger",
                      "jaeger_storage_password": 'p@ss "word" \\ $HOME', "jaeger_storage_tls_ca_file": "/etc/ssl/ca.pem",
                      "jaeger_storage_extra": {"indices": {"spans": {"shards": 3, "replicas": 1}}}},
    "opensearch": {"jaeger_storage_servers": ["http://os1:9200"], "jaeger_storage_index_prefix": "prod"},
    "cassandra": {"jaeger_storage_servers": ["cas1:9042", "cas2:9042"], "jaeger_storage_username": "jaeger",
                  "jaeger_storage_password": "s3cret", "jaeger_storage_keyspace": "jaeger_prod"},
}


@pytest.mark.parametrize("storage", STORAGES)
def test_jaeger_validate_accepts_the_rendered_config(jaeger: Path, tmp_path: Path, storage: str) -> None:
    extra = {"jaeger_storage": storage, **STORAGES[storage]}
    files = render("jaeger", ["config.yaml.j2", "jaeger.env.j2"], extra, tmp_path)
    config = yaml.safe_load(files["config.yaml"])
    assert list(config["extensions"]["jaeger_storage"]["backends"]["main"]) == [storage]
    proc = subprocess.run([str(jaeger), "validate", f"--config={tmp_path / 'config.yaml'}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    password = extra.get("jaeger_storage_password")
    if password:
        # The secret is in the root-only environment file, quoted for systemd, and never in the config.
        assert password not in files["config.yaml"] and "${env:JAEGER_STORAGE_PASSWORD}" in files["config.yaml"]
        assert "JAEGER_STORAGE_PASSWORD=" in files["jaeger.env"]
    if storage == "memory":
        # OTLP over mTLS: both receivers serve the certificate and require client certificates.
        for proto in ("grpc", "http"):
            assert config["receivers"]["otlp"]["protocols"][proto]["tls"] == {
                "cert_file": "/etc/ssl/host.pem", "key_file": "/etc/ssl/host.key", "client_ca_file": "/etc/ssl/ca.pem"}
    if storage == "elasticsearch":
        assert 'JAEGER_STORAGE_PASSWORD="p@ss \\"word\\" \\\\ $HOME"' in files["jaeger.env"]
        assert config["extensions"]["jaeger_storage"]["backends"]["main"]["elasticsearch"]["indices"]["spans"]["shards"] == 3


def test_gateways_find_jaeger_in_the_inventory(unpacked, tmp_path: Path) -> None:
    version = PINS["otelcol"]["version"]
    otelcol = unpacked(f"otelcol-contrib-{version}-{ARCH}") / "otelcol-contrib"
    groups = {"jaeger": {"jaeger-1": {"ansible_host": "10.0.0.7", "jaeger_otlp_grpc_port": 14317}}}
    files = render("otelcol", ["config.yaml.j2"], {"otelcol_mode": "gateway"}, tmp_path,
                   groups=groups, facts=True)
    config = yaml.safe_load(files["config.yaml"])
    assert config["exporters"]["otlp_grpc/jaeger"]["endpoint"] == "10.0.0.7:14317"
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlp_grpc/jaeger"]
    # Logs are accepted too (agents forward them): counted (the count connector, for LogErrorsRising) and dropped
    # without a log store.
    assert config["service"]["pipelines"]["logs"]["exporters"] == ["debug", "count/logs"]
    proc = subprocess.run([str(otelcol), "validate", f"--config={tmp_path / 'config.yaml'}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # An endpoint given wins over the group; without either, traces go to the debug exporter.
    given = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {"otelcol_mode": "gateway", "otelcol_jaeger_endpoint": "j:4317",
                                                                  "otelcol_logs_endpoint": "logs:4317"},
                                  tmp_path / "given", groups=groups, facts=True)["config.yaml"])
    assert given["exporters"]["otlp_grpc/jaeger"]["endpoint"] == "j:4317"
    assert given["exporters"]["otlp_grpc/logs"]["endpoint"] == "logs:4317"
    assert given["service"]["pipelines"]["logs"]["exporters"] == ["otlp_grpc/logs", "count/logs"]
    alone = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {"otelcol_mode": "gateway"}, tmp_path / "alone", facts=True)["config.yaml"])
    assert alone["service"]["pipelines"]["traces"]["exporters"] == ["debug"]


def test_every_collector_reports_its_host_and_certificates(unpacked, tmp_path: Path) -> None:
    version = PINS["otelcol"]["version"]
    otelcol = unpacked(f"otelcol-contrib-{version}-{ARCH}") / "otelcol-contrib"
    # An agent beside Jaeger and Prometheus, which takes other ports than Jaeger's;
    # the gateway it sends to keeps the default.
    groups = {"otel_agents": {"localhost": {"otelcol_otlp_grpc_port": 4319}}, "jaeger": {"localhost": {}},
              "prometheus": {"localhost": {}}, "otel_gateways": {"gw-1": {}, "gw-2": {"otelcol_otlp_grpc_port": 5317}}}
    extra = {"otelcol_tls_ca_file": "/etc/ssl/telemetry/ca.pem", "otelcol_tls_cert_file": "/etc/ssl/telemetry/otelcol-contrib/cert.pem",
             "otelcol_tls_key_file": "/etc/ssl/telemetry/otelcol-contrib/key.pem"}
    files = render("otelcol", ["config.yaml.j2"], extra, tmp_path, groups=groups, facts=True)
    config = yaml.safe_load(files["config.yaml"])
    assert config["exporters"]["otlp_grpc/gateway"]["endpoint"] in ("gw-1:4317", "gw-2:5317")
    assert sorted(t["file_path"] for t in config["receivers"]["tls_check"]["targets"]) == [
        f"/etc/ssl/telemetry/{f}" for f in ("ca.pem", "jaeger/cert.pem", "otelcol-contrib/cert.pem", "prometheus/cert.pem")]
    host = config["service"]["pipelines"]["metrics/host"]
    assert host["receivers"] == ["host_metrics", "tls_check"] and "resource_detection" in host["processors"]
    proc = subprocess.run([str(otelcol), "validate", f"--config={tmp_path / 'config.yaml'}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A gateway reports its host too; without a CA there is no certificate to measure.
    gateway = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {"otelcol_mode": "gateway"}, tmp_path / "gw", facts=True)["config.yaml"])
    assert gateway["service"]["pipelines"]["metrics/host"]["receivers"] == ["host_metrics"]
    assert "tls_check" not in gateway["receivers"]


def test_prometheus_scrapes_every_collector_group_and_grafana_on_its_scheme(tmp_path: Path) -> None:
    groups = {"otel_agents": {"app-1": {}}, "otel_gateways": {"lb-1": {}},
              "otel_sampling_gateways": {"gw-1": {"otelcol_prometheus_exporter_port": 8889}},
              "grafana": {"grafana-1": {"grafana_tls_cert_file": "/etc/ssl/g.pem", "grafana_tls_ca_file": "/etc/ssl/ca.pem"}}}
    config = yaml.safe_load(render("prometheus", ["prometheus.yml.j2"], {}, tmp_path, groups=groups)["prometheus.yml"])
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert [t for c in jobs["otelcol"]["static_configs"] for t in c["targets"]] == ["app-1:8888", "lb-1:8888", "gw-1:8888"]
    assert [t for c in jobs["otelcol-exporter"]["static_configs"] for t in c["targets"]] == ["gw-1:8889"]
    assert jobs["grafana"]["scheme"] == "https" and jobs["grafana"]["tls_config"] == {"ca_file": "/etc/ssl/ca.pem"}
    assert "tls_config" not in jobs["otelcol"] and not any("__scheme__" in c["labels"] for c in jobs["otelcol"]["static_configs"])
    # A collector that serves its metrics over TLS (otelcol_metrics_tls) is scraped over https with Prometheus' certificate,
    # the others as before; without a certificate of its own, Prometheus says so before it changes anything.
    groups["otel_sampling_gateways"]["gw-1"]["otelcol_metrics_tls"] = True
    web = {"prometheus_web_tls_cert_file": "/p/cert.pem", "prometheus_web_tls_key_file": "/p/key.pem", "prometheus_web_tls_ca_file": "/ca.pem"}
    tls = yaml.safe_load(render("prometheus", ["prometheus.yml.j2"], web, tmp_path / "tls", groups=groups)["prometheus.yml"])
    jobs = {j["job_name"]: j for j in tls["scrape_configs"]}
    for job in ("otelcol", "otelcol-exporter"):
        assert jobs[job]["tls_config"] == {"ca_file": "/ca.pem", "cert_file": "/p/cert.pem", "key_file": "/p/key.pem"}
        schemes = {c["targets"][0]: c["labels"].get("__scheme__", "http") for c in jobs[job]["static_configs"]}
        assert schemes["gw-1:" + ("8888" if job == "otelcol" else "8889")] == "https"
    assert [c["labels"].get("__scheme__", "http") for c in jobs["otelcol"]["static_configs"]] == ["http", "http", "https"]
    plain = yaml.safe_load(render("prometheus", ["prometheus.yml.j2"], {}, tmp_path / "plain",
                                  groups={"grafana": {"grafana-1": {}}})["prometheus.yml"])
    assert "scheme" not in next(j for j in plain["scrape_configs"] if j["job_name"] == "grafana")


def test_grafanas_proxy_lists_each_server_on_its_own_address_and_port(tmp_path: Path) -> None:
    """HAProxy in front of several Prometheus servers or Jaeger hosts: each server at its ansible_host (or name) and
    its own port, the first preferred, TLS checked against its inventory name where it serves TLS."""
    groups = {"prometheus": {"p1": {"prometheus_web_tls_cert_file": "/c.pem"}, "p2": {"ansible_host": "10.0.0.2", "prometheus_port": 9091}},
              "jaeger": {"j1": {}, "j2": {}}}
    cfg = render("grafana", ["haproxy.cfg.j2"], {"grafana_tls_ca_file": "/ca.pem", "grafana_admin_password": "x"}, tmp_path,
                 groups=groups)["haproxy.cfg"]
    servers = [line.strip() for line in cfg.splitlines() if line.strip().startswith("server ")]
    assert servers == ["server p1 p1:9090 check ssl verify required ca-file /ca.pem sni str(p1) verifyhost p1",
                       "server p2 10.0.0.2:9091 check backup",
                       "server j1 j1:16686 check",
                       "server j2 j2:16686 check backup"]
    assert "bind 127.0.0.1:19090" in cfg and "bind 127.0.0.1:16687" in cfg


def test_gateways_send_logs_to_victorialogs_and_agents_read_their_host(unpacked, tmp_path: Path) -> None:
    version = PINS["otelcol"]["version"]
    otelcol = unpacked(f"otelcol-contrib-{version}-{ARCH}") / "otelcol-contrib"
    # Two front ends over TLS with basic auth: each gateway prefers one and fails over to the other; the password is
    # read from a file of its own, never written into the config.
    groups = {"victorialogs": {"vl-1": {"ansible_host": "10.0.0.9", "victorialogs_tls_cert_file": "/etc/ssl/vl.pem"}, "vl-2": {}}}
    extra = {"otelcol_mode": "gateway", "victorialogs_username": "logs", "victorialogs_password": "s3cret-logs",
             "victorialogs_tls_ca_file": "/etc/ssl/ca.pem"}
    files = render("otelcol", ["config.yaml.j2"], extra, tmp_path / "gw", groups=groups, facts=True)
    assert "s3cret-logs" not in files["config.yaml"]
    config = yaml.safe_load(files["config.yaml"])
    endpoints = {e["endpoint"] for k, e in config["exporters"].items() if k.startswith("otlp_http/victorialogs")}
    assert endpoints == {"https://10.0.0.9:9428/insert/opentelemetry", "https://vl-2:9428/insert/opentelemetry"}
    assert {e["headers"]["Authorization"] for k, e in config["exporters"].items() if k.startswith("otlp_http/victorialogs")} == {
        "${file:/etc/otelcol-contrib/victorialogs.auth}"}
    assert config["service"]["pipelines"]["logs"]["exporters"] == ["failover/victorialogs_logs", "count/logs"]
    (tmp_path / "victorialogs.auth").write_text("Basic bG9nczpzM2NyZXQtbG9ncw==")
    text = files["config.yaml"].replace("/etc/otelcol-contrib/victorialogs.auth", str(tmp_path / "victorialogs.auth"))
    (tmp_path / "gw.yaml").write_text(text)
    proc = subprocess.run([str(otelcol), "validate", f"--config={tmp_path / 'gw.yaml'}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A load-balancing gateway in the same inventory hands logs to the tier behind it, which writes and counts them.
    lb = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {**extra, "otelcol_loadbalancing_endpoints": ["gw-9:4317"]},
                               tmp_path / "lb", groups=groups, facts=True)["config.yaml"])
    assert lb["service"]["pipelines"]["logs"]["exporters"] == ["load_balancing/logs"], lb["service"]["pipelines"]
    assert not [k for k in {**lb["exporters"], **lb.get("connectors", {})} if "victorialogs" in k or k.startswith("count")]
    (tmp_path / "lb.yaml").write_text(yaml.safe_dump(lb))
    proc = subprocess.run([str(otelcol), "validate", f"--config={tmp_path / 'lb.yaml'}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # An agent reads its journal and log files, each reader's position kept on disk, and sends them as OTLP logs.
    groups = {"otel_gateways": {"gw-1": {}}}
    agent = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {}, tmp_path / "agent", groups=groups, facts=True)["config.yaml"])
    host = agent["service"]["pipelines"]["logs/host"]
    assert host["receivers"] == ["journald/host", "file_log/host"] and host["exporters"] == ["otlp_grpc/gateway"]
    assert agent["receivers"]["journald/host"]["storage"] == agent["receivers"]["file_log/host"]["storage"] == "file_storage/positions"
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(agent))
    proc = subprocess.run([str(otelcol), "validate", f"--config={tmp_path / 'agent.yaml'}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gateways_count_log_records_as_counters(unpacked, tmp_path: Path) -> None:
    """The log counts as the role renders them, run for real: three batches of records, and the gateway's Prometheus
    exporter shows their sum by host (not the last batch's count, which is what the count connector's deltas alone
    give, and over which rate() means nothing)."""
    otelcol = unpacked(f"otelcol-contrib-{PINS['otelcol']['version']}-{ARCH}") / "otelcol-contrib"
    rendered = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {"otelcol_mode": "gateway"}, tmp_path / "gw", facts=True)["config.yaml"])
    pipeline = rendered["service"]["pipelines"]["metrics/logcounts"]
    otlp, metrics = free_port(), free_port()
    config = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{otlp}"}}}},
        "connectors": {"count/logs": rendered["connectors"]["count/logs"]},
        "processors": {p: rendered["processors"][p] for p in pipeline["processors"]},
        "exporters": {"prometheus": {"endpoint": f"127.0.0.1:{metrics}", "resource_to_telemetry_conversion": {"enabled": True}}},
        "service": {"telemetry": {"metrics": {"level": "none"}}, "pipelines": {
            "logs": {"receivers": ["otlp"], "exporters": ["count/logs"]},
            "metrics/logcounts": {**pipeline, "exporters": ["prometheus"]}}}}
    (tmp_path / "count.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.Popen([str(otelcol), f"--config={tmp_path / 'count.yaml'}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def send(n: int, severity: int) -> None:
        records = [{"timeUnixNano": str(time.time_ns()), "severityNumber": severity, "body": {"stringValue": f"line {i}"}} for i in range(n)]
        body = json.dumps({"resourceLogs": [{"resource": {"attributes": [{"key": "host.name", "value": {"stringValue": "app-1"}}]},
                                             "scopeLogs": [{"logRecords": records}]}]}).encode()
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{otlp}/v1/logs", body, {"Content-Type": "application/json"}), timeout=5)

    def first_sent() -> bool:
        try:
            send(5, 17)
        except OSError:
            return False
        return True

    def counters() -> dict[str, float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5) as resp:
            text = resp.read().decode()
        return {m.group(1): float(m.group(2)) for m in re.finditer(r'^(telemetry_stack_log_\w+)\{[^}]*host_name="app-1"[^}]*\} (\S+)$', text, re.M)}

    try:
        assert wait_for(lambda: proc.poll() is None and first_sent(), 30, 0.3), \
            proc.stderr.read() if proc.poll() is not None else "no OTLP receiver"
        for n, severity in ((7, 17), (3, 9)):
            time.sleep(1.5)  # past the batch's timeout: separate deltas
            send(n, severity)
        want = {"telemetry_stack_log_records_total": 15.0, "telemetry_stack_log_errors_total": 12.0}
        wait_for(lambda: counters() == want, 20, 0.5)
        assert counters() == want
    finally:
        proc.terminate()
        proc.wait(timeout=30)
