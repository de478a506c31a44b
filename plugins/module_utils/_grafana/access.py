# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Grafana's users, teams and folders, brought to what the inventory says through Grafana's HTTP API.

Grafana's file provisioning covers data sources and dashboards, not who may see them. The grafana_access module
reads what Grafana has and changes only what differs:

- users (login, name, email, password, organisation role): created when missing; a password is checked by logging
  in with it and set again only when that fails;
- teams and their members (exactly the members listed);
- folders (uid, title) and, when given, their permissions, which then replace Grafana's defaults (Viewers see,
  Editors edit): a folder given to one team is hidden from the others.

Users, teams and folders the inventory does not name are left alone. Pure Python over an ``Api`` object (the module
gives one over HTTP; the unit tests an in-memory Grafana).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

ROLES = ("Viewer", "Editor", "Admin")
PERMISSIONS = {"View": 1, "Edit": 2, "Admin": 4}
_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class AccessError(ValueError):
    """Bad input, or an answer from Grafana the module cannot go on from; the message names the field."""


class Api(Protocol):
    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One call as Grafana's admin: the HTTP status and the decoded JSON body."""

    def login_ok(self, login: str, password: str) -> bool:
        """Whether this login and password are accepted."""


def problems(users: Any, teams: Any, folders: Any) -> list[str]:
    """What is wrong with the variables, one message each naming the field and the fix."""
    out: list[str] = []
    logins: set[str] = set()
    for i, user in enumerate(users or []):
        where = f"grafana_users[{i}]"
        if not isinstance(user, Mapping) or not str(user.get("login") or "").strip():
            out.append(f"{where} needs a login")
            continue
        logins.add(str(user["login"]))
        if not str(user.get("password") or ""):
            out.append(f"{where}.password is empty for user {user['login']!r}: put it in vault and refer to it here")
        if user.get("role", "Viewer") not in ROLES:
            out.append(f"{where}.role is {user.get('role')!r}: use one of {', '.join(ROLES)}")
        unknown = set(user) - {"login", "name", "email", "password", "role"}
        if unknown:
            out.append(f"{where} has unknown keys {sorted(unknown)}: it takes login, name, email, password and role")
    team_names: set[str] = set()
    for i, team in enumerate(teams or []):
        where = f"grafana_teams[{i}]"
        if not isinstance(team, Mapping) or not str(team.get("name") or "").strip():
            out.append(f"{where} needs a name")
            continue
        team_names.add(str(team["name"]))
        missing = [m for m in team.get("members") or [] if m not in logins]
        if missing:
            out.append(f"{where}.members names {', '.join(map(repr, missing))}, not in grafana_users: add them there")
    for i, folder in enumerate(folders or []):
        where = f"grafana_folders[{i}]"
        if not isinstance(folder, Mapping) or not _UID.match(str(folder.get("uid") or "")) or not folder.get("title"):
            out.append(f"{where} needs a uid (letters, digits, - and _, at most 40) and a title")
            continue
        for j, grant in enumerate(folder.get("permissions") or []):
            at = f"{where}.permissions[{j}]"
            whom = [k for k in ("team", "role", "user") if k in (grant or {})]
            if len(whom) != 1 or grant.get("permission") not in PERMISSIONS:
                out.append(f"{at} needs one of team, role or user, and a permission of {', '.join(PERMISSIONS)}")
            elif "team" in grant and grant["team"] not in team_names:
                out.append(f"{at}.team is {grant['team']!r}, not in grafana_teams")
            elif "user" in grant and grant["user"] not in logins:
                out.append(f"{at}.user is {grant['user']!r}, not in grafana_users")
            elif "role" in grant and grant["role"] not in ("Viewer", "Editor"):
                out.append(f"{at}.role is {grant['role']!r}: use Viewer or Editor (an Admin can do anything anyway)")
    return out


def _expect(status: int, body: Any, what: str, ok: Sequence[int] = (200,)) -> Any:
    if status not in ok:
        message = body.get("message") if isinstance(body, Mapping) else body
        raise AccessError(f"{what}: Grafana answered {status}: {message}")
    return body


