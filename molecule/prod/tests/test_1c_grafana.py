# SPDX-License-Identifier: GPL-3.0-or-later
"""Grafana as the production shape runs it, two of them on one PostgreSQL database, over TLS: healthy, the data
sources from the inventory (through HAProxy to both Prometheus servers and both Jaeger hosts), the dashboards, logins
and secrets checked, one database shared, refusals, and uninstall and back. (Grafana on SQLite over plain HTTP is
the stack scenario's; a Prometheus, a Jaeger and a Grafana stopped under them, test_2_faults.py.)"""

from __future__ import annotations

import json

import pytest
from prodlib import GRAFANA_ADMIN, LBS, REPO, SAMPLERS, STORES, TLS, grafana, node
from scenario import wait_for

testinfra_hosts = [f"ansible://{name}" for name in SAMPLERS]


def name(host) -> str:
    return host.backend.get_hostname()


def test_health_ok(host):
    code, body = grafana(name(host), "/api/health")
    assert code == 200 and json.loads(body)["database"] == "ok"


def test_datasources_from_the_inventory(host):
    code, body = grafana(name(host), "/api/datasources")
    assert code == 200
    found = {d["uid"]: d for d in json.loads(body)}
    assert found["telemetry-prometheus"]["basicAuth"] is True and found["telemetry-prometheus"]["isDefault"] is True
    haproxy = host.file("/etc/haproxy/haproxy.cfg").content_string
    # Both over TLS, the certificates checked (prometheus_web_tls_cert_file, jaeger_query_tls).
    for server in (f"{LBS[0]}:9090 check ssl verify required", f"{LBS[1]}:9090 check backup ssl verify required",
                   f"{STORES[0]}:16686 check ssl verify required", f"{STORES[1]}:16686 check backup ssl verify required"):
        assert server in haproxy, server


def test_prometheus_datasource_health_check_passes(host):
    def healthy():
        code, body = grafana(name(host), "/api/datasources/uid/telemetry-prometheus/health")
        return code == 200 and json.loads(body).get("status") == "OK"
    wait_for(healthy, 60, "the Prometheus data source's health check")


def test_the_stack_dashboards_are_provisioned(host):
    def present():
        code, body = grafana(name(host), "/api/search?tag=telemetry-stack")
        return {d["uid"] for d in json.loads(body)} if code == 200 else set()
    wait_for(lambda: present() == {"telemetry-collector-health", "telemetry-gateway-throughput", "telemetry-backend-storage",
                                   "telemetry-logs"}, 60, "the four dashboards")
    code, body = grafana(name(host), "/api/dashboards/uid/telemetry-collector-health")
    assert code == 200 and json.loads(body)["meta"]["folderTitle"] == "Telemetry stack"


def test_logins_without_the_password_are_refused(host):
    # Not as the admin or one of prod's users, which other tests log in as: Grafana blocks a login for 5 minutes
    # after 5 failures in a row.
    url = f"https://{name(host)}:3000"
    curl = f"curl -s --cacert {TLS}/ca.pem -o /dev/null -w '%{{http_code}}'"
    for password in ("", "wrong"):
        out = host.check_output(f"{curl} -H 'Content-Type: application/json' "
                                f"-d '{{\"user\": \"mallory\", \"password\": \"{password}\"}}' {url}/login")
        assert out in ("400", "401"), (password, out)
    for auth, path in (("", "/api/datasources"), ("-u mallory:wrong", "/api/datasources"), ("", "/api/dashboards/uid/telemetry-collector-health")):
        assert host.check_output(f"{curl} {auth} {url}{path}") == "401", (auth, path)


def test_secrets_stay_out_of_grafana_ini(host):
    ini = host.file("/etc/grafana/grafana.ini")
    assert ini.group == "grafana" and ini.mode == 0o640
    text = ini.content_string
    assert "molecule-grafana-admin-password" not in text and "molecule-grafana-secret-key" not in text
    assert "molecule-grafana-db-password" not in text
    env = host.file("/etc/grafana/grafana.env")
    assert env.user == "root" and env.mode == 0o600
    assert "cookie_secure = true" in text and "[auth.anonymous]\nenabled = false" in text


def test_a_dashboard_saved_on_one_grafana_is_on_the_other(host):
    # Saved through this Grafana, read through the other one: the shared PostgreSQL database.
    me = name(host)
    other = SAMPLERS[1 - SAMPLERS.index(me)]
    body = json.dumps({"dashboard": {"uid": f"shared-{me}", "title": f"Saved on {me}", "panels": []}, "overwrite": True})
    saved = host.run(f"curl -s --cacert {TLS}/ca.pem -u {GRAFANA_ADMIN} -H 'Content-Type: application/json' -d '{body}' "
                     f"-w '\\n%{{http_code}}' https://{me}:3000/api/dashboards/db")
    assert saved.stdout.strip().endswith("200"), saved.stdout
    assert grafana(other, f"/api/dashboards/uid/shared-{me}")[0] == 200
    ini = host.file("/etc/grafana/grafana.ini").content_string
    assert "[database]\ntype = postgres\nhost = apps-debian12:5432" in ini
    assert "password" not in ini.split("[database]")[1].split("[")[0]
    # The two gossip as unified alerting's HA peers.
    assert f"ha_peers = {SAMPLERS[0]}:9095,{SAMPLERS[1]}:9095" in ini
    wait_for(lambda: ":9095" in host.check_output("ss -Hltn"), 30, "the HA gossip port listening")


