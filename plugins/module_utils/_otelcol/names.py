# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A collector config with each component type under its current name for a release (otlp -> otlp_grpc from
0.144.0, loadbalancing -> load_balancing from 0.153.0, ...): the old names are deprecated aliases, and the
collector logs a warning for each at start."""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol import catalog

_SECTIONS = {"receivers": "receiver", "processors": "processor", "exporters": "exporter", "extensions": "extension",
             "connectors": "connector"}
# Which sections a pipeline's lists refer to (a connector is an exporter of one pipeline and a receiver of another).
_PIPELINE_REFS = {"receivers": ("receivers", "connectors"), "processors": ("processors",), "exporters": ("exporters", "connectors")}


def _renamed(kind: str, ctype: str, version: catalog.Version, distribution: str) -> str:
    for r in catalog.RENAMES:
        if r.kind == kind and r.old == ctype and version >= r.version and r.new in catalog.types(distribution, version, kind):
            return r.new
    return ctype


def current_names(config: Any, version: str, distribution: str = "otelcol-contrib") -> Any:
    """``config`` with every component ID whose type has a newer name in ``version`` renamed (``otlp/gateway`` ->
    ``otlp_grpc/gateway``), in its section and wherever the service refers to it. Anything else is left as it is."""
    if distribution not in catalog.DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(catalog.DISTRIBUTIONS)}, got {distribution!r}")
    v = catalog.parse_version(version)
    if not isinstance(config, dict):
        return config
    out = copy.deepcopy(config)
    ids: dict[str, dict[str, str]] = {}
    for section, kind in _SECTIONS.items():
        components = out.get(section)
        if not isinstance(components, dict):
            continue
        ids[section] = {}
        for cid in list(components):
            ctype, sep, name = str(cid).partition("/")
            new = _renamed(kind, ctype, v, distribution) + sep + name
            ids[section][cid] = new
        out[section] = {ids[section][cid]: value for cid, value in components.items()}
    service = out.get("service")
    if not isinstance(service, dict):
        return out
    if isinstance(service.get("extensions"), list):
        service["extensions"] = [ids.get("extensions", {}).get(e, e) for e in service["extensions"]]
    for pipeline in (service.get("pipelines") or {}).values() if isinstance(service.get("pipelines"), dict) else ():
        if not isinstance(pipeline, dict):
            continue
        for key, sections in _PIPELINE_REFS.items():
            if isinstance(pipeline.get(key), list):
                pipeline[key] = [next((ids[s][ref] for s in sections if ref in ids.get(s, {})), ref) for ref in pipeline[key]]
    return out
