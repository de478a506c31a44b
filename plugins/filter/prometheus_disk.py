# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""prometheus_disk: the disk a Prometheus server needs (docs/sizing.md)."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._prometheus.sizing import SizingError, disk
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("prometheus_disk", SizingError)
def prometheus_disk(series: Any, scrape_interval: Any = "15s", retention_time: Any = "15d", retention_size: Any = None,
                    bytes_per_sample: Any = 2) -> dict:
    return disk(series, scrape_interval, retention_time, retention_size, bytes_per_sample)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"prometheus_disk": prometheus_disk}