def as_user(on: str, login: str, method: str, path: str, body: dict | None = None) -> int:
    """The HTTP status of one call to a Grafana as one of prod's users (their passwords: molecule/prod/hosts.yml)."""
    data = f"-X {method} -H 'Content-Type: application/json' -d '{json.dumps(body)}'" if body is not None else ""
    return int(node(on).check_output(f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {TLS}/ca.pem "
                                     f"-u {login}:molecule-grafana-{login}-password {data} https://{on}:3000{path}"))


def test_viewers_cannot_save_and_a_teams_folder_is_hidden_from_the_other_team():
    # prod's users and teams (inventories/prod/group_vars/grafana.yml): ana in payments, bo in search, both Viewers.
    on = SAMPLERS[0]
    dashboard = {"dashboard": {"title": "Try", "panels": []}, "overwrite": True}
    assert as_user(on, "bo", "POST", "/api/dashboards/db", dashboard) == 403
    assert as_user(on, "bo", "GET", "/api/folders/payments") in (403, 404)
    assert as_user(on, "bo", "GET", "/api/folders/search") == 200
    out = node(on).check_output(f"curl -s --cacert {TLS}/ca.pem -u bo:molecule-grafana-bo-password "
                                f"'https://{on}:3000/api/search?type=dash-folder'")
    assert {f["uid"] for f in json.loads(out)} >= {"search"} and "payments" not in {f["uid"] for f in json.loads(out)}
    # Edit on her team's folder: a Viewer saves there, and only there.
    assert as_user(on, "ana", "POST", "/api/dashboards/db", {**dashboard, "folderUid": "payments"}) == 200
    assert as_user(on, "ana", "POST", "/api/dashboards/db", {**dashboard, "folderUid": "search", "overwrite": False}) != 200
    tries = [d for d in json.loads(grafana(on, "/api/search?type=dash-db&query=Try")[1]) if d.get("folderUid") == "search"]
    assert not tries, "ana saved into the other team's folder"

    # The on-call editor, in both; the other Grafana sees the same (one database).
    assert as_user(SAMPLERS[1], "oncall", "GET", "/api/folders/payments") == 200
    assert as_user(SAMPLERS[1], "oncall", "GET", "/api/folders/search") == 200
    assert as_user(SAMPLERS[1], "bo", "GET", "/api/folders/payments") in (403, 404)


def test_ldap_editors_log_in_as_editors_and_people_of_no_group_are_refused():
    # The test's directory (molecule/shared/ldap.yml): carol in cn=editors, which prod's test hosts map to Editor;
    # dave in no group. Through each Grafana (one database).
    for on in SAMPLERS:
        curl = f"curl -s --cacert {TLS}/ca.pem https://{on}:3000/api/user/orgs"
        orgs = json.loads(node(on).check_output(f"{curl.replace('curl -s', 'curl -sf -u carol:carol-ldap-password')}"))
        assert [o["role"] for o in orgs] == ["Editor"], orgs
        refused = node(on).check_output(f"{curl.replace('curl -s', 'curl -s -o /dev/null -w %{http_code} -u dave:dave-ldap-password')}")
        assert refused == "401", refused
    ldap = node(SAMPLERS[0]).file("/etc/grafana/ldap.toml")
    assert ldap.group == "grafana" and ldap.mode == 0o640


def test_an_admin_password_changed_in_vault_is_applied_by_the_next_run(named_host, converge):
    # Grafana reads its admin password from its environment only when it creates its database: the role sets a new
    # one through Grafana's own reset command, as the service's user. Then back.
    host = named_host(SAMPLERS[0])
    for password in ("molecule-grafana-admin-password-2", "molecule-grafana-admin-password"):
        ran = converge(host, {"vault_grafana_admin_password": password}, REPO / "playbooks" / "site.yml",
                       ("--tags", "grafana"), timeout=600)
        assert ran.returncode == 0, ran.stdout[-3000:]
        for on in SAMPLERS:
            assert node(on).check_output(f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {TLS}/ca.pem -u admin:{password} "
                                         f"https://{on}:3000/api/user") == "200", (on, password)
        assert password not in ran.stdout + ran.stderr


# The database password's refusal is in test_3_bad_input.py (over every host).
@pytest.mark.parametrize(("extra", "message"), [
    ({"grafana_admin_password": ""}, "grafana_admin_password is required"),
    ({"grafana_secret_key": "short"}, "grafana_secret_key is required (16 characters or more"),
    ({"grafana_ini": {"server": "https"}}, "grafana_ini must map sections to settings"),
    ({"grafana_database_type": "sqlite3"}, "the grafana group has 2 Grafana hosts but each would keep its own SQLite database"),
    ({"grafana_teams": [{"name": "ops", "members": ["dee"]}]}, "grafana_teams[0].members names 'dee', not in grafana_users"),
], ids=["no-admin-password", "short-secret-key", "bad-ini", "two-on-sqlite", "team-member-not-a-user"])
def test_bad_variables_fail_in_preflight_and_change_nothing(named_host, refused, extra, message):
    # On one Grafana host: the checks read variables, the same on either release.
    refused(named_host(SAMPLERS[1]), extra, message, "grafana", "/etc/grafana/grafana.ini")


def test_absent_uninstalls_and_keeps_the_data(named_host, uninstall_then_reinstall):
    # On Debian 12's Grafana alone: the lifecycle's absent steps are the same on both.
    host = named_host(SAMPLERS[0])
    uninstall_then_reinstall(host, "grafana", removed=["/opt/grafana", "/etc/grafana"], kept=["/var/lib/grafana"])
    # Back on the shared database, with the admin and the other Grafana's dashboard.
    assert grafana(SAMPLERS[0], "/api/health")[0] == 200 and grafana(SAMPLERS[0], f"/api/dashboards/uid/shared-{SAMPLERS[1]}")[0] == 200
    assert node(SAMPLERS[1]).service("grafana").is_running
