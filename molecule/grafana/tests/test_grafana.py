# SPDX-License-Identifier: GPL-3.0-or-later
"""Grafana from a real server: healthy, its data sources from the inventory working, the dashboards there, logins checked."""

from __future__ import annotations

import json
import os
import time

import pytest

testinfra_hosts = ["ansible://grafana"]

ADMIN = "admin:molecule-admin-password"


def base(host) -> str:
    tls = host.backend.get_hostname() == "grafana-debian13"
    return ("curl -s --cacert /etc/ssl/telemetry/ca.pem https://localhost:3000" if tls else "curl -s http://localhost:3000"), tls


def get(host, path: str, auth: str | None = ADMIN) -> tuple[int, str]:
    curl, _tls = base(host)
    curl, url = curl.rsplit(" ", 1)
    out = host.run(f"{curl} {'-u ' + auth if auth else ''} -w '\\n%{{http_code}}' {url}{path}")
    body, _sep, code = out.stdout.rpartition("\n")
    return int(code or 0), body


def pid(host) -> str:
    return host.check_output("systemctl show -p MainPID --value grafana")


def test_service_active_enabled_and_unprivileged(host):
    svc = host.service("grafana")
    assert svc.is_running and svc.is_enabled
    assert host.check_output(f"ps -o user= -p {pid(host)}") == "grafana"


def test_health_ok(host):
    code, body = get(host, "/api/health", auth=None)
    assert code == 200 and json.loads(body)["database"] == "ok"


def test_datasources_from_the_inventory(host):
    code, body = get(host, "/api/datasources")
    assert code == 200
    found = {d["uid"]: d for d in json.loads(body)}
    # Two Prometheus servers and two Jaeger hosts: through HAProxy on loopback, which names both.
    assert found["telemetry-prometheus"]["url"] == "http://127.0.0.1:19090"
    assert found["telemetry-prometheus"]["basicAuth"] is True and found["telemetry-prometheus"]["isDefault"] is True
    assert found["telemetry-jaeger"]["url"] == "http://127.0.0.1:16687"
    haproxy = host.file("/etc/haproxy/haproxy.cfg").content_string
    for server in ("grafana-debian12:9090 check", "grafana-debian13:9090 check backup",
                   "grafana-debian12:16686 check", "grafana-debian13:16686 check backup"):
        assert server in haproxy, server


def test_prometheus_datasource_health_check_passes(host, wait):
    def healthy():
        code, body = get(host, "/api/datasources/uid/telemetry-prometheus/health")
        return code == 200 and json.loads(body).get("status") == "OK"
    wait(healthy, timeout=60, what="the Prometheus data source's health check")


def test_jaeger_datasource_answers_through_grafana(host):
    # What Grafana's Jaeger data source does to test itself: list services through the proxy.
    code, body = get(host, "/api/datasources/proxy/uid/telemetry-jaeger/api/services")
    assert code == 200 and "data" in json.loads(body), body


def test_the_stack_dashboards_are_provisioned(host, wait):
    def present():
        code, body = get(host, "/api/search?tag=telemetry-stack")
        return {d["uid"] for d in json.loads(body)} if code == 200 else set()
    uids = wait(lambda: present() == {"telemetry-collector-health", "telemetry-gateway-throughput", "telemetry-backend-storage"},
                timeout=60, what="the three dashboards")
    assert uids
    code, body = get(host, "/api/dashboards/uid/telemetry-collector-health")
    assert code == 200 and json.loads(body)["meta"]["folderTitle"] == "Telemetry stack"


def test_logins_without_the_password_are_refused(host):
    curl, tls = base(host)
    curl, url = curl.rsplit(" ", 1)
    for password in ("", "wrong"):
        out = host.check_output(f"{curl} -o /dev/null -w '%{{http_code}}' -H 'Content-Type: application/json' "
                                f"-d '{{\"user\": \"admin\", \"password\": \"{password}\"}}' {url}/login")
        assert out in ("400", "401"), (password, out)
    assert get(host, "/api/datasources", auth=None)[0] == 401
    assert get(host, "/api/datasources", auth="admin:wrong")[0] == 401
    assert get(host, "/api/dashboards/uid/telemetry-collector-health", auth=None)[0] == 401


def test_secrets_stay_out_of_grafana_ini(host):
    ini = host.file("/etc/grafana/grafana.ini")
    assert ini.group == "grafana" and ini.mode == 0o640
    assert "molecule-admin-password" not in ini.content_string and "molecule-secret-key" not in ini.content_string
    env = host.file("/etc/grafana/grafana.env")
    assert env.user == "root" and env.mode == 0o600
    _curl, tls = base(host)
    assert f"cookie_secure = {'true' if tls else 'false'}" in ini.content_string
    assert "[auth.anonymous]\nenabled = false" in ini.content_string


