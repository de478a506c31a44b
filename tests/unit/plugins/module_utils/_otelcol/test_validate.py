# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector config validator, case by case."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import parse_id, validate

BASE = {
    "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}}}},
    "processors": {"memory_limiter": {"check_interval": "1s", "limit_mib": 400}, "batch": {}},
    "exporters": {"otlp_grpc/gateway": {"endpoint": "gw:4317"}},
    "extensions": {"health_check": {}},
    "service": {
        "extensions": ["health_check"],
        "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["otlp_grpc/gateway"]}},
    },
}


def with_(change) -> dict:
    config = copy.deepcopy(BASE)
    change(config)
    return config


def pipe(config: dict, name: str = "traces") -> dict:
    return config["service"]["pipelines"][name]


def test_the_base_config_is_clean() -> None:
    result = validate(BASE, "0.159.0")
    assert result.as_dict() == {"valid": True, "findings": [], "errors": []}


# (config change, version, component, field, words the message must hold)
ERRORS = [
    pytest.param(lambda c: c.clear() or c.update({"service": None}), "0.159.0", "service", "", "missing", id="service-missing"),
    pytest.param(lambda c: c.update({"pipelines": {}}), "0.159.0", "pipelines", "", "service.pipelines", id="unknown-top-level-key"),
    pytest.param(lambda c: c.update({"exporter": {}}), "0.159.0", "exporter", "", "did you mean 'exporters'", id="top-level-typo"),
    pytest.param(lambda c: c.update({"receivers": ["otlp"]}), "0.159.0", "receivers", "", "mapping", id="section-not-a-mapping"),
    pytest.param(lambda c: pipe(c)["exporters"].append("otlp/missing"), "0.159.0", "service.pipelines/traces", "exporters", "'otlp/missing' is not defined",
                 id="undefined-exporter"),
    pytest.param(lambda c: pipe(c)["receivers"].append("jaeger"), "0.159.0", "service.pipelines/traces", "receivers", "'jaeger' is not defined",
                 id="undefined-receiver"),
    pytest.param(lambda c: pipe(c)["processors"].append("attributes"), "0.159.0", "service.pipelines/traces", "processors", "'attributes' is not defined",
                 id="undefined-processor"),
    pytest.param(lambda c: c["service"]["pipelines"].update({"trace": c["service"]["pipelines"].pop("traces")}), "0.159.0", "service.pipelines/trace", "",
                 "did you mean 'traces'", id="pipeline-id-trace"),
    pytest.param(lambda c: c["receivers"].update({"otlp/": {}}), "0.159.0", "receivers/otlp/", "", "invalid name after '/'", id="empty-name-after-slash"),
    pytest.param(lambda c: c["exporters"].update({"logging": {}}), "0.159.0", "exporters/logging", "", "removed from otelcol-contrib in v0.111.0; use 'debug'",
                 id="logging-removed"),
    pytest.param(lambda c: c["exporters"].update({"jaeger": {"endpoint": "j:14250"}}), "0.159.0", "exporters/jaeger", "", "v0.85.0",
                 id="jaeger-exporter-removed"),
    pytest.param(lambda c: c["extensions"].update({"memory_ballast": {}}), "0.159.0", "extensions/memory_ballast", "", "v0.109.0", id="memory-ballast-removed"),
    pytest.param(lambda c: c["receivers"].update({"opencensus": {}}), "0.159.0", "receivers/opencensus", "", "v0.132.0", id="opencensus-removed"),
    pytest.param(lambda c: c["receivers"].update({"filelog": {}}), "0.159.0:otelcol", "receivers/filelog", "", "otelcol v0.159.0 has no receiver",
                 id="contrib-only-in-core"),
    pytest.param(lambda c: c["exporters"].update({"spanmetrics": {}}), "0.159.0", "exporters/spanmetrics", "", "is a connector", id="wrong-kind"),
    pytest.param(lambda c: c["service"].update({"extensions": ["health_check", "pprof"]}), "0.159.0", "service", "extensions", "'pprof' is not defined",
                 id="extension-not-defined"),
    pytest.param(lambda c: c.update({"connectors": {"spanmetrics": {}}}) or pipe(c)["exporters"].append("spanmetrics"), "0.159.0", "connectors/spanmetrics",
                 "", "receiver in no pipeline", id="connector-one-sided"),
    pytest.param(lambda c: pipe(c).update({"exporters": []}), "0.159.0", "service.pipelines/traces", "exporters", "at least one", id="no-exporters"),
    pytest.param(lambda c: pipe(c).pop("receivers"), "0.159.0", "service.pipelines/traces", "receivers", "at least one", id="no-receivers"),
    pytest.param(lambda c: pipe(c).update({"processors": "batch"}), "0.159.0", "service.pipelines/traces", "processors", "must be a list",
                 id="processors-not-a-list"),
    pytest.param(lambda c: c["receivers"].update({"otlp/2": {"protocols": {"http": {"endpoint": "0.0.0.0:4317"}}}}) or pipe(c)["receivers"].append("otlp/2"),
                 "0.159.0", "receivers/otlp/2", "protocols.http.endpoint", "clashes with receivers/otlp.protocols.grpc.endpoint", id="port-clash"),
    pytest.param(lambda c: c["extensions"].update({"zpages": {"endpoint": "localhost:4317"}}) or c["service"]["extensions"].append("zpages"), "0.159.0",
                 "extensions/zpages", "endpoint", "listen on port 4317", id="port-clash-extension"),
    pytest.param(lambda c: c["exporters"]["otlp_grpc/gateway"].pop("endpoint"), "0.159.0", "exporters/otlp_grpc/gateway", "endpoint", "is required",
                 id="exporter-without-endpoint"),
    pytest.param(lambda c: c["exporters"].update({"host_metrics": {}}), "0.159.0", "exporters/host_metrics", "", "is a receiver", id="new-name-wrong-kind"),
    pytest.param(lambda c: c["receivers"].update({"host_metrics": {}}) or pipe(c)["receivers"].append("host_metrics"), "0.145.0", "receivers/host_metrics", "",
                 "only from v0.151.0 on", id="new-name-too-early"),
    pytest.param(lambda c: c["service"].update({"pipeline": {}}), "0.159.0", "service", "pipeline", "unknown key", id="unknown-service-key"),
]


