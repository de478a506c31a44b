# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack's preflight: a host's resources, ports and clock against what the inventory asks of it.

Pure Python over what ``host_state`` read; the ``telemetry.stack.preflight`` action is a thin shell that reads
the host and reports. Every message names the host's problem and the variable or step that fixes it.
"""

from __future__ import annotations

from ansible_collections.telemetry.stack.plugins.module_utils._stack.plan import RESOURCE_PLAN

LEVELS = ("error", "warn", "off")
KINDS = tuple(RESOURCE_PLAN)


class PreflightError(ValueError):
    """Bad input; the message names the field."""


def needs(kinds: list[str], overrides: dict | None = None) -> dict[str, float]:
    """The most each resource is asked for by any of the host's kinds (a dev host may be all of them)."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise PreflightError(f"kinds must be among {', '.join(KINDS)}, got {', '.join(unknown)}")
    plan = {kind: dict(RESOURCE_PLAN[kind], **(overrides or {}).get(kind, {})) for kind in KINDS}
    out: dict[str, float] = {}
    for kind in kinds:
        for resource, amount in plan[kind].items():
            out[resource] = max(out.get(resource, 0), amount)
    return out


def resource_findings(resources: dict, disk: dict | None, kinds: list[str], overrides: dict | None = None) -> list[str]:
    want = needs(kinds, overrides)
    what = " and ".join(kinds)
    found = []
    if resources["cpus"] < want.get("cpus", 0):
        found.append(f"{resources['cpus']:g} CPUs, below the {want['cpus']:g} the resource plan asks for a {what} host")
    if resources["memory_mib"] < want.get("memory_mib", 0):
        found.append(f"{resources['memory_mib']} MiB of memory, below the {want['memory_mib']:g} MiB the resource plan "
                     f"asks for a {what} host")
    if disk and disk["total"] / 1e9 < want.get("disk_gb", 0):
        found.append(f"{disk['total'] / 1e9:.0f} GB of disk at {disk['measured_at']}, below the {want['disk_gb']:g} GB "
                     f"the resource plan asks for a {what} host")
    return found


def port_findings(plan: list[dict], listeners: list[dict]) -> list[str]:
    """Two services asking for one port, and ports already taken by something else.

    A port another unit opens for the service (``owners``: by variable, its ``unit`` and ``user``, such as HAProxy in
    front of Grafana's data sources) is that unit's."""
    wanted: dict[int, list[tuple[str, str, str]]] = {}
    users: dict[int, set] = {}
    for entry in plan:
        for variable, port in entry["ports"].items():
            owner = (entry.get("owners") or {}).get(variable, {})
            wanted.setdefault(int(port), []).append((entry["service"], owner.get("unit", entry["unit"]), variable))
            users.setdefault(int(port), set()).add(owner.get("user", entry.get("user")))
    found = []
    for port, claims in sorted(wanted.items()):
        if len(claims) > 1:
            found.append(f"port {port} is asked for by " + " and ".join(f"{s} ({v})" for s, _unit, v in claims)
                         + ": give all but one of them another port")
    reported = set()
    for listener in listeners:
        claims = wanted.get(listener["port"], [])
        # One message per port is enough, even when it listens on IPv4 and IPv6.
        if not claims or listener["port"] in reported or listener.get("unit") in {unit for _service, unit, _variable in claims}:
            continue
        # A process the module could not see, owned by the service's own user, is the service.
        if listener.get("unit") is None and listener.get("user") in users[listener["port"]] - {None}:
            continue
        reported.add(listener["port"])
        holder = listener.get("process") or (f"a process of user {listener['user']}" if listener.get("user") else
                                             "a process this user cannot see (run as root to name it)")
        if listener.get("pid"):
            holder += f" (pid {listener['pid']}" + (f", {listener['unit']})" if listener.get("unit") else ")")
        found.append(f"port {listener['port']} ({claims[0][2]} of {claims[0][0]}) is already taken by {holder} "
                     f"on {listener['address']}: stop that, or set {claims[0][2]} to a free port")
    return found


def clock_findings(clock: dict, sent: float, received: float, max_skew: float) -> tuple[list[str], list[str]]:
    """(skew problems, synchronization findings). The host read its clock between `sent` and `received`."""
    skew = []
    if clock["time"] < sent - max_skew or clock["time"] > received + max_skew:
        off = clock["time"] - (sent + received) / 2
        skew.append(f"the clock is {abs(off):.1f} s {'ahead of' if off > 0 else 'behind'} the controller's (more than "
                    f"preflight_max_clock_skew, {max_skew:g} s): certificates and trace timestamps depend on it; "
                    "synchronize it (chrony or systemd-timesyncd)")
    sync = []
    if clock.get("synchronized") is False:
        sync.append("the clock is not synchronized (the kernel reports no NTP sync): install and enable chrony or "
                    "systemd-timesyncd")
    return skew, sync


def evaluate(state: dict, plan: list[dict], kinds: list[str], sent: float, received: float, *,
             resource_check: str = "warn", time_check: str = "warn", max_skew: float = 5,
             resource_plan: dict | None = None, disk_path: str | None = None) -> dict[str, list[str]]:
    """Problems stop the run; warnings are shown. The checks' levels (error, warn, off) sort the findings."""
    for name, value in (("resource_check", resource_check), ("time_check", time_check)):
        if value not in LEVELS:
            raise PreflightError(f"{name} must be one of {', '.join(LEVELS)}, got {value!r}")
    problems = port_findings(plan, state.get("listeners", []))
    warnings: list[str] = []
    sorted_into = {"error": problems, "warn": warnings, "off": []}
    if kinds:
        disk = state.get("space", {}).get(disk_path) if disk_path else None
        sorted_into[resource_check].extend(resource_findings(state["resources"], disk, kinds, resource_plan))
    skew, sync = clock_findings(state["clock"], sent, received, max_skew)
    problems.extend(skew)
    sorted_into[time_check].extend(sync)
    return {"problems": problems, "warnings": warnings}
