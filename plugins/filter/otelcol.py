# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over the collection's collector logic: otelcol_validate, otelcol_sizing and otelcol_current_names."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError
from jinja2.runtime import Undefined

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.names import current_names
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.sizing import SizingError, size
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import validate


def otelcol_validate(config: Any, version: str, distribution: str = "otelcol-contrib", components: dict | None = None) -> dict:
    """The same result as the otelcol_validate module: valid, findings, errors."""
    try:
        return validate(config, version, distribution, components).as_dict()
    except ValueError as exc:
        raise AnsibleFilterError(f"telemetry.stack.otelcol_validate: {exc}") from exc


def otelcol_sizing(memory_mb: Any, cpus: Any = None, mode: Any = None, spans_per_second: Any = None, datapoints_per_second: Any = None) -> dict:
    """memory_limiter, GOMEMLIMIT, batch and sending-queue settings for a host (docs/sizing.md)."""
    for name, value in (("memory_mb", memory_mb), ("cpus", cpus), ("mode", mode)):
        if value is None or isinstance(value, Undefined):
            fix = {"memory_mb": "pipe ansible_facts.memtotal_mb in", "cpus": "pass cpus=ansible_facts.processor_vcpus",
                   "mode": "pass mode='agent' or mode='gateway'"}[name]
            raise AnsibleFilterError(f"telemetry.stack.otelcol_sizing: {name} is missing (undefined); {fix}, with facts gathered")
    try:
        return size(memory_mb, cpus, mode, spans_per_second, datapoints_per_second)
    except SizingError as exc:
        raise AnsibleFilterError(f"telemetry.stack.otelcol_sizing: {exc}") from exc


def otelcol_current_names(config: Any, version: str, distribution: str = "otelcol-contrib") -> Any:
    """The config with each component type under its current name for the release (no deprecated aliases)."""
    try:
        return current_names(config, version, distribution)
    except ValueError as exc:
        raise AnsibleFilterError(f"telemetry.stack.otelcol_current_names: {exc}") from exc


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"otelcol_validate": otelcol_validate, "otelcol_sizing": otelcol_sizing, "otelcol_current_names": otelcol_current_names}
