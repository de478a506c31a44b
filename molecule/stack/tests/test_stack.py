# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole stack from site.yml: spans from an application host reach Jaeger over mTLS, every collector is in
Prometheus, Grafana's data sources work, plaintext is refused, certificates rotate in place, and the preflight
stops bad runs before any host changes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import testinfra

testinfra_hosts = ["ansible://app-debian12"]

REPO = Path(__file__).resolve().parents[3]
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
PROBE = REPO / "playbooks" / "probe.yml"
COLLECTORS = ["app-debian12", "gateway-debian13"]
PROMETHEUS = "curl -sf -u admin:demo-prometheus-password http://localhost:9090/api/v1/query?query="
GRAFANA = "curl -s -u admin:demo-admin-password http://localhost:3000"
TLS = "/etc/ssl/telemetry"


def other(name: str):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


@pytest.fixture(scope="module")
def backend():
    return other("backend-debian12")


@pytest.fixture(scope="module")
def gateway():
    return other("gateway-debian13")


def prometheus(backend, query: str) -> list:
    return json.loads(backend.check_output(PROMETHEUS + quote(query)))["data"]["result"]


def probe(converge, host, spans: int) -> str:
    """Run playbooks/probe.yml as a user would, over the whole stack; return the trace ID it reported."""
    ran = converge(host, {"probe_spans": spans}, PROBE, ("-l", "all"))
    assert ran.returncode == 0, ran.stdout[-3000:]
    found = re.search(r"trace ([0-9a-f]{32}): (\d+) of (\d+) spans in Jaeger", ran.stdout)
    assert found, ran.stdout[-3000:]
    return found.group(1)


def spans_in_jaeger(backend, trace_id: str) -> int:
    got = json.loads(backend.check_output(f"curl -sf http://localhost:16686/api/traces/{trace_id}"))
    return len(got["data"][0]["spans"])


def test_every_service_runs_where_the_inventory_puts_it(host, gateway, backend):
    assert host.service("otelcol-contrib").is_running
    assert gateway.service("otelcol-contrib").is_running
    for service in ["jaeger", "prometheus", "grafana"]:
        assert backend.service(service).is_running and backend.service(service).is_enabled
    assert not host.service("jaeger").is_running and not gateway.service("prometheus").is_running


def test_n_spans_from_the_application_host_all_arrive_in_jaeger(host, backend, converge, wait):
    # agent (app) -> gateway -> Jaeger, mTLS on both hops. The probe waits for
    # at least N; the count here must be exactly N: nothing lost, nothing doubled.
    trace_id = probe(converge, host, 50)
    assert spans_in_jaeger(backend, trace_id) == 50


def test_every_collector_is_scraped_by_prometheus(backend, wait):
    def up():
        return {r["metric"]["instance"].split(":")[0] for r in prometheus(backend, 'up{job="otelcol"} == 1')}

    assert wait(lambda: up() >= set(COLLECTORS), what="both collectors up in Prometheus")
    uptime = prometheus(backend, 'count by (instance) ({__name__=~"otelcol_process_uptime(_seconds)?(_total)?"})')
    assert {r["metric"]["instance"].split(":")[0] for r in uptime} >= set(COLLECTORS)


def test_grafana_data_sources_work(backend, wait):
    health = wait(lambda: json.loads(backend.check_output(f"{GRAFANA}/api/datasources/uid/telemetry-prometheus/health"))
                  .get("status") == "OK", what="Grafana's Prometheus data source health")
    assert health
    code = backend.check_output(f"{GRAFANA}/api/datasources/proxy/uid/telemetry-jaeger/api/services -o /dev/null -w '%{{http_code}}'")
    assert code == "200"


