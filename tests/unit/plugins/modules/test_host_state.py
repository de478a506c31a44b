# SPDX-License-Identifier: GPL-3.0-or-later
"""The host_state module, run by Ansible: one read of files (followed or as links), users and groups, in check mode,
changing nothing. Its reading is tested in tests/unit/plugins/module_utils/_stack/test_host.py."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

ME = pwd.getpwuid(os.getuid())


def test_the_module_runs_in_check_mode_and_changes_nothing(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "config.yaml").write_text("a: 1\n")
    (tmp_path / "1.0.0").mkdir()
    (tmp_path / "current").symlink_to("1.0.0")
    (tmp_path / "cert.pem").symlink_to(tmp_path / "config.yaml")
    # One read: certificates followed (follow), the install's links as links (links).
    args = {"paths": [str(tmp_path / "config.yaml"), str(tmp_path / "nope"), str(tmp_path / "cert.pem")], "follow": True,
            "links": [str(tmp_path / "current"), str(tmp_path / "previous")], "users": [ME.pw_name], "groups": ["root"],
            "contents": [str(tmp_path / "config.yaml"), str(tmp_path / "nope")]}
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections"), "ANSIBLE_LOCALHOST_WARNING": "false",
           "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "true"}
    run = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local", "--check", "-e", f"ansible_python_interpreter={sys.executable}",
         "-m", "telemetry.stack.host_state", "-a", json.dumps(args)],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result["changed"] is False
    assert result["paths"][str(tmp_path / "config.yaml")]["checksum"] == hashlib.sha1(b"a: 1\n").hexdigest()
    assert result["paths"][str(tmp_path / "nope")]["exists"] is False
    assert result["users"][ME.pw_name]["exists"] and result["groups"]["root"]["exists"]
    assert result["paths"][str(tmp_path / "cert.pem")]["isreg"] and not result["paths"][str(tmp_path / "cert.pem")]["islnk"]
    assert result["paths"][str(tmp_path / "current")]["lnk_source"] == "1.0.0"
    assert result["paths"][str(tmp_path / "previous")]["exists"] is False
    assert result["contents"] == {str(tmp_path / "config.yaml"): "a: 1\n", str(tmp_path / "nope"): None}
