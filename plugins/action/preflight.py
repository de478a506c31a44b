# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""telemetry.stack.preflight: read the host once (host_state) and judge it on the controller."""

from __future__ import annotations

import time

from ansible.plugins.action import ActionBase

from ansible_collections.telemetry.stack.plugins.module_utils._stack.preflight import LEVELS, PreflightError, evaluate

ARGUMENT_SPEC = {
    "plan": {"type": "list", "elements": "dict", "default": []},
    "kinds": {"type": "list", "elements": "str", "default": []},
    "resource_plan": {"type": "dict", "default": {}},
    "resource_check": {"type": "str", "choices": list(LEVELS), "default": "warn"},
    "time_check": {"type": "str", "choices": list(LEVELS), "default": "warn"},
    "max_clock_skew": {"type": "float", "default": 5.0},
    "disk_path": {"type": "path", "default": "/var/lib"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        sent = time.time()
        state = self._execute_module(
            module_name="telemetry.stack.host_state",
            module_args={"resources": True, "clock": True, "listeners": True, "space": [args["disk_path"]]},
            task_vars=task_vars)
        received = time.time()
        if state.get("failed"):
            return dict(result, **state)
        try:
            found = evaluate(
                state, args["plan"], args["kinds"], sent, received, resource_check=args["resource_check"],
                time_check=args["time_check"], max_skew=args["max_clock_skew"], resource_plan=args["resource_plan"],
                disk_path=args["disk_path"])
        except (PreflightError, KeyError, TypeError) as exc:
            return dict(result, failed=True, msg=f"telemetry.stack.preflight: {exc}")
        result.update(
            changed=False,
            problems=found["problems"],
            # Ansible shows warnings without the host: name it.
            warnings=[f"{task_vars.get('inventory_hostname')}: {w}" for w in found["warnings"]],
            resources=state["resources"],
            clock=state["clock"],
            disk=state["space"][args["disk_path"]],
            listeners=state["listeners"],
        )
        if found["problems"]:
            result["failed"] = True
            result["msg"] = (f"{len(found['problems'])} problem(s), nothing was changed: "
                             + "; ".join(f"({n}) {p}" for n, p in enumerate(found["problems"], 1)))
        return result
