# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack's host firewall: one nftables table of its own, derived from the inventory.

Each service of the stack tells the preflight which ports it listens on, by the
variable that sets each (the lifecycle's ``ports``). The firewall's *access*
map says, for each such variable, who may reach that port: inventory groups
(their hosts' addresses) and named networks (CIDR lists). This module turns a
host's ports, that map and the sources' addresses into the text of one table,
``inet telemetry_stack``:

- its input chain accepts (``policy accept``) everything but the stack's own
  ports: the host's SSH, Ansible's connection and any other service are never
  touched, and other tables are left alone;
- loopback, and packets of connections already accepted, are accepted, so a
  port with no sources serves the host itself only;
- each port accepts its sources, then refuses everyone else at once (a TCP
  reset, or ICMP port-unreachable for UDP), with a counter: a client that is
  not allowed fails fast rather than waiting out a timeout, and the counters
  show who was refused;
- the file creates the table, deletes it and writes it whole, in one
  transaction (``nft -f``): applying it again replaces it, never adds to it.

Pure Python: no Ansible imports.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union

TABLE = "telemetry_stack"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class FirewallError(ValueError):
    """Bad input; the message names the field and the fix."""


def _port(value: Any, what: str) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        raise FirewallError(f"{what} must be a port number (1 to 65535), got {value!r}")
    return port


def networks(values: Iterable[Any], what: str) -> list[Network]:
    """Addresses or CIDRs, merged where they overlap (an nftables interval set refuses overlapping elements)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise FirewallError(f"{what} must be a list of addresses or CIDRs, got {values!r}")
    parsed: list[Network] = []
    for value in values:
        try:
            parsed.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise FirewallError(f"{what}: {value!r} is not an IPv4 or IPv6 address or CIDR") from None
    v4 = [n for n in parsed if n.version == 4]
    v6 = [n for n in parsed if n.version == 6]
    return list(ipaddress.collapse_addresses(v4)) + list(ipaddress.collapse_addresses(v6))


def host_addresses(facts: Mapping[str, Any]) -> list[str]:
    """The addresses a host's connections can come from, by its facts: every IPv4 and global IPv6 address but
    loopback."""
    out: list[str] = []
    for key in ("all_ipv4_addresses", "all_ipv6_addresses"):
        for value in facts.get(key) or []:
            try:
                address = ipaddress.ip_address(str(value).split("%", maxsplit=1)[0])
            except ValueError:
                continue
            if not (address.is_loopback or address.is_link_local):
                out.append(str(address))
    return out


def access_entries(access: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The access map, checked: port variable -> {'from': [source names], 'udp': bool}."""
    if not isinstance(access, Mapping):
        raise FirewallError(f"firewall_access must be a mapping of port variables to {{from: [...]}}, got {access!r}")
    out: dict[str, dict[str, Any]] = {}
    for var, entry in access.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("from"), Sequence) or isinstance(entry.get("from"), str):
            raise FirewallError(f"firewall_access.{var} must be {{from: [groups or networks], udp: false}}, got {entry!r}")
        unknown = set(entry) - {"from", "udp"}
        if unknown:
            raise FirewallError(f"firewall_access.{var} has unknown keys {sorted(unknown)}: it takes 'from' and 'udp'")
        for name in entry["from"]:
            if not isinstance(name, str) or not _NAME.match(name):
                raise FirewallError(f"firewall_access.{var}.from: {name!r} is not a group or network name "
                                    "(letters, digits and underscores)")
        out[str(var)] = {"from": list(dict.fromkeys(entry["from"])), "udp": bool(entry.get("udp", False))}
    return out


def host_rules(plan: Sequence[Mapping[str, Any]], access: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What this host guards: one rule per port its services listen on, {port, udp, from, var, service}."""
    entries = access_entries(access)
    rules: dict[int, dict[str, Any]] = {}
    for service in plan:
        for var, value in (service.get("ports") or {}).items():
            port = _port(value, f"{var} ({service.get('service')})")
            if var not in entries:
                raise FirewallError(
                    f"{var} (port {port} of {service.get('service')}) has no entry in firewall_access: add one naming "
                    f"who may reach it, e.g. firewall_access: {{{var}: {{from: [admin]}}}} (from: [] for this host only)")
            entry = entries[var]
            if port in rules:
                # Two services on one port is the preflight's to refuse; here the sources simply add up.
                rules[port]["from"] = list(dict.fromkeys(rules[port]["from"] + entry["from"]))
                rules[port]["udp"] = rules[port]["udp"] or entry["udp"]
                continue
            rules[port] = {"port": port, "udp": entry["udp"], "from": list(entry["from"]), "var": var,
                           "service": service.get("service")}
    return [rules[p] for p in sorted(rules)]


def sources(rules: Sequence[Mapping[str, Any]], groups: Mapping[str, Sequence[str]], addresses: Mapping[str, Sequence[str]],
            named_networks: Mapping[str, Any], known_groups: Iterable[str] = ()) -> dict[str, list[Network]]:
    """Each source name the rules use -> its networks: a network's CIDRs, or the addresses of a group's hosts.

    A name that is neither a network nor a known group is refused (a typo would shut a port); a known group with
    no hosts in this inventory is simply empty."""
    if not isinstance(named_networks, Mapping):
        raise FirewallError(f"firewall_networks must be a mapping of names to CIDR lists, got {named_networks!r}")
    known = set(known_groups) | set(groups)
    out: dict[str, list[Network]] = {}
    for name in dict.fromkeys(n for rule in rules for n in rule["from"]):
        if name in named_networks and name in groups:
            raise FirewallError(f"{name} is both an inventory group and a key of firewall_networks: rename the network")
        if name in named_networks:
            out[name] = networks(named_networks[name] or [], f"firewall_networks.{name}")
            continue
        if name not in known:
            used = ", ".join(r["var"] for r in rules if name in r["from"])
            raise FirewallError(f"firewall_access names {name!r} (for {used}), which is neither an inventory group nor "
                                f"a key of firewall_networks: fix the name or add the network")
        values: list[str] = []
        for host in groups.get(name, []):
            found = list(addresses.get(host) or [])
            if not found:
                raise FirewallError(
                    f"no address is known for {host} (group {name}): it is outside this run (--limit) and did not answer, "
                    f"and its ansible_host is no address the controller resolves. Give it firewall_addresses: [its addresses]")
            values.extend(found)
        out[name] = networks(values, f"the addresses of group {name}")
    return out


def _elements(nets: Sequence[Network]) -> str:
    return ", ".join(str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n) for n in nets)


def _ports(ports: Sequence[int]) -> str:
    return str(ports[0]) if len(ports) == 1 else "{ " + ", ".join(map(str, ports)) + " }"


def render(rules: Sequence[Mapping[str, Any]], resolved: Mapping[str, Sequence[Network]]) -> str:
    """The nftables file for these rules: the table created, deleted and written whole, in one transaction."""
    lines = [f"table inet {TABLE}", f"delete table inet {TABLE}", f"table inet {TABLE} {{"]
    sets: list[tuple[str, str, str]] = []
    for name, nets in resolved.items():
        for family, kind in ((4, "ipv4_addr"), (6, "ipv6_addr")):
            members = [n for n in nets if n.version == family]
            if members:
                sets.append((f"{name}_v{family}", kind, _elements(members)))
    for set_name, kind, elements in sets:
        lines += [f"\tset {set_name} {{", f"\t\ttype {kind}", "\t\tflags interval", f"\t\telements = {{ {elements} }}", "\t}"]
    names = {s[0] for s in sets}
    lines += ["\tchain input {", "\t\ttype filter hook input priority filter; policy accept;", '\t\tiif "lo" accept',
              "\t\tct state established,related accept"]
    for proto in ("tcp", "udp"):
        guarded = [r for r in rules if proto == "tcp" or r["udp"]]
        if not guarded:
            continue
        # One line per source: the ports it may reach.
        by_source: dict[str, list[int]] = {}
        for rule in guarded:
            for name in rule["from"]:
                by_source.setdefault(name, []).append(rule["port"])
        for name, ports in by_source.items():
            for family, match in ((4, "ip"), (6, "ip6")):
                if f"{name}_v{family}" in names:
                    lines.append(f"\t\t{proto} dport {_ports(ports)} {match} saddr @{name}_v{family} accept")
        refusal = "reject with tcp reset" if proto == "tcp" else "reject"
        lines.append(f"\t\t{proto} dport {_ports([r['port'] for r in guarded])} counter {refusal}")
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def ruleset(plan: Sequence[Mapping[str, Any]], access: Mapping[str, Any], groups: Mapping[str, Sequence[str]],
            addresses: Mapping[str, Sequence[str]], named_networks: Mapping[str, Any],
            known_groups: Iterable[str] = ()) -> str:
    """The whole file for one host."""
    rules = host_rules(plan, access)
    return render(rules, sources(rules, groups, addresses, named_networks, known_groups))