def converge(api: Api, users: Sequence[Mapping[str, Any]], teams: Sequence[Mapping[str, Any]],
             folders: Sequence[Mapping[str, Any]], check: bool = False) -> list[str]:
    """Bring Grafana to these users, teams and folders; return what changed (or would, in check mode), without
    secrets."""
    changes: list[str] = []
    ids: dict[str, int | None] = {}

    def change(what: str, method: str, path: str, body: Any = None, ok: Sequence[int] = (200,)) -> Any:
        changes.append(what)
        if check:
            return None
        status, answer = api.request(method, path, body)
        return _expect(status, answer, what, ok)

    org_roles = {u["login"]: u["role"] for u in _expect(*api.request("GET", "/api/org/users"), "read the organisation's users")}
    for user in users:
        login, role = str(user["login"]), user.get("role", "Viewer")
        status, found = api.request("GET", f"/api/users/lookup?loginOrEmail={quote(login)}")
        if status == 404:
            made = change(f"user {login} created", "POST", "/api/admin/users",
                          {"login": login, "name": user.get("name") or login, "email": user.get("email") or "",
                           "password": str(user["password"])})
            ids[login] = made["id"] if made else None
            if role != "Viewer" and ids[login] is not None:
                change(f"user {login}: role {role}", "PATCH", f"/api/org/users/{ids[login]}", {"role": role})
            elif role != "Viewer":
                changes.append(f"user {login}: role {role}")
            continue
        found = _expect(status, found, f"look up user {login}")
        ids[login] = found["id"]
        wanted = {"name": user.get("name") or found.get("name"), "email": user.get("email") or found.get("email")}
        if any(found.get(k) != v for k, v in wanted.items()):
            change(f"user {login}: name or email", "PUT", f"/api/users/{found['id']}", {"login": login, **wanted})
        if not api.login_ok(login, str(user["password"])):
            change(f"user {login}: password", "PUT", f"/api/admin/users/{found['id']}/password", {"password": str(user["password"])})
        if org_roles.get(login) != role:
            change(f"user {login}: role {role}", "PATCH", f"/api/org/users/{found['id']}", {"role": role})

    team_ids: dict[str, int | None] = {}
    for team in teams:
        name = str(team["name"])
        found = _expect(*api.request("GET", f"/api/teams/search?name={quote(name)}"), f"look up team {name}")
        match = [t for t in found.get("teams", []) if t.get("name") == name]
        if match:
            team_ids[name] = match[0]["id"]
        else:
            made = change(f"team {name} created", "POST", "/api/teams", {"name": name})
            team_ids[name] = made["teamId"] if made else None
        members = set(team.get("members") or [])
        current: dict[str, int] = {}
        # Read for a new team too: Grafana makes the user who creates a team one of its members.
        if team_ids[name] is not None:
            listed = _expect(*api.request("GET", f"/api/teams/{team_ids[name]}/members"), f"read team {name}'s members")
            current = {m["login"]: m["userId"] for m in listed}
        for login in sorted(members - set(current)):
            if team_ids[name] is not None and ids.get(login) is not None:
                change(f"team {name}: {login} added", "POST", f"/api/teams/{team_ids[name]}/members", {"userId": ids[login]})
            else:
                changes.append(f"team {name}: {login} added")
        for login in sorted(set(current) - members):
            change(f"team {name}: {login} removed", "DELETE", f"/api/teams/{team_ids[name]}/members/{current[login]}")

    for folder in folders:
        uid, title = str(folder["uid"]), str(folder["title"])
        status, found = api.request("GET", f"/api/folders/{uid}")
        if status == 404:
            change(f"folder {uid} created", "POST", "/api/folders", {"uid": uid, "title": title})
            current_items: list[tuple] | None = None
        else:
            found = _expect(status, found, f"read folder {uid}")
            if found.get("title") != title:
                change(f"folder {uid}: title", "PUT", f"/api/folders/{uid}", {"title": title, "version": found.get("version"), "overwrite": True})
            listed = _expect(*api.request("GET", f"/api/folders/{uid}/permissions"), f"read folder {uid}'s permissions")
            current_items = sorted(_item(p) for p in listed if not p.get("inherited") and _item(p) is not None)
        if "permissions" not in folder:
            continue
        items = []
        for grant in folder["permissions"]:
            if "team" in grant:
                items.append({"teamId": team_ids.get(grant["team"]), "permission": PERMISSIONS[grant["permission"]]})
            elif "user" in grant:
                items.append({"userId": ids.get(grant["user"]), "permission": PERMISSIONS[grant["permission"]]})
            else:
                items.append({"role": grant["role"], "permission": PERMISSIONS[grant["permission"]]})
        if current_items != sorted(_item(i) for i in items):
            change(f"folder {uid}: permissions", "POST", f"/api/folders/{uid}/permissions", {"items": items})
    return changes


def _item(entry: Mapping[str, Any]) -> tuple | None:
    """A permission entry as (kind, whom, permission); None for the ones Grafana keeps whatever is set (Admin)."""
    if entry.get("teamId"):
        return ("team", entry["teamId"], entry["permission"])
    if entry.get("userId"):
        return ("user", entry["userId"], entry["permission"])
    if entry.get("role") in ("Viewer", "Editor"):
        return ("role", entry["role"], entry["permission"])
    return None
