# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Size a collector for its host: memory_limiter, GOMEMLIMIT, batches and queues.

Pure Python; the ``otelcol_sizing`` filter is a thin shell over :func:`size`.
docs/sizing.md explains each rule and where its numbers come from.
"""

from __future__ import annotations

import math
from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._stack.plan import RESOURCE_PLAN

MODES = ("agent", "gateway")

# How much of the host a collector may use. An agent shares its host with the
# applications it observes; a gateway has the host to itself, less the OS.
AGENT_SHARE, AGENT_MIN_MIB, AGENT_MAX_MIB = 0.10, 256, 2048
GATEWAY_OS_RESERVE_MIB, GATEWAY_OS_RESERVE_SHARE = 512, 0.10

LIMIT_SHARE = 0.80  # memory_limiter.limit_mib: 80% of the budget, the rest for non-heap memory
SPIKE_SHARE = 0.20  # spike_limit_mib: 20% of the limit (the processor's own default)
GOMEMLIMIT_SHARE = 0.80  # GOMEMLIMIT: 80% of the limit, so the Go GC works before the limiter refuses data
BATCH_TIMEOUT_S = 0.2  # the batch processor's default timeout
BATCH_MIN, BATCH_DEFAULT, BATCH_MAX = 512, 8192, 16384
QUEUE_OUTAGE_S = 300  # the sending queue should ride out a five-minute outage of the next hop
QUEUE_MEMORY_SHARE = 0.25  # ...using at most a quarter of the limit
ITEM_BYTES = 1024  # about one span or ten data points in memory
# The largest request an exporter sends: OTLP receivers refuse a gRPC message over 4 MiB (gRPC's default, which
# the collector's and Jaeger's receivers keep), and the batch processor counts items, not bytes: 2048 spans of
# 4 KiB make one. The sending queue splits what it sends at this size (batch.sizer: bytes).
REQUEST_MAX_BYTES = 3 * 1024 * 1024


class SizingError(ValueError):
    """Bad input; the message names the field."""


def _positive(name: str, value: Any, *, integer: bool = False) -> float:
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value <= 0
    if bad or (integer and value != int(value)):
        raise SizingError(f"{name} must be a positive {'integer' if integer else 'number'}, got {value!r}")
    return float(value)


def size(memory_mb: Any, cpus: Any, mode: Any, spans_per_second: Any = None, datapoints_per_second: Any = None,
         memory_limit_mb: Any = None, cpu_limit: Any = None) -> dict[str, Any]:
    """Settings for a collector in ``mode`` on a host with ``memory_mb`` MiB and ``cpus`` CPUs.

    ``memory_mb`` and ``cpus`` are what the host gives its services: its cgroup's limits where it has them (a
    container's), else the machine's (host_state's ``resources``). ``memory_limit_mb`` and ``cpu_limit`` are the
    collector's own unit's (MemoryMax, CPUQuota): the budget never exceeds them.
    Numbers only: strings, zero, negatives and None are refused with a SizingError naming the field.
    """
    memory = _positive("memory_mb", memory_mb, integer=True)
    cpu = _positive("cpus", cpus)
    if mode not in MODES:
        raise SizingError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    rates = {}
    for name, value in (("spans_per_second", spans_per_second), ("datapoints_per_second", datapoints_per_second)):
        if value is not None:
            rates[name] = _positive(name, value)
    unit_memory = _positive("memory_limit_mb", memory_limit_mb, integer=True) if memory_limit_mb is not None else None
    if cpu_limit is not None:
        cpu = min(cpu, _positive("cpu_limit", cpu_limit))

    if mode == "agent":
        budget = min(max(memory * AGENT_SHARE, AGENT_MIN_MIB), AGENT_MAX_MIB, memory / 2)
    else:
        budget = memory - max(GATEWAY_OS_RESERVE_MIB, memory * GATEWAY_OS_RESERVE_SHARE)
    if unit_memory is not None:
        budget = min(budget, unit_memory)
    budget = max(budget, 64)

    # The plan's figure for an agent is the agent's own (it shares its host), for a gateway the host's.
    warnings = []
    floor = RESOURCE_PLAN[mode]
    have = unit_memory if mode == "agent" and unit_memory is not None else memory
    if have < floor["memory_mib"]:
        warnings.append(f"{int(have)} MiB of memory is below the {floor['memory_mib']} MiB the resource plan asks for a {mode}")
    if cpu < floor["cpus"]:
        warnings.append(f"{cpu:g} CPUs are below the {floor['cpus']:g} the resource plan asks for a {mode}")
    limit = int(budget * LIMIT_SHARE)
    spike = int(limit * SPIKE_SHARE)

    # Items per second: spans, plus data points at a tenth of a span's weight.
    rate = rates.get("spans_per_second", 0) + rates.get("datapoints_per_second", 0) / 10
    if rate:
        batch = int(min(max(rate * BATCH_TIMEOUT_S, BATCH_MIN), BATCH_MAX))
    else:
        batch = 1024 if mode == "agent" else BATCH_DEFAULT
    # Queue length counts batches: enough for the outage, but within its memory share.
    queue_cap = max(int(limit * QUEUE_MEMORY_SHARE * 1024 * 1024 / (batch * ITEM_BYTES)), 10)
    wanted = int(math.ceil(rate * QUEUE_OUTAGE_S / batch)) if rate else 1000
    queue_size = max(min(wanted, queue_cap), 10)
    if rate and wanted > queue_cap:
        warnings.append(
            f"the sending queue holds {queue_size * batch} items, less than {QUEUE_OUTAGE_S} s at {rate:g}/s: "
            "an outage longer than that drops data (give the host more memory)"
        )
    consumers = int(min(max(math.ceil(cpu * 2), 2), 16))

    timeout = f"{int(BATCH_TIMEOUT_S * 1000)}ms"
    # A full queue holds its caller back (block_on_overflow) instead of dropping what the caller has taken: the
    # batch processor in front of it has already answered its client, so a drop there is a loss nobody retries.
    # Held back, the receiver answers late, and the sender waits and retries from its own queue.
    return {
        "memory_limiter": {"check_interval": "1s", "limit_mib": limit, "spike_limit_mib": spike},
        "gomemlimit_mib": int(limit * GOMEMLIMIT_SHARE),
        "batch": {"send_batch_size": batch, "send_batch_max_size": batch * 2, "timeout": timeout},
        "sending_queue": {"enabled": True, "num_consumers": consumers, "queue_size": queue_size, "block_on_overflow": True,
                          "batch": {"sizer": "bytes", "min_size": 0, "max_size": REQUEST_MAX_BYTES,
                                    "flush_timeout": timeout}},
        "warnings": warnings,
    }
