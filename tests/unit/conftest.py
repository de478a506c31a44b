# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# The platform helpers in scripts/ are plain modules, not a package.
sys.path.insert(0, str(REPO_ROOT / "scripts"))
# This checkout as ansible_collections.telemetry.stack (collections/ holds a symlink to it).
sys.path.insert(0, str(REPO_ROOT / "collections"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
