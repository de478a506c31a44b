# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otelcol_current_names: each component type under the name the release gives it."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.names import current_names
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("otelcol_current_names", ValueError)
def otelcol_current_names(config: Any, version: str, distribution: str = "otelcol-contrib") -> Any:
    """The config with each component type under its current name for the release (no deprecated aliases)."""
    return current_names(config, version, distribution)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"otelcol_current_names": otelcol_current_names}
