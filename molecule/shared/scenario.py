# SPDX-License-Identifier: GPL-3.0-or-later
"""What every scenario's tests reach the hosts with: a host by its inventory name, waiting for a condition, and the
checks of the shared lifecycle's uninstall (`<role>_state: absent`) and of the start after it.
molecule/conftest.py puts this directory on the path; the fixtures there and the scenarios' own libraries
(molecule/prod/tests/prodlib.py, molecule/stack/tests/stacklib.py) use these."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import testinfra

# The scenario's inventory directory: Molecule's inventory file, its group_vars and host_vars, and any inventory
# source a scenario links beside them (molecule/prod/hosts.yml, whose host variables say "no sudo here").
INVENTORY = str(Path(os.environ.get("MOLECULE_INVENTORY_FILE", "inventory/none")).parent)


def host(name: str):
    """One host of the scenario by its inventory name."""
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def wait_for(predicate: Callable[[], Any], timeout: float = 90, what: str = "", step: float = 2) -> Any:
    """Poll predicate() every `step` seconds until it is truthy and return it, or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got or time.monotonic() > deadline:
            assert got, f"not within {timeout:.0f} s: {what}"
            return got
        time.sleep(step)


def assert_uninstalled(host, unit: str, removed: list[str], kept: list[str]) -> None:
    """The lifecycle's absent steps on `host`: the service stopped, its unit, user and group gone, `removed` gone,
    `kept` (its data) still there."""
    assert not host.service(unit).is_running, f"{unit} still runs"
    assert not host.file(f"/etc/systemd/system/{unit}.service").exists, f"{unit}'s unit is left"
    assert not host.user(unit).exists and not host.group(unit).exists, f"{unit}'s user or group is left"
    for path in removed:
        assert not host.file(path).exists, f"{path} is still there"
    for path in kept:
        assert host.file(path).exists, f"{path} (data) was removed"


def assert_started_healthy(host, role: str, unit: str, output: str) -> None:
    """After a plain run reinstalled it: the service runs and is enabled, and its start waited for health (the
    lifecycle's handler, in the run's `output`)."""
    assert host.service(unit).is_running and host.service(unit).is_enabled, f"{unit} is not running and enabled"
    assert f"RUNNING HANDLER [telemetry.stack.{role} : Wait until it is healthy, {unit}]" in output, (unit, output[-2000:])
