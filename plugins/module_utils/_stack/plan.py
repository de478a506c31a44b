# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The project's resource plan: the smallest host each kind of host is meant for (a backend runs Jaeger, Prometheus
or Grafana). The collector's sizing warns below it; the stack's preflight checks hosts against it."""

from __future__ import annotations

RESOURCE_PLAN = {
    "agent": {"cpus": 0.5, "memory_mib": 512},
    "gateway": {"cpus": 2, "memory_mib": 4096},
    "backend": {"cpus": 4, "memory_mib": 16384, "disk_gb": 500},
}
