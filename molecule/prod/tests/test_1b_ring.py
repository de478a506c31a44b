# SPDX-License-Identifier: GPL-3.0-or-later
"""The Cassandra ring of the production shape (three nodes, Java 17 on Debian 12 and 21 on Debian 13): TLS only,
logins only with the inventory's passwords, certificates rotated in place (`nodetool reloadssl`), a snapshot backup
that brings back what a truncate lost, and variables refused in the preflight."""

from __future__ import annotations

import json
import secrets
import time

import pytest
from prodlib import APP, NODETOOL, OBSERVER, REPO, RING, STORES, TLS, node, up_nodes
from scenario import wait_for

testinfra_hosts = [f"ansible://{APP}"]

ADMIN = ("admin", "molecule-cassandra-admin-password")
JAEGER = ("jaeger", "molecule-jaeger-cassandra-password")
KEYSTORE = f"{TLS}/cassandra/keystore.pem"
# The application host's agent: its certificate is of the agents' tier, which the ring does not take.
AGENT = (f"{TLS}/otelcol-contrib/cert.pem", f"{TLS}/otelcol-contrib/key.pem")
# CQL over TLS with a certificate, by default the node's own (the ring requires client certificates).
LOGIN = ("python3 -W ignore -c \"import sys, ssl; from cassandra.cluster import Cluster; from cassandra.auth import PlainTextAuthProvider as P; "
         f"t = ssl.create_default_context(cafile='{TLS}/ca.pem'); t.load_cert_chain(sys.argv[5], sys.argv[6]); "
         "c = Cluster([sys.argv[1]], auth_provider=P(sys.argv[2], sys.argv[3]), ssl_context=t, ssl_options={'server_hostname': sys.argv[1]}); "
         "s = c.connect(); print(len(list(s.execute(sys.argv[4])))); c.shutdown()\"")
# A TLS handshake with a certificate, then a wait for the server: "refused" when it ends the connection (an alert, or
# closed), "taken" when it waits for the client to speak, as a node does for a peer it accepts.
HANDSHAKE = ("python3 -c \"import socket, ssl, sys; t = ssl.create_default_context(cafile='" + TLS + "/ca.pem'); "
             "t.load_cert_chain(sys.argv[3], sys.argv[4]); s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 10)\n"
             "try:\n s = t.wrap_socket(s, server_hostname=sys.argv[1]); s.settimeout(3); print('refused' if s.recv(1) == b'' else 'taken')\n"
             "except (ssl.SSLError, ConnectionError) as e: print('refused', e)\nexcept TimeoutError: print('taken')\"")


def cql(host, login: tuple[str, str], query: str, cert: tuple[str, str] = (KEYSTORE, KEYSTORE)):
    return host.run(f"{LOGIN} {APP} {login[0]} '{login[1]}' \"{query}\" {cert[0]} {cert[1]}")


def stored_trace(service: str) -> str:
    """Send a one-span trace (an error: tail sampling keeps it) through the application host's agent; return its ID
    once the first Jaeger host has it."""
    trace_id = secrets.token_hex(16)
    now = time.time_ns()
    body = json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                                          "scopeSpans": [{"spans": [{"traceId": trace_id, "spanId": "00000000000000a1", "name": service,
                                                                     "kind": 1, "status": {"code": 2},
                                                                     "startTimeUnixNano": str(now), "endTimeUnixNano": str(now)}]}]}]})
    node(APP).check_output(f"curl -sf -H 'Content-Type: application/json' -d '{body}' http://127.0.0.1:4318/v1/traces")
    wait_for(lambda: found(trace_id), 90, "the trace in Jaeger")
    return trace_id


def found(trace_id: str) -> bool:
    return node(OBSERVER).run(f"curl -sf --cacert /etc/ssl/telemetry/ca.pem https://{STORES[0]}:16686/api/traces/{trace_id}").rc == 0


def test_nodes_and_clients_speak_tls_only(host):
    config = host.file("/etc/cassandra/cassandra.yaml").content_string
    assert "internode_encryption: all" in config and "require_client_auth: true" in config
    keystore = host.file(KEYSTORE)
    assert keystore.group == "cassandra" and keystore.mode == 0o640
    assert keystore.content_string.startswith("-----BEGIN PRIVATE KEY-----")
    # A plain CQL client gets no answer; one without a certificate is refused.
    assert host.run(f"python3 -W ignore -c \"from cassandra.cluster import Cluster; Cluster(['{APP}']).connect()\"").rc != 0


def test_only_the_inventorys_passwords_log_in(host):
    assert cql(host, ("cassandra", "cassandra"), "SELECT * FROM system.local").rc != 0, "the default superuser still logs in"
    assert cql(host, ADMIN, "SELECT * FROM system.local").rc == 0
    assert cql(host, JAEGER, "SELECT * FROM jaeger_v1_dc1.traces LIMIT 1").rc == 0
    # Jaeger's role reads its own keyspace, not the roles table.
    assert cql(host, JAEGER, "SELECT * FROM system_auth.roles").rc != 0


