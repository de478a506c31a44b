# SPDX-License-Identifier: GPL-3.0-or-later
"""The cassandra role: a ring of the two hosts (Java 17 on Debian 12, 21 on Debian 13) that Jaeger on Debian 13
stores its spans in; logins only with the passwords from the inventory; certificates rotated in place. A killed node
and a lost node replaced are the prod scenario's (molecule/prod/tests/test_2_faults.py, test_4_replace.py), on a ring
of three."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from pathlib import Path

import pytest

# The converge fixture runs only this role's play.
PLAYBOOK = "cassandra.yml"

REPO = Path(__file__).resolve().parents[3]
NODETOOL = "/usr/local/sbin/nodetool"
# CQL over TLS with the node's own certificate (the ring requires client certificates).
LOGIN = ("python3 -W ignore -c \"import sys, ssl; from cassandra.cluster import Cluster; from cassandra.auth import PlainTextAuthProvider as P; "
         "t = ssl.create_default_context(cafile='/etc/ssl/telemetry/ca.pem'); t.load_cert_chain('/etc/ssl/telemetry/cassandra/keystore.pem'); "
         "c = Cluster([sys.argv[1]], auth_provider=P(sys.argv[2], sys.argv[3]), ssl_context=t, ssl_options={'server_hostname': sys.argv[1]}); "
         "s = c.connect(); print(len(list(s.execute(sys.argv[4])))); c.shutdown()\"")


def address(host) -> str:
    return host.ansible("setup", "filter=ansible_default_ipv4")["ansible_facts"]["ansible_default_ipv4"]["address"]


def cql(host, user: str, password: str, query: str):
    return host.run(f"{LOGIN} {address(host)} {user} '{password}' \"{query}\"")


def stored_trace(host, wait, service: str) -> str:
    """Send a one-span trace through Jaeger on this host (it stores in the ring); return its ID once Jaeger has it."""
    trace_id = secrets.token_hex(16)
    now = time.time_ns()
    body = json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                                          "scopeSpans": [{"spans": [{"traceId": trace_id, "spanId": "00000000000000a1", "name": service,
                                                                     "kind": 1, "startTimeUnixNano": str(now), "endTimeUnixNano": str(now)}]}]}]})
    host.check_output(f"curl -sf -H 'Content-Type: application/json' -d '{body}' http://127.0.0.1:4318/v1/traces")
    wait(lambda: host.run(f"curl -sf http://127.0.0.1:16686/api/traces/{trace_id}").rc == 0, 30, "the trace in Jaeger")
    return trace_id


def test_both_nodes_are_up_and_normal_in_one_ring(host):
    status = host.check_output(f"{NODETOOL} status")
    assert len([line for line in status.splitlines() if line.startswith("UN ")]) == 2, status
    assert host.check_output("systemctl show -p User --value cassandra") == "cassandra"


def test_nodes_and_clients_speak_tls_only(host):
    config = host.file("/etc/cassandra/cassandra.yaml").content_string
    assert "internode_encryption: all" in config and "require_client_auth: true" in config
    keystore = host.file("/etc/ssl/telemetry/cassandra/keystore.pem")
    assert keystore.group == "cassandra" and keystore.mode == 0o640
    assert keystore.content_string.startswith("-----BEGIN PRIVATE KEY-----")
    # A plain CQL client gets no answer; one without a certificate is refused.
    plain = host.run(f"python3 -W ignore -c \"from cassandra.cluster import Cluster; Cluster(['{address(host)}']).connect()\"")
    assert plain.rc != 0


def test_only_the_inventorys_passwords_log_in(host):
    assert cql(host, "cassandra", "cassandra", "SELECT * FROM system.local").rc != 0, "the default superuser still logs in"
    assert cql(host, "admin", "molecule-cassandra-admin", "SELECT * FROM system.local").rc == 0
    assert cql(host, "jaeger", "molecule-jaeger-password", "SELECT * FROM jaeger_v1_dc1.traces LIMIT 1").rc == 0
    # Jaeger's role reads its own keyspace, not the roles table.
    assert cql(host, "jaeger", "molecule-jaeger-password", "SELECT * FROM system_auth.roles").rc != 0
    replication = cql(host, "admin", "molecule-cassandra-admin",
                      "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'")
    assert replication.rc == 0


def test_rotating_certificates_reloads_the_ring_in_place(host, converge, wait):
    if not host.backend.get_hostname().endswith("debian13"):
        pytest.skip("one run rotates both nodes")
    keystore = "/etc/ssl/telemetry/cassandra/keystore.pem"
    presented = (f"openssl s_client -connect {address(host)}:9042 -cert {keystore} -key {keystore} </dev/null 2>/dev/null"
                 " | openssl x509 -noout -serial")

    def serial() -> str:
        return host.run(presented).stdout.strip()
    # (After the killed-node test the node is up in the ring a little before it serves CQL again.)
    before = wait(serial, 60, "the node serving CQL over TLS")
    pid = host.check_output("systemctl show -p MainPID --value cassandra")
    rotated = converge(host, {}, REPO / "playbooks" / "rotate_certs.yml", ("-l", "all"))
    assert rotated.returncode == 0, rotated.stdout[-3000:]
    assert "nodetool reloadssl" in rotated.stdout
    # The node took the new certificate (nodetool reloadssl) without a restart, and the ring stayed whole.
    wait(lambda: serial() not in ("", before), 30, "the node presenting its new certificate")
    assert host.check_output("systemctl show -p MainPID --value cassandra") == pid
    assert len([x for x in host.check_output(f"{NODETOOL} status").splitlines() if x.startswith("UN ")]) == 2


def test_a_backup_brings_back_the_traces_a_truncate_lost(host, converge, wait, tmp_path):
    """playbooks/backup.yml snapshots every node; a table's rows lost; playbooks/restore.yml imports them back."""
    if not host.backend.get_hostname().endswith("debian13"):
        pytest.skip("the playbooks run over the whole ring: once, from Debian 13's node, under the Jaeger there")
    trace_id = stored_trace(host, wait, "backup")
    backup = converge(host, {"backup_dir": str(tmp_path), "backup_name": "ring", "backup_components": ["cassandra"]},
                      REPO / "playbooks" / "backup.yml", ("-l", "all"))
    assert backup.returncode == 0, backup.stdout[-3000:]
    for name in ("jaeger-debian12", "jaeger-debian13"):
        listing = subprocess.run(["tar", "--list", "--file", str(tmp_path / "ring" / name / "cassandra.tar")],
                                 capture_output=True, text=True, check=True).stdout
        assert "var/lib/cassandra/restore/jaeger_v1_dc1/traces/" in listing, listing[:2000]
    assert "telemetry-stack-ring" not in host.check_output(f"{NODETOOL} listsnapshots"), "the snapshot was left on the node"

    truncated = cql(host, "admin", "molecule-cassandra-admin", "TRUNCATE jaeger_v1_dc1.traces")
    assert truncated.rc == 0, truncated.stderr
    wait(lambda: host.run(f"curl -sf http://127.0.0.1:16686/api/traces/{trace_id}").rc != 0, 30, "the trace gone")

    restore = converge(host, {"restore_from": str(tmp_path / "ring"), "restore_components": ["cassandra"]},
                       REPO / "playbooks" / "restore.yml", ("-l", "all"))
    assert restore.returncode == 0, restore.stdout[-3000:]
    assert host.run(f"curl -sf http://127.0.0.1:16686/api/traces/{trace_id}").rc == 0, "the trace is not back"
    assert not host.file("/var/lib/cassandra/restore").exists


@pytest.mark.parametrize(("extra", "message"), [
    ({"cassandra_keyspaces": [{"name": "jaeger_v1_dc1", "replication_factor": 3}]},
     "cassandra_keyspaces[0].replication_factor is 3, more than the 2 node(s) of the ring"),
    ({"cassandra_admin_password": ""}, "cassandra_admin_password is empty"),
    ({"cassandra_heap_size": "64G"}, "cassandra_heap_size 65536 MB is more than half of the"),
], ids=["replication-larger-than-the-ring", "no-admin-password", "heap-too-large"])
def test_bad_variables_fail_in_preflight_and_change_nothing(host, refused, extra, message):
    refused(host, extra, message, "cassandra", "/etc/cassandra/cassandra.yaml")
