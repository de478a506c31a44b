# SPDX-License-Identifier: GPL-3.0-or-later
"""components.yml is the one map of inventory groups to components: the lookup answers from it, and site.yml's plays
and the day-2 playbooks' component choices agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleLookupError
from ansible_collections.telemetry.stack.plugins.lookup.components import COMPONENTS, LookupModule
from ansible_collections.telemetry.stack.plugins.module_utils._stack import components as cmap

ROOT = Path(__file__).resolve().parents[2]
DATA = yaml.safe_load(COMPONENTS.read_text())
STACK = "cassandra:jaeger:victorialogs_storage:victorialogs:alertmanager:prometheus:otel_sampling_gateways:otel_gateways:otel_agents:grafana"


def lookup(*terms: str, variables: dict | None = None, **kwargs) -> list:
    return LookupModule().run(list(terms), variables or {}, **kwargs)


def test_host_patterns() -> None:
    assert lookup("hosts") == [STACK]
    # Gateways that others send to first, agents last: the order an upgrade goes.
    assert lookup("otelcol", "jaeger") == ["otel_sampling_gateways:otel_gateways:otel_agents", "jaeger"]
    assert lookup("patterns")[0]["otelcol"] == "otel_sampling_gateways:otel_gateways:otel_agents"
    assert lookup("components") == [["cassandra", "jaeger", "victorialogs", "alertmanager", "prometheus", "otelcol", "grafana"]]
    # The groups whose hosts keep data, which backups cover (role backup); the collectors keep none.
    assert lookup("data_hosts") == ["cassandra:jaeger:victorialogs_storage:victorialogs:alertmanager:prometheus:grafana"]


@pytest.mark.parametrize(("groups", "mode"), [
    (["otel_agents"], "agent"), (["otel_gateways", "prometheus"], "gateway"), (["otel_sampling_gateways"], "gateway"), (["jaeger"], "agent"),
])
def test_the_collector_mode_follows_the_host_groups(groups: list[str], mode: str) -> None:
    assert lookup("otelcol_mode", variables={"group_names": groups}) == [mode]


def test_services_follow_the_distribution() -> None:
    services = lookup("services", distribution="otelcol")[0]
    assert services[1] == {"name": "jaeger", "group": "jaeger", "component": "jaeger", "inventory_groups": ["jaeger"]}
    assert {"name": "otelcol", "group": "otelcol", "component": "otelcol",
            "inventory_groups": ["otel_sampling_gateways", "otel_gateways", "otel_agents"]} in services
    assert [s["name"] for s in lookup("services")[0]] == ["cassandra", "jaeger", "victorialogs", "alertmanager", "prometheus", "otelcol-contrib", "grafana"]


@pytest.mark.parametrize(("data", "message"), [
    ({}, "no 'groups' mapping"),
    ({"groups": {"otel_agents": {"component": "otelcol"}}}, "group otel_agents needs a component and a kind"),
])
def test_a_broken_map_is_named(data: dict, message: str) -> None:
    with pytest.raises(cmap.ComponentsError, match=message):
        cmap.pattern(data)


def test_an_unknown_component_is_named() -> None:
    with pytest.raises(AnsibleLookupError,
                       match=r"telemetry\.stack\.components: no component 'loki'; the stack has cassandra, jaeger, victorialogs, alertmanager, prometheus"):
        lookup("loki")


def test_site_has_one_play_per_group_in_the_map_order() -> None:
    plays = yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())
    by_group = [(p["hosts"], p["roles"][0]["role"], (p["roles"][0].get("vars") or {}).get("otelcol_mode"))
                for p in plays if p["hosts"] in DATA["groups"]]
    expected = [(g, f"telemetry.stack.{e['component']}", e.get("mode")) for g, e in DATA["groups"].items()]
    assert by_group == expected
    # The first plays (preflight, certificates) cover the whole stack.
    assert plays[0]["hosts"] == plays[1]["hosts"] == "{{ lookup('telemetry.stack.components', 'hosts') }}"


def test_the_day2_playbooks_offer_the_components_of_the_map() -> None:
    specs = yaml.safe_load((ROOT / "playbooks" / "vars" / "arguments.yml").read_text())["argument_specs"]
    for playbook, option in (("upgrade", "upgrade_component"), ("rollback", "rollback_component")):
        assert sorted(specs[playbook]["options"][option]["choices"]) == sorted(cmap.components(DATA)), playbook


def test_no_playbook_spells_out_the_stack() -> None:
    spelled = [p.name for p in (ROOT / "playbooks").glob("*.yml") if "otel_agents:otel_gateways" in p.read_text()]
    assert spelled == []