@pytest.mark.parametrize(("extra", "message"), [
    ({"grafana_admin_password": ""}, "grafana_admin_password is required"),
    ({"grafana_secret_key": "short"}, "grafana_secret_key is required (16 characters or more"),
    ({"grafana_ini": {"server": "https"}}, "grafana_ini must map sections to settings"),
    ({"grafana_database_password": ""}, "grafana_database_password is empty: put the password of grafana on grafana-debian12:5432 in vault"),
    ({"grafana_database_type": "sqlite3"}, "the grafana group has 2 Grafana hosts but each would keep its own SQLite database"),
], ids=["no-admin-password", "short-secret-key", "bad-ini", "no-database-password", "two-on-sqlite"])
def test_bad_variables_fail_in_preflight_and_change_nothing(named_host, refused, extra, message):
    # On grafana-debian13 alone: the checks read variables, the same on either release.
    refused(named_host("grafana-debian13"), extra, message, "grafana", "/etc/grafana/grafana.ini")


def test_a_dashboard_saved_on_one_grafana_is_on_the_other(host, wait):
    # Saved through this Grafana, read through the other one: the shared PostgreSQL database.
    me = host.backend.get_hostname()
    other = "https://grafana-debian13:3000" if me == "grafana-debian12" else "http://grafana-debian12:3000"
    body = json.dumps({"dashboard": {"uid": f"shared-{me}", "title": f"Saved on {me}", "panels": []}, "overwrite": True})
    curl, _tls = base(host)
    curl, url = curl.rsplit(" ", 1)
    saved = host.run(f"{curl} -u {ADMIN} -H 'Content-Type: application/json' -d '{body}' -w '\\n%{{http_code}}' {url}/api/dashboards/db")
    assert saved.stdout.strip().endswith("200"), saved.stdout
    there = host.run(f"curl -s --cacert /etc/ssl/telemetry/ca.pem -u {ADMIN} -o /dev/null -w '%{{http_code}}' "
                     f"{other}/api/dashboards/uid/shared-{me}")
    assert there.stdout == "200", there.stdout
    ini = host.file("/etc/grafana/grafana.ini").content_string
    assert "[database]\ntype = postgres\nhost = grafana-debian12:5432" in ini
    assert "password" not in ini.split("[database]")[1].split("[")[0]
    # The two gossip as unified alerting's HA peers.
    assert "ha_peers = grafana-debian12:9095,grafana-debian13:9095" in ini
    wait(lambda: ":9095" in host.check_output("ss -Hltn"), 30, "the HA gossip port listening")


def test_dashboards_keep_answering_when_a_prometheus_or_a_jaeger_stops(host, wait):
    """Each Grafana's data sources go through HAProxy on loopback to both Prometheus servers and both Jaeger hosts."""
    sources = {d["name"]: d for d in json.loads(get(host, "/api/datasources")[1])}
    assert sources["Prometheus"]["url"] == "http://127.0.0.1:19090" and sources["Jaeger"]["url"] == "http://127.0.0.1:16687"
    query = "/api/datasources/proxy/uid/telemetry-prometheus/api/v1/query?query=up"
    jaeger = "/api/datasources/proxy/uid/telemetry-jaeger/api/services"
    first = "grafana-debian12"
    stopper = host if host.backend.get_hostname() == first else host.get_host(
        f"ansible://{first}?ansible_inventory={os.environ['MOLECULE_INVENTORY_FILE']}")
    try:
        stopper.check_output("systemctl stop prometheus jaeger")
        stopped = time.monotonic()
        wait(lambda: get(host, query)[0] == 200 and get(host, jaeger)[0] == 200, 30, "queries answered by the other servers")
        print(f"data sources answering again {time.monotonic() - stopped:.1f} s after the stop")
        assert json.loads(get(host, query)[1])["status"] == "success"
    finally:
        stopper.check_output("systemctl start prometheus jaeger")


def test_absent_uninstalls_and_keeps_the_data(named_host, uninstall_then_reinstall):
    # On Debian 12 alone (the lifecycle's absent steps are the same on both; the other scenarios run them on each):
    # each uninstall and reinstall costs a minute or two of CI.
    host = named_host("grafana-debian12")
    uninstall_then_reinstall(host, "grafana", removed=["/opt/grafana", "/etc/grafana"], kept=["/var/lib/grafana"])
    # The kept database still holds the admin.
    assert get(host, "/api/health", auth=None)[0] == 200 and get(host, "/api/datasources")[0] == 200
