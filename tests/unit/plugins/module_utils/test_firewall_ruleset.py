# SPDX-License-Identifier: GPL-3.0-or-later
"""The host firewall's table, from a host's planned ports, the access map and the sources' addresses."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.firewall_ruleset import firewall_ruleset
from ansible_collections.telemetry.stack.plugins.module_utils._firewall.ruleset import (FirewallError, host_addresses, host_rules, networks,
                                                                                        ruleset)

PLAN = [{"service": "jaeger", "ports": {"jaeger_otlp_grpc_port": 4317, "jaeger_query_port": 16686, "jaeger_health_port": "13133"}},
        {"service": "alertmanager", "ports": {"alertmanager_port": 9093, "alertmanager_cluster_port": 9094}}]
ACCESS = {"jaeger_otlp_grpc_port": {"from": ["otel_gateways", "otel_sampling_gateways"]},
          "jaeger_query_port": {"from": ["grafana", "admin"]},
          "jaeger_health_port": {"from": []},
          "alertmanager_port": {"from": ["prometheus", "admin"]},
          "alertmanager_cluster_port": {"from": ["alertmanager"], "udp": True}}
GROUPS = {"otel_gateways": ["gw1", "gw2"], "grafana": ["g1"], "prometheus": ["p1"], "alertmanager": ["m1", "m2"]}
ADDRESSES = {"gw1": ["10.0.0.1"], "gw2": ["10.0.0.2", "fd00::2"], "g1": ["10.0.1.9"], "p1": ["10.0.0.3"],
             "m1": ["10.0.0.4"], "m2": ["10.0.0.7"]}
NETWORKS = {"admin": ["192.168.0.0/16", "192.168.1.0/24"]}


def rules_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if " dport " in line]


def test_each_port_accepts_its_sources_and_refuses_the_rest() -> None:
    text = ruleset(PLAN, ACCESS, GROUPS, ADDRESSES, NETWORKS, ["otel_sampling_gateways"])
    assert text.startswith("table inet telemetry_stack\ndelete table inet telemetry_stack\ntable inet telemetry_stack {\n")
    assert rules_of(text) == [
        "tcp dport 4317 ip saddr @otel_gateways_v4 accept",
        "tcp dport 4317 ip6 saddr @otel_gateways_v6 accept",
        "tcp dport 9093 ip saddr @prometheus_v4 accept",
        "tcp dport { 9093, 16686 } ip saddr @admin_v4 accept",
        "tcp dport 9094 ip saddr @alertmanager_v4 accept",
        "tcp dport 16686 ip saddr @grafana_v4 accept",
        "tcp dport { 4317, 9093, 9094, 13133, 16686 } counter reject with tcp reset",
        "udp dport 9094 ip saddr @alertmanager_v4 accept",
        "udp dport 9094 counter reject",
    ]
    # Overlapping networks are merged (an interval set refuses overlaps); loopback and connections already
    # accepted pass first, and nothing else is touched (policy accept).
    assert "elements = { 192.168.0.0/16 }" in text
    assert "elements = { 10.0.0.4, 10.0.0.7 }" in text
    chain = text.split("chain input {")[1]
    assert chain.splitlines()[1:4] == ["\t\ttype filter hook input priority filter; policy accept;", '\t\tiif "lo" accept',
                                       "\t\tct state established,related accept"]


def test_the_same_input_gives_the_same_text() -> None:
    shuffled = {k: list(reversed(v)) for k, v in ADDRESSES.items()}
    assert ruleset(PLAN, ACCESS, GROUPS, ADDRESSES, NETWORKS, ["otel_sampling_gateways"]) == \
        ruleset(PLAN, ACCESS, GROUPS, shuffled, NETWORKS, ["otel_sampling_gateways"])


def test_a_port_without_sources_serves_the_host_alone() -> None:
    text = ruleset([PLAN[0]], {**ACCESS, "jaeger_query_port": {"from": []}, "jaeger_otlp_grpc_port": {"from": []}}, GROUPS,
                   ADDRESSES, NETWORKS)
    assert rules_of(text) == ["tcp dport { 4317, 13133, 16686 } counter reject with tcp reset"]
    assert "set " not in text


def test_a_host_with_no_stack_port_gets_an_empty_chain() -> None:
    assert rules_of(ruleset([], ACCESS, GROUPS, ADDRESSES, NETWORKS)) == []


@pytest.mark.parametrize(("plan", "access", "groups", "addresses", "nets", "message"), [
    (PLAN, {k: v for k, v in ACCESS.items() if k != "jaeger_query_port"}, GROUPS, ADDRESSES, NETWORKS,
     "jaeger_query_port (port 16686 of jaeger) has no entry in firewall_access"),
    (PLAN, {**ACCESS, "jaeger_query_port": {"from": ["grafna"]}}, GROUPS, ADDRESSES, NETWORKS,
     "firewall_access names 'grafna' (for jaeger_query_port), which is neither an inventory group nor a key of firewall_networks"),
    (PLAN, {**ACCESS, "jaeger_query_port": {"from": "grafana"}}, GROUPS, ADDRESSES, NETWORKS,
     "firewall_access.jaeger_query_port must be {from: [groups or networks], udp: false}"),
    (PLAN, {**ACCESS, "jaeger_query_port": {"from": [], "tcp": True}}, GROUPS, ADDRESSES, NETWORKS,
     "firewall_access.jaeger_query_port has unknown keys ['tcp']"),
    (PLAN, ACCESS, GROUPS, ADDRESSES, {"admin": ["10.0.0.300/8"]}, "firewall_networks.admin: '10.0.0.300/8' is not"),
    (PLAN, ACCESS, GROUPS, ADDRESSES, {"admin": "10.0.0.0/8"}, "firewall_networks.admin must be a list"),
    (PLAN, ACCESS, {**GROUPS, "admin": ["g1"]}, ADDRESSES, NETWORKS, "admin is both an inventory group and a key of firewall_networks"),
    (PLAN, ACCESS, GROUPS, {**ADDRESSES, "p1": []}, NETWORKS, "no address is known for p1 (group prometheus)"),
    ([{"service": "jaeger", "ports": {"jaeger_query_port": "http"}}], ACCESS, GROUPS, ADDRESSES, NETWORKS,
     "jaeger_query_port (jaeger) must be a port number"),
])
def test_bad_input_is_named(plan, access, groups, addresses, nets, message) -> None:
    with pytest.raises(FirewallError) as err:
        ruleset(plan, access, groups, addresses, nets, ["otel_sampling_gateways"])
    assert message in str(err.value)


def test_a_hosts_addresses_are_its_facts_but_loopback_and_link_local() -> None:
    facts = {"all_ipv4_addresses": ["172.18.0.5", "127.0.0.1"], "all_ipv6_addresses": ["fe80::1%eth0", "::1", "fd00::5"]}
    assert host_addresses(facts) == ["172.18.0.5", "fd00::5"]


def test_networks_are_merged_by_family() -> None:
    assert [str(n) for n in networks(["10.0.0.1", "10.0.0.0/8", "fd00::1", "fd00::/64"], "x")] == ["10.0.0.0/8", "fd00::/64"]


def test_two_services_on_one_port_add_up_their_sources() -> None:
    plan = [{"service": "a", "ports": {"a_port": 9000}}, {"service": "b", "ports": {"b_port": 9000}}]
    rules = host_rules(plan, {"a_port": {"from": ["x"]}, "b_port": {"from": ["y"], "udp": True}})
    assert rules == [{"port": 9000, "udp": True, "from": ["x", "y"], "var": "a_port", "service": "a"}]


class HostVars(dict):
    """What the filter reads of hostvars."""


def test_the_filter_takes_addresses_from_firewall_addresses_then_facts_then_ansible_host() -> None:
    hostvars = HostVars({
        "gw1": {"firewall_addresses": ["10.9.9.9"], "ansible_facts": {"all_ipv4_addresses": ["10.0.0.1"]}},
        "gw2": {"ansible_facts": {"all_ipv4_addresses": ["10.0.0.2"]}},
        "g1": {"ansible_host": "10.0.1.9"},
        "p1": {"ansible_host": "localhost"},
        "m1": {"ansible_host": "10.0.0.4"}, "m2": {"ansible_host": "10.0.0.7"},
    })
    text = firewall_ruleset(PLAN, ACCESS, GROUPS, hostvars, NETWORKS, ["otel_sampling_gateways"])
    assert "elements = { 10.0.0.2, 10.9.9.9 }" in text
    assert "elements = { 10.0.1.9 }" in text
    assert re.search(r"set prometheus_v[46] {\s+type ipv[46]_addr\s+flags interval\s+elements = { (127\.0\.0\.1|::1)", text)
    with pytest.raises(AnsibleFilterError, match=r"^telemetry.stack.firewall_ruleset: firewall_addresses of gw1 must be a list"):
        firewall_ruleset(PLAN, ACCESS, GROUPS, HostVars({**hostvars, "gw1": {"firewall_addresses": "10.0.0.1"}}), NETWORKS)


def test_every_port_a_service_role_listens_on_has_a_default_entry(repo_root: Path) -> None:
    access = yaml.safe_load((repo_root / "roles/firewall/defaults/main.yml").read_text())["firewall_access"]
    # Each service role's port variables (each is one its descriptor's ports may list).
    listened = {var for role in ("otelcol", "jaeger", "prometheus", "alertmanager", "grafana", "cassandra")
                for var in yaml.safe_load((repo_root / f"roles/{role}/defaults/main.yml").read_text()) if var.endswith("_port")}
    assert listened and listened <= set(access), sorted(listened - set(access))
    # Every default source is a group of the stack or a default network.
    defaults = yaml.safe_load((repo_root / "roles/firewall/defaults/main.yml").read_text())
    groups = set(yaml.safe_load((repo_root / "components.yml").read_text())["groups"])
    for var, entry in access.items():
        assert set(entry["from"]) <= groups | set(defaults["firewall_networks"]), var
    for name, values in defaults["firewall_networks"].items():
        assert all(ipaddress.ip_network(v) for v in values), name
