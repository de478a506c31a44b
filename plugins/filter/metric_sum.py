# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""metric_sum: the sum of a metric's series on a Prometheus /metrics page."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._prometheus.exposition import metric_sum as _metric_sum
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("metric_sum", TypeError, ValueError)
def metric_sum(text: Any, name: Any, labels: Any = None) -> float:
    return _metric_sum(text, name, labels)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"metric_sum": metric_sum}
