# SPDX-License-Identifier: GPL-3.0-or-later
"""A lost Cassandra node replaced (runs last: it rebuilds a host). Debian 12's container is destroyed and an empty one
created under the same name; the scenario's converge.yml, as site.yml would, makes it start in the lost node's place.
The ring then has both nodes up, and a trace written before is read from the new node alone."""

from __future__ import annotations

import time

import pytest
from test_cassandra import NODETOOL, cql, stored_trace

PLAYBOOK = "converge.yml"
LOST = "jaeger-debian12"


def up_nodes(host) -> int:
    return len([line for line in host.run(f"{NODETOOL} status").stdout.splitlines() if line.startswith("UN ")])


def test_a_destroyed_node_rebuilt_under_its_name_takes_its_place_with_the_data(host, converge, rebuild, wait):
    if host.backend.get_hostname() == LOST:
        pytest.skip("run from the node that stays, Debian 13's, under the Jaeger that stores in the ring")
    trace_id = stored_trace(host, wait, "replace")

    lost = rebuild(LOST)
    assert not lost.file("/var/lib/cassandra").exists
    wait(lambda: any(line.startswith("DN ") for line in host.run(f"{NODETOOL} status").stdout.splitlines()), 60,
         "the ring counting the lost node down")

    started = time.monotonic()
    ran = converge(lost, {}, timeout=900)
    took = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert "Point the next start at it, in place of" in ran.stdout, "the rebuilt node did not start in the lost node's place"
    print(f"replacement: converge of the rebuilt node {took:.0f} s")
    assert up_nodes(host) == 2 and up_nodes(lost) == 2
    # The one-start config and drop-in are gone: from now on it starts as itself.
    assert not lost.file("/run/cassandra-replace.yaml").exists
    assert not lost.file("/run/systemd/system/cassandra.service.d/replace.conf").exists
    assert lost.check_output("systemctl show -p Environment --value cassandra") == ""

    # The new node holds the data: with the other node stopped, it alone answers for the trace.
    query = f"SELECT span_id FROM jaeger_v1_dc1.traces WHERE trace_id = 0x{trace_id}"
    host.check_output("systemctl stop cassandra")
    try:
        read = cql(lost, "jaeger", "molecule-jaeger-password", query)
        assert read.rc == 0 and read.stdout.strip() == "1", read.stdout + read.stderr
    finally:
        host.check_output("systemctl start cassandra")
    wait(lambda: up_nodes(host) == 2, 180, "both nodes up and normal again")
    wait(lambda: host.run(f"curl -sf http://127.0.0.1:16686/api/traces/{trace_id}").rc == 0, 60, "the trace in Jaeger")

    # A second run of the rebuilt node changes nothing.
    again = converge(lost, {})
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
