# SPDX-License-Identifier: GPL-3.0-or-later
"""The failover layout: one level per destination, then the hold exporter; one destination is the hold alone."""

from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.host_ports import FilterModule as HostPorts
from ansible_collections.telemetry.stack.plugins.filter.otelcol_failover import FilterModule as Failover
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.failover import FailoverError, failover, level_exporter, preferred_order

HOLD = {"sending_queue": {"storage": "file_storage/queue"}}


def test_one_destination_is_the_hold_exporter_alone() -> None:
    got = failover(["gw:4317"], "gateway", "otlp/gateway", HOLD)
    assert got == {"exporters": {"otlp/gateway": {**HOLD, "endpoint": "gw:4317"}}, "connectors": {}, "pipelines": {},
                   "exporters_for": {"traces": ["otlp/gateway"], "metrics": ["otlp/gateway"], "logs": ["otlp/gateway"]}}


def test_each_destination_is_a_level_and_the_hold_comes_last() -> None:
    got = failover(["a:1", "b:2"], "jaeger", "otlp/jaeger", {}, exporter={"tls": {"insecure": True}}, signals=["traces"],
                   retry_interval="1m", queue={"queue_size": 10})
    # One attempt each, 2 s each: the two levels end within the 5 s the connector gives a batch, with time left for the hold.
    assert got["exporters"]["otlp/jaeger_0"] == {"tls": {"insecure": True}, "timeout": "2000ms", "sending_queue": {"enabled": False},
                                                 "retry_on_failure": {"enabled": False}, "endpoint": "a:1"}
    assert got["exporters"]["otlp/jaeger_1"]["endpoint"] == "b:2" and got["exporters"]["otlp/jaeger"]["endpoint"] == "a:1"
    assert got["connectors"] == {"failover/jaeger_traces": {
        "priority_levels": [["traces/jaeger_0"], ["traces/jaeger_1"], ["traces/jaeger_hold"]], "retry_interval": "1m",
        "sending_queue": {"enabled": True, "queue_size": 10}}}
    assert got["pipelines"]["traces/jaeger_hold"] == {"receivers": ["failover/jaeger_traces"], "exporters": ["otlp/jaeger"]}
    assert got["exporters_for"] == {"traces": ["failover/jaeger_traces"]}


def test_held_everywhere_the_hold_level_sends_to_each_destination_through_its_own_queue() -> None:
    queued = {"sending_queue": {"enabled": True}, "retry_on_failure": {"max_elapsed_time": "0s"}}
    got = failover(["a:1", "b:2", "c:3"], "jaeger", "otlp/jaeger", queued, signals=["traces"], hold_everywhere=True)
    assert got["exporters"]["otlp/jaeger"] == {**queued, "endpoint": "a:1"}
    assert got["exporters"]["otlp/jaeger_hold_1"] == {**queued, "endpoint": "b:2"}
    assert got["exporters"]["otlp/jaeger_hold_2"] == {**queued, "endpoint": "c:3"}
    assert got["connectors"]["failover/jaeger_traces"]["priority_levels"][-1] == ["traces/jaeger_hold"]
    assert got["pipelines"]["traces/jaeger_hold"] == {"receivers": ["failover/jaeger_traces"],
                                                      "exporters": ["otlp/jaeger", "otlp/jaeger_hold_1", "otlp/jaeger_hold_2"]}
    # One destination: nothing to fail over to, the hold alone as before.
    assert failover(["a:1"], "jaeger", "otlp/jaeger", queued, signals=["traces"], hold_everywhere=True)["exporters"] == {
        "otlp/jaeger": {**queued, "endpoint": "a:1"}}


@pytest.mark.parametrize("count", [2, 3, 4, 7])
def test_the_levels_timeouts_leave_the_hold_level_a_second_of_the_connectors_five(count: int) -> None:
    """A hung destination must not starve the levels after it: the connector's 5 s per batch covers every level."""
    dests = [f"g{i}:4317" for i in range(count)]
    got = failover(dests, "gateway", "otlp/gateway", HOLD, signals=["traces"])
    levels = got["connectors"]["failover/gateway_traces"]["priority_levels"]
    assert len(levels) == min(count, 4) + 1 and levels[-1] == ["traces/gateway_hold"]
    timeouts = [int(got["exporters"][f"otlp/gateway_{i}"]["timeout"].removesuffix("ms")) for i in range(len(levels) - 1)]
    assert sum(timeouts) <= 4000 and min(timeouts) >= 1000
    assert all(got["exporters"][f"otlp/gateway_{i}"]["retry_on_failure"] == {"enabled": False} for i in range(len(levels) - 1))
    assert level_exporter(count)["timeout"] == got["exporters"]["otlp/gateway_0"]["timeout"]


def test_hosts_spread_over_the_destinations_and_keep_their_choice() -> None:
    dests = ["g1:4317", "g2:4317", "g3:4317"]
    firsts = {preferred_order(dests, f"app-{i:02d}")[0] for i in range(30)}
    assert firsts == set(dests)
    order = preferred_order(dests, "app-01")
    assert sorted(order) == sorted(dests) and order == preferred_order(dests, "app-01")
    assert dests[dests.index(order[0]):] + dests[:dests.index(order[0])] == order


@pytest.mark.parametrize(("dests", "signals", "message"), [
    ([], ["traces"], "gateway: destinations must be a non-empty list of host:port, got []"),
    (["a:1"], ["profiles"], "gateway: signals must be among traces, metrics, logs, got profiles"),
])
def test_bad_input_names_the_field(dests, signals, message: str) -> None:
    with pytest.raises(FailoverError, match=re.escape(message)):
        failover(dests, "gateway", "otlp/gateway", {}, signals=signals)
    with pytest.raises(AnsibleFilterError, match=re.escape(f"telemetry.stack.otelcol_failover: {message}")):
        Failover().filters()["otelcol_failover"](dests, "gateway", "otlp/gateway", {}, signals=signals)


def test_the_filter_orders_by_host() -> None:
    got = Failover().filters()["otelcol_failover"](["a:1", "b:2"], "gateway", "otlp/gateway", HOLD, host="app-01")
    assert got["exporters"]["otlp/gateway"]["endpoint"] == preferred_order(["a:1", "b:2"], "app-01")[0]


def test_host_ports_takes_each_hosts_own_address_and_port() -> None:
    hostvars = {"j1": {"ansible_host": "10.0.0.7"}, "j2": {"jaeger_otlp_grpc_port": 14317}}
    host_ports = HostPorts().filters()["host_ports"]
    assert host_ports(["j1", "j2"], hostvars, "jaeger_otlp_grpc_port", 4317) == ["10.0.0.7:4317", "j2:14317"]
    assert host_ports(["j1"], hostvars, "jaeger_otlp_grpc_port", 4317, address="inventory_hostname") == ["j1:4317"]
    assert host_ports([], hostvars, "p", 1) == []
