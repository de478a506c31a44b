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


@pytest.mark.parametrize("playbook", ["telemetry.stack.site", "telemetry.stack.probe"])
def test_the_installed_playbooks_run_by_name(built: Path, tmp_path: Path, repo_root: Path, playbook: str) -> None:
    # What a user types after `ansible-galaxy collection install`: the playbook by its collection name, the
    # roles and plugins found in the installed collection alone (not this checkout).
    # Outside the checkout: its ansible.cfg and the venv's collections path are not used.
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"} | {"ANSIBLE_COLLECTIONS_PATH": str(tmp_path)}
    subprocess.run([GALAXY, "collection", "install", "--offline", "-p", tmp_path, built], check=True, capture_output=True, env=env)
    listed = subprocess.run([Path(sys.executable).parent / "ansible-playbook", playbook, "-i", repo_root / "inventories" / "prod",
                             "--list-tasks"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "[WARNING]" not in listed.stderr, listed.stderr
    if playbook.endswith("site"):
        assert "telemetry.stack.preflight : Check the host's ports, size and clock" in listed.stdout
    assert str(tmp_path / "ansible_collections" / "telemetry" / "stack" / "playbooks") in listed.stdout
