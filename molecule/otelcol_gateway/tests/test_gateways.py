# SPDX-License-Identifier: GPL-3.0-or-later
"""Gateways and the load-balancing tier: OTLP on the network with mTLS only, hardened, reloaded in place."""

from __future__ import annotations

testinfra_hosts = ["ansible://otel_gateways", "ansible://otel_sampling_gateways"]

CURL_TLS = "--cacert /etc/ssl/telemetry/ca.pem --cert /etc/ssl/telemetry/host.pem --key /etc/ssl/telemetry/host.key"


def test_service_active_and_enabled(host):
    svc = host.service("otelcol-contrib")
    assert svc.is_running and svc.is_enabled


def test_otlp_listens_on_the_network(host):
    listening = host.check_output("ss -Hltn")
    assert "*:4317" in listening and "*:4318" in listening


def test_plaintext_otlp_is_refused(host):
    plain = host.run("curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' http://127.0.0.1:4318/v1/traces")
    assert plain.stdout.strip() in ("", "000", "400"), plain.stdout
    assert plain.stdout.strip() != "200"


def test_tls_without_a_client_certificate_is_refused(host):
    no_cert = host.run("curl -s -o /dev/null -w '%{http_code}' --cacert /etc/ssl/telemetry/ca.pem -X POST "
                       "-H 'Content-Type: application/json' -d '{}' https://localhost:4318/v1/traces")
    assert no_cert.rc != 0 and no_cert.stdout.strip() in ("", "000")


def test_mtls_is_accepted(host):
    ok = host.run(f"curl -s -o /dev/null -w '%{{http_code}}' {CURL_TLS} -X POST "
                  "-H 'Content-Type: application/json' -d '{}' https://localhost:4318/v1/traces")
    assert ok.stdout.strip() == "200", ok.stdout + ok.stderr


def test_a_config_change_reloads_in_place(named_host, converge):
    # Only the config changes: the handler sends SIGHUP; each process keeps its PID. Every gateway of both tiers in
    # one run.
    gateways = [named_host(name) for name in ("lbtier-debian13", "gateway-debian12", "gateway-debian13")]
    pids = [g.check_output("systemctl show -p MainPID --value otelcol-contrib") for g in gateways]
    tiers = ("-l", "otel_gateways:otel_sampling_gateways")
    changed = converge(gateways[0], {"otelcol_processors": {"batch": {"timeout": "300ms"}}}, args=tiers)
    assert changed.returncode == 0, changed.stdout[-2000:]
    assert "RUNNING HANDLER [telemetry.stack.otelcol : Reload the collector config]" in changed.stdout
    assert "Restart the collector" not in changed.stdout
    for g, pid in zip(gateways, pids):
        assert "timeout: 300ms" in g.file("/etc/otelcol-contrib/config.yaml").content_string
        assert g.check_output("systemctl show -p MainPID --value otelcol-contrib") == pid
        assert g.run("curl -sf http://127.0.0.1:13133/").rc == 0
    restored = converge(gateways[0], {}, args=tiers)
    assert restored.returncode == 0, restored.stdout[-2000:]
    for g, pid in zip(gateways, pids):
        assert "timeout: 300ms" not in g.file("/etc/otelcol-contrib/config.yaml").content_string
        assert g.check_output("systemctl show -p MainPID --value otelcol-contrib") == pid
