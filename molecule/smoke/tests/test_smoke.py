# SPDX-License-Identifier: GPL-3.0-or-later
"""The test platform boots systemd as PID 1, and the smoke role's unit ran."""

from __future__ import annotations


def test_systemd_is_pid_1(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"


def test_systemd_is_running(host):
    # "running" means every unit started; "degraded" would mean one failed.
    state = host.run("systemctl is-system-running").stdout.strip()
    failed = host.run("systemctl --failed --no-legend --plain").stdout.strip()
    assert state == "running", f"systemd is {state!r}; failed units: {failed or 'none'}"


def test_smoke_unit_ran(host):
    unit = host.service("telemetry-stack-smoke")
    assert unit.is_enabled
    assert unit.is_running or host.run("systemctl is-active telemetry-stack-smoke").stdout.strip() == "active"
    journal = host.run("journalctl -u telemetry-stack-smoke --no-pager -o cat").stdout
    assert "hello from telemetry.stack" in journal
