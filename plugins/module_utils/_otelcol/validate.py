# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate an OpenTelemetry Collector config without the collector binary.

Pure Python, no Ansible imports: the ``otelcol_validate`` module and filter
are thin shells over :func:`validate`, and pytest tests it directly.

The checks follow what ``otelcol validate`` rejects, so a config this passes
is one the real binary of that version and distribution accepts. It is
stricter only where the binary cannot see a problem until start-up; those
findings are documented in docs/validator.md (port clashes between
components, for example).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol import catalog

SECTIONS = ("receivers", "processors", "exporters", "extensions", "connectors")
TOP_LEVEL = SECTIONS + ("service",)
SERVICE_KEYS = ("extensions", "pipelines", "telemetry")
PIPELINE_KEYS = ("receivers", "processors", "exporters")
SIGNALS = ("traces", "metrics", "logs", "profiles")

# A component type: a letter, then letters, digits or underscores (max 63).
_TYPE_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z_]{0,62}$")
# A bare $VAR (no braces), which the collector stopped expanding in v0.104.0
# (feature gate confmap.unifyEnvVarExpansion on by default).
_BARE_ENV_RE = re.compile(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)")
_BARE_ENV_DROPPED = (0, 104, 0)
# TLS file settings that make `insecure: true` contradictory.
_TLS_FILES = ("ca_file", "cert_file", "key_file", "ca_pem", "cert_pem", "key_pem")

# Exporters that cannot work without a destination, and the settings that give one.
_DESTINATION = {
    "otlp": ("endpoint",),
    "otlp_grpc": ("endpoint",),
    "otlphttp": ("endpoint", "traces_endpoint", "metrics_endpoint", "logs_endpoint"),
    "otlp_http": ("endpoint", "traces_endpoint", "metrics_endpoint", "logs_endpoint"),
    "prometheusremotewrite": ("endpoint",),
    "prometheus_remote_write": ("endpoint",),
    "prometheus": ("endpoint",),
    "zipkin": ("endpoint",),
    "file": ("path",),
    "loadbalancing": ("resolver",),
    "load_balancing": ("resolver",),
}

# Where each receiver listens when its config does not say: (setting path, default).
_DEFAULT_LISTEN = {
    "otlp": ((("protocols", "grpc", "endpoint"), "localhost:4317"), (("protocols", "http", "endpoint"), "localhost:4318")),
    "zipkin": ((("endpoint",), "localhost:9411"),),
    "jaeger": (
        (("protocols", "grpc", "endpoint"), "localhost:14250"),
        (("protocols", "thrift_http", "endpoint"), "localhost:14268"),
    ),
}
_DEFAULT_EXTENSION_LISTEN = {"health_check": "localhost:13133", "pprof": "localhost:1777", "zpages": "localhost:55679"}


