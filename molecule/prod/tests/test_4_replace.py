# SPDX-License-Identifier: GPL-3.0-or-later
"""A lost Cassandra node replaced (runs last: it rebuilds a host). store-debian13's container is destroyed and an
empty one created under the same name; site.yml for that host makes it take the lost node's place (docs/operations.md,
"Replace a lost node"). The ring has all three nodes up again and every trace written before is still there."""

from __future__ import annotations

import time

from prodlib import APP, REPO, RING, STORES, stream, streaming, traces_in_jaeger, ring_up, up_nodes
from scenario import wait_for

testinfra_hosts = [f"ansible://{APP}"]


def test_a_destroyed_store_host_rebuilt_under_its_name_rejoins_with_every_trace(converge, rebuild):
    sent = stream("before-replace", 100)
    wait_for(lambda: not streaming("before-replace"), 60, "the stream to end")
    wait_for(lambda: set(sent) <= traces_in_jaeger("before-replace", through=STORES[0]), 90, "every trace in Jaeger")

    lost = rebuild(STORES[1])
    ring_up(len(RING) - 1, 60, "the ring counting the lost node down")
    started = time.monotonic()
    ran = converge(lost, {}, REPO / "playbooks" / "site.yml", timeout=1200)
    took = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert "Point the next start at it, in place of" in ran.stdout
    print(f"replacement: site.yml for the rebuilt host took {took:.0f} s")
    assert up_nodes(APP) == len(RING) and up_nodes(STORES[1]) == len(RING)
    # Every trace, read through the rebuilt host's own Jaeger.
    assert set(sent) <= traces_in_jaeger("before-replace", through=STORES[1])
    again = converge(lost, {}, REPO / "playbooks" / "site.yml")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
