# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack's preflight judges ports, sizes and clocks, and names the fix in every message."""

from __future__ import annotations

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._stack.preflight import (
    PreflightError, evaluate, needs, port_findings)

GATEWAY = {"service": "otelcol-contrib", "unit": "otelcol-contrib.service", "user": "otelcol-contrib",
           "ports": {"otelcol_otlp_grpc_port": 4317, "otelcol_otlp_http_port": 4318}}
JAEGER = {"service": "jaeger", "unit": "jaeger.service",
          "ports": {"jaeger_otlp_grpc_port": "4317", "jaeger_query_port": "16686"}}
BIG = {"cpus": 8.0, "memory_mib": 32768}
DISK = {"/var/lib": {"free": 600e9, "total": 1000e9, "measured_at": "/var/lib"}}
NOW = 1_800_000_000.0


def state(resources=None, listeners=(), clock_offset=0.0, synchronized=True, space=None):
    resources, space = resources or BIG, space or DISK
    return {"resources": resources, "listeners": list(listeners), "space": space,
            "clock": {"time": NOW + clock_offset, "synchronized": synchronized}}


def run(st, plan=(), kinds=("gateway",), **kw):
    return evaluate(st, list(plan), list(kinds), NOW - 0.1, NOW + 0.1, disk_path="/var/lib", **kw)


def test_a_host_that_fits_has_nothing_to_say():
    assert run(state(), [GATEWAY], ["gateway", "backend"]) == {"problems": [], "warnings": []}


def test_two_services_asking_for_one_port_is_a_problem_naming_both_variables():
    problems = run(state(), [GATEWAY, JAEGER])["problems"]
    assert problems == ["port 4317 is asked for by otelcol-contrib (otelcol_otlp_grpc_port) and jaeger "
                        "(jaeger_otlp_grpc_port): give all but one of them another port"]


def test_a_port_taken_by_another_process_names_it_and_the_variable():
    taken = {"port": 4318, "address": "0.0.0.0", "pid": 77, "process": "python3", "unit": "web.service"}
    v6 = dict(taken, address="::")
    problems = run(state(listeners=[taken, v6]), [GATEWAY])["problems"]
    assert problems == ["port 4318 (otelcol_otlp_http_port of otelcol-contrib) is already taken by python3 "
                        "(pid 77, web.service) on 0.0.0.0: stop that, or set otelcol_otlp_http_port to a free port"]


def test_a_port_held_by_the_service_itself_is_fine_and_other_ports_do_not_matter():
    mine = {"port": 4317, "address": "0.0.0.0", "pid": 5, "process": "otelcol-contrib", "unit": "otelcol-contrib.service"}
    other = {"port": 22, "address": "0.0.0.0", "pid": 1, "process": "sshd", "unit": "ssh.service"}
    assert run(state(listeners=[mine, other]), [GATEWAY])["problems"] == []


def test_a_holder_the_module_cannot_see_is_known_by_its_user():
    # Root in a container (no CAP_SYS_PTRACE) reads no other user's descriptors, but the socket's owner.
    hidden = {"port": 4317, "address": "127.0.0.1", "user": "otelcol-contrib", "pid": None, "process": None, "unit": None}
    assert port_findings([GATEWAY], [hidden]) == []
    (problem,) = port_findings([GATEWAY], [dict(hidden, user="www-data")])
    assert "already taken by a process of user www-data on 127.0.0.1" in problem
    (problem,) = port_findings([GATEWAY], [dict(hidden, user=None)])
    assert "a process this user cannot see (run as root to name it)" in problem


def test_a_port_another_unit_opens_for_the_service_is_that_units():
    # HAProxy on loopback in front of Grafana's data sources: its master (root) opens the socket.
    grafana = {"service": "grafana", "unit": "grafana.service", "user": "grafana",
               "ports": {"grafana_port": 3000, "grafana_proxy_prometheus_port": 19090},
               "owners": {"grafana_proxy_prometheus_port": {"unit": "haproxy.service", "user": "root"}}}
    proxy = {"port": 19090, "address": "127.0.0.1", "user": "root", "pid": None, "process": None, "unit": None}
    assert port_findings([grafana], [proxy, {**proxy, "port": 3000, "user": "grafana"}]) == []
    assert port_findings([grafana], [{**proxy, "pid": 9, "process": "haproxy", "unit": "haproxy.service"}]) == []
    (problem,) = port_findings([grafana], [{**proxy, "port": 3000}])
    assert "port 3000 (grafana_port of grafana) is already taken by a process of user root" in problem


