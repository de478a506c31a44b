# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the scenarios' testinfra tests (pytest finds it above each tests/ directory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def converge():
    """converge(host, extra_vars) runs the scenario's converge.yml on one host, as a user would."""

    def run(host, extra: dict) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
        playbook = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml"
        return subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
             "-l", host.backend.get_hostname(), "-e", json.dumps(extra), str(playbook)],
            capture_output=True, text=True, env=env, timeout=300,
        )

    return run
