# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What must change in a Cassandra ring's keyspaces and roles: pure planning, tested without a ring.

The cassandra_setup module reads the ring (system_schema.keyspaces, system_auth.roles, which passwords log in), asks
:func:`plan` for the CQL statements that bring it to what the role wants, and runs them. Passwords appear in the
statements it returns and never in their ``shown`` form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
# The system keyspaces whose replication follows the ring (authentication must survive a node's loss).
SYSTEM_KEYSPACES = ("system_auth", "system_distributed", "system_traces")


class SetupError(ValueError):
    """Bad input; the message names the field."""


class Statement(NamedTuple):
    cql: str
    shown: str  # the same, with any password masked, for the report and the log


def quote(text: str) -> str:
    """A CQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def replication(datacenter: str, factor: int) -> dict[str, str]:
    """NetworkTopologyStrategy with ``factor`` replicas in ``datacenter``, as system_schema.keyspaces shows it."""
    return {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", datacenter: str(factor)}


def _replication_cql(datacenter: str, factor: int) -> str:
    return f"{{'class': 'NetworkTopologyStrategy', {quote(datacenter)}: {int(factor)}}}"


def check(keyspaces: Sequence[Mapping[str, Any]], roles: Sequence[Mapping[str, Any]], ring_size: int) -> list[str]:
    """What is wrong with the wanted keyspaces and roles, one message each naming the field."""
    problems = []
    for i, ks in enumerate(keyspaces):
        name, factor = ks.get("name", ""), ks.get("replication_factor")
        if not isinstance(name, str) or not NAME.match(name):
            problems.append(f"cassandra_keyspaces[{i}].name must be lower-case letters, digits and _ (starting with a letter), got {name!r}")
        if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
            problems.append(f"cassandra_keyspaces[{i}].replication_factor must be a positive integer, got {factor!r}")
        elif factor > ring_size:
            problems.append(f"cassandra_keyspaces[{i}].replication_factor is {factor}, more than the {ring_size} node(s) of the ring: "
                            f"writes could never reach that many replicas. Set it to at most {ring_size}, or add nodes to the ring")
    known = {ks.get("name") for ks in keyspaces}
    for i, role in enumerate(roles):
        name = role.get("name", "")
        if not isinstance(name, str) or not NAME.match(name):
            problems.append(f"cassandra_roles[{i}].name must be lower-case letters, digits and _ (starting with a letter), got {name!r}")
        if not role.get("password"):
            problems.append(f"cassandra_roles[{i}].password is empty for role {name!r}: put it in vault and refer to it here")
        for ks in role.get("keyspaces", []):
            if ks not in known:
                problems.append(f"cassandra_roles[{i}].keyspaces names {ks!r}, which is not in cassandra_keyspaces")
    return problems


def plan(current: Mapping[str, Any], keyspaces: Sequence[Mapping[str, Any]], roles: Sequence[Mapping[str, Any]],
         datacenter: str, system_factor: int) -> list[Statement]:
    """The statements that bring the ring from ``current`` to the wanted keyspaces and roles.

    ``current`` has ``keyspaces`` (name -> replication map), ``roles`` (name -> {login, superuser}),
    ``grants`` (role -> set of keyspaces it has ALL on), ``creators`` (roles that may create keyspaces) and ``logins``
    (role -> whether its wanted password works).
    """
    out: list[Statement] = []
    have = current.get("keyspaces", {})
    for name in SYSTEM_KEYSPACES:
        want = replication(datacenter, system_factor)
        if name in have and dict(have[name]) != want:
            cql = f"ALTER KEYSPACE {name} WITH replication = {_replication_cql(datacenter, system_factor)}"
            out.append(Statement(cql, cql))
    for ks in keyspaces:
        name, factor = ks["name"], int(ks["replication_factor"])
        want = replication(datacenter, factor)
        if name not in have:
            cql = f"CREATE KEYSPACE IF NOT EXISTS {name} WITH replication = {_replication_cql(datacenter, factor)}"
        elif dict(have[name]) != want:
            cql = f"ALTER KEYSPACE {name} WITH replication = {_replication_cql(datacenter, factor)}"
        else:
            continue
        out.append(Statement(cql, cql))
    roles_now = current.get("roles", {})
    for role in roles:
        name, password = role["name"], str(role["password"])
        if name not in roles_now:
            head = f"CREATE ROLE IF NOT EXISTS {name} WITH LOGIN = true AND PASSWORD = "
            out.append(Statement(head + quote(password), head + "'********'"))
        elif not roles_now[name].get("login") or not current.get("logins", {}).get(name):
            head = f"ALTER ROLE {name} WITH LOGIN = true AND PASSWORD = "
            out.append(Statement(head + quote(password), head + "'********'"))
        if role.get("create_keyspaces") and name not in current.get("creators", set()):
            cql = f"GRANT CREATE ON ALL KEYSPACES TO {name}"
            out.append(Statement(cql, cql))
        granted = set(current.get("grants", {}).get(name, ()))
        for ks in role.get("keyspaces", []):
            if ks not in granted:
                cql = f"GRANT ALL PERMISSIONS ON KEYSPACE {ks} TO {name}"
                out.append(Statement(cql, cql))
    return out
