# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otelcol_failover: the collector components that send to several destinations and fail over between them."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.failover import SIGNALS, FailoverError, failover, preferred_order
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("otelcol_failover", FailoverError)
def otelcol_failover(destinations: Any, name: str, hold: str, hold_settings: Any, exporter: Any = None, signals: Any = SIGNALS,
                     retry_interval: str = "30s", queue: Any = None, host: str = "",
                     hold_everywhere: bool = False) -> dict[str, Any]:
    """Exporters, connectors and pipelines for ``destinations``, in the order a hash of ``host`` picks (if given)."""
    order = preferred_order(list(destinations or []), host) if host else list(destinations or [])
    return failover(order, name, hold, hold_settings or {}, exporter, list(signals), retry_interval, queue, bool(hold_everywhere))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"otelcol_failover": otelcol_failover}
