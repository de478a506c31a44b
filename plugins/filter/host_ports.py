# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""host_ports: where each host of a group listens, as host:port, from each host's own variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("host_ports", TypeError)
def host_ports(hosts: Any, hostvars: Mapping[str, Any], port_var: str, default: int, address: str = "ansible_host") -> list[str]:
    """``host:port`` for each host: its ``address`` variable (or its inventory name) and its ``port_var`` (or ``default``)."""
    out = []
    for name in hosts or []:
        own = hostvars.get(name, {}) if hasattr(hostvars, "get") else {}
        host = name if address == "inventory_hostname" else own.get(address) or name
        out.append(f"{host}:{own.get(port_var) or default}")
    return out


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"host_ports": host_ports}
