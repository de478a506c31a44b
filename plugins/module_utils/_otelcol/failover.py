# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Send to one of several equal destinations, and fail over between them.

The otelcol role uses this wherever a collector has more than one place to
send the same data: an agent's gateways, a gateway's Jaeger hosts. It is the
contrib ``failover`` connector, laid out as follows for destinations
``d0, d1, ...`` (in this host's order of preference):

- a ``failover/<name>_<signal>`` connector per signal, whose in-memory queue
  takes the data at once (the pipeline in front is never held up by a dead
  destination) and whose priority levels are one pipeline per destination,
  then the *hold* pipeline;
- per destination (the first ``MAX_LEVELS`` in this host's order) an exporter
  with no queue of its own, one attempt and a short timeout, the levels'
  timeouts adding up to less than the 5 s the connector gives a batch: a
  failed or hung export comes back to the connector in time for the same data
  to go to the next level;
- the *hold* exporter last: the destination-of-first-choice with the queue
  that rides out an outage of every destination (the agent's is on disk).
  With ``hold_everywhere``, the hold level sends to every destination, each
  through a queue of its own: for a store whose writes are idempotent
  (Jaeger's spans, by trace and span ID), where a copy held for a dead host is
  harmless and one held only for it would be unseen until it came back.

Data reaches the hold level not only when every destination is down: a batch
the last level refuses once (a store's hiccup while the one before it is
dead) sends the connector there until its next ``retry_interval``. A single
hold queue for the destination-of-first-choice keeps that data until that
host is back; so Jaeger, whose hosts may be gone for good, holds everywhere.

The connector goes back to the first level every ``retry_interval``, so the
load spreads again once a destination returns. With one destination there is
nothing to fail over to: the hold exporter alone is the config.

docs/architecture.md shows the layout; docs/benchmarks.md the measured delays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

SIGNALS = ("traces", "metrics", "logs")

# The connector gives each batch 5 s in all, over every level it tries: its queue's request timeout, which
# is exporterhelper's default and which the connector does not let a config change. A level that waits out
# that time leaves the next ones an expired request, which they fail at once: a destination that hangs (a
# host gone, whose address no longer answers, rather than a process that refuses) would send every batch to
# the hold level, and back there at each retry_interval, until it returned. So the destinations' levels
# share 4 s of it, one attempt each (a refusal moves on at once; no retries, which only the hold level has),
# and the hold level, a queue that takes the batch at once, has the rest. At most MAX_LEVELS destinations
# are levels (1 s each then); the hold level still sends to every destination where it does.
LEVELS_BUDGET_MS = 4000
MAX_LEVELS = 4


def level_exporter(levels: int) -> dict[str, Any]:
    """The settings of each destination's exporter when there are ``levels`` of them."""
    return {
        "timeout": f"{LEVELS_BUDGET_MS // max(1, min(levels, MAX_LEVELS))}ms",
        "sending_queue": {"enabled": False},
        "retry_on_failure": {"enabled": False},
    }


class FailoverError(ValueError):
    """Bad input; the message names the field."""


def preferred_order(destinations: Sequence[str], host: str) -> list[str]:
    """The destinations, starting at one picked by a hash of the host's name: hosts spread over them evenly."""
    if not destinations:
        return []
    start = int(hashlib.md5(host.encode(), usedforsecurity=False).hexdigest(), 16) % len(destinations)
    return list(destinations[start:]) + list(destinations[:start])


def failover(
    destinations: Sequence[str],
    name: str,
    hold: str,
    hold_settings: Mapping[str, Any],
    exporter: Mapping[str, Any] | None = None,
    signals: Sequence[str] = SIGNALS,
    retry_interval: str = "30s",
    queue: Mapping[str, Any] | None = None,
    hold_everywhere: bool = False,
) -> dict[str, Any]:
    """The exporters, connectors and pipelines that send ``signals`` to ``destinations`` in that order of preference.

    ``hold`` is the ID of the exporter of last resort (``otlp/gateway``) and ``hold_settings`` its settings
    without the endpoint; ``exporter`` the settings every destination's exporter shares (TLS). With
    ``hold_everywhere`` the hold level sends to every destination (``hold`` for the first, ``<kind>/<name>_hold_<i>``
    for the others), each with the hold settings. The result's ``exporters_for`` maps each signal to what a pipeline
    of that signal exports to.
    """
    if not destinations or not all(isinstance(d, str) and d for d in destinations):
        raise FailoverError(f"{name}: destinations must be a non-empty list of host:port, got {destinations!r}")
    unknown = [s for s in signals if s not in SIGNALS]
    if unknown:
        raise FailoverError(f"{name}: signals must be among {', '.join(SIGNALS)}, got {', '.join(unknown)}")
    kind = hold.partition("/")[0]
    out: dict[str, Any] = {
        "exporters": {hold: {**dict(hold_settings), "endpoint": destinations[0]}},
        "connectors": {},
        "pipelines": {},
        "exporters_for": {s: [hold] for s in signals},
    }
    if len(destinations) == 1:
        return out
    holds = [hold]
    count = min(len(destinations), MAX_LEVELS)
    level = {**dict(exporter or {}), **level_exporter(count)}
    for i, endpoint in enumerate(destinations):
        if i < count:
            out["exporters"][f"{kind}/{name}_{i}"] = {**level, "endpoint": endpoint}
        if hold_everywhere and i:
            holds.append(f"{kind}/{name}_hold_{i}")
            out["exporters"][holds[-1]] = {**dict(hold_settings), "endpoint": endpoint}
    for signal in signals:
        connector = f"failover/{name}_{signal}"
        levels = [f"{signal}/{name}_{i}" for i in range(count)] + [f"{signal}/{name}_hold"]
        out["connectors"][connector] = {
            "priority_levels": [[p] for p in levels],
            "retry_interval": retry_interval,
            "sending_queue": {"enabled": True, **dict(queue or {})},
        }
        for i, pipeline in enumerate(levels):
            targets = holds if i == count else [f"{kind}/{name}_{i}"]
            out["pipelines"][pipeline] = {"receivers": [connector], "exporters": targets}
        out["exporters_for"][signal] = [connector]
    return out
