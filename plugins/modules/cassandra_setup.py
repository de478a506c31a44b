#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cassandra_setup
short_description: Bring a Cassandra ring's administrator, keyspaces and roles to what is wanted
version_added: 0.1.0
description:
  - Logs in to a node of the ring as O(admin_user). On a new ring, where that role does not exist yet, it logs in as
    Cassandra's default C(cassandra) superuser (retrying while the node creates it), creates O(admin_user) as a
    superuser with O(admin_password), and takes login and superuser from the default one.
  - Sets the replication of C(system_auth), C(system_distributed) and C(system_traces) to
    O(system_replication_factor) in O(datacenter), so that logins survive the loss of a node; creates or alters each
    keyspace of O(keyspaces); creates each role of O(roles), sets its password where it no longer logs in with it, and
    grants it all permissions on its keyspaces.
  - Reads first and changes only what differs; supports check mode. Needs the Python driver on the host (Debian's
    C(python3-cassandra)).
author: telemetry.stack maintainers (!UNKNOWN)
options:
  host:
    description: The node to talk to (its CQL address).
    type: str
    required: true
  port:
    description: Its CQL port.
    type: int
    default: 9042
  admin_user:
    description: The administrator role.
    type: str
    default: admin
  admin_password:
    description: Its password.
    type: str
    required: true
  datacenter:
    description: The data centre the keyspaces replicate in (NetworkTopologyStrategy).
    type: str
    default: dc1
  system_replication_factor:
    description: Replicas of the system keyspaces that hold roles and permissions.
    type: int
    required: true
  keyspaces:
    description: Keyspaces, each C(name) and C(replication_factor).
    type: list
    elements: dict
    default: []
  roles:
    description:
      - Login roles, each C(name), C(password) and C(keyspaces) (it gets all permissions on them).
      - C(create_keyspaces=true) also grants CREATE ON ALL KEYSPACES (Jaeger's schema creation begins with
        C(CREATE KEYSPACE IF NOT EXISTS), which Cassandra authorizes against all keyspaces even when it exists).
    type: list
    elements: dict
    default: []
  ca_file:
    description: A CA to verify the node's client certificate with (client TLS); empty for plain CQL.
    type: path
    default: ""
  keystore_file:
    description: A PEM file with a client key and certificate, for a node that requires client certificates.
    type: path
    default: ""
  wait:
    description: Seconds to keep trying the first login (a new node creates its default superuser after it starts).
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: Set up the ring's administrator, Jaeger's keyspace and role
  telemetry.stack.cassandra_setup:
    host: 10.0.0.5
    admin_password: "{{ vault_cassandra_admin_password }}"
    system_replication_factor: 3
    keyspaces: [{name: jaeger_v1_dc1, replication_factor: 3}]
    roles: [{name: jaeger, password: "{{ vault_jaeger_cassandra_password }}", keyspaces: [jaeger_v1_dc1]}]
"""

RETURN = r"""
statements:
  description: The CQL statements run (or that would run in check mode), with passwords masked.
  returned: always
  type: list
  elements: str
system_replication_changed:
  description: Whether the system keyspaces' replication changed (run C(nodetool repair) on every node then).
  returned: always
  type: bool