@pytest.mark.parametrize("level, where", [("warn", "warnings"), ("error", "problems")])
def test_a_small_host_warns_or_stops_by_level(level, where):
    small = {"cpus": 1.0, "memory_mib": 2048}
    found = run(state(resources=small), kinds=["gateway"], resource_check=level)
    assert found[where] == ["1 CPUs, below the 2 the resource plan asks for a gateway host",
                            "2048 MiB of memory, below the 4096 MiB the resource plan asks for a gateway host"]
    assert not found["problems" if where == "warnings" else "warnings"]


def test_off_ignores_size_and_the_disk_counts_for_backends_only():
    small_disk = {"/var/lib": {"free": 10e9, "total": 252e9, "measured_at": "/"}}
    assert run(state(resources={"cpus": 0.25, "memory_mib": 100}), resource_check="off") == {"problems": [], "warnings": []}
    assert run(state(space=small_disk), kinds=["gateway"])["warnings"] == []
    assert run(state(space=small_disk), kinds=["backend"])["warnings"] == [
        "252 GB of disk at /, below the 500 GB the resource plan asks for a backend host"]


def test_a_host_of_several_kinds_needs_the_most_of_each_and_the_plan_can_change():
    assert needs(["agent", "gateway"]) == {"cpus": 2, "memory_mib": 4096}
    assert needs(["agent", "backend"], {"backend": {"disk_gb": 100}})["disk_gb"] == 100
    assert run(state(resources={"cpus": 1.0, "memory_mib": 1024}), kinds=["gateway"],
               resource_plan={"gateway": {"cpus": 1, "memory_mib": 1024}})["warnings"] == []


def test_clock_skew_always_stops_the_run():
    problems = run(state(clock_offset=-42), resource_check="off", time_check="off")["problems"]
    assert len(problems) == 1 and problems[0].startswith("the clock is 42.0 s behind the controller's")
    assert run(state(clock_offset=4))["problems"] == []


def test_a_port_another_unit_opens_for_the_service_is_that_units():
    # HAProxy on loopback in front of Grafana's data sources: its master (root) opens the socket.
    grafana = {"service": "grafana", "unit": "grafana.service", "user": "grafana",
               "ports": {"grafana_port": 3000, "grafana_proxy_prometheus_port": 19090},
               "owners": {"grafana_proxy_prometheus_port": {"unit": "haproxy.service", "user": "root"}}}
    proxy = {"port": 19090, "address": "127.0.0.1", "user": "root", "pid": None, "process": None, "unit": None}
    assert port_findings([grafana], [proxy, {**proxy, "port": 3000, "user": "grafana"}]) == []
    assert port_findings([grafana], [{**proxy, "pid": 9, "process": "haproxy", "unit": "haproxy.service"}]) == []
    (problem,) = port_findings([grafana], [{**proxy, "port": 3000}])
    assert "port 3000 (grafana_port of grafana) is already taken by a process of user root" in problem


@pytest.mark.parametrize("level, where", [("warn", "warnings"), ("error", "problems")])
def test_an_unsynchronized_clock_warns_or_stops_by_level(level, where):
    found = run(state(synchronized=False), time_check=level)
    assert found[where] == ["the clock is not synchronized (the kernel reports no NTP sync): install and enable "
                            "chrony or systemd-timesyncd"]
    assert run(state(synchronized=None), time_check=level) == {"problems": [], "warnings": []}


@pytest.mark.parametrize("kw, message", [
    ({"resource_check": "loud"}, "resource_check must be one of error, warn, off, got 'loud'"),
    ({"time_check": True}, "time_check must be one of error, warn, off, got True"),
])
def test_bad_levels_are_refused_by_name(kw, message):
    with pytest.raises(PreflightError, match=message):
        run(state(), **kw)


def test_unknown_kinds_are_refused():
    with pytest.raises(PreflightError, match="kinds must be among agent, gateway, backend, got database"):
        run(state(), kinds=["database"])
