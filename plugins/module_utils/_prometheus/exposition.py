# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read a metric from the Prometheus text exposition format (what /metrics serves).

Pure Python; the ``metric_sum`` filter is a thin shell over :func:`metric_sum`.
"""

from __future__ import annotations

import math
import re

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$")


def metric_sum(text: str, name: str, labels: dict | None = None) -> float:
    """The sum of every series of ``name`` (or ``name_total``, as older collectors call counters) in ``text``.

    ``labels`` keeps only the series whose labels have those values. A metric that is absent sums to 0.
    """
    if not isinstance(text, str):
        raise TypeError(f"the input must be the text of a /metrics page, got {type(text).__name__}")
    if not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", name):
        raise ValueError(f"name must be a metric name such as otelcol_receiver_accepted_spans, got {name!r}")
    wanted = {name, name + "_total"}
    total = 0.0
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line.strip())
        if not match or match.group(1) not in wanted:
            continue
        if labels:
            have = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
            if any(have.get(k) != str(v) for k, v in labels.items()):
                continue
        value = float(match.group(3))
        if not math.isnan(value):
            total += value
    return total
