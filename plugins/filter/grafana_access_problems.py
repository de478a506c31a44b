# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""grafana_access_problems: what is wrong with Grafana's users, teams and folders, before any host changes."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._grafana.access import problems


def grafana_access_problems(users: Any, teams: Any = None, folders: Any = None) -> list[str]:
    """One message per problem, naming the variable and the fix."""
    return problems(users or [], teams or [], folders or [])


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"grafana_access_problems": grafana_access_problems}