@pytest.mark.parametrize("target", ["gateway-debian13:4318", "backend-debian12:4318"])
def test_plaintext_and_certificateless_otlp_are_refused(host, target):
    # Plaintext HTTP to a TLS port, then TLS without a client certificate: both refused.
    plain = host.run(f"curl -s -o /dev/null -w '%{{http_code}}' -X POST -d '{{}}' http://{target}/v1/traces")
    assert plain.stdout != "200"
    anonymous = host.run(f"curl -s --cacert {TLS}/ca.pem -X POST -H 'Content-Type: application/json' -d '{{}}' "
                         f"https://{target}/v1/traces")
    assert anonymous.rc != 0, "TLS without a client certificate was accepted"
    # With the collector's own certificate the same request is accepted (the refusals were about identity).
    signed = host.run(f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {TLS}/ca.pem --cert {TLS}/otelcol-contrib/cert.pem "
                      f"--key {TLS}/otelcol-contrib/key.pem -X POST -H 'Content-Type: application/json' -d '{{}}' "
                      f"https://{target}/v1/traces")
    assert signed.stdout == "200", signed.stderr


def serial(host, target: str) -> str:
    out = host.check_output(f"openssl s_client -connect {target} -CAfile {TLS}/ca.pem -cert {TLS}/otelcol-contrib/cert.pem "
                            f"-key {TLS}/otelcol-contrib/key.pem </dev/null 2>/dev/null | openssl x509 -noout -serial")
    return out.strip()


def test_rotating_certificates_reloads_in_place_and_telemetry_flows(host, gateway, backend, converge):
    # Renewing every certificate (they are all within 400 days of expiring) is
    # a run of the pki step alone: services reload, none restarts.
    pids = {h.backend.get_hostname(): h.check_output("systemctl show -p MainPID --value otelcol-contrib") for h in (host, gateway)}
    before = serial(host, "gateway-debian13:4317")
    rotated = converge(host, {"pki_cert_valid_days": 500, "pki_renew_before_days": 400}, None, ("-l", "all", "--tags", "pki"))
    assert rotated.returncode == 0, rotated.stdout[-3000:]
    assert "Reload the running services whose certificates changed" in rotated.stdout
    assert serial(host, "gateway-debian13:4317") != before
    for h in (host, gateway):
        assert h.check_output("systemctl show -p MainPID --value otelcol-contrib") == pids[h.backend.get_hostname()]
    trace_id = probe(converge, host, 5)
    assert spans_in_jaeger(backend, trace_id) == 5


@pytest.mark.parametrize("extra, message", [
    # The resource plan, strict in prod (a plan no host here meets, so the test does not depend on the machine).
    ({"telemetry_stack_environment": "prod", "preflight_resource_plan": {"backend": {"cpus": 1000}}},
     "CPUs, below the 1000 the resource plan asks for a backend host"),
    ({"jaeger_query_port": 9090},
     "port 9090 is asked for by jaeger (jaeger_query_port) and prometheus (prometheus_port): give all but one of them another port"),
])
def test_the_preflight_stops_the_run_before_any_host_changes(backend, refused, extra, message):
    output = refused(backend, extra, message, "jaeger", "/etc/jaeger/config.yaml")
    assert "nothing was changed" in output


def test_a_port_another_program_holds_is_named_with_the_variable_that_moves_it(backend, refused):
    backend.check_output("systemd-run --unit=squatter python3 -m http.server 18123")
    try:
        refused(backend, {"jaeger_metrics_port": 18123},
                "port 18123 (jaeger_metrics_port of jaeger) is already taken by", "jaeger", "/etc/jaeger/config.yaml")
    finally:
        backend.run("systemctl stop squatter")


def test_a_second_run_changes_nothing(host, converge):
    again = converge(host, {}, None, ("-l", "all"))
    assert again.returncode == 0, again.stdout[-3000:]
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]


def test_validate_checks_everything_and_changes_nothing(host, converge):
    playbook = REPO / "playbooks" / "validate.yml"
    refused = converge(host, {}, playbook, ("-l", "all"))
    assert refused.returncode != 0 and "needs --check" in " ".join((refused.stdout + refused.stderr).split())
    assert "PLAY [Preflight" not in refused.stdout
    checked = converge(host, {}, playbook, ("-l", "all", "--check"))
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "passed: app-debian12, backend-debian12, gateway-debian13" in checked.stdout
    assert "failed (see above): none" in checked.stdout
    assert re.findall(r"(?:debian12|debian13)\s+: ok=\d+\s+changed=(\d+)", checked.stdout) == ["0", "0", "0"]