@dataclass(frozen=True)
class Finding:
    """One problem: how bad, where (component and field), and what to do."""

    severity: str  # "error" or "warning"
    component: str  # e.g. "exporters/otlp", "service.pipelines/traces", "" for the document
    field: str  # the setting inside the component, "" when the component itself is wrong
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "component": self.component, "field": self.field, "message": self.message}

    def text(self) -> str:
        """``component.field: message``, or just the message for the whole document."""
        where = ".".join(p for p in (self.component, self.field) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Result:
    """All findings of one validation."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[str]:
        return [f.text() for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [f.text() for f in self.findings if f.severity == "warning"]

    def as_dict(self) -> dict[str, Any]:
        """What the module returns and the filter gives: valid, findings, errors."""
        return {"valid": self.valid, "findings": [f.as_dict() for f in self.findings], "errors": self.errors}


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def parse_id(component_id: Any) -> tuple[str, str | None, str | None]:
    """Split ``type[/name]``; the third item says what is wrong with it, if anything."""
    if not isinstance(component_id, str) or not component_id:
        return "", None, f"a component ID must be a non-empty string, got {component_id!r}"
    ctype, sep, name = component_id.partition("/")
    if not _TYPE_RE.match(ctype):
        return ctype, None, (
            f"'{component_id}' has an invalid type '{ctype}': it must start with a letter and hold only letters, digits and '_'"
        )
    if sep and (not name or any(c.isspace() for c in name) or "/" in name):
        return ctype, name, f"'{component_id}' has an invalid name after '/': it must be non-empty, without spaces or '/'"
    return ctype, (name if sep else None), None


class _Checker:
    def __init__(self, config: Any, version: str, distribution: str, components: Mapping[str, Iterable[str]] | None) -> None:
        self.config = config
        self.version = catalog.parse_version(version)
        self.version_text = ".".join(str(p) for p in self.version)
        self.distribution = distribution
        self.components = components
        self.result = Result()

    def error(self, component: str, field_: str, message: str) -> None:
        self.result.findings.append(Finding("error", component, field_, message))

    def warn(self, component: str, field_: str, message: str) -> None:
        self.result.findings.append(Finding("warning", component, field_, message))

    # --- the document and its sections -------------------------------------------------------

    def run(self) -> Result:
        if not isinstance(self.config, Mapping):
            kind = type(self.config).__name__ if self.config is not None else "nothing"
            self.error("", "", f"the config must be a mapping of sections ({', '.join(TOP_LEVEL)}), got {kind}")
            return self.result
        for key in self.config:
            if key not in TOP_LEVEL:
                hint = " (pipelines belong under service.pipelines)" if key == "pipelines" else _suggest(str(key), TOP_LEVEL)
                self.error(str(key), "", f"unknown top-level key '{key}'; allowed: {', '.join(TOP_LEVEL)}{hint}")
        defined = {s: self.section(s) for s in SECTIONS}
        used = self.service(defined)
        self.unused(defined, used)
        self.settings(defined)
        self.ports(defined, used)
        return self.result

    def section(self, name: str) -> dict[str, Any]:
        """The section's components by ID, after checking each ID and type."""
        raw = self.config.get(name)
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.error(name, "", f"must be a mapping of component IDs to their settings, got {type(raw).__name__}")
            return {}
        kind = name[:-1]
        out = {}
        for cid, settings in raw.items():
            ctype, _name, problem = parse_id(cid)
            where = f"{name}/{cid}"
            if problem:
                self.error(where, "", problem)
                continue
            if settings is not None and not isinstance(settings, Mapping):
                self.error(where, "", f"settings must be a mapping (or empty), got {type(settings).__name__}")
            self.known_type(where, kind, ctype)
            out[str(cid)] = settings or {}
        return out

    def known_type(self, where: str, kind: str, ctype: str) -> None:
        if self.components is not None:
            names = catalog.with_aliases(kind, self.version, self.components.get(kind + "s") or ())
            if ctype not in names:
                self.error(where, "", f"this {self.distribution} build has no {kind} of type '{ctype}'{_suggest(ctype, names)}")
            return
        status = catalog.lookup(self.distribution, self.version, kind, ctype)
        if status.known:
            return
        if status.removed_in:
            fix = f"; use '{status.replacement}' instead" if status.replacement else ""
            self.error(where, "", f"the '{ctype}' {kind} was removed from {self.distribution} in v{status.removed_in}{fix}")
        elif status.added_in:
            self.error(where, "", f"the '{ctype}' {kind} exists in {self.distribution} only from v{status.added_in} on, not in v{self.version_text}")
        else:
            names = catalog.types(self.distribution, self.version, kind)
            other = [k for k in ("receiver", "processor", "exporter", "extension", "connector")
                     if k != kind and catalog.lookup(self.distribution, self.version, k, ctype).known]
            hint = f" ('{ctype}' is a {other[0]}; move it to {other[0]}s)" if other else _suggest(ctype, names)
            self.error(where, "", f"{self.distribution} v{self.version_text} has no {kind} of type '{ctype}'{hint}")

    # --- service, pipelines, connectors --------------------------------------------------------

    def service(self, defined: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
        used: dict[str, set[str]] = {s: set() for s in SECTIONS}
        service = self.config.get("service")
        if service is None:
            self.error("service", "", "missing: a config needs a service section with at least one pipeline")
            return used
        if not isinstance(service, Mapping):
            self.error("service", "", f"must be a mapping, got {type(service).__name__}")
            return used
        for key in service:
            if key not in SERVICE_KEYS:
                self.error("service", str(key), f"unknown key; allowed: {', '.join(SERVICE_KEYS)}{_suggest(str(key), SERVICE_KEYS)}")
        exts = service.get("extensions") or []
        if not isinstance(exts, list):
            self.error("service", "extensions", f"must be a list of extension IDs, got {type(exts).__name__}")
            exts = []
        for ext in exts:
            if ext not in defined["extensions"]:
                self.error("service", "extensions", f"'{ext}' is not defined under extensions{_suggest(str(ext), defined['extensions'])}")
            used["extensions"].add(str(ext))
        if len(set(map(str, exts))) != len(exts):
            self.warn("service", "extensions", "lists an extension more than once; the collector starts it once")

        pipelines = service.get("pipelines")
        if not pipelines:
            self.error("service", "pipelines", "at least one pipeline is required (traces, metrics or logs)")
            return used
        if not isinstance(pipelines, Mapping):
            self.error("service", "pipelines", f"must be a mapping of pipeline IDs, got {type(pipelines).__name__}")
            return used
        as_exporter: dict[str, list[str]] = {}
        as_receiver: dict[str, list[str]] = {}
        for pid, pipe in pipelines.items():
            self.pipeline(str(pid), pipe, defined, used, as_exporter, as_receiver)
        for conn in defined["connectors"]:
            exp, rec = as_exporter.get(conn), as_receiver.get(conn)
            if exp and not rec:
                self.error(f"connectors/{conn}", "", f"is an exporter in {', '.join(exp)} but a receiver in no pipeline; a connector must be both")
            elif rec and not exp:
                self.error(f"connectors/{conn}", "", f"is a receiver in {', '.join(rec)} but an exporter in no pipeline; a connector must be both")
        return used

    def pipeline(self, pid: str, pipe: Any, defined: dict[str, dict[str, Any]], used: dict[str, set[str]],
                 as_exporter: dict[str, list[str]], as_receiver: dict[str, list[str]]) -> None:
        where = f"service.pipelines/{pid}"
        signal, _name, problem = parse_id(pid)
        if problem:
            self.error(where, "", problem.replace("component ID", "pipeline ID"))
            return
        if signal not in SIGNALS:
            self.error(where, "", f"unknown signal '{signal}'; a pipeline ID is traces, metrics or logs, optionally '/name'{_suggest(signal, SIGNALS)}")
            return
        if signal == "profiles":
            self.error(where, "", "profiles pipelines need the collector's service.profilesSupport feature gate; telemetry.stack does not enable it")
            return
        if not isinstance(pipe, Mapping):
            self.error(where, "", f"must be a mapping with receivers, processors and exporters, got {type(pipe).__name__}")
            return
        for key in pipe:
            if key not in PIPELINE_KEYS:
                self.error(where, str(key), f"unknown key; allowed: {', '.join(PIPELINE_KEYS)}{_suggest(str(key), PIPELINE_KEYS)}")
        for key in PIPELINE_KEYS:
            ids = pipe.get(key)
            if ids is None:
                ids = []
            if not isinstance(ids, list):
                self.error(where, key, f"must be a list of component IDs, got {type(ids).__name__} {ids!r}")
                continue
            if key != "processors" and not ids:
                self.error(where, key, f"a pipeline needs at least one of its {key}")
            seen = set()
            for cid in ids:
                cid = str(cid)
                if cid in seen:
                    self.warn(where, key, f"lists '{cid}' more than once; the collector uses it once")
                seen.add(cid)
                self.reference(where, key, cid, defined, used, pid, as_exporter, as_receiver)
            if key == "exporters":
                self.routing(pid, ids, defined)
            if key == "processors" and len(ids) > 1:
                limiters = [i for i, c in enumerate(ids) if str(c).partition("/")[0] == "memory_limiter"]
                if limiters and limiters[0] != 0:
                    self.warn(where, key, "memory_limiter should be the first processor, so it can refuse data before other processors spend memory on it")

    def reference(self, where: str, key: str, cid: str, defined: dict[str, dict[str, Any]], used: dict[str, set[str]],
                  pid: str, as_exporter: dict[str, list[str]], as_receiver: dict[str, list[str]]) -> None:
        if key == "processors":
            if cid not in defined["processors"]:
                self.error(where, key, f"'{cid}' is not defined under processors{_suggest(cid, defined['processors'])}")
            used["processors"].add(cid)
            return
        section = key  # receivers or exporters
        if cid in defined[section]:
            used[section].add(cid)
        elif cid in defined["connectors"]:
            used["connectors"].add(cid)
            (as_receiver if key == "receivers" else as_exporter).setdefault(cid, []).append(pid)
        else:
            choices = list(defined[section]) + list(defined["connectors"])
            self.error(where, key, f"'{cid}' is not defined under {section} or connectors{_suggest(cid, choices)}")

    def routing(self, pid: str, exporters: list, defined: dict[str, dict[str, Any]]) -> None:
        """The loadbalancing exporter routes metrics by service, resource, metric or stream, not by trace ID."""
        if not pid.startswith("metrics"):
            return
        for cid in exporters:
            settings = defined["exporters"].get(str(cid))
            if str(cid).partition("/")[0] in ("loadbalancing", "load_balancing") and isinstance(settings, Mapping):
                key = settings.get("routing_key", "traceID")
                if key in ("traceID", "traceid", None):
                    self.error(f"exporters/{cid}", "routing_key", (
                        f"'{key}' cannot route metrics (pipeline {pid}); use a second loadbalancing exporter "
                        "with routing_key service, resource, metric or streamID for metrics"
                    ))

    def unused(self, defined: dict[str, dict[str, Any]], used: dict[str, set[str]]) -> None:
        for section in SECTIONS:
            for cid in defined[section]:
                if cid not in used[section]:
                    where = "not listed in service.extensions" if section == "extensions" else "used in no pipeline"
                    self.warn(f"{section}/{cid}", "", f"is defined but {where}; the collector ignores it")

    # --- settings inside components -----------------------------------------------------------

    def settings(self, defined: dict[str, dict[str, Any]]) -> None:
        for cid, settings in defined["exporters"].items():
            if not isinstance(settings, Mapping):
                continue
            ctype = cid.partition("/")[0]
            needed = _DESTINATION.get(ctype)
            if needed and not any(settings.get(k) for k in needed):
                self.error(f"exporters/{cid}", needed[0], f"is required: the {ctype} exporter has nowhere to send data without it")
        for section in SECTIONS:
            for cid, settings in defined[section].items():
                self.walk(f"{section}/{cid}", settings, ())
        service = self.config.get("service")
        if isinstance(service, Mapping):
            self.walk("service", service, ())

    def walk(self, where: str, value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, Mapping):
            if value.get("insecure") is True and any(value.get(k) for k in _TLS_FILES):
                files = ", ".join(k for k in _TLS_FILES if value.get(k))
                self.warn(where, ".".join(path + ("insecure",)), f"is true, so TLS is off and {files} are ignored; remove insecure or the files")
            for k, v in value.items():
                self.walk(where, v, path + (str(k),))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.walk(where, v, path + (str(i),))
        elif isinstance(value, str) and self.version >= _BARE_ENV_DROPPED:
            for m in _BARE_ENV_RE.finditer(value):
                self.warn(where, ".".join(path), (
                    f"'${m.group(1)}' is not expanded by the collector (since v0.104.0 only ${{env:{m.group(1)}}} "
                    f"and ${{{m.group(1)}}} are); write ${{env:{m.group(1)}}}"
                ))

    # --- listening ports ----------------------------------------------------------------------

    def ports(self, defined: dict[str, dict[str, Any]], used: dict[str, set[str]]) -> None:
        listeners: dict[int, list[tuple[str, str, str]]] = {}
        # In config order, so the second of two clashing listeners is the one reported.
        for cid in (c for c in defined["receivers"] if c in used["receivers"]):
            settings = defined["receivers"].get(cid)
            for path, default in _DEFAULT_LISTEN.get(cid.partition("/")[0], ()):
                endpoint = _listen_endpoint(settings, path, default)
                if endpoint:
                    self.listen(listeners, f"receivers/{cid}", ".".join(path), endpoint)
            if isinstance(settings, Mapping) and cid.partition("/")[0] not in _DEFAULT_LISTEN and isinstance(settings.get("endpoint"), str):
                self.listen(listeners, f"receivers/{cid}", "endpoint", settings["endpoint"])
        for cid in (c for c in defined["extensions"] if c in used["extensions"]):
            settings = defined["extensions"].get(cid) or {}
            default = _DEFAULT_EXTENSION_LISTEN.get(cid.partition("/")[0])
            endpoint = settings.get("endpoint") if isinstance(settings, Mapping) else None
            if isinstance(endpoint, str) or default:
                self.listen(listeners, f"extensions/{cid}", "endpoint", endpoint if isinstance(endpoint, str) else default)
        for port, users in sorted(listeners.items()):
            clashing = _clashes(users)
            if clashing:
                (first, first_field, first_ep), (second, second_field, second_ep) = clashing
                self.error(second, second_field, (
                    f"{second_ep} clashes with {first}.{first_field} ({first_ep}): two components cannot listen on port {port}"
                ))

    def listen(self, listeners: dict[int, list[tuple[str, str, str]]], where: str, field_: str, endpoint: str) -> None:
        port = _port(endpoint)
        if port is not None:
            listeners.setdefault(port, []).append((where, field_, endpoint))


def _listen_endpoint(settings: Any, path: tuple[str, ...], default: str) -> str | None:
    """The endpoint at ``path``, its default when the protocol is on but unset, else None."""
    node: Any = settings
    for i, key in enumerate(path):
        if not isinstance(node, Mapping) or key not in node:
            # The protocol block itself is absent: that protocol is off (otlp needs it).
            if i < len(path) - 1 and path[0] == "protocols":
                return None
            return default if i == len(path) - 1 else None
        node = node[key]
    if node is None:
        return default
    return node if isinstance(node, str) else None


def _port(endpoint: str) -> int | None:
    port = endpoint.rsplit("://", 1)[-1].rpartition(":")[2]
    return int(port) if port.isdigit() else None


def _host(endpoint: str) -> str:
    return endpoint.rsplit("://", 1)[-1].rpartition(":")[0].strip("[]")


def _clashes(users: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The first two listeners on one port whose addresses overlap (a wildcard overlaps all)."""
    wildcard = {"", "0.0.0.0", "::"}
    loopback = {"localhost", "127.0.0.1", "::1"}
    for i, a in enumerate(users):
        for b in users[i + 1:]:
            ha, hb = _host(a[2]), _host(b[2])
            if ha in wildcard or hb in wildcard or ha == hb or (ha in loopback and hb in loopback):
                return [a, b]
    return []


def validate(config: Any, version: str, distribution: str = "otelcol-contrib",
             components: Mapping[str, Iterable[str]] | None = None) -> Result:
    """Check ``config`` (already parsed YAML) for ``distribution`` at ``version``.

    ``components`` replaces the built-in catalog with a build's own component
    types, as ``{"receivers": ["otlp", ...], "processors": [...], ...}``.
    """
    if distribution not in catalog.DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(catalog.DISTRIBUTIONS)}, got {distribution!r}")
    return _Checker(config, version, distribution, components).run()
