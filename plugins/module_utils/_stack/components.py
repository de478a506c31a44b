# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack's component map (components.yml): which inventory group runs which component, and what follows from it."""

from __future__ import annotations

from typing import Any


class ComponentsError(ValueError):
    """A question the map has no answer to."""


def groups(data: dict) -> dict[str, dict[str, Any]]:
    """The map itself, group -> {component, mode?, kind}, in deployment order; checked."""
    out = (data or {}).get("groups")
    if not isinstance(out, dict) or not out:
        raise ComponentsError("components.yml has no 'groups' mapping")
    for group, entry in out.items():
        if not isinstance(entry, dict) or not entry.get("component") or not entry.get("kind"):
            raise ComponentsError(f"components.yml: group {group} needs a component and a kind, got {entry!r}")
    return out


def components(data: dict) -> list[str]:
    """The components, each once, in deployment order."""
    return list(dict.fromkeys(entry["component"] for entry in groups(data).values()))


def pattern(data: dict, component: str | None = None) -> str:
    """The host pattern of every group of the stack, or of one component's groups, in deployment order."""
    chosen = [g for g, entry in groups(data).items() if component is None or entry["component"] == component]
    if not chosen:
        raise ComponentsError(f"no component '{component}'; the stack has {', '.join(components(data))}")
    return ":".join(chosen)


def data_pattern(data: dict) -> str:
    """The host pattern of the groups whose hosts keep data (`data: true`), which backups cover."""
    return ":".join(g for g, entry in groups(data).items() if entry.get("data"))


def patterns(data: dict) -> dict[str, str]:
    """Each component's host pattern, component -> pattern."""
    return {name: pattern(data, name) for name in components(data)}


def collector_mode(data: dict, group_names: list[str]) -> str:
    """The otelcol_mode of a host in these groups: its collector group's mode ('agent' when it is in none)."""
    modes = [entry["mode"] for group, entry in groups(data).items() if group in group_names and entry.get("mode")]
    return modes[0] if modes else "agent"


def services(data: dict, distribution: str = "otelcol-contrib") -> list[dict[str, Any]]:
    """One TLS identity per component, as the pki role hands them out: the service's name (the collector's is its
    distribution), its system group, its component, and the inventory groups whose hosts run it."""
    out: dict[str, dict[str, Any]] = {}
    for group, entry in groups(data).items():
        name = distribution if entry["component"] == "otelcol" else entry["component"]
        out.setdefault(name, {"name": name, "group": name, "component": entry["component"],
                              "inventory_groups": []})["inventory_groups"].append(group)
    return list(out.values())
