# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A collector config with each component type under its current name for a release (otlp -> otlp_grpc from
0.144.0, loadbalancing -> load_balancing from 0.153.0, ...): the old names are deprecated aliases, and the
collector logs a warning for each at start."""

from __future__ import annotations

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
    ``otlp_grpc/gateway``), in its section and wherever the service refers to it. Anything else is left as it is.

    The input is not changed, nor copied deeply: the result shares every value it does not rename around (Ansible
    hands filters lazily templated containers, which a deep copy would drag along)."""
    if distribution not in catalog.DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(catalog.DISTRIBUTIONS)}, got {distribution!r}")
    v = catalog.parse_version(version)
    if not isinstance(config, dict):
        return config
    out = dict(config)
    ids: dict[str, dict[str, str]] = {}
    for section, kind in _SECTIONS.items():
        components = config.get(section)
        if not isinstance(components, dict):
            continue
        ids[section] = {}
        for cid in components:
            ctype, sep, name = str(cid).partition("/")
            ids[section][cid] = _renamed(kind, ctype, v, distribution) + sep + name
        out[section] = {ids[section][cid]: value for cid, value in components.items()}
    service = config.get("service")
    if not isinstance(service, dict):
        return out
    service = out["service"] = dict(service)
    if isinstance(service.get("extensions"), list):
        service["extensions"] = [ids.get("extensions", {}).get(e, e) for e in service["extensions"]]
    if isinstance(service.get("pipelines"), dict):
        service["pipelines"] = {pid: _pipeline(pipeline, ids) for pid, pipeline in service["pipelines"].items()}
    return out


def _pipeline(pipeline: Any, ids: dict[str, dict[str, str]]) -> Any:
    if not isinstance(pipeline, dict):
        return pipeline
    out = dict(pipeline)
    for key, sections in _PIPELINE_REFS.items():
        if isinstance(out.get(key), list):
            out[key] = [next((ids[s][ref] for s in sections if ref in ids.get(s, {})), ref) for ref in out[key]]
    return out
