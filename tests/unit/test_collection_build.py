# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection builds into a clean tarball that installs offline."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

GALAXY = Path(sys.executable).parent / "ansible-galaxy"
# Development-only content that must never reach users.
NOT_SHIPPED = (".ci/", ".config/", ".git", "collections/", "molecule/", "tests/", "scripts/", "Makefile", "requirements.txt", "pytest.ini", ".ansible-lint")


@pytest.fixture(scope="module")
def built(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    meta = yaml.safe_load((repo_root / "galaxy.yml").read_text())
    assert (meta["namespace"], meta["name"]) == ("telemetry", "stack")
    out = tmp_path_factory.mktemp("build")
    subprocess.run([GALAXY, "collection", "build", "--output-path", out, repo_root], check=True, capture_output=True)
    tarball = out / f"{meta['namespace']}-{meta['name']}-{meta['version']}.tar.gz"
    assert tarball.is_file(), sorted(p.name for p in out.iterdir())
    return tarball


def test_tarball_has_no_development_files(built: Path) -> None:
    with tarfile.open(built) as tar:
        names = tar.getnames()
    assert "MANIFEST.json" in names and "meta/runtime.yml" in names and "LICENSE" in names
    leaked = [n for n in names if n.startswith(NOT_SHIPPED)]
    assert not leaked, f"development files in the tarball: {leaked}"


def test_tarball_installs_offline(built: Path, tmp_path: Path) -> None:
    # Dependencies (community.crypto) are satisfied by the venv's `ansible` package.
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tmp_path)}
    subprocess.run([GALAXY, "collection", "install", "--offline", "-p", tmp_path, built], check=True, capture_output=True, env=env)
    listed = subprocess.run([GALAXY, "collection", "list", "-p", tmp_path, "--format", "json"], check=True, capture_output=True, text=True, env=env)
    assert '"telemetry.stack"' in listed.stdout and '"0.1.0"' in listed.stdout
