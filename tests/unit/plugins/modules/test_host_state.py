# SPDX-License-Identifier: GPL-3.0-or-later
"""host_state reads files, users, groups and units; a role decides its writes on what it returns."""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.telemetry.stack.plugins.modules.host_state import (
    parse_systemctl_show, read_group, read_path, read_user)

ME = pwd.getpwuid(os.getuid())


def test_a_regular_file(tmp_path: Path) -> None:
    f = tmp_path / "config.yaml"
    f.write_text("key: value\n")
    f.chmod(0o640)
    got = read_path(str(f), checksum=True)
    assert got["exists"] and got["isreg"] and not got["isdir"] and not got["islnk"]
    assert got["mode"] == "0640" and got["rusr"] and got["rgrp"] and not got["roth"] and not got["wgrp"]
    assert got["pw_name"] == ME.pw_name and got["gr_name"] == grp.getgrgid(os.getgid()).gr_name
    assert got["checksum"] == hashlib.sha1(b"key: value\n").hexdigest()
    assert "checksum" not in read_path(str(f), checksum=False)


def test_a_directory_has_no_checksum(tmp_path: Path) -> None:
    got = read_path(str(tmp_path), checksum=True)
    assert got["isdir"] and "checksum" not in got


def test_a_link_is_reported_or_followed(tmp_path: Path) -> None:
    (tmp_path / "0.159.0").mkdir()
    (tmp_path / "current").symlink_to("0.159.0")
    link = read_path(str(tmp_path / "current"), checksum=True)
    assert link["islnk"] and link["lnk_source"] == "0.159.0"
    followed = read_path(str(tmp_path / "current"), checksum=True, follow=True)
    assert followed["isdir"] and not followed["islnk"] and "lnk_source" not in followed


@pytest.mark.parametrize("name", ["missing", "missing/below", "file/below"])
def test_missing_paths_are_not_errors(tmp_path: Path, name: str) -> None:
    (tmp_path / "file").write_text("")
    assert read_path(str(tmp_path / name), checksum=True) == {"exists": False, "path": str(tmp_path / name)}


def test_a_dangling_link_followed_is_missing(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").symlink_to("gone.pem")
    assert not read_path(str(tmp_path / "cert.pem"), checksum=True, follow=True)["exists"]
    assert read_path(str(tmp_path / "cert.pem"), checksum=True)["islnk"]


def test_users() -> None:
    me = read_user(ME.pw_name, grp.getgrall())
    assert me["exists"] and me["uid"] == ME.pw_uid and me["home"] == ME.pw_dir and me["shell"] == ME.pw_shell
    assert me["group"] == grp.getgrgid(ME.pw_gid).gr_name
    assert me["groups"] == sorted(g.gr_name for g in grp.getgrall() if ME.pw_name in g.gr_mem and g.gr_gid != ME.pw_gid)
    assert read_user("telemetry-stack-no-such-user", grp.getgrall()) == {"exists": False}


def test_groups() -> None:
    mine = grp.getgrgid(os.getgid())
    assert read_group(mine.gr_name) == {"exists": True, "gid": mine.gr_gid, "members": sorted(mine.gr_mem)}
    assert read_group("telemetry-stack-no-such-group") == {"exists": False}


def test_systemctl_show_blocks_map_to_units_in_order() -> None:
    out = ("MainPID=812\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\n"
           "MainPID=0\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\n")
    assert parse_systemctl_show(out, ["otelcol-contrib.service", "gone.service"]) == {
        "otelcol-contrib.service": {"load_state": "loaded", "active_state": "active", "unit_file_state": "enabled", "main_pid": 812},
        "gone.service": {"load_state": "not-found", "active_state": "inactive", "unit_file_state": "", "main_pid": 0},
    }


def test_the_module_runs_in_check_mode_and_changes_nothing(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "config.yaml").write_text("a: 1\n")
    args = {"paths": [str(tmp_path / "config.yaml"), str(tmp_path / "nope")], "users": [ME.pw_name], "groups": ["root"]}
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections"), "ANSIBLE_LOCALHOST_WARNING": "false",
           "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "true"}
    run = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local", "--check", "-e", f"ansible_python_interpreter={sys.executable}",
         "-m", "telemetry.stack.host_state", "-a", json.dumps(args)],
        capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result["changed"] is False
    assert result["paths"][str(tmp_path / "config.yaml")]["checksum"] == hashlib.sha1(b"a: 1\n").hexdigest()
    assert result["paths"][str(tmp_path / "nope")]["exists"] is False
    assert result["users"][ME.pw_name]["exists"] and result["groups"]["root"]["exists"]


def test_space_is_measured_where_the_path_will_be(tmp_path: Path) -> None:
    from ansible_collections.telemetry.stack.plugins.modules.host_state import read_space
    here = read_space(str(tmp_path))
    later = read_space(str(tmp_path / "not" / "yet"))
    assert later["measured_at"] == str(tmp_path) and here["measured_at"] == str(tmp_path)
    assert 0 < later["free"] <= later["total"]
