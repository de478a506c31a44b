# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""alertmanager_problems: what Alertmanager would refuse in a config's routes, receivers and time intervals."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._alertmanager.config import problems


def alertmanager_problems(config: Any, names: Any = None) -> list[str]:
    return problems(config, dict(names or {}))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"alertmanager_problems": alertmanager_problems}
