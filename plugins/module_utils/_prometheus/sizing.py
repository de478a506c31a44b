# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How much disk a Prometheus server needs, by the formula in Prometheus' storage docs.

    needed_disk_space = retention_time_seconds * ingested_samples_per_second * bytes_per_sample

where ingested samples per second are the active series divided by the scrape interval, and
Prometheus stores "an average of only 1-2 bytes per sample" after compression: 2 is the default,
the cautious end. docs/sizing.md has the sources. Pure Python, no Ansible: tests call it directly.
"""

from __future__ import annotations

import re
from typing import Any

# Prometheus' duration units (model.ParseDuration) and size units (units.Base2Bytes: KB = 1024 B).
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_SIZE_UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40, "PB": 1 << 50, "EB": 1 << 60}
_SIZE = re.compile(r"^(\d+)(B|KB|MB|GB|TB|PB|EB)$")
WAL_AND_HEAD_HEADROOM = 1.2  # the WAL and the in-memory head block come on top of the compacted blocks


class SizingError(ValueError):
    """Bad input: the message names the field and what it must be."""


def parse_duration(field: str, value: Any) -> float:
    """Seconds in a Prometheus duration such as 15s, 1h30m or 15d."""
    text = str(value).strip() if value is not None else ""
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise SizingError(f"{field} must be a Prometheus duration such as 15s, 1h30m or 15d, got {value!r}")
    units = ("y", "w", "d", "h", "m", "s", "ms")
    seconds = sum(int(n) * _DURATION_UNITS[u] for n, u in zip(match.groups(), units) if n)
    if seconds <= 0:
        raise SizingError(f"{field} must be longer than zero, got {value!r}")
    return seconds


def parse_size(field: str, value: Any) -> int:
    """Bytes in a Prometheus size such as 512MB or 50GB (powers of 1024)."""
    match = _SIZE.match(str(value).strip()) if value is not None else None
    if not match or int(match.group(1)) <= 0:
        raise SizingError(f"{field} must be a size such as 512MB, 50GB or 2TB, got {value!r}")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def _positive(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SizingError(f"{field} must be a positive number, got {value!r}")
    return float(value)


def disk(series: Any, scrape_interval: Any = "15s", retention_time: Any = "15d", retention_size: Any = None,
         bytes_per_sample: Any = 2) -> dict:
    """The disk a server with `series` active series needs for its retention."""
    n = _positive("series", series)
    interval = parse_duration("scrape_interval", scrape_interval)
    retention = parse_duration("retention_time", retention_time)
    per_sample = _positive("bytes_per_sample", bytes_per_sample)
    samples_per_second = n / interval
    blocks = retention * samples_per_second * per_sample
    cap = parse_size("retention_size", retention_size) if retention_size not in (None, "") else None
    if cap is not None:
        blocks = min(blocks, cap)
    needed = int(blocks * WAL_AND_HEAD_HEADROOM)
    return {
        "samples_per_second": round(samples_per_second, 3),
        "retention_seconds": int(retention),
        "blocks_bytes": int(blocks),
        "needed_bytes": needed,
        "needed_gib": round(needed / (1 << 30), 2),
        "capped_by_retention_size": cap is not None and blocks == cap,
    }
