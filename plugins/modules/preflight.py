#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: preflight
short_description: Check a host's size, ports and clock before the stack changes it
version_added: 0.1.0
description:
  - Reads the host once (with M(telemetry.stack.host_state)) and judges it on the controller against what the
    inventory asks of it. The role M(telemetry.stack.preflight) runs it as the first step of C(site.yml).
  - B(Ports.) Two services of the host asking for one port, and a port already taken by a process that is not the
    service asking for it, are problems. The message names the variable that moves the port.
  - B(Size.) CPUs, memory (container and cgroup limits count) and the disk of O(disk_path) against the resource
    plan for the host's O(kinds). O(resource_check) says whether a shortfall is an error, a warning or ignored.
  - B(Clock.) A clock further from the controller's than O(max_clock_skew) is a problem; a clock the kernel does
    not count as synchronized is sorted by O(time_check).
  - Problems fail the task, all of them in one message; warnings are shown and the run goes on.
author: telemetry.stack maintainers (!UNKNOWN)
options:
  plan:
    description:
      - What the host will run, one entry per service, each with C(service) (its name), C(unit) (its systemd
        unit) and C(ports), a mapping of the variable that sets each port to the port.
    type: list
    elements: dict
    default: []
  kinds:
    description:
      - The host's kinds in the resource plan, among V(agent), V(gateway) and V(backend). A host of several
        kinds needs the most any of them asks for. Empty skips the size check.
    type: list
    elements: str
    default: []
  resource_plan:
    description:
      - "Changes to the built-in resource plan, per kind, such as V({backend: {disk_gb: 100}})."
      - "The built-in plan: agent 0.5 CPU and 512 MiB; gateway 2 CPUs and 4096 MiB; backend 4 CPUs, 16384 MiB
        and 500 GB of disk."
    type: dict
    default: {}
  resource_check:
    description: What a host below the resource plan is.
    type: str
    choices: [error, warn, "off"]
    default: warn
  time_check:
    description: What a clock the kernel does not count as synchronized is.
    type: str
    choices: [error, warn, "off"]
    default: warn
  max_clock_skew:
    description: The most, in seconds, the host's clock may differ from the controller's. Beyond it is always a problem.
    type: float
    default: 5
  disk_path:
    description: Where the backends keep their data; the size of its filesystem is checked.
    type: path
    default: /var/lib
extends_documentation_fragment:
  - telemetry.stack.attributes
  - telemetry.stack.attributes.action
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  action:
    support: full
notes:
  - "Run it with C(become: true), so it can name the processes holding ports."
seealso:
  - module: telemetry.stack.host_state
"""

EXAMPLES = r"""
- name: Check the host before anything changes
  telemetry.stack.preflight:
    kinds: [gateway]
    resource_check: "{{ 'error' if telemetry_stack_environment == 'prod' else 'warn' }}"
    plan:
      - service: otelcol-contrib
        unit: otelcol-contrib.service
        ports: {otelcol_otlp_grpc_port: 4317, otelcol_otlp_http_port: 4318}
"""

RETURN = r"""
problems:
  description: What stops the run, one sentence each, naming the fix.
  returned: always
  type: list
  elements: str
  sample: ["port 9090 (prometheus_port of prometheus) is already taken by python3 (pid 812, web.service) on 0.0.0.0:
            stop that, or set prometheus_port to a free port"]
warnings:
  description: What was found but does not stop the run; Ansible shows each as a warning.
  returned: always
  type: list
  elements: str
resources:
  description: The host's CPUs and memory, as M(telemetry.stack.host_state) reports them.
  returned: success
  type: dict
  sample: {cpus: 2.0, memory_mib: 3934}
disk:
  description: The filesystem of O(disk_path).
  returned: success
  type: dict
  sample: {free: 36019277824, total: 270553174016, measured_at: /var/lib}
clock:
  description: The host's clock and whether it is synchronized.
  returned: success
  type: dict
listeners:
  description: The TCP ports in use, with the process and unit holding each.
  returned: success
  type: list
  elements: dict
"""
