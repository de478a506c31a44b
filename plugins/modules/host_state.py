#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_state
short_description: Read files, users, groups, systemd units and the host's resources in one call
version_added: 0.1.0
description:
  - Reports, in one remote call, what a role needs to know to decide whether anything must change on a host,
    namely the state of several paths (as M(ansible.builtin.stat) would, one call each), of users and groups,
    and of systemd units.
  - The roles of this collection read the host with it once, then run each write only where the host differs
    from what they want. A run that changes nothing costs this one call instead of one call per file, user and unit.
  - Missing paths, users, groups and units are reported as such; they are not errors.
author: telemetry.stack maintainers (!UNKNOWN)
options:
  paths:
    description:
      - Paths to read.
    type: list
    elements: path
    default: []
  follow:
    description:
      - Report what links point to instead of the links themselves, as M(ansible.builtin.stat)'s O(ansible.builtin.stat#module:follow).
      - With V(false), a link is reported with C(islnk) and C(lnk_source), what it points to.
    type: bool
    default: false
  links:
    description:
      - Paths to read without following them, whatever O(follow) says; a link is reported with C(islnk) and
        C(lnk_source), what it points to. They are reported in RV(paths) with the others, without a checksum.
      - For a read that needs the targets of some paths and the links themselves of others (a C(current) link).
    type: list
    elements: path
    default: []
  checksum:
    description:
      - Return the SHA-1 of each regular file's content, as M(ansible.builtin.stat) and M(ansible.builtin.find) do.
    type: bool
    default: true
  users:
    description:
      - User names to look up.
    type: list
    elements: str
    default: []
  groups:
    description:
      - Group names to look up.
    type: list
    elements: str
    default: []
  units:
    description:
      - systemd unit names to look up, such as V(otelcol-contrib.service).
    type: list
    elements: str
    default: []
  space:
    description:
      - Paths whose filesystem's free and total space to report. A path that does not exist yet is measured at its
        nearest existing parent, where it will be created.
    type: list
    elements: path
    default: []
  resources:
    description:
      - Report the CPUs and memory this host gives its services, in RV(resources).
      - Within a container or a cgroup with limits (C(cpu.max), C(memory.max) of cgroup v2), the limits count, not
        the machine's totals.
    type: bool
    default: false
  clock:
    description:
      - Report the host's clock, in RV(clock), and whether the kernel counts it as synchronized (NTP, chrony or
        systemd-timesyncd), as C(timedatectl)'s C(NTPSynchronized) does.
    type: bool
    default: false
  listeners:
    description:
      - Report the TCP ports something listens on, in RV(listeners), with the process and systemd unit holding
        each. Run as root to see other users' processes.
    type: bool
    default: false
extends_documentation_fragment:
  - telemetry.stack.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
notes:
  - The module never changes anything.
seealso:
  - module: ansible.builtin.stat
  - module: ansible.builtin.getent
  - plugin: telemetry.stack.unchanged_file
    plugin_type: test
"""

EXAMPLES = r"""
- name: Read what the host has
  telemetry.stack.host_state:
    paths: [/etc/otelcol-contrib/config.yaml, /opt/otelcol-contrib/current]
    users: [otelcol-contrib]
    groups: [otelcol-contrib]
    units: [otelcol-contrib.service]
  register: __have

- name: Write the config only where it differs
  ansible.builtin.template:
    src: config.yaml.j2
    dest: /etc/otelcol-contrib/config.yaml
    owner: root
    group: otelcol-contrib
    mode: "0640"
  when: >-
    __have.paths['/etc/otelcol-contrib/config.yaml'] is not
    telemetry.stack.unchanged_file('root', 'otelcol-contrib', '0640', lookup('ansible.builtin.template', 'config.yaml.j2'))
"""

RETURN = r"""
paths:
  description: >-
    Each path, with C(exists) and, when it exists, the keys M(ansible.builtin.find) returns for it (a link, when
    O(follow=false), also C(lnk_source), what it points to).
  returned: always
  type: dict
  sample:
    /etc/otelcol-contrib/config.yaml:
      exists: true
      path: /etc/otelcol-contrib/config.yaml
      isreg: true
      isdir: false
      islnk: false
      mode: "0640"
      pw_name: root
      gr_name: otelcol-contrib
      uid: 0
      gid: 998
      size: 1830
      rusr: true
      rgrp: true
      roth: false
      checksum: 2a1bc6d0ad3b0cb52ad1b7ba5e5f5a8a3c3ff0a1
    /opt/otelcol-contrib/current:
      exists: true
      islnk: true
      lnk_source: 0.159.0
