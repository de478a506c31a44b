# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cassandra_problems: what is wrong with the keyspaces and roles wanted of a Cassandra ring."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._cassandra.setup import check


def cassandra_problems(keyspaces: Any, roles: Any, ring_size: Any) -> list[str]:
    return check(list(keyspaces or []), list(roles or []), int(ring_size))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"cassandra_problems": cassandra_problems}
