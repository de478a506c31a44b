# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otelcol_sizing: memory_limiter, GOMEMLIMIT, batch and queue settings for a host (docs/sizing.md)."""

from __future__ import annotations

from typing import Any

from jinja2.runtime import Undefined

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.sizing import SizingError, size
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("otelcol_sizing", SizingError)
def otelcol_sizing(memory_mb: Any, cpus: Any = None, mode: Any = None, spans_per_second: Any = None, datapoints_per_second: Any = None,
                   memory_limit_mb: Any = None, cpu_limit: Any = None) -> dict:
    """memory_limiter, GOMEMLIMIT, batch and sending-queue settings for a host (docs/sizing.md)."""
    for name, value in (("memory_mb", memory_mb), ("cpus", cpus), ("mode", mode)):
        if value is None or isinstance(value, Undefined):
            fix = {"memory_mb": "pipe ansible_facts.memtotal_mb in", "cpus": "pass cpus=ansible_facts.processor_vcpus",
                   "mode": "pass mode='agent' or mode='gateway'"}[name]
            raise SizingError(f"{name} is missing (undefined); {fix}, with facts gathered")
    return size(memory_mb, cpus, mode, spans_per_second, datapoints_per_second, memory_limit_mb, cpu_limit)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"otelcol_sizing": otelcol_sizing}
