# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters are thin shells: same results as the core, errors that name the filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.otelcol_sizing import FilterModule as SizingFilters
from ansible_collections.telemetry.stack.plugins.filter.otelcol_validate import FilterModule as ValidateFilters
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.sizing import size
from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import validate
from jinja2 import Environment, StrictUndefined

FILTERS = {**SizingFilters().filters(), **ValidateFilters().filters()}


def test_sizing_filter_returns_the_core_result() -> None:
    assert FILTERS["otelcol_sizing"](4096, cpus=2, mode="gateway") == size(4096, 2, "gateway")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"memory_mb": 0, "cpus": 2, "mode": "agent"}, "telemetry.stack.otelcol_sizing: memory_mb must be a positive integer, got 0"),
        ({"memory_mb": 4096, "cpus": None, "mode": "agent"}, "telemetry.stack.otelcol_sizing: cpus is missing"),
        ({"memory_mb": 4096, "cpus": 2, "mode": "sidecar"}, "telemetry.stack.otelcol_sizing: mode must be one of agent, gateway, got 'sidecar'"),
    ],
)
def test_sizing_filter_errors_name_filter_and_field(kwargs, message: str) -> None:
    memory = kwargs.pop("memory_mb")
    with pytest.raises(AnsibleFilterError, match="^" + message.replace("(", r"\(")):
        FILTERS["otelcol_sizing"](memory, **kwargs)


def test_sizing_filter_refuses_an_undefined_fact() -> None:
    env = Environment(undefined=StrictUndefined)
    env.filters.update(FILTERS)
    undefined = env.from_string("{{ x }}").environment.undefined(name="ansible_memtotal_mb")
    with pytest.raises(AnsibleFilterError, match="memory_mb is missing"):
        FILTERS["otelcol_sizing"](undefined, cpus=2, mode="agent")


def test_validate_filter_returns_what_the_module_returns() -> None:
    config = {"receivers": {"otlp": {}}, "exporters": {"debug": {}}, "service": {"pipelines": {"trace": {"receivers": ["otlp"], "exporters": ["debug"]}}}}
    assert FILTERS["otelcol_validate"](config, "0.159.0") == validate(config, "0.159.0").as_dict()


def test_validate_filter_names_itself_on_bad_arguments() -> None:
    with pytest.raises(AnsibleFilterError, match="^telemetry.stack.otelcol_validate: version must look like"):
        FILTERS["otelcol_validate"]({}, "latest")