@pytest.mark.parametrize(("change", "version", "component", "field", "words"), ERRORS)
def test_errors_name_the_component_and_field(change, version: str, component: str, field: str, words: str) -> None:
    version, _sep, dist = version.partition(":")
    result = validate(with_(change), version, dist or "otelcol-contrib")
    assert not result.valid
    matching = [f for f in result.findings if f.severity == "error" and f.component == component and f.field == field]
    assert matching, result.errors
    assert any(words in f.message for f in matching), [f.message for f in matching]


WARNINGS = [
    pytest.param(lambda c: c["receivers"].update({"otlp/unused": {}}), "receivers/otlp/unused", "", "used in no pipeline", id="unused-component"),
    pytest.param(lambda c: pipe(c).update({"processors": ["batch", "memory_limiter"]}), "service.pipelines/traces", "processors",
                 "memory_limiter should be the first", id="memory-limiter-not-first"),
    pytest.param(lambda c: c["exporters"]["otlp_grpc/gateway"].update({"endpoint": "$GATEWAY:4317"}), "exporters/otlp_grpc/gateway", "endpoint",
                 "${env:GATEWAY}", id="bare-env-var"),
    pytest.param(lambda c: c["exporters"]["otlp_grpc/gateway"].update({"tls": {"insecure": True, "ca_file": "/ca.pem"}}), "exporters/otlp_grpc/gateway",
                 "tls.insecure", "ca_file", id="insecure-with-tls-files"),
    pytest.param(lambda c: pipe(c)["receivers"].append("otlp"), "service.pipelines/traces", "receivers", "more than once", id="duplicate-in-pipeline"),
    pytest.param(lambda c: c["service"]["extensions"].append("health_check"), "service", "extensions", "more than once", id="duplicate-extension"),
]


