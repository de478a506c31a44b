# SPDX-License-Identifier: GPL-3.0-or-later
"""The host firewall (role firewall) on the production shape. From a host of no group of the stack on its network
(the intruder), every port of the stack that listens beyond loopback is refused, at once and counted; the groups
the inventory names for a port get through; SSH, which is no port of the stack, is left alone; a table deleted by
hand comes back with the next run, unless the firewall is turned off."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest
from prodlib import APP, LBS, REPO, SAMPLERS, STORES, node

testinfra_hosts = [f"ansible://{APP}"]

INTRUDER = "intruder-debian13"
STACK = [APP, *LBS, *SAMPLERS, *STORES]


def guarded(name: str) -> tuple[set[int], int]:
    """The TCP ports the host's table refuses to strangers, and how many it has refused so far."""
    chain = node(name).check_output("nft list chain inet telemetry_stack input")
    found = re.search(r"tcp dport (\{ [\d, ]+ \}|\d+) counter packets (\d+) bytes \d+ reject with tcp reset", chain)
    assert found, chain
    return {int(p) for p in re.findall(r"\d+", found.group(1))}, int(found.group(2))


def listening(name: str) -> set[int]:
    """The TCP ports something listens on beyond loopback."""
    ports = set()
    for line in node(name).check_output("ss -Hltn").splitlines():
        address, port = line.split()[3].rsplit(":", 1)
        if address.strip("[]") not in ("127.0.0.1", "::1", "127.0.0.53%lo"):
            ports.add(int(port))
    return ports


def tries(source: str, targets: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Connect from `source` to each host:port (2 s each at most): 'open', 'refused' or 'timeout'."""
    script = "; ".join(
        f"if timeout 2 bash -c '</dev/tcp/{h}/{p}' 2>/tmp/try; then echo {h} {p} open; "
        f"elif grep -q refused /tmp/try; then echo {h} {p} refused; else echo {h} {p} timeout; fi" for h, p in targets)
    out = node(source).check_output(script)
    return {(h, int(p)): state for h, p, state in (line.split() for line in out.splitlines())}


def test_the_intruder_is_refused_every_port_of_the_stack_at_once():
    intruder = ipaddress.ip_address(node(INTRUDER).check_output("hostname -I").split()[0])
    # prod's admin and user networks (inventories/prod/group_vars/all.yml) do not hold the test network.
    assert not any(intruder in ipaddress.ip_network(n) for n in ("10.20.0.0/24", "10.0.0.0/8")), intruder
    targets, before = [], {}
    for name in STACK:
        ports, before[name] = guarded(name)
        open_to_others = ports & listening(name)
        assert open_to_others, f"{name}: no port of the stack listens beyond loopback ({ports})"
        targets += [(name, p) for p in sorted(open_to_others)]
    print(f"firewall: {len(targets)} ports of the stack tried from the intruder")
    states = tries(INTRUDER, targets)
    assert set(states.values()) == {"refused"}, {t: s for t, s in states.items() if s != "refused"}
    # Refused by the table (its counter), not by a port with nothing behind it.
    for name in STACK:
        assert guarded(name)[1] >= before[name] + sum(1 for target in targets if target[0] == name), name


@pytest.mark.parametrize(("port", "allowed", "refused", "where"), [
    # Every collector's metrics to Prometheus only.
    (8888, LBS[1], APP, SAMPLERS + STORES + [LBS[0]]),
    # Jaeger's OTLP to the sampling gateways only: an agent cannot skip them.
    (4317, SAMPLERS[0], APP, STORES),
    # Jaeger's query API to Grafana (and the admins).
    (16686, SAMPLERS[1], LBS[0], STORES),
    # CQL to Jaeger and the ring.
    (9042, STORES[0], LBS[0], [APP, STORES[1]]),
    # Prometheus to Grafana and the other Prometheus.
    (9090, SAMPLERS[0], APP, LBS),
])
def test_each_port_lets_in_the_groups_the_inventory_names_and_no_other(port, allowed, refused, where):
    targets = [(name, port) for name in where if name != allowed]
    assert set(tries(allowed, targets).values()) == {"open"}, (allowed, targets)
    assert set(tries(refused, [t for t in targets if t[0] != refused]).values()) == {"refused"}, (refused, targets)


def test_ssh_is_left_alone():
    # OpenSSH (prepare.yml) on an application host: no port of the stack, so the table never touches it.
    assert 22 not in guarded(APP)[0]
    banner = node(INTRUDER).check_output(f"timeout 5 bash -c 'exec 3<>/dev/tcp/{APP}/22; head -c 7 <&3'")
    assert banner == "SSH-2.0"


def test_a_table_deleted_by_hand_comes_back_with_the_next_run_unless_the_firewall_is_off(converge):
    host = node(LBS[0])
    host.check_output("nft delete table inet telemetry_stack")
    assert tries(INTRUDER, [(LBS[0], 9090)]) == {(LBS[0], 9090): "open"}
    # Off (a site that manages its own firewall): the role touches nothing.
    off = converge(host, {"firewall_enabled": False}, REPO / "playbooks" / "site.yml", ("--tags", "firewall"))
    assert re.search(rf"{LBS[0]}\s+: ok=\d+\s+changed=0\s", off.stdout), off.stdout[-1500:]
    assert "telemetry_stack" not in host.check_output("nft list tables")
    run = converge(host, {}, REPO / "playbooks" / "site.yml", ("--tags", "firewall"))
    assert run.returncode == 0, run.stdout[-3000:]
    assert re.search(rf"{LBS[0]}\s+: ok=\d+\s+changed=1\s", run.stdout), run.stdout[-1500:]
    assert tries(INTRUDER, [(LBS[0], 9090)]) == {(LBS[0], 9090): "refused"}
    again = converge(host, {}, REPO / "playbooks" / "site.yml", ("--tags", "firewall"))
    assert re.search(rf"{LBS[0]}\s+: ok=\d+\s+changed=0\s", again.stdout), again.stdout[-1500:]
    listed = json.loads(host.check_output("nft -j list tables"))["nftables"]
    assert [t["table"]["name"] for t in listed if "table" in t].count("telemetry_stack") == 1
