# SPDX-License-Identifier: GPL-3.0-or-later
"""Collector sizing for real host shapes, and refusal of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.sizing import SizingError, size
from ansible_collections.telemetry.stack.plugins.module_utils._stack.host import read_resources

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


def test_the_units_limits_cap_the_budget() -> None:
    # The plan's agent on a 24 GiB application host: its unit's MemoryMax=512M and CPUQuota=50%, not 10% of the host.
    agent = size(24576, 2, "agent", memory_limit_mb=512, cpu_limit=0.5)
    assert agent["memory_limiter"]["limit_mib"] == 409 and agent["gomemlimit_mib"] == 327
    assert agent["sending_queue"]["num_consumers"] == 2 and not agent["warnings"]
    # A full queue holds the sender back; it never drops what the batch processor in front of it took.
    assert agent["sending_queue"]["block_on_overflow"] is True
    # A limit above what the host's share gives changes nothing; a CPU limit lowers the consumers.
    assert size(4096, 2, "agent", memory_limit_mb=2048) == size(4096, 2, "agent")
    gateway = size(16384, 8, "gateway", memory_limit_mb=4096, cpu_limit=2)
    assert gateway["memory_limiter"]["limit_mib"] == 3276 and gateway["sending_queue"]["num_consumers"] == 4
    # An agent's own limit below the plan warns, whatever the host has.
    assert size(24576, 2, "agent", memory_limit_mb=256)["warnings"]


def _host(root: Path, cgroup: str, files: dict[str, str]) -> dict:
    """host_state's resources on a 24 GiB machine whose cgroups hold the files given (path: content)."""
    (root / "proc" / "self").mkdir(parents=True)
    (root / "proc" / "meminfo").write_text("MemTotal:       25165824 kB\nMemFree:        1000 kB\n")
    (root / "proc" / "self" / "cgroup").write_text(cgroup)
    for path, value in files.items():
        (root / "cgroup" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "cgroup" / path).write_text(value + "\n")
    return read_resources(str(root / "proc"), str(root / "cgroup"))


@pytest.mark.parametrize(
    ("cgroup", "files"),
    [
        pytest.param("0::/system.slice/docker-ab12.scope\n",
                     {"system.slice/docker-ab12.scope/memory.max": str(512 << 20),
                      "system.slice/docker-ab12.scope/cpu.max": "50000 100000"}, id="v2"),
        pytest.param("5:memory:/docker/ab12\n3:cpu,cpuacct:/docker/ab12\n0::/docker/ab12\n",
                     {"memory/docker/ab12/memory.limit_in_bytes": str(512 << 20),
                      "cpu,cpuacct/docker/ab12/cpu.cfs_quota_us": "50000",
                      "cpu,cpuacct/docker/ab12/cpu.cfs_period_us": "100000"}, id="v1"),
    ],
)
def test_a_container_is_sized_by_its_cgroup_not_the_machine(tmp_path: Path, cgroup: str, files: dict) -> None:
    # `docker run --cpus 0.5 --memory 512m`: the machine's 24 GiB would give an agent 2 GiB, past what the kernel allows.
    resources = _host(tmp_path, cgroup, files)
    assert resources["memory_mib"] == 512 and resources["cpus"] == 0.5
    sized = size(resources["memory_mib"], resources["cpus"], "agent")
    assert sized["memory_limiter"]["limit_mib"] == 204 and sized == size(512, 0.5, "agent")
    assert size(24576, 2, "agent")["memory_limiter"]["limit_mib"] == 1638


def test_batches_follow_the_load() -> None:
    idle = size(16384, 4, "gateway")["batch"]
    busy = size(16384, 4, "gateway", spans_per_second=50000)["batch"]
    tiny = size(16384, 4, "gateway", spans_per_second=10)["batch"]
    assert idle == {"send_batch_size": 8192, "send_batch_max_size": 16384, "timeout": "200ms"}
    assert busy["send_batch_size"] == 10000 and tiny["send_batch_size"] == 512


@pytest.mark.parametrize("mode", ["agent", "gateway"])
def test_every_request_sent_fits_an_otlp_receivers_4_mib(mode: str) -> None:
    # The batch processor counts spans: 16384 spans of 1 KiB would be a 16 MiB request, which a receiver that keeps
    # gRPC's default refuses (and the sender drops, as it cannot retry it). The sending queue splits at 3 MiB.
    split = size(16384, 4, mode)["sending_queue"]["batch"]
    assert split == {"sizer": "bytes", "min_size": 0, "max_size": 3 * 1024 * 1024, "flush_timeout": "200ms"}


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
        ((4096, 2, "agent", None, None, 0), "memory_limit_mb"),
        ((4096, 2, "agent", None, None, "512"), "memory_limit_mb"),
        ((4096, 2, "agent", None, None, None, -1), "cpu_limit"),
    ],
)
def test_bad_input_names_the_field(args, field: str) -> None:
    with pytest.raises(SizingError, match=rf"^{field} must be"):
        size(*args)


def test_bad_load_names_the_field() -> None:
    with pytest.raises(SizingError, match=r"^spans_per_second must be a positive number, got -1"):
        size(4096, 2, "gateway", spans_per_second=-1)
