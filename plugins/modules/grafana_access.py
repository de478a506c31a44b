#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: grafana_access
short_description: Bring Grafana's admin password, users, teams and folders to what the inventory says
version_added: 0.1.0
description:
  - Talks to Grafana's HTTP API on the host (O(url)) as its server administrator.
  - When O(admin_password) no longer logs in (it changed in vault after Grafana created its database, which is the
    only time Grafana reads it), sets it with Grafana's own C(reset-admin-password) command (O(reset_command)), which
    reads the password from standard input.
  - Then creates each user of O(users) that is missing, sets a password only where it no longer logs in, and the
    name, email and organisation role where they differ; each team of O(teams) with exactly its members; each folder
    of O(folders), and, when a folder lists C(permissions), those instead of Grafana's defaults (every Viewer sees,
    every Editor edits), so that a folder given to a team is hidden from the others.
  - Users, teams and folders it is not given are left alone. Reads first and changes only what differs; supports
    check mode. No password appears in what it returns.
author: telemetry.stack maintainers (!UNKNOWN)
extends_documentation_fragment:
  - telemetry.stack.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  url:
    description: Grafana's base URL on the host, such as V(https://localhost:3000).
    type: str
    required: true
  ca_path:
    description: The CA to verify Grafana's certificate with (HTTPS); empty for the system's.
    type: path
    default: ""
  admin_user:
    description: The server administrator's login.
    type: str
    default: admin
  admin_password:
    description: Its password.
    type: str
    required: true
  reset_command:
    description:
      - Grafana's command that sets the administrator's password from standard input, as a list, such as
        V([/opt/grafana/current/bin/grafana, cli, --homepath, /opt/grafana/current, --config, /etc/grafana/grafana.ini,
        admin, reset-admin-password, --password-from-stdin]). Empty to fail instead when the password no longer logs in.
    type: list
    elements: str
    default: []
  environment_file:
    description: A file of C(KEY="value") lines (Grafana's environment file) the reset command runs with.
    type: path
    default: ""
  users:
    description:
      - Users, each C(login), C(password), and optionally C(name), C(email) and C(role) (V(Viewer), V(Editor) or
        V(Admin) of the organisation; V(Viewer) by default).
    type: list
    elements: dict
    default: []
  teams:
    description: Teams, each C(name) and C(members) (logins of O(users)).
    type: list
    elements: dict
    default: []
  folders:
    description:
      - Folders, each C(uid), C(title), and optionally C(permissions), a list of C(team), C(user) or C(role) (V(Viewer) or
        V(Editor)) with a C(permission) (V(View), V(Edit) or V(Admin)).
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Users, teams and folders
  telemetry.stack.grafana_access:
    url: https://localhost:3000
    ca_path: /etc/ssl/telemetry/ca.pem
    admin_password: "{{ vault_grafana_admin_password }}"
    users:
      - {login: ana, password: "{{ vault_grafana_ana_password }}", role: Editor}
    teams:
      - {name: payments, members: [ana]}
    folders:
      - {uid: payments, title: Payments, permissions: [{team: payments, permission: Edit}]}
"""

RETURN = r"""
changes:
  description: What changed (or would change, in check mode), one line each, without secrets.
  returned: always
  type: list
  elements: str
"""

import json
from typing import Any
from urllib.error import HTTPError, URLError

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.telemetry.stack.plugins.module_utils._grafana.access import AccessError, converge, problems


class HttpApi:
    """Grafana's API over HTTP(S), as one user."""

    def __init__(self, url: str, ca_path: str, user: str, password: str) -> None:
        self.url = url.rstrip("/")
        self.ca_path = ca_path or None
        self.user, self.password = user, password

    def _call(self, method: str, path: str, body: Any, user: str, password: str) -> tuple[int, Any]:
        data = json.dumps(body) if body is not None else None
        try:
            answer = open_url(self.url + path, data=data, method=method, url_username=user, url_password=password,
                              force_basic_auth=True, ca_path=self.ca_path, timeout=30,
                              headers={"Content-Type": "application/json", "Accept": "application/json"})
            status, raw = answer.getcode(), answer.read()
        except HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self._call(method, path, body, self.user, self.password)

    def login_ok(self, login: str, password: str) -> bool:
        return self._call("GET", "/api/user", None, login, password)[0] == 200


def environment(path: str) -> dict[str, str]:
    """KEY="value" lines, as systemd reads an EnvironmentFile (the role writes them quoted, with \\ and " escaped)."""
    out: dict[str, str] = {}
    if not path:
        return out
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.strip().partition("=")
            if not sep or key.startswith("#"):
                continue
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            out[key] = value
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            ca_path=dict(type="path", default=""),
            admin_user=dict(type="str", default="admin"),
            admin_password=dict(type="str", required=True, no_log=True),
            reset_command=dict(type="list", elements="str", default=[]),
            environment_file=dict(type="path", default=""),
            users=dict(type="list", elements="dict", default=[], no_log=False),
            teams=dict(type="list", elements="dict", default=[]),
            folders=dict(type="list", elements="dict", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for user in p["users"]:
        if user.get("password"):
            module.no_log_values.add(str(user["password"]))
    found = problems(p["users"], p["teams"], p["folders"])
    if found:
        module.fail_json(msg="; ".join(found))
    api = HttpApi(p["url"], p["ca_path"], p["admin_user"], p["admin_password"])
    changes: list[str] = []
    try:
        if not api.login_ok(p["admin_user"], p["admin_password"]):
            if not p["reset_command"]:
                module.fail_json(msg=f"Grafana at {p['url']} refuses {p['admin_user']} with grafana_admin_password, and no reset_command was given")
            changes.append(f"{p['admin_user']}: password")
            if not module.check_mode:
                env = environment(p["environment_file"])
                rc, out, err = module.run_command(p["reset_command"], data=p["admin_password"], environ_update=env)
                if rc != 0:
                    module.fail_json(msg=f"setting {p['admin_user']}'s password with Grafana's reset command failed: "
                                         f"{(err or out).strip()[-500:]}", rc=rc)
                if not api.login_ok(p["admin_user"], p["admin_password"]):
                    module.fail_json(msg=f"Grafana at {p['url']} still refuses {p['admin_user']} after its password was set: "
                                         "Grafana blocks a login for 5 minutes after 5 failed attempts in a row (someone "
                                         "tried wrong passwords). Run again in 5 minutes.")
        if module.check_mode and changes:
            # The API refuses the new password until it is set: nothing more to read.
            module.exit_json(changed=True, changes=changes)
        changes += converge(api, p["users"], p["teams"], p["folders"], check=module.check_mode)
    except AccessError as exc:
        module.fail_json(msg=str(exc), changes=changes)
    except (OSError, URLError) as exc:
        module.fail_json(msg=f"cannot reach Grafana at {p['url']}: {exc}", changes=changes)
    module.exit_json(changed=bool(changes), changes=changes)


if __name__ == "__main__":
    main()
