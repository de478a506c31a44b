# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""telemetry.stack.pki_state: read the controller's PKI for one host, in the controller's own process."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.telemetry.stack.plugins.module_utils._pki.state import HAS_CRYPTOGRAPHY, Wanted, read

ARGUMENT_SPEC = {
    "ca_cert": {"type": "path", "required": True},
    "certs": {"type": "list", "elements": "dict", "default": []},
    "common_name": {"type": "str", "required": True},
    "sans": {"type": "list", "elements": "str", "default": []},
    "renew_before_days": {"type": "int", "required": True},
    "rotate": {"type": "bool", "default": False},
    "pki_dir": {"type": "path", "default": ""},
    "ca_common_name": {"type": "str", "default": ""},
    "tiers": {"type": "list", "elements": "dict", "default": []},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if not HAS_CRYPTOGRAPHY:
            return dict(result, failed=True, msg="telemetry.stack.pki_state needs the Python cryptography library on the controller")
        bad = [entry for entry in args["certs"] if not {"cert", "key"} <= set(entry)]
        if bad:
            return dict(result, failed=True, msg=f"telemetry.stack.pki_state: each of certs needs cert and key, got {bad}")
        bad = [entry for entry in args["tiers"] if not {"name", "cert", "key", "common_name"} <= set(entry)]
        if bad:
            return dict(result, failed=True, msg=f"telemetry.stack.pki_state: each of tiers needs name, cert, key and common_name, got {bad}")
        wanted = Wanted(common_name=args["common_name"], sans=args["sans"], renew_before_days=args["renew_before_days"],
                        rotate=args["rotate"])
        try:
            found = read(args["ca_cert"], args["certs"], wanted, pki_dir=args["pki_dir"] or "",
                         ca_common_name=args["ca_common_name"], tiers=args["tiers"])
        except ValueError as exc:
            return dict(result, failed=True, msg=f"telemetry.stack.pki_state: {exc}")
        result.update(changed=False, **found)
        return result
