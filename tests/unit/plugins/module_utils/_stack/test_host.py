# SPDX-License-Identifier: GPL-3.0-or-later
"""The host reading behind the host_state module: files, users, groups, units, space, cgroup limits, the clock and
listening sockets."""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
from pathlib import Path

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._stack.host import (
    cgroup_limits, parse_dpkg_status, parse_nft_tables, parse_proc_net_tcp, parse_systemctl_show, read_clock, read_group, read_listeners,
    read_packages, read_path, read_resources, read_space, read_user, read_users, unit_of)

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


def test_users_by_name_read_the_group_database_once() -> None:
    assert read_users([ME.pw_name, "telemetry-stack-no-such-user"]) == {
        ME.pw_name: read_user(ME.pw_name, grp.getgrall()), "telemetry-stack-no-such-user": {"exists": False}}
    assert read_users([]) == {}


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


def test_space_is_measured_where_the_path_will_be(tmp_path: Path) -> None:
    here = read_space(str(tmp_path))
    later = read_space(str(tmp_path / "not" / "yet"))
    assert later["measured_at"] == str(tmp_path) and here["measured_at"] == str(tmp_path)
    assert 0 < later["free"] <= later["total"]


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:10DD 00000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 41234 1 0 20 0
   1: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 41240 1 0 20 0
   2: 0100007F:22B8 0100007F:B3A2 01 00000000:00000000 00:00000000 00000000   998        0 41300 1 0 20 0
"""
PROC_NET_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when
   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   997        0 51000 1 0 20 0
   1: 00000000000000000000000001000000:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   997        0 51001 1 0 20 0
"""


def test_listening_sockets_are_read_from_proc_net() -> None:
    # Established connections (state 01) are not listeners; addresses are little-endian words.
    assert parse_proc_net_tcp(PROC_NET_TCP, ipv6=False) == [("0.0.0.0", 4317, 998, 41234), ("127.0.0.1", 8888, 998, 41240)]
    assert parse_proc_net_tcp(PROC_NET_TCP6, ipv6=True) == [("::", 3000, 997, 51000), ("::1", 9090, 997, 51001)]


@pytest.mark.parametrize("text, unit", [
    ("0::/system.slice/jaeger.service\n", "jaeger.service"),
    # A container sharing the host's cgroup namespace: the innermost unit counts.
    ("1:cpu:/docker/ab12\n0::/docker/ab12/system.slice/otelcol-contrib.service\n", "otelcol-contrib.service"),
    ("0::/user.slice/user-1000.slice/session-3.scope\n", "session-3.scope"),
    ("0::/\n", None),
    ("4:memory:/docker/ab12\n", None),
])
def test_the_unit_holding_a_process(text: str, unit: str | None) -> None:
    assert unit_of(text) == unit


def _cgroup(root: Path, rel: str, files: dict[str, str]) -> None:
    (root / rel).mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (root / rel / name).write_text(value + "\n")


def test_cgroup_v2_limits_take_the_tightest_ancestor(tmp_path: Path) -> None:
    _cgroup(tmp_path, "", {"cpu.max": "max 100000", "memory.max": "max"})
    _cgroup(tmp_path, "docker", {"cpu.max": "200000 100000", "memory.max": str(4 << 30)})
    _cgroup(tmp_path, "docker/ab12", {"cpu.max": "50000 100000", "memory.max": "max"})
    assert cgroup_limits("0::/docker/ab12\n", str(tmp_path)) == (0.5, 4 << 30)
    assert cgroup_limits("0::/\n", str(tmp_path)) == (None, None)


def test_cgroup_v1_limits(tmp_path: Path) -> None:
    _cgroup(tmp_path, "cpu,cpuacct/docker/ab12", {"cpu.cfs_quota_us": "200000", "cpu.cfs_period_us": "100000"})
    _cgroup(tmp_path, "cpu,cpuacct", {"cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000"})
    _cgroup(tmp_path, "memory/docker/ab12", {"memory.limit_in_bytes": str(512 << 20)})
    text = "5:memory:/docker/ab12\n3:cpu,cpuacct:/docker/ab12\n0::/docker/ab12\n"
    assert cgroup_limits(text, str(tmp_path)) == (2.0, 512 << 20)


def test_this_machine_resources_clock_and_listeners() -> None:
    got = read_resources()
    assert 0 < got["cpus"] <= os.cpu_count() and got["memory_mib"] > 0
    clock = read_clock()
    assert abs(clock["time"] - __import__("time").time()) < 5 and clock["synchronized"] in (True, False, None)
    assert all(isinstance(entry["port"], int) for entry in read_listeners())


def test_a_listener_is_owned_by_this_process() -> None:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        mine = [entry for entry in read_listeners() if entry["port"] == port]
    assert mine and mine[0]["pid"] == os.getpid() and mine[0]["address"] == "127.0.0.1", mine
    assert mine[0]["user"] == ME.pw_name


DPKG = """Package: openjdk-17-jre-headless
Status: install ok installed
Priority: optional
Version: 17.0.19+10-1~deb12u2
Description: OpenJDK Java runtime
 a continuation line: Status: install ok installed

Package: haproxy
Status: deinstall ok config-files
Version: 2.6.12-1

Package: python3
Status: install ok installed
Version: 3.11.2-1+b1
"""


def test_packages_are_read_from_dpkgs_database(tmp_path: Path) -> None:
    assert parse_dpkg_status(DPKG, ["openjdk-17-jre-headless", "haproxy", "postgresql"]) == {
        "openjdk-17-jre-headless": {"installed": True, "version": "17.0.19+10-1~deb12u2"},
        # Removed with its config files left behind: not installed.
        "haproxy": {"installed": False, "version": ""},
        "postgresql": {"installed": False, "version": ""}}
    status = tmp_path / "status"
    status.write_text(DPKG)
    assert read_packages(["python3"], str(status)) == {"python3": {"installed": True, "version": "3.11.2-1+b1"}}
    assert read_packages(["python3"], str(tmp_path / "none")) == {"python3": {"installed": False, "version": ""}}
    assert read_packages([]) == {}


def test_nft_tables_are_found_by_family_and_name() -> None:
    listed = "table inet telemetry_stack\ntable ip nat\ntable ip6 filter\n"
    assert parse_nft_tables(listed, ["inet telemetry_stack", "ip filter", "ip6  filter"]) == {
        "inet telemetry_stack": True, "ip filter": False, "ip6  filter": True}
    assert parse_nft_tables("", ["inet telemetry_stack"]) == {"inet telemetry_stack": False}
