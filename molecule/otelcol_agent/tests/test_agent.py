# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent runs the real otelcol-contrib, healthy and hardened."""

from __future__ import annotations

import json


def test_service_active_and_enabled(host):
    svc = host.service("otelcol-contrib")
    assert svc.is_running and svc.is_enabled


def test_runs_unprivileged_from_the_versioned_directory(host):
    pid = host.check_output("systemctl show -p MainPID --value otelcol-contrib")
    assert host.check_output(f"ps -o user= -p {pid}") == "otelcol-contrib"
    assert host.file("/opt/otelcol-contrib/current").linked_to.endswith("/opt/otelcol-contrib/0.159.0")
    assert host.check_output("/opt/otelcol-contrib/current/otelcol-contrib --version") == "otelcol-contrib version 0.159.0"


def test_health_endpoint_ok(host):
    out = host.check_output("curl -sf http://127.0.0.1:13133/")
    assert json.loads(out)["status"] == "Server available"


def test_internal_metrics_served(host):
    out = host.check_output("curl -sf http://127.0.0.1:8888/metrics")
    assert "otelcol_process_uptime" in out


def test_otlp_only_on_loopback(host):
    listening = host.check_output("ss -Hltn")
    assert "127.0.0.1:4317" in listening and "0.0.0.0:4317" not in listening


def test_unit_exposure_at_most_2(host):
    out = host.check_output("systemd-analyze security --no-pager otelcol-contrib 2>&1 | tail -n 1")
    score = float(out.split("otelcol-contrib.service:")[1].split()[0])
    assert score <= 2.0, out


def test_gomemlimit_from_sizing(host):
    env = host.file("/etc/otelcol-contrib/otelcol-contrib.env").content_string
    assert "GOMEMLIMIT=" in env and "MiB" in env
