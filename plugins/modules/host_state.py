#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_state
short_description: Read files, users, groups and systemd units in one call
version_added: 0.1.0
description:
  - Reports, in one remote call, what a role needs to know to decide whether anything must change on a host,
    namely the state of several paths (as M(ansible.builtin.stat) would, one call each), of users and groups,
    and of systemd units.
  - The roles of this collection read the host with it once, then run each write only where the host differs
    from what they want. A run that changes nothing costs this one call instead of one call per file, user and unit.
  - Missing paths, users, groups and units are reported as such; they are not errors.
author: telemetry.stack maintainers
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
units:
  description: >-
    Each systemd unit, with its C(LoadState) (V(not-found) when there is no such unit), C(ActiveState),
    C(UnitFileState) and C(MainPID), as C(systemctl show) reports them.
  returned: always
  type: dict
  sample:
    otelcol-contrib.service: {load_state: loaded, active_state: active, unit_file_state: enabled, main_pid: 812}
"""

import grp
import hashlib
import os
import pwd
import stat

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
    blocks = [b for b in text.strip().split("\n\n")] if text.strip() else []
    out = {}
    for unit, block in zip(units, blocks):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        info = {key: props.get(prop, "") for prop, key in _UNIT_PROPERTIES.items()}
        info["main_pid"] = int(info["main_pid"] or 0)
        out[unit] = info
    for unit in units[len(blocks):]:
        out[unit] = {"load_state": "not-found", "active_state": "inactive", "unit_file_state": "", "main_pid": 0}
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=[]),
            follow=dict(type="bool", default=False),
            checksum=dict(type="bool", default=True),
            users=dict(type="list", elements="str", default=[]),
            groups=dict(type="list", elements="str", default=[]),
            units=dict(type="list", elements="str", default=[]),
            space=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        paths = {path: read_path(path, p["checksum"], p["follow"]) for path in p["paths"]}
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
    module.exit_json(**result)


if __name__ == "__main__":
    main()
