# SPDX-License-Identifier: GPL-3.0-or-later
"""current_names: each component type under the name the release gives it, consistently across the config."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.otelcol_current_names import otelcol_current_names
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.names import current_names
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import validate

GATEWAY = {
    "extensions": {"health_check": {}, "file_storage/queue": {"directory": "/q"}},
    "receivers": {"otlp": {"protocols": {"grpc": {}}}, "hostmetrics": {"scrapers": {"cpu": {}}}},
    "processors": {"memory_limiter": {"check_interval": "1s", "limit_mib": 100}, "resourcedetection": {}, "batch": {}},
    "exporters": {"otlp/jaeger": {"endpoint": "j:4317"}, "loadbalancing/traces": {"resolver": {"static": {"hostnames": ["g:4317"]}}},
                  "prometheusremotewrite": {"endpoint": "http://p/api/v1/write"}, "debug": {}},
    "connectors": {"spanmetrics": {}},
    "service": {
        "extensions": ["health_check", "file_storage/queue"],
        "pipelines": {
            "traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "resourcedetection", "batch"],
                       "exporters": ["loadbalancing/traces", "otlp/jaeger", "spanmetrics"]},
            "metrics": {"receivers": ["otlp", "hostmetrics", "spanmetrics"], "processors": ["batch"],
                        "exporters": ["prometheusremotewrite", "debug"]},
        },
    },
}


def test_every_renamed_type_takes_its_new_name_everywhere_it_is_used() -> None:
    got = current_names(GATEWAY, "0.159.0")
    assert list(got["exporters"]) == ["otlp_grpc/jaeger", "load_balancing/traces", "prometheus_remote_write", "debug"]
    assert list(got["receivers"]) == ["otlp", "host_metrics"]
    assert list(got["processors"]) == ["memory_limiter", "resource_detection", "batch"]
    assert list(got["connectors"]) == ["span_metrics"]
    traces, metrics = got["service"]["pipelines"]["traces"], got["service"]["pipelines"]["metrics"]
    assert traces["exporters"] == ["load_balancing/traces", "otlp_grpc/jaeger", "span_metrics"]
    assert traces["processors"] == ["memory_limiter", "resource_detection", "batch"]
    assert metrics["receivers"] == ["otlp", "host_metrics", "span_metrics"]
    assert got["service"]["extensions"] == ["health_check", "file_storage/queue"]
    assert got["exporters"]["otlp_grpc/jaeger"] == {"endpoint": "j:4317"}
    assert validate(got, "0.159.0").valid and not [f for f in validate(got, "0.159.0").findings if "alias" in f.message]
    assert GATEWAY["exporters"].keys() >= {"otlp/jaeger"}, "the input is left as it was"


@pytest.mark.parametrize(("version", "exporters"), [
    # Each name from the release that has it: otlp_grpc from 0.144.0, load_balancing from 0.153.0.
    ("0.143.0", ["otlp/jaeger", "loadbalancing/traces", "prometheusremotewrite", "debug"]),
    ("0.145.0", ["otlp_grpc/jaeger", "loadbalancing/traces", "prometheusremotewrite", "debug"]),
    ("0.153.0", ["otlp_grpc/jaeger", "load_balancing/traces", "prometheusremotewrite", "debug"]),
])
def test_older_releases_keep_the_names_they_have(version: str, exporters: list[str]) -> None:
    got = current_names(GATEWAY, version)
    assert list(got["exporters"]) == exporters
    assert validate(got, version).valid


def test_the_core_distribution_renames_only_what_it_has() -> None:
    got = current_names({"exporters": {"otlp": {}}, "receivers": {"hostmetrics": {}}}, "0.159.0", "otelcol")
    assert list(got["exporters"]) == ["otlp_grpc"] and list(got["receivers"]) == ["host_metrics"]


@pytest.mark.parametrize("config", [None, [], "exporters: {}", {"service": "x"}, {"exporters": ["otlp"]}])
def test_what_is_not_a_config_passes_through(config) -> None:
    assert current_names(config, "0.159.0") == config


def test_the_filter_names_itself_on_bad_input() -> None:
    with pytest.raises(AnsibleFilterError, match=r"^telemetry\.stack\.otelcol_current_names: version must look like 0\.159\.0"):
        otelcol_current_names({}, "latest")
    with pytest.raises(AnsibleFilterError, match="distribution must be one of"):
        otelcol_current_names({}, "0.159.0", "otelcol-core")
