# SPDX-License-Identifier: GPL-3.0-or-later
"""What every scenario's tests reach the hosts with: a host by its inventory name, and waiting for a condition.
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
