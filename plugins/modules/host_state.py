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
  packages:
    description:
      - Debian package names to look up in dpkg's database (installed or not, and the version).
    type: list
    elements: str
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
  contents:
    description:
      - Small files to return the text of, in RV(contents) (at most 64 KiB each; an absent file is V(null)). For what
        is public and short, such as an SSH public key; never for secrets, which would reach the controller's output.
    type: list
    elements: path
    default: []
  nft_tables:
    description:
      - nftables tables to look for, as C(<family> <name>) (V(inet telemetry_stack)), reported in RV(nft_tables).
        Without C(nft) on the host, none exists. Run as root.
    type: list
    elements: str
    default: []
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
packages:
  description: Each package of O(packages), C(installed) and its C(version) (empty when not installed).
  returned: always
  type: dict
  sample:
    openjdk-17-jre-headless: {installed: true, version: 17.0.19+10-1~deb12u2}
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
contents:
  description: The text of each file of O(contents), V(null) when it does not exist.
  returned: always
  type: dict
  sample: {/etc/telemetry-stack/backup/id_ed25519.pub: "ssh-ed25519 AAAA... root@backend-1"}
nft_tables:
  description: Each table of O(nft_tables), V(true) when the kernel has it.
  returned: always
  type: dict
  sample: {inet telemetry_stack: true}
units:
  description: >-
    Each systemd unit, with its C(LoadState) (V(not-found) when there is no such unit), C(ActiveState),
    C(UnitFileState) and C(MainPID), as C(systemctl show) reports them.
  returned: always
  type: dict
  sample:
    otelcol-contrib.service: {load_state: loaded, active_state: active, unit_file_state: enabled, main_pid: 812}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.telemetry.stack.plugins.module_utils._stack.host import (
    UNIT_PROPERTIES,
    parse_nft_tables,
    parse_systemctl_show,
    read_clock,
    read_group,
    read_listeners,
    read_packages,
    read_path,
    read_resources,
    read_space,
    read_text,
    read_users,
)


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
            packages=dict(type="list", elements="str", default=[]),
            resources=dict(type="bool", default=False),
            clock=dict(type="bool", default=False),
            listeners=dict(type="bool", default=False),
            nft_tables=dict(type="list", elements="str", default=[]),
            contents=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        paths = {path: read_path(path, p["checksum"], p["follow"]) for path in p["paths"]}
        paths.update({path: read_path(path, False) for path in p["links"]})
    except OSError as exc:
        module.fail_json(msg=f"paths: cannot read {exc.filename}: {exc.strerror}")
    result = {
        "changed": False,
        "paths": paths,
        "users": read_users(p["users"]),
        "groups": {name: read_group(name) for name in p["groups"]},
        "units": {},
        "space": {path: read_space(path) for path in p["space"]},
        "packages": read_packages(p["packages"]),
        "contents": {path: read_text(path) for path in p["contents"]},
    }
    if p["units"]:
        systemctl = module.get_bin_path("systemctl", required=True)
        rc, out, err = module.run_command(
            [systemctl, "show", "--property=" + ",".join(UNIT_PROPERTIES), "--"] + p["units"])
        if rc != 0:
            module.fail_json(msg=f"units: systemctl show failed: {err.strip() or out.strip()}", rc=rc)
        result["units"] = parse_systemctl_show(out, p["units"])
    result["nft_tables"] = {}
    if p["nft_tables"]:
        nft = module.get_bin_path("nft")
        listed = ""
        if nft:
            rc, listed, err = module.run_command([nft, "list", "tables"])
            if rc != 0:
                module.fail_json(msg=f"nft_tables: nft list tables failed: {err.strip() or listed.strip()}", rc=rc)
        result["nft_tables"] = parse_nft_tables(listed, p["nft_tables"])
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
