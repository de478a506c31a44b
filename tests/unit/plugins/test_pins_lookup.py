# SPDX-License-Identifier: GPL-3.0-or-later
"""The pins lookup reads pins.yml: a component's version, or any field by its dotted path."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleLookupError
from ansible_collections.telemetry.stack.plugins.lookup.pins import PINS, LookupModule

DATA = yaml.safe_load(PINS.read_text())


def lookup(*terms: str) -> list[str]:
    return LookupModule().run(list(terms))


def test_a_component_gives_its_version() -> None:
    assert lookup("otelcol", "jaeger") == [DATA["otelcol"]["version"], DATA["jaeger"]["version"]]


def test_dotted_paths_reach_nested_fields() -> None:
    assert lookup("grafana.build_id") == [str(DATA["grafana"]["build_id"])]
    assert lookup("grafana.test_build.version") == [DATA["grafana"]["test_build"]["version"]]


@pytest.mark.parametrize(("term", "message"), [
    ("loki", "no component 'loki'"),
    ("otelcol.nope", "otelcol has no 'nope'"),
    ("grafana.test_build.nope", "grafana.test_build has no 'nope'"),
    ("grafana.version.more", "grafana.version has no 'more'"),
])
def test_unknown_terms_say_what_exists(term: str, message: str) -> None:
    with pytest.raises(AnsibleLookupError, match=message):
        lookup(term)
