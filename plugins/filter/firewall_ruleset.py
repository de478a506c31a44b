# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""firewall_ruleset: the nftables table of the stack's host firewall, for one host."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._firewall.ruleset import FirewallError, host_addresses, ruleset
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


def _addresses(host: str, hostvars: Mapping[str, Any]) -> list[str]:
    """Where a host's connections come from: its firewall_addresses, else its facts' addresses, else its
    ansible_host (or name) as the controller resolves it."""
    found = hostvars.get(host) or {}
    given = found.get("firewall_addresses")
    if given:
        if isinstance(given, str):
            raise FirewallError(f"firewall_addresses of {host} must be a list of addresses, got {given!r}")
        return [str(a) for a in given]
    facts = found.get("ansible_facts") or {}
    if facts.get("all_ipv4_addresses") or facts.get("all_ipv6_addresses"):
        return host_addresses(facts)
    name = str(found.get("ansible_host") or host)
    try:
        return [str(ipaddress.ip_address(name))]
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)})
    except OSError:
        return []


@filter_errors("firewall_ruleset", FirewallError)
def firewall_ruleset(plan: Any, access: Any, groups: Any, hostvars: Any, networks: Any, known_groups: Any = ()) -> str:
    """The nftables file for the host whose services ``plan`` lists (the preflight's plan)."""
    plan = list(plan or [])
    wanted = {name for entry in (access or {}).values() if isinstance(entry, Mapping) for name in entry.get("from") or []}
    groups = {name: list(hosts) for name, hosts in (groups or {}).items()}
    hosts = {host for name in wanted for host in groups.get(name, [])}
    addresses = {host: _addresses(host, hostvars) for host in sorted(hosts)}
    return ruleset(plan, access, groups, addresses, networks or {}, known_groups)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"firewall_ruleset": firewall_ruleset}