def test_validate_names_a_host_that_fails_a_check(host, converge):
    checked = converge(host, {"jaeger_query_port": 9090}, REPO / "playbooks" / "validate.yml", ("-l", "all", "--check"))
    assert checked.returncode != 0
    assert "passed: app-debian12, gateway-debian13" in checked.stdout
    assert "failed (see above): backend-debian12" in checked.stdout


PINS = __import__("yaml").safe_load((REPO / "pins.yml").read_text())
CURRENT, EARLIER = PINS["otelcol"]["version"], PINS["otelcol"]["previous_version"]


def links(h) -> tuple[str, str]:
    return (h.file("/opt/otelcol-contrib/current").linked_to.rsplit("/", 1)[-1],
            h.file("/opt/otelcol-contrib/previous").linked_to.rsplit("/", 1)[-1])


def stream(host, service: str, count: int) -> None:
    """Start sending `count` one-span traces, 10 a second, from the app host; retry as an SDK would."""
    prefix = os.urandom(4).hex()
    script = (f"for i in $(seq 1 {count}); do t={prefix}$(printf '%024x' $i); "
              f"b='{{\"resourceSpans\":[{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":{{\"stringValue\":\"{service}\"}}}}]}},"
              f"\"scopeSpans\":[{{\"spans\":[{{\"traceId\":\"'$t'\",\"spanId\":\"00000000000000a1\",\"name\":\"load\",\"kind\":1,"
              f"\"startTimeUnixNano\":\"'$(date +%s%N)'\",\"endTimeUnixNano\":\"'$(date +%s%N)'\"}}]}}]}}]}}'; "
              "curl -sf -o /dev/null --retry 30 --retry-all-errors --retry-delay 1 -H 'Content-Type: application/json' "
              "-d \"$b\" http://127.0.0.1:4318/v1/traces || echo lost $i >> /tmp/load-lost; sleep 0.1; done")
    encoded = __import__("base64").b64encode(script.encode()).decode()
    host.check_output(f"rm -f /tmp/load-lost; echo {encoded} | base64 -d > /tmp/load.sh; systemd-run --unit={service} bash /tmp/load.sh")


def traces_of(backend, service: str) -> int:
    got = json.loads(backend.check_output(f"curl -sf 'http://localhost:16686/api/traces?service={service}&limit=100000&lookback=1h'"))
    return len({t["traceID"] for t in got["data"]})


def test_upgrade_under_a_steady_stream_loses_no_span_and_rollback_goes_back(host, gateway, backend, converge, wait):
    upgrade = REPO / "playbooks" / "upgrade.yml"
    # Down to the earlier release through the same path, then up again while spans flow.
    down = converge(host, {"upgrade_component": "otelcol", "upgrade_version": EARLIER}, upgrade, ("-l", "all"))
    assert down.returncode == 0, down.stdout[-3000:]
    assert links(host)[0] == links(gateway)[0] == EARLIER
    # A version left from long ago: the switch keeps two (current and previous) and removes the rest.
    gateway.check_output("mkdir -p /opt/otelcol-contrib/0.100.0 && touch -d 2020-01-01 /opt/otelcol-contrib/0.100.0")
    service = "load-" + os.urandom(3).hex()
    stream(host, service, 900)
    up = converge(host, {"upgrade_component": "otelcol", "upgrade_version": CURRENT}, upgrade, ("-l", "all"))
    assert up.returncode == 0, up.stdout[-3000:]
    assert links(host) == links(gateway) == (CURRENT, EARLIER)
    assert gateway.check_output("ls /opt/otelcol-contrib").split() == sorted([CURRENT, EARLIER, "current", "previous"])
    assert host.run(f"systemctl is-active {service}").stdout.strip() == "active", "the stream ended before the upgrade did"
    wait(lambda: host.run(f"systemctl is-active {service}").stdout.strip() != "active", timeout=180, what="the stream to end")
    assert not host.file("/tmp/load-lost").exists, host.file("/tmp/load-lost").content_string
    assert wait(lambda: traces_of(backend, service) == 900, timeout=60, what="all 900 traces in Jaeger"), traces_of(backend, service)
    # An explicit rollback goes back to the version each host ran before.
    back = converge(host, {"rollback_component": "otelcol"}, REPO / "playbooks" / "rollback.yml", ("-l", "all"))
    assert back.returncode == 0, back.stdout[-3000:]
    assert links(host) == links(gateway) == (EARLIER, CURRENT)
    again = converge(host, {"upgrade_component": "otelcol", "upgrade_version": CURRENT}, upgrade, ("-l", "all"))
    assert again.returncode == 0, again.stdout[-3000:]
    assert links(host)[0] == CURRENT


def test_an_upgrade_the_new_release_rejects_goes_back_and_keeps_serving(host, gateway, backend, converge):
    # A feature gate that 0.145.0 knows (Beta) and 0.159.0 removed: the new release refuses the service's flags.
    upgrade = REPO / "playbooks" / "upgrade.yml"
    gates = {"otelcol_feature_gates": ["pdata.enableRefCounting"]}
    down = converge(host, {"upgrade_component": "otelcol", "upgrade_version": EARLIER, **gates}, upgrade, ("-l", "all"))
    assert down.returncode == 0, down.stdout[-3000:]
    app_pid = host.check_output("systemctl show -p MainPID --value otelcol-contrib")
    gateway_pid = gateway.check_output("systemctl show -p MainPID --value otelcol-contrib")
    failed = converge(host, {"upgrade_component": "otelcol", "upgrade_version": CURRENT, **gates}, upgrade, ("-l", "all"))
    said = " ".join((failed.stdout + failed.stderr).split())
    assert failed.returncode != 0
    assert f"gateway-debian13 is back on otelcol {EARLIER} and serving" in said, said[-3000:]
    assert "no such feature gate" in said
    # The new release checked the config before it became current: the canary's
    # old process never stopped; the agent after it was not touched; spans still flow.
    assert links(gateway)[0] == EARLIER and gateway.service("otelcol-contrib").is_running
    assert gateway.check_output("systemctl show -p MainPID --value otelcol-contrib") == gateway_pid
    assert links(host)[0] == EARLIER
    assert host.check_output("systemctl show -p MainPID --value otelcol-contrib") == app_pid
    assert spans_in_jaeger(backend, probe(converge, host, 5)) == 5
    # Without the gate, the upgrade goes through.
    up = converge(host, {"upgrade_component": "otelcol", "upgrade_version": CURRENT}, upgrade, ("-l", "all"))
    assert up.returncode == 0, up.stdout[-3000:]
    assert links(host)[0] == links(gateway)[0] == CURRENT


def test_a_gateway_listening_on_one_address_passes_the_upgrade_health_gate(host, gateway, backend, converge):
    # OTLP on the gateway's network address only, not on loopback: the health gate (verify.yml) must send its
    # span to that address. Its certificate names the address too, as it would in production.
    address = gateway.check_output("python3 -c 'import socket; print(socket.gethostbyname(socket.gethostname()))'")
    only_there = {"otelcol_listen_address": address, "pki_extra_sans": [address]}
    moved = converge(host, only_there, None, ("-l", "gateway-debian13"))
    assert moved.returncode == 0, moved.stdout[-3000:]
    listening = gateway.check_output("ss -Hltn")
    assert f"{address}:4318" in listening and "*:4318" not in listening and "127.0.0.1:4318" not in listening, listening
    down = converge(host, {"upgrade_component": "otelcol", "upgrade_version": EARLIER, **only_there},
                    REPO / "playbooks" / "upgrade.yml", ("-l", "gateway-debian13"))
    assert down.returncode == 0, down.stdout[-3000:]
    assert links(gateway)[0] == EARLIER
    assert spans_in_jaeger(backend, probe(converge, host, 5)) == 5
    back = converge(host, {}, None, ("-l", "gateway-debian13"))
    assert back.returncode == 0, back.stdout[-3000:]
    assert links(gateway)[0] == CURRENT and "*:4318" in gateway.check_output("ss -Hltn")


def test_rotating_certificates_under_a_steady_stream_loses_no_span(host, gateway, backend, converge, wait):
    # New keys and certificates for every service (the CA stays), reloaded in place while spans flow.
    pids = {h.backend.get_hostname(): h.check_output("systemctl show -p MainPID --value otelcol-contrib") for h in (host, gateway)}
    before = {t: serial(host, t) for t in ("gateway-debian13:4317", "backend-debian12:4317")}
    key = gateway.file(f"{TLS}/otelcol-contrib/key.pem").sha256sum
    service = "rotate-" + os.urandom(3).hex()
    stream(host, service, 600)
    rotated = converge(host, {}, REPO / "playbooks" / "rotate_certs.yml", ("-l", "all"))
    assert rotated.returncode == 0, rotated.stdout[-3000:]
    assert host.run(f"systemctl is-active {service}").stdout.strip() == "active", "the stream ended before the rotation did"
    assert all(serial(host, t) != s for t, s in before.items()), "a service still presents its old certificate"
    assert gateway.file(f"{TLS}/otelcol-contrib/key.pem").sha256sum != key, "the key was not renewed"
    for h in (host, gateway):
        assert h.check_output("systemctl show -p MainPID --value otelcol-contrib") == pids[h.backend.get_hostname()]
    wait(lambda: host.run(f"systemctl is-active {service}").stdout.strip() != "active", timeout=180, what="the stream to end")
    assert not host.file("/tmp/load-lost").exists, host.file("/tmp/load-lost").content_string
    assert wait(lambda: traces_of(backend, service) == 600, timeout=60, what="all 600 traces in Jaeger"), traces_of(backend, service)
    # The next site.yml run keeps the new certificates: nothing to change.
    again = converge(host, {}, None, ("-l", "all"))
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]


def test_a_lost_ca_is_refused_before_a_new_one_breaks_trust(host, gateway, converge):
    # As in an AWX job whose pki_dir does not outlive it: the controller has no CA, the hosts trust one.
    pki_dir = Path(INVENTORY).parent / ".pki"
    aside = pki_dir.with_name(".pki-aside")
    ca = gateway.file(f"{TLS}/ca.pem").sha256sum
    pki_dir.rename(aside)
    try:
        refused = converge(host, {}, None, ("-l", "all", "--tags", "pki"))
        said = " ".join((refused.stdout + refused.stderr).split())
        assert refused.returncode != 0
        assert f"trusts a CA ({TLS}/ca.pem) that is not in pki_dir" in said, said[-2000:]
        assert not pki_dir.exists(), "a new CA was made"
        assert gateway.file(f"{TLS}/ca.pem").sha256sum == ca
    finally:
        if pki_dir.exists():
            __import__("shutil").rmtree(pki_dir)
        aside.rename(pki_dir)


DASHBOARD = {"dashboard": {"uid": "made-by-hand", "title": "Made by hand", "panels": []}, "overwrite": True}


def dashboard(backend) -> int:
    return int(backend.check_output(f"{GRAFANA}/api/dashboards/uid/made-by-hand -o /dev/null -w '%{{http_code}}'"))


def up_at(backend, at: float) -> int:
    """How many targets Prometheus has an `up` sample for at a moment (its five-minute look-back)."""
    got = json.loads(backend.check_output(f"{PROMETHEUS}up'&time={at:.3f}'"))
    return len(got["data"]["result"])


def test_backup_then_destroy_then_restore_brings_the_data_back(host, backend, converge, wait, tmp_path):
    playbooks = REPO / "playbooks"
    # What a user adds by hand (a dashboard in Grafana's database), metrics up to now, a trace in Badger.
    made = backend.check_output(f"{GRAFANA}/api/dashboards/db -X POST -H 'Content-Type: application/json' -d '{json.dumps(DASHBOARD)}'")
    assert '"status":"success"' in made, made
    trace_id = probe(converge, host, 3)
    moment = __import__("time").time()
    assert wait(lambda: up_at(backend, moment) > 0, what="samples in Prometheus")
    saved = converge(host, {"backup_dir": str(tmp_path), "backup_name": "full"}, playbooks / "backup.yml", ("-l", "all"))
    assert saved.returncode == 0, saved.stdout[-3000:]
    for name in ["manifest.yml", "pki.tar", "backend-debian12/prometheus.tar", "backend-debian12/grafana.tar", "backend-debian12/jaeger.tar"]:
        assert (tmp_path / "full" / name).is_file(), f"{name} is not in the backup"
    assert oct((tmp_path / "full").stat().st_mode & 0o777) == "0o700"

    # A backup that lacks what the restore needs is refused before any host changes.
    partial = converge(host, {"backup_dir": str(tmp_path), "backup_name": "partial", "backup_components": ["grafana"]},
                       playbooks / "backup.yml", ("-l", "all"))
    assert partial.returncode == 0, partial.stdout[-3000:]
    pid = backend.check_output("systemctl show -p MainPID --value prometheus")
    refused = converge(host, {"restore_from": str(tmp_path / "partial")}, playbooks / "restore.yml", ("-l", "all"))
    said = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0 and "has no pki.tar, backend-debian12/prometheus.tar, backend-debian12/jaeger.tar" in said, said[-2000:]
    assert backend.check_output("systemctl show -p MainPID --value prometheus") == pid

    # Destroy: Prometheus and Grafana go, data and all; site.yml brings them back empty.
    gone = converge(host, {"uninstall_components": ["prometheus", "grafana"], "uninstall_remove_data": True},
                    playbooks / "uninstall.yml", ("-l", "all"))
    assert gone.returncode == 0, gone.stdout[-3000:]
    assert not backend.file("/var/lib/prometheus").exists and not backend.file("/var/lib/grafana").exists
    assert not backend.service("prometheus").is_running and backend.service("jaeger").is_running
    fresh = converge(host, {}, None, ("-l", "all"))
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    assert dashboard(backend) == 404 and up_at(backend, moment) == 0

    restored = converge(host, {"restore_from": str(tmp_path / "full")}, playbooks / "restore.yml", ("-l", "all"))
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert dashboard(backend) == 200
    assert up_at(backend, moment) > 0, "the metrics from before the backup are not back"
    assert spans_in_jaeger(backend, trace_id) == 3
    # Restored as site.yml would have it: the next run changes nothing.
    again = converge(host, {}, None, ("-l", "all"))
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]


