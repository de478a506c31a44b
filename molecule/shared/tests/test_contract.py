# SPDX-License-Identifier: GPL-3.0-or-later
"""What every service of the stack promises, written once: each scenario that runs services adds this file to its
tests (verifier.additional_files_or_dirs in its molecule.yml), and it checks every service it finds on each host.

The other contracts are shared fixtures in molecule/conftest.py, which each scenario's tests call with what is its
own: `refused` (wrong variables stop the run, nothing changes, the service keeps its PID) and
`uninstall_then_reinstall` (absent keeps the data; the plain start after it waits for health)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "collections"))

from ansible_collections.telemetry.stack.plugins.module_utils._stack import components  # noqa: E402

testinfra_hosts = ["ansible://all"]

ROOT = Path(__file__).resolve().parents[3]
# Every service the stack can run, under either collector distribution.
MAP = yaml.safe_load((ROOT / "components.yml").read_text())
SERVICES = sorted({s["name"] for dist in ("otelcol", "otelcol-contrib") for s in components.services(MAP, dist)})


def services_on(host) -> list[str]:
    # A scenario's host of no group of the stack (prod's intruder) runs none of its services.
    if not set(host.ansible.get_variables().get("group_names", [])) & set(components.groups(MAP)):
        pytest.skip(f"{host.backend.get_hostname()} is in no group of the stack")
    present = [s for s in SERVICES if host.file(f"/etc/systemd/system/{s}.service").exists]
    assert present, f"none of {', '.join(SERVICES)} on {host.backend.get_hostname()}"
    return present


def test_every_service_unit_is_hardened(host):
    # systemd-analyze security rates exposure from 0 (locked down) to 10; the stack's bar is 2.
    for service in services_on(host):
        out = host.check_output(f"systemd-analyze security --no-pager {service} 2>&1 | tail -n 1")
        assert float(out.split(f"{service}.service:")[1].split()[0]) <= 2.0, out


def test_every_service_runs_unprivileged_and_enabled(host):
    for service in services_on(host):
        assert host.service(service).is_running and host.service(service).is_enabled, service
        pid = host.check_output(f"systemctl show -p MainPID --value {service}")
        assert host.check_output(f"ps -o user= -p {pid}") != "root", service


def test_every_service_unit_parses_whole(host):
    # A line systemd cannot place is ignored with only a journal warning: the unit must have no such line, and its
    # [Unit] section must hold (its ordering after the network included).
    for service in services_on(host):
        verify = host.run(f"systemd-analyze verify /etc/systemd/system/{service}.service 2>&1")
        assert "outside of section" not in verify.stdout, verify.stdout
        assert "network-online.target" in host.check_output(f"systemctl show -p After --value {service}"), service
        assert host.check_output(f"systemctl show -p Description --value {service}") != f"{service}.service", service
