# SPDX-License-Identifier: GPL-3.0-or-later
"""Every collector of the tier (agents, the load-balancing tier, the sampling gateways) starts from the config the
role generated without a deprecation warning: each component type under the name its release gives it."""

from __future__ import annotations

testinfra_hosts = ["ansible://otel_agents", "ansible://otel_gateways", "ansible://otel_sampling_gateways"]


def test_the_collector_logs_no_deprecation_warning_at_start(host):
    # The log of the collector's current run only (since its last start).
    invocation = host.check_output("systemctl show -p InvocationID --value otelcol-contrib")
    log = host.check_output(f"journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID={invocation}")
    assert "Everything is ready" in log, log[-2000:]
    assert [line for line in log.splitlines() if "deprecat" in line.lower()] == []


def test_the_config_names_components_as_the_release_does(host):
    config = host.file("/etc/otelcol-contrib/config.yaml").content_string
    for old in ("otlp/", "loadbalancing/", "hostmetrics:", "resourcedetection:"):
        assert old not in config, old