def test_uninstalling_everything_keeps_the_data_and_site_brings_it_all_back(host, gateway, backend, converge):
    uninstall = REPO / "playbooks" / "uninstall.yml"
    # "false" as a string, as an AWX multiple-choice answer or -e uninstall_remove_data=false gives it: the data stays.
    request = {"uninstall_components": ["all"], "uninstall_remove_data": "false"}
    gone = converge(host, request, uninstall, ("-l", "all"))
    assert gone.returncode == 0, gone.stdout[-3000:]
    for h, services in ((host, ["otelcol-contrib"]), (gateway, ["otelcol-contrib"]), (backend, ["jaeger", "prometheus", "grafana"])):
        for service in services:
            assert not h.service(service).is_running and not h.file(f"/etc/systemd/system/{service}.service").exists
        assert not h.file(TLS).exists
    for path in ["/var/lib/prometheus", "/var/lib/grafana/grafana.db", "/var/lib/jaeger/badger"]:
        assert backend.file(path).exists, f"{path} (data) was removed"
    again = converge(host, request, uninstall, ("-l", "all"))
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]
    back = converge(host, {}, None, ("-l", "all"))
    assert back.returncode == 0, back.stdout[-3000:]
    assert spans_in_jaeger(backend, probe(converge, host, 3)) == 3
    assert dashboard(backend) == 200, "the dashboard in Grafana's kept database is gone"