users:
  description: Each user, with C(exists) and, when it exists, its uid, primary group, supplementary groups, home and shell.
  returned: always
  type: dict
  sample:
    otelcol-contrib: {exists: true, uid: 998, group: otelcol-contrib, groups: [adm], home: /var/lib/otelcol-contrib,
                      shell: /usr/sbin/nologin}
groups:
  description: Each group, with C(exists) and, when it exists, its gid and members.
  returned: always
  type: dict
  sample:
    otelcol-contrib: {exists: true, gid: 998, members: []}
space:
  description: The filesystem space at each path of O(space), in bytes, and the existing path measured.
  returned: always
  type: dict
  sample:
    /var/lib/prometheus: {free: 36019277824, total: 270553174016, measured_at: /var/lib}
resources:
  description: The CPUs (fractional under a CPU quota) and memory, in MiB, this host gives its services.
  returned: when O(resources=true)
  type: dict
  sample: {cpus: 2.0, memory_mib: 24105}
clock:
  description: >-
    The host's clock, as seconds since the epoch, and whether it is synchronized; C(synchronized) is null when the
    kernel cannot say.
  returned: when O(clock=true)
  type: dict
  sample: {time: 1795339200.25, synchronized: true}
listeners:
  description: >-
    One entry per listening TCP socket: its port, address and owner, and the process and systemd unit (null when
    not known: reading other users' processes takes root with CAP_SYS_PTRACE) that hold it.
  returned: when O(listeners=true)
  type: list
  elements: dict
  sample:
    - {port: 4317, address: "0.0.0.0", user: otelcol-contrib, pid: 812, process: otelcol-contrib,
       unit: otelcol-contrib.service}
units:
  description: >-
    Each systemd unit, with its C(LoadState) (V(not-found) when there is no such unit), C(ActiveState),
    C(UnitFileState) and C(MainPID), as C(systemctl show) reports them.
  returned: always
  type: dict
  sample:
    otelcol-contrib.service: {load_state: loaded, active_state: active, unit_file_state: enabled, main_pid: 812}
"""

import ctypes
import ctypes.util
import glob
import grp
import hashlib
import ipaddress
import os
import pwd
import stat
import time

from ansible.module_utils.basic import AnsibleModule

_MODE_BITS = {
    "rusr": stat.S_IRUSR, "wusr": stat.S_IWUSR, "xusr": stat.S_IXUSR,
    "rgrp": stat.S_IRGRP, "wgrp": stat.S_IWGRP, "xgrp": stat.S_IXGRP,
    "roth": stat.S_IROTH, "woth": stat.S_IWOTH, "xoth": stat.S_IXOTH,
}
_UNIT_PROPERTIES = {"LoadState": "load_state", "ActiveState": "active_state", "UnitFileState": "unit_file_state",
                    "MainPID": "main_pid"}


def _name(lookup, ident: int) -> str | None:
    try:
        return lookup(ident)[0]
    except KeyError:
        return None


def _sha1(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_path(path: str, checksum: bool, follow: bool = False) -> dict:
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return {"exists": False, "path": path}
    info = {
        "exists": True,
        "path": path,
        "isreg": stat.S_ISREG(st.st_mode),
        "isdir": stat.S_ISDIR(st.st_mode),
        "islnk": stat.S_ISLNK(st.st_mode),
        "mode": "%04o" % stat.S_IMODE(st.st_mode),
        "uid": st.st_uid,
        "gid": st.st_gid,
        "pw_name": _name(pwd.getpwuid, st.st_uid),
        "gr_name": _name(grp.getgrgid, st.st_gid),
        "size": st.st_size,
        "mtime": st.st_mtime,
    }
    info.update({key: bool(st.st_mode & bit) for key, bit in _MODE_BITS.items()})
    if info["islnk"]:
        info["lnk_source"] = os.readlink(path)
    elif info["isreg"] and checksum:
        info["checksum"] = _sha1(path)
    return info


def read_user(name: str, all_groups: list) -> dict:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return {"exists": False}
    return {
        "exists": True,
        "uid": entry.pw_uid,
        "group": _name(grp.getgrgid, entry.pw_gid),
        "groups": sorted(g.gr_name for g in all_groups if name in g.gr_mem and g.gr_gid != entry.pw_gid),
        "home": entry.pw_dir,
        "shell": entry.pw_shell,
    }


def read_group(name: str) -> dict:
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return {"exists": False}
    return {"exists": True, "gid": entry.gr_gid, "members": sorted(entry.gr_mem)}


def read_space(path: str) -> dict:
    probe = path
    while not os.path.exists(probe) and probe not in ("", "/"):
        probe = os.path.dirname(probe)
    st = os.statvfs(probe or "/")
    return {"free": st.f_bavail * st.f_frsize, "total": st.f_blocks * st.f_frsize, "measured_at": probe or "/"}


def parse_systemctl_show(text: str, units: list) -> dict:
    """`systemctl show -p ... A B` prints one block per unit, in order, separated by a blank line."""
    blocks = text.strip().split("\n\n") if text.strip() else []
    out = {}
    for unit, block in zip(units, blocks):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        info = {key: props.get(prop, "") for prop, key in _UNIT_PROPERTIES.items()}
        info["main_pid"] = int(info["main_pid"] or 0)
        out[unit] = info
    for unit in units[len(blocks):]:
        out[unit] = {"load_state": "not-found", "active_state": "inactive", "unit_file_state": "", "main_pid": 0}
    return out


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read().strip()


def _cpu_v2(base: str) -> float | None:
    quota, period = _read(os.path.join(base, "cpu.max")).split()
    return None if quota == "max" else int(quota) / int(period)


def _cpu_v1(base: str) -> float | None:
    quota = int(_read(os.path.join(base, "cpu.cfs_quota_us")))
    return None if quota < 0 else quota / int(_read(os.path.join(base, "cpu.cfs_period_us")))


def _memory_v2(base: str) -> int | None:
    limit = _read(os.path.join(base, "memory.max"))
    return None if limit == "max" else int(limit)


def _memory_v1(base: str) -> int | None:
    return int(_read(os.path.join(base, "memory.limit_in_bytes")))  # "no limit" is a huge number


def _tightest(read, root: str, path: str):
    """The smallest limit set on the cgroup `path` under `root` or on any of its parents."""
    best = None
    path = path.strip("/")
    while True:
        try:
            value = read(os.path.join(root, path))
        except (OSError, ValueError):
            value = None
        if value is not None:
            best = value if best is None else min(best, value)
        if not path:
            return best
        path = os.path.dirname(path)


def cgroup_limits(cgroup_text: str, cgroup_root: str = "/sys/fs/cgroup") -> tuple:
    """(CPUs, memory bytes) that /proc/self/cgroup's groups limit this process to; None where unlimited.

    cgroup v2 (the ``0::`` line) and v1 (the ``cpu`` and ``memory`` controllers' lines) are both read."""
    cpus, memory = [], []
    for line in cgroup_text.splitlines():
        hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if hierarchy == "0" and not controllers:
            cpus.append(_tightest(_cpu_v2, cgroup_root, path))
            memory.append(_tightest(_memory_v2, cgroup_root, path))
        elif "cpu" in controllers.split(","):
            cpus.append(_tightest(_cpu_v1, os.path.join(cgroup_root, controllers), path))
        elif "memory" in controllers.split(","):
            memory.append(_tightest(_memory_v1, os.path.join(cgroup_root, controllers), path))
    cpus = [c for c in cpus if c is not None]
    memory = [m for m in memory if m is not None]
    return (min(cpus) if cpus else None), (min(memory) if memory else None)


def read_resources(proc: str = "/proc", cgroup_root: str = "/sys/fs/cgroup") -> dict:
    cpus = float(len(os.sched_getaffinity(0)))
    with open(os.path.join(proc, "meminfo")) as fh:
        memory = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemTotal:"))
    try:
        quota, limit = cgroup_limits(_read(os.path.join(proc, "self", "cgroup")), cgroup_root)
    except OSError:
        quota = limit = None
    return {"cpus": round(min(cpus, quota or cpus), 2), "memory_mib": min(memory, limit or memory) // (1024 * 1024)}


class _Timex(ctypes.Structure):
    # The head of struct timex (adjtimex(2)); the kernel fills the rest, which the padding holds.
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("rest", ctypes.c_byte * 256)]


_TIME_ERROR = 5
_STA_UNSYNC = 0x0040


def read_clock() -> dict:
    """The clock, and whether the kernel counts it as synchronized (systemd's ntp_synced() rule)."""
    synchronized = None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        timex = _Timex()
        state = libc.adjtimex(ctypes.byref(timex))
        if state >= 0:
            synchronized = state != _TIME_ERROR and not timex.status & _STA_UNSYNC
    except (OSError, AttributeError):
        pass
    return {"time": time.time(), "synchronized": synchronized}


def parse_proc_net_tcp(text: str, ipv6: bool) -> list:
    """Listening sockets in /proc/net/tcp or tcp6: (address, port, uid, inode)."""
    out = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != "0A":  # 0A: TCP_LISTEN
            continue
        address, port = fields[1].split(":")
        raw = bytes.fromhex(address)
        # The kernel prints the address as 32-bit words in host (little-endian) order.
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
        out.append((str(ipaddress.IPv6Address(raw) if ipv6 else ipaddress.IPv4Address(raw)), int(port, 16),
                    int(fields[7]), int(fields[9])))
    return out


def unit_of(cgroup_text: str) -> str | None:
    """The systemd unit in a process's /proc/PID/cgroup: the innermost .service, .scope or .socket."""
    for line in cgroup_text.splitlines():
        if line.startswith("0::"):
            units = [part for part in line[3:].split("/") if part.endswith((".service", ".scope", ".socket"))]
            return units[-1] if units else None
    return None


def read_listeners(proc: str = "/proc") -> list:
    sockets = []
    for name, ipv6 in (("tcp", False), ("tcp6", True)):
        try:
            sockets += parse_proc_net_tcp(_read(os.path.join(proc, "net", name)), ipv6)
        except OSError:
            pass
    wanted = {f"socket:[{inode}]": inode for *_rest, inode in sockets}
    owners = {}
    for fd in glob.glob(os.path.join(proc, "[0-9]*", "fd", "*")):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target in wanted:
            owners.setdefault(wanted[target], int(fd.split(os.sep)[-3]))
    out = []
    # Without CAP_SYS_PTRACE (root in a container) other users' descriptors are
    # unreadable: the socket's owner, which the kernel always reports, still says whose it is.
    for address, port, uid, inode in sorted(sockets, key=lambda s: (s[1], s[0])):
        pid = owners.get(inode)
        process = unit = None
        if pid:
            try:
                process = _read(os.path.join(proc, str(pid), "comm"))
                unit = unit_of(_read(os.path.join(proc, str(pid), "cgroup")))
            except OSError:
                pass
        out.append({"port": port, "address": address, "user": _name(pwd.getpwuid, uid), "pid": pid,
                    "process": process, "unit": unit})
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=[]),
            follow=dict(type="bool", default=False),
            links=dict(type="list", elements="path", default=[]),
            checksum=dict(type="bool", default=True),
            users=dict(type="list", elements="str", default=[]),
            groups=dict(type="list", elements="str", default=[]),
            units=dict(type="list", elements="str", default=[]),
            space=dict(type="list", elements="path", default=[]),
            resources=dict(type="bool", default=False),
            clock=dict(type="bool", default=False),
            listeners=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        paths = {path: read_path(path, p["checksum"], p["follow"]) for path in p["paths"]}
        paths.update({path: read_path(path, False) for path in p["links"]})
    except OSError as exc:
        module.fail_json(msg=f"paths: cannot read {exc.filename}: {exc.strerror}")
    all_groups = grp.getgrall() if p["users"] else []
    result = {
        "changed": False,
        "paths": paths,
        "users": {name: read_user(name, all_groups) for name in p["users"]},
        "groups": {name: read_group(name) for name in p["groups"]},
        "units": {},
        "space": {path: read_space(path) for path in p["space"]},
    }
    if p["units"]:
        systemctl = module.get_bin_path("systemctl", required=True)
        rc, out, err = module.run_command(
            [systemctl, "show", "--property=" + ",".join(_UNIT_PROPERTIES), "--"] + p["units"])
        if rc != 0:
            module.fail_json(msg=f"units: systemctl show failed: {err.strip() or out.strip()}", rc=rc)
        result["units"] = parse_systemctl_show(out, p["units"])
    if p["resources"]:
        result["resources"] = read_resources()
    if p["listeners"]:
        result["listeners"] = read_listeners()
    if p["clock"]:
        # Last, so the controller compares it with its own clock as soon after as it can.
        result["clock"] = read_clock()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
