# SPDX-License-Identifier: GPL-3.0-or-later
"""Planning a Cassandra ring's keyspaces and roles: only what differs, passwords never shown, bad input named."""

from __future__ import annotations

from ansible_collections.telemetry.stack.plugins.filter.cassandra_problems import FilterModule
from ansible_collections.telemetry.stack.plugins.module_utils._cassandra.setup import check, plan, replication

KS = [{"name": "jaeger_v1_dc1", "replication_factor": 3}]
ROLES = [{"name": "jaeger", "password": "it's secret", "keyspaces": ["jaeger_v1_dc1"]}]


def test_a_new_ring_gets_everything_and_passwords_are_masked() -> None:
    current = {"keyspaces": {"system_auth": {"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"}},
               "roles": {"admin": {"login": True}}, "grants": {}, "logins": {}}
    todo = plan(current, KS, ROLES, "dc1", 3)
    assert [s.shown for s in todo] == [
        "ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}",
        "CREATE KEYSPACE IF NOT EXISTS jaeger_v1_dc1 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}",
        "CREATE ROLE IF NOT EXISTS jaeger WITH LOGIN = true AND PASSWORD = '********'",
        "GRANT ALL PERMISSIONS ON KEYSPACE jaeger_v1_dc1 TO jaeger"]
    assert todo[2].cql.endswith("PASSWORD = 'it''s secret'")


def test_a_ring_as_wanted_needs_nothing_and_a_changed_password_is_set() -> None:
    current = {"keyspaces": {"system_auth": replication("dc1", 3), "jaeger_v1_dc1": replication("dc1", 3)},
               "roles": {"jaeger": {"login": True}}, "grants": {"jaeger": {"jaeger_v1_dc1"}}, "logins": {"jaeger": True}}
    assert plan(current, KS, ROLES, "dc1", 3) == []
    current["logins"]["jaeger"] = False
    assert [s.shown for s in plan(current, KS, ROLES, "dc1", 3)] == ["ALTER ROLE jaeger WITH LOGIN = true AND PASSWORD = '********'"]


def test_bad_input_is_named() -> None:
    problems = check([{"name": "Jaeger-1", "replication_factor": 5}], [{"name": "jaeger", "password": "", "keyspaces": ["nope"]}], 3)
    assert problems == [
        "cassandra_keyspaces[0].name must be lower-case letters, digits and _ (starting with a letter), got 'Jaeger-1'",
        "cassandra_keyspaces[0].replication_factor is 5, more than the 3 node(s) of the ring: writes could never reach that many "
        "replicas. Set it to at most 3, or add nodes to the ring",
        "cassandra_roles[0].password is empty for role 'jaeger': put it in vault and refer to it here",
        "cassandra_roles[0].keyspaces names 'nope', which is not in cassandra_keyspaces"]
    assert FilterModule().filters()["cassandra_problems"](KS, ROLES, "3") == []
