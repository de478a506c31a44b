# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a host's state for the host_state module: paths, users, groups, units' states, filesystem space, the
CPUs and memory its cgroups give (v1 and v2), the clock's synchronization (adjtimex), and the listening TCP sockets
with the process and unit holding each (/proc/net/tcp, /proc/PID/fd). No Ansible imports: pytest tests it directly."""

from __future__ import annotations

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


_MODE_BITS = {
    "rusr": stat.S_IRUSR, "wusr": stat.S_IWUSR, "xusr": stat.S_IXUSR,
    "rgrp": stat.S_IRGRP, "wgrp": stat.S_IWGRP, "xgrp": stat.S_IXGRP,
    "roth": stat.S_IROTH, "woth": stat.S_IWOTH, "xoth": stat.S_IXOTH,
}
UNIT_PROPERTIES = {"LoadState": "load_state", "ActiveState": "active_state", "UnitFileState": "unit_file_state",
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


def read_users(names: list) -> dict:
    """Each user by name, with its supplementary groups (read from the group database once)."""
    all_groups = grp.getgrall() if names else []
    return {name: read_user(name, all_groups) for name in names}


def read_group(name: str) -> dict:
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return {"exists": False}
    return {"exists": True, "gid": entry.gr_gid, "members": sorted(entry.gr_mem)}


def read_text(path: str, limit: int = 65536) -> str | None:
    """A small file's text (at most `limit` bytes), None when it does not exist."""
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def read_space(path: str) -> dict:
    probe = path
    while not os.path.exists(probe) and probe not in ("", "/"):
        probe = os.path.dirname(probe)
    st = os.statvfs(probe or "/")
    return {"free": st.f_bavail * st.f_frsize, "total": st.f_blocks * st.f_frsize, "measured_at": probe or "/"}


def parse_dpkg_status(text: str, names: list) -> dict:
    """Each package by name: installed (dpkg's "install ok installed") and its version, from /var/lib/dpkg/status."""
    found = {}
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        name = fields.get("Package")
        if name in names and fields.get("Status", "").endswith(" installed"):
            found[name] = {"installed": True, "version": fields.get("Version", "")}
    return {name: found.get(name, {"installed": False, "version": ""}) for name in names}


def read_packages(names: list, status: str = "/var/lib/dpkg/status") -> dict:
    if not names:
        return {}
    try:
        text = _read(status)
    except OSError:
        text = ""
    return parse_dpkg_status(text, names)


def parse_systemctl_show(text: str, units: list) -> dict:
    """`systemctl show -p ... A B` prints one block per unit, in order, separated by a blank line."""
    blocks = text.strip().split("\n\n") if text.strip() else []
    out = {}
    for unit, block in zip(units, blocks):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        info = {key: props.get(prop, "") for prop, key in UNIT_PROPERTIES.items()}
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


def parse_nft_tables(text: str, wanted: list) -> dict:
    """Which of the wanted tables ('<family> <name>') `nft list tables` lists."""
    listed = {" ".join(line.split()[1:3]) for line in text.splitlines() if line.startswith("table ")}
    return {name: " ".join(name.split()) in listed for name in wanted}


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
