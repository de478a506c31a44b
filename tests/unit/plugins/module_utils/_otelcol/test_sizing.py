# SPDX-License-Identifier: GPL-3.0-or-later
"""Collector sizing for real host shapes, and refusal of bad input."""

from __future__ import annotations

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.sizing import SizingError, size

# (memory MiB, cpus, mode, spans/s) -> expected limit_mib, whether the plan warns
HOSTS = [
    pytest.param(512, 0.5, "agent", None, 204, False, id="agent-at-the-plan-minimum"),
    pytest.param(2048, 1, "agent", None, 204, False, id="small-app-host"),
    pytest.param(16384, 8, "agent", None, 1310, False, id="big-app-host-10-percent"),
    pytest.param(65536, 32, "agent", None, 1638, False, id="huge-app-host-capped-at-2-GiB"),
    pytest.param(256, 1, "agent", None, 102, True, id="agent-below-the-plan"),
    pytest.param(4096, 2, "gateway", None, 2867, False, id="gateway-at-the-plan-minimum"),
    pytest.param(16384, 4, "gateway", 5000, 11796, False, id="gateway-16-GiB"),
    pytest.param(2048, 1, "gateway", None, 1228, True, id="gateway-below-the-plan"),
]


@pytest.mark.parametrize(("memory", "cpus", "mode", "sps", "limit", "warns"), HOSTS)
def test_memory_limits(memory: int, cpus: float, mode: str, sps, limit: int, warns: bool) -> None:
    out = size(memory, cpus, mode, spans_per_second=sps)
    ml = out["memory_limiter"]
    assert ml["limit_mib"] == limit
    assert ml["spike_limit_mib"] == int(limit * 0.2)
    assert ml["check_interval"] == "1s"
    assert out["gomemlimit_mib"] == int(limit * 0.8)
    assert ml["limit_mib"] < memory
    assert bool(out["warnings"]) is warns


def test_batches_follow_the_load() -> None:
    idle = size(16384, 4, "gateway")["batch"]
    busy = size(16384, 4, "gateway", spans_per_second=50000)["batch"]
    tiny = size(16384, 4, "gateway", spans_per_second=10)["batch"]
    assert idle == {"send_batch_size": 8192, "send_batch_max_size": 16384, "timeout": "200ms"}
    assert busy["send_batch_size"] == 10000 and tiny["send_batch_size"] == 512


def test_the_queue_rides_out_five_minutes_when_memory_allows() -> None:
    q = size(16384, 4, "gateway", spans_per_second=5000)
    assert q["sending_queue"]["queue_size"] * q["batch"]["send_batch_size"] >= 5000 * 300 and not q["warnings"]
    assert q["sending_queue"]["num_consumers"] == 8
    small = size(4096, 2, "gateway", spans_per_second=200000)
    assert any("sending queue" in w for w in small["warnings"])


def test_datapoints_count_a_tenth_of_a_span() -> None:
    assert size(8192, 2, "gateway", datapoints_per_second=100000)["batch"] == size(8192, 2, "gateway", spans_per_second=10000)["batch"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 2, "agent"), "memory_mb"),
        ((-512, 2, "agent"), "memory_mb"),
        (("4096", 2, "agent"), "memory_mb"),
        ((4096.5, 2, "agent"), "memory_mb"),
        ((None, 2, "agent"), "memory_mb"),
        ((True, 2, "agent"), "memory_mb"),
        ((4096, 0, "agent"), "cpus"),
        ((4096, "2", "agent"), "cpus"),
        ((4096, float("nan"), "agent"), "cpus"),
        ((4096, 2, "collector"), "mode"),
        ((4096, 2, None), "mode"),
    ],
)
def test_bad_input_names_the_field(args, field: str) -> None:
    with pytest.raises(SizingError, match=rf"^{field} must be"):
        size(*args)


def test_bad_load_names_the_field() -> None:
    with pytest.raises(SizingError, match=r"^spans_per_second must be a positive number, got -1"):
        size(4096, 2, "gateway", spans_per_second=-1)