@pytest.mark.parametrize(("change", "component", "field", "words"), WARNINGS)
def test_warnings_keep_the_config_valid(change, component: str, field: str, words: str) -> None:
    result = validate(with_(change), "0.159.0")
    assert result.valid, result.errors
    assert any(f.severity == "warning" and f.component == component and f.field == field and words in f.message for f in result.findings), result.findings


@pytest.mark.parametrize("config", [None, [], "receivers: {}", 42])
def test_a_document_that_is_not_a_mapping(config) -> None:
    result = validate(config, "0.159.0")
    assert result.errors and result.errors[0].startswith("the config must be a mapping")


@pytest.mark.parametrize(
    ("cid", "ok"),
    [("otlp", True), ("otlp/agent", True), ("traces/2", True), ("otlp/", False), ("/x", False), ("9otlp", False), ("ot lp", False),
     ("otlp/a b", False), ("", False), (None, False)],
)
def test_parse_id(cid, ok: bool) -> None:
    assert (parse_id(cid)[2] is None) is ok


def test_old_names_stay_accepted_as_aliases() -> None:
    config = with_(lambda c: c["exporters"].update({"otlp": {"endpoint": "a:4317"}, "loadbalancing": {"resolver": {"static": {"hostnames": ["a"]}}}}))
    pipe(config)["exporters"] += ["otlp", "loadbalancing"]
    assert validate(config, "0.159.0").valid


def test_a_build_catalog_replaces_the_upstream_one() -> None:
    result = validate(BASE, "0.159.0", components={"receivers": ["otlp"], "processors": ["batch"], "exporters": ["otlp_grpc"], "extensions": ["health_check"]})
    assert result.errors == ["processors/memory_limiter: this otelcol-contrib build has no processor of type 'memory_limiter'"]


@pytest.mark.parametrize(("version", "distribution"), [("0.159", "otelcol-contrib"), ("latest", "otelcol"), ("0.159.0", "otelcol-core")])
def test_bad_arguments_raise(version: str, distribution: str) -> None:
    with pytest.raises(ValueError):
        validate(BASE, version, distribution)


def test_bare_env_vars_were_expanded_before_v0_104() -> None:
    config = with_(lambda c: c["exporters"]["otlp_grpc/gateway"].update({"endpoint": "$GATEWAY:4317"}))
    config["exporters"] = {"otlp/gateway": config["exporters"].pop("otlp_grpc/gateway")}
    pipe(config)["exporters"] = ["otlp/gateway"]
    assert not validate(config, "0.103.0").findings
    assert validate(config, "0.104.0").findings[0].message.startswith("'$GATEWAY' is not expanded")


@pytest.mark.parametrize(
    ("kind", "old", "new", "first"),
    [("exporter", "otlp", "otlp_grpc", "0.144.0"), ("exporter", "loadbalancing", "load_balancing", "0.153.0"), ("receiver", "filelog", "file_log", "0.149.0")],
)
def test_renames_take_effect_at_their_version(kind: str, old: str, new: str, first: str) -> None:
    from ansible_collections.telemetry.stack.plugins.module_utils._otelcol import catalog

    v = catalog.parse_version(first)
    before = (v[0], v[1] - 1, 0)
    assert catalog.lookup("otelcol-contrib", v, kind, new).known and catalog.lookup("otelcol-contrib", v, kind, old).known
    assert not catalog.lookup("otelcol-contrib", before, kind, new).known
    assert catalog.lookup("otelcol-contrib", before, kind, new).added_in == first