"""

import secrets
import time
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.telemetry.stack.plugins.module_utils._cassandra.setup import SYSTEM_KEYSPACES, check, plan

try:
    from cassandra import AuthenticationFailed, Unauthorized
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster, NoHostAvailable
    from cassandra.policies import WhiteListRoundRobinPolicy

    HAS_DRIVER = True
except ImportError:
    HAS_DRIVER = False


# What GRANT ALL PERMISSIONS ON KEYSPACE gives, at the least (Cassandra 5 adds UNMASK and SELECT_MASKED).
ALL = {"CREATE", "ALTER", "DROP", "SELECT", "MODIFY", "AUTHORIZE"}


class Refused(Exception):
    """The node refused this login."""


def connect(p: dict, user: str, password: str) -> tuple:
    """(cluster, session) on the one node; Refused when it refuses this login."""
    ssl_context, ssl_options = None, None
    if p["ca_file"]:
        import ssl

        ssl_context = ssl.create_default_context(cafile=p["ca_file"])
        if p["keystore_file"]:
            ssl_context.load_cert_chain(p["keystore_file"])
        ssl_options = {"server_hostname": p["host"]}
    cluster = Cluster([p["host"]], port=p["port"], auth_provider=PlainTextAuthProvider(user, password), connect_timeout=10,
                      load_balancing_policy=WhiteListRoundRobinPolicy([p["host"]]), ssl_context=ssl_context,
                      ssl_options=ssl_options, control_connection_timeout=10)
    try:
        return cluster, cluster.connect()
    except NoHostAvailable as exc:
        cluster.shutdown()
        if any(isinstance(e, AuthenticationFailed) or "Bad credentials" in str(e) for e in exc.errors.values()):
            raise Refused(user) from exc
        raise


def logs_in(p: dict, user: str, password: str) -> bool:
    try:
        cluster, _session = connect(p, user, password)
    except Refused:
        return False
    cluster.shutdown()
    return True


def until_wait(module: AnsibleModule, attempt: Callable[[], Any], retry_on: tuple, failed: Callable[[Exception], str], **facts: Any) -> Any:
    """attempt() again every 2 s while it raises one of retry_on, for the module's wait; then fail with failed(the last
    error) as the message (and facts beside it)."""
    deadline = time.monotonic() + module.params["wait"]
    while True:
        try:
            return attempt()
        except retry_on as exc:
            if time.monotonic() > deadline:
                module.fail_json(msg=failed(exc), **facts)
            time.sleep(2)


def first_login(module: AnsibleModule) -> tuple:
    """(cluster, session, as_default): as the administrator, or on a new ring as the default superuser, trying while
    the node starts."""
    p = module.params

    def login() -> tuple:
        try:
            return (*connect(p, p["admin_user"], p["admin_password"]), False)
        except Refused:
            return (*connect(p, "cassandra", "cassandra"), True)

    def failed(exc: Exception) -> str:
        error = "" if isinstance(exc, Refused) else f" ({exc})"
        return (f"cannot log in to Cassandra at {p['host']}:{p['port']} as {p['admin_user']} with cassandra_admin_password, "
                f"nor as the default superuser of a new ring: set cassandra_admin_password to the administrator's password{error}")
    return until_wait(module, login, (Refused, NoHostAvailable), failed)


def settled(module: AnsibleModule, session, cql: str, args: tuple | None = None):
    """Run a statement on a new ring. A node that has just joined may not yet know that the role it runs as is a
    superuser (it caches what it read of the roles for a couple of seconds), so a refusal is retried until the wait
    runs out."""
    return until_wait(module, lambda: session.execute(cql, args), (Unauthorized,),
                      lambda exc: f"the new ring still refuses a superuser's statement after {module.params['wait']} s: {exc}. "
                                  "Check that every node of the ring runs and sees the others (nodetool status), then run again")


def read(session) -> dict:
    keyspaces = {r.keyspace_name: dict(r.replication) for r in session.execute("SELECT keyspace_name, replication FROM system_schema.keyspaces")}
    have = {r.role: {"login": r.can_login, "superuser": r.is_superuser}
            for r in session.execute("SELECT role, can_login, is_superuser FROM system_auth.roles")}
    grants: dict = {}
    creators = set()
    for r in session.execute("SELECT role, resource, permissions FROM system_auth.role_permissions"):
        if r.resource == "data" and "CREATE" in (r.permissions or ()):
            creators.add(r.role)
        if r.resource.startswith("data/") and "/" not in r.resource[5:] and ALL <= set(r.permissions or ()):
            grants.setdefault(r.role, set()).add(r.resource[5:])
    return {"keyspaces": keyspaces, "roles": have, "grants": grants, "creators": creators}


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", required=True),
            port=dict(type="int", default=9042),
            admin_user=dict(type="str", default="admin"),
            admin_password=dict(type="str", required=True, no_log=True),
            datacenter=dict(type="str", default="dc1"),
            system_replication_factor=dict(type="int", required=True),
            keyspaces=dict(type="list", elements="dict", default=[], no_log=False),
            roles=dict(type="list", elements="dict", default=[], no_log=False),
            ca_file=dict(type="path", default=""),
            keystore_file=dict(type="path", default=""),
            wait=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for role in p["roles"]:
        module.no_log_values.add(str(role.get("password", "")))
    if not HAS_DRIVER:
        module.fail_json(msg=missing_required_lib("cassandra-driver (Debian: python3-cassandra)"))
    problems = check(p["keyspaces"], p["roles"], 10**6)
    if problems:
        module.fail_json(msg="; ".join(problems))

    statements: list[str] = []
    system_changed = False
    cluster, session, as_default = first_login(module)
    if as_default:
        # The system keyspaces first, so that the roles written next reach every replica.
        for s in plan(read(session), [], [], p["datacenter"], p["system_replication_factor"]):
            statements.append(s.shown)
            system_changed = True
            if not module.check_mode:
                settled(module, session, s.cql)
        head = f"CREATE ROLE IF NOT EXISTS {p['admin_user']} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = "
        statements.append(head + "'********'")
        if not module.check_mode:
            settled(module, session, head + "%s", (p["admin_password"],))
            cluster.shutdown()
            cluster, session = until_wait(module, lambda: connect(p, p["admin_user"], p["admin_password"]), (Refused,),
                                          lambda _exc: f"created {p['admin_user']} but cannot log in with it after {p['wait']} s",
                                          statements=statements)
    try:
        current = read(session)
        if as_default:
            lock = "ALTER ROLE cassandra WITH SUPERUSER = false AND LOGIN = false AND PASSWORD = "
            statements.append(lock + "'********'")
            if not module.check_mode:
                settled(module, session, lock + "%s", (secrets.token_urlsafe(32),))
        current["logins"] = {r["name"]: logs_in(p, r["name"], str(r["password"])) for r in p["roles"] if r["name"] in current["roles"]}
        todo = plan(current, p["keyspaces"], p["roles"], p["datacenter"], p["system_replication_factor"])
        system_changed = system_changed or any(s.cql.startswith(f"ALTER KEYSPACE {k} ") for s in todo for k in SYSTEM_KEYSPACES)
        for s in todo:
            statements.append(s.shown)
            if not module.check_mode:
                if as_default:
                    settled(module, session, s.cql)
                else:
                    session.execute(s.cql)
    finally:
        cluster.shutdown()
    module.exit_json(changed=bool(statements), statements=statements, system_replication_changed=system_changed)


if __name__ == "__main__":
    main()
