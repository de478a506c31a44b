# SPDX-License-Identifier: GPL-3.0-or-later
"""The backup role in site.yml's Backups play, on an inventory without a backup target (the demo's, a first site):
it does nothing and says so, rather than fail on the target it has not got."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


def test_without_a_backup_target_the_role_skips_everything(repo_root: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.json"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"hosts": {"backend-1": host}, "children": {"jaeger": {"hosts": {"backend-1": {}}}}}}))
    playbook = tmp_path / "play.yml"
    playbook.write_text("- hosts: jaeger\n  gather_facts: false\n  roles: [telemetry.stack.backup]\n")
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections")}
    ran = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(playbook)],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    said = " ".join((ran.stdout + ran.stderr).split())
    assert ran.returncode == 0, said[-2000:]
    assert "changed=0" in said and "failed=0" in said, said[-2000:]
    assert re.search(r"Read the target's host key\] \**\s*skipping: \[backend-1\]", said), said[-2000:]