def test_an_agents_certificate_is_refused_by_the_ring_whatever_the_password(host):
    """The ring takes its own nodes and the gateways' tier (Jaeger's certificate; cassandra_tls_peer_ca_file is the pki
    role's tiers/ring.pem): the agent beside the node, with Jaeger's right password, is refused in the handshake, on CQL
    and between the nodes."""
    assert cql(host, JAEGER, "SELECT * FROM system.local").rc == 0
    refused = cql(host, JAEGER, "SELECT * FROM system.local", cert=AGENT)
    assert refused.rc != 0 and "NoHostAvailable" in refused.stderr, refused.stderr[-1500:]
    for port, cert in ((7000, (KEYSTORE, KEYSTORE)), (7000, AGENT), (9042, AGENT)):
        said = host.check_output(f"{HANDSHAKE} {APP} {port} {cert[0]} {cert[1]}")
        assert said.startswith("taken" if cert[0] == KEYSTORE else "refused"), (port, cert, said)


def test_rotating_certificates_reloads_the_ring_in_place(host, converge):
    presented = (f"openssl s_client -connect {APP}:9042 -cert {KEYSTORE} -key {KEYSTORE} </dev/null 2>/dev/null"
                 " | openssl x509 -noout -serial")

    def serial() -> str:
        return host.run(presented).stdout.strip()
    before = wait_for(serial, 60, "the node serving CQL over TLS")
    pids = {name: node(name).check_output("systemctl show -p MainPID --value cassandra") for name in RING}
    rotated = converge(host, {}, REPO / "playbooks" / "rotate_certs.yml", ("-l", "cassandra"), timeout=600)
    assert rotated.returncode == 0, rotated.stdout[-3000:]
    assert "nodetool reloadssl" in rotated.stdout
    # Each node took its new certificate (nodetool reloadssl) without a restart, and the ring stayed whole.
    wait_for(lambda: serial() not in ("", before), 30, "the node presenting its new certificate")
    assert {name: node(name).check_output("systemctl show -p MainPID --value cassandra") for name in RING} == pids
    assert up_nodes(APP) == len(RING)


def test_a_backup_brings_back_the_traces_a_truncate_lost(host, converge):
    """playbooks/backup.yml snapshots every node to the backup target (apps-debian12, over SSH); a table's rows lost;
    playbooks/restore.yml fetches each node's snapshot back, checked and decrypted, and imports it."""
    trace_id = stored_trace("backup")
    backup = converge(host, {}, REPO / "playbooks" / "backup.yml", ("-l", "cassandra"), timeout=600)
    assert backup.returncode == 0, backup.stdout[-3000:]
    for name in RING:
        done = json.loads(node(name).file("/var/lib/telemetry-stack/backup/last-summary.json").content_string)
        stamp = done["stamp"]
        held = host.check_output(f"ls /srv/telemetry-stack-backups/{name}/{stamp}/cassandra").split()
        assert any(a.startswith("jaeger_v1_dc1.traces.sstable-") and a.endswith(".tar.zst.age") for a in held), held
        assert "telemetry-stack-backup" not in node(name).check_output(f"{NODETOOL} listsnapshots"), "the snapshot was left"

    truncated = cql(host, ADMIN, "TRUNCATE jaeger_v1_dc1.traces")
    assert truncated.rc == 0, truncated.stderr
    wait_for(lambda: not found(trace_id), 30, "the trace gone")

    restore = converge(host, {"backup_identity_file": str(REPO / "molecule" / "shared" / "backup" / "identity.txt"),
                              "restore_components": ["cassandra"]}, REPO / "playbooks" / "restore.yml", ("-l", "all"), timeout=600)
    assert restore.returncode == 0, restore.stdout[-3000:]
    assert found(trace_id), "the trace is not back"
    assert not host.file("/var/lib/cassandra/restore").exists and not host.file("/var/lib/telemetry-stack/restore/cassandra").exists


@pytest.mark.parametrize(("extra", "message"), [
    ({"cassandra_admin_password": ""}, "cassandra_admin_password is empty"),
    ({"cassandra_heap_size": "64G"}, "cassandra_heap_size 65536 MB is more than half of the"),
    # The unit's MemoryMax, not the host's memory, is what the heap must fit in twice.
    ({"cassandra_memory_limit_mb": 2048, "cassandra_heap_size": "2G"},
     "cassandra_heap_size 2048 MB is more than half of the 2048 MB this host gives it"),
], ids=["no-admin-password", "heap-too-large", "heap-over-half-the-limit"])
def test_bad_variables_fail_in_preflight_and_change_nothing(host, refused, extra, message):
    """One node's run (site.yml limited to it): refused in its preflight, the node's config and process untouched."""
    refused(host, extra, message, "cassandra", "/etc/cassandra/cassandra.yaml")
