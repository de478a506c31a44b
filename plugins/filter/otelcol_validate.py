# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otelcol_validate: check a collector config without a collector (docs/validator.md)."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import validate
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("otelcol_validate", ValueError)
def otelcol_validate(config: Any, version: str, distribution: str = "otelcol-contrib", components: dict | None = None) -> dict:
    """The same result as the otelcol_validate module: valid, findings, errors."""
    return validate(config, version, distribution, components).as_dict()


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"otelcol_validate": otelcol_validate}
