# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cassandra_replaced_node: the lost node's address a Cassandra node with no data takes over, or an empty string."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.module_utils._cassandra.ring import RingError, replaced_address


def cassandra_replaced_node(status: Any, group_size: Any, other_addresses: Any) -> str:
    try:
        return replaced_address(str(status or ""), int(group_size), [str(a) for a in other_addresses or []])
    except RingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"cassandra_replaced_node": cassandra_replaced_node}
