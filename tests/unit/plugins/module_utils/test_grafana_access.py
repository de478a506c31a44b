# SPDX-License-Identifier: GPL-3.0-or-later
"""Grafana's users, teams and folders brought to the inventory's, against an in-memory Grafana that answers as the
HTTP API does (the module's calls against a real Grafana are the prod scenario's)."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._grafana.access import AccessError, converge, problems


class Grafana:
    """Just enough of Grafana's API: users, the organisation's roles, teams, folders and their permissions."""

    def __init__(self) -> None:
        self.ids = itertools.count(2)
        self.users: dict[int, dict[str, Any]] = {1: {"id": 1, "login": "admin", "name": "admin", "email": "", "password": "a", "role": "Admin"}}
        self.teams: dict[int, dict[str, Any]] = {}
        self.folders: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []

    def login_ok(self, login: str, password: str) -> bool:
        return any(u["login"] == login and u["password"] == password for u in self.users.values())

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        self.calls.append((method, path))
        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        if parts == ["api", "org", "users"]:
            return 200, [{"login": u["login"], "userId": i, "role": u["role"]} for i, u in self.users.items()]
        if parts == ["api", "users", "lookup"]:
            found = [u for u in self.users.values() if u["login"] == query["loginOrEmail"]]
            return (200, dict(found[0])) if found else (404, {"message": "user not found"})
        if parts == ["api", "admin", "users"] and method == "POST":
            uid = next(self.ids)
            self.users[uid] = {"id": uid, "role": "Viewer", **body}
            return 200, {"id": uid, "message": "User created"}
        if parts[:2] == ["api", "users"] and method == "PUT":
            self.users[int(parts[2])].update(name=body["name"], email=body["email"])
            return 200, {}
        if parts[:3] == ["api", "admin", "users"] and parts[4:] == ["password"]:
            self.users[int(parts[3])]["password"] = body["password"]
            return 200, {}
        if parts[:3] == ["api", "org", "users"] and method == "PATCH":
            self.users[int(parts[3])]["role"] = body["role"]
            return 200, {}
        if parts == ["api", "teams", "search"]:
            return 200, {"teams": [dict(t, members=None) for t in self.teams.values() if t["name"] == query["name"]]}
        if parts == ["api", "teams"] and method == "POST":
            tid = next(self.ids)
            # As Grafana 10 does: the admin who creates a team becomes a member.
            self.teams[tid] = {"id": tid, "name": body["name"], "members": {1}}
            return 200, {"teamId": tid}
        if parts[:2] == ["api", "teams"] and parts[3:4] == ["members"]:
            team = self.teams[int(parts[2])]
            if method == "GET":
                return 200, [{"login": self.users[m]["login"], "userId": m} for m in sorted(team["members"])]
            if method == "POST":
                team["members"].add(body["userId"])
            else:
                team["members"].discard(int(parts[4]))
            return 200, {}
        if parts[:2] == ["api", "folders"]:
            if method == "POST" and len(parts) == 2:
                # A new folder: Grafana's defaults, and its creator as Admin.
                self.folders[body["uid"]] = {"uid": body["uid"], "title": body["title"], "version": 1, "permissions": [
                    {"role": "Viewer", "permission": 1}, {"role": "Editor", "permission": 2}, {"userId": 1, "permission": 4},
                    {"role": "Admin", "permission": 4}]}
                return 200, {}
            folder = self.folders.get(parts[2])
            if folder is None:
                return 404, {"message": "folder not found"}
            if parts[3:] == ["permissions"]:
                if method == "GET":
                    return 200, [dict(p, inherited=False) for p in folder["permissions"]]
                folder["permissions"] = list(body["items"]) + [{"role": "Admin", "permission": 4}]
                return 200, {}
            if method == "PUT":
                folder.update(title=body["title"], version=folder["version"] + 1)
                return 200, {}
            return 200, {k: folder[k] for k in ("uid", "title", "version")}
        raise AssertionError(f"unexpected call {method} {path}")


USERS = [{"login": "ana", "password": "p1", "role": "Editor", "email": "ana@example.com"},
         {"login": "bo", "password": "p2"}, {"login": "cy", "password": "p3"}]
TEAMS = [{"name": "payments", "members": ["ana", "bo"]}, {"name": "search", "members": ["cy"]}]
FOLDERS = [{"uid": "payments", "title": "Payments", "permissions": [{"team": "payments", "permission": "Edit"}]},
           {"uid": "shared", "title": "Shared"}]


def test_a_fresh_grafana_gets_everything_and_the_second_run_changes_nothing() -> None:
    grafana = Grafana()
    changes = converge(grafana, USERS, TEAMS, FOLDERS)
    assert "user ana created" in changes and "team payments: bo added" in changes and "folder payments: permissions" in changes
    ana = next(u for u in grafana.users.values() if u["login"] == "ana")
    assert ana["role"] == "Editor" and ana["email"] == "ana@example.com"
    team = next(t for t in grafana.teams.values() if t["name"] == "payments")
    # The team's folder: its team edits, the defaults (every Viewer sees) are gone; Admins keep what they have.
    assert grafana.folders["payments"]["permissions"] == [{"teamId": team["id"], "permission": 2}, {"role": "Admin", "permission": 4}]
    # A folder without permissions keeps Grafana's defaults.
    assert {"role": "Viewer", "permission": 1} in grafana.folders["shared"]["permissions"]
    calls = len(grafana.calls)
    assert converge(grafana, USERS, TEAMS, FOLDERS) == []
    assert all(call[0] == "GET" for call in grafana.calls[calls:])


def test_check_mode_says_what_would_change_and_changes_nothing() -> None:
    grafana = Grafana()
    changes = converge(grafana, USERS, TEAMS, FOLDERS, check=True)
    assert changes[:2] == ["user ana created", "user ana: role Editor"]
    assert "team payments: ana added" in changes and "folder payments: permissions" in changes
    assert all(call[0] == "GET" for call in grafana.calls)
    assert len(grafana.users) == 1 and not grafana.teams and not grafana.folders


def test_drift_is_put_back_and_only_it() -> None:
    grafana = Grafana()
    converge(grafana, USERS, TEAMS, FOLDERS)
    ana = next(u for u in grafana.users.values() if u["login"] == "ana")
    ana.update(password="changed-by-hand", role="Viewer")
    team = next(t for t in grafana.teams.values() if t["name"] == "search")
    team["members"].add(ana["id"])
    grafana.folders["payments"]["permissions"].append({"role": "Viewer", "permission": 1})
    assert converge(grafana, USERS, TEAMS, FOLDERS) == [
        "user ana: password", "user ana: role Editor", "team search: ana removed", "folder payments: permissions"]
    assert converge(grafana, USERS, TEAMS, FOLDERS) == []


def test_a_refusal_from_grafana_names_the_step() -> None:
    class Refusing(Grafana):
        def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
            if method == "POST" and path == "/api/teams":
                return 409, {"message": "Team name taken"}
            return super().request(method, path, body)

    with pytest.raises(AccessError, match=r"^team payments created: Grafana answered 409: Team name taken$"):
        converge(Refusing(), USERS, TEAMS, FOLDERS)


@pytest.mark.parametrize(("users", "teams", "folders", "message"), [
    ([{"login": "ana", "password": ""}], [], [], "grafana_users[0].password is empty for user 'ana'"),
    ([{"login": "ana", "password": "x", "role": "Owner"}], [], [], "grafana_users[0].role is 'Owner'"),
    ([{"login": "ana", "password": "x", "team": "a"}], [], [], "grafana_users[0] has unknown keys ['team']"),
    (USERS, [{"name": "t", "members": ["dee"]}], [], "grafana_teams[0].members names 'dee', not in grafana_users"),
    (USERS, TEAMS, [{"uid": "a b", "title": "x"}], "grafana_folders[0] needs a uid"),
    (USERS, TEAMS, [{"uid": "a", "title": "A", "permissions": [{"team": "ops", "permission": "Edit"}]}],
     "grafana_folders[0].permissions[0].team is 'ops', not in grafana_teams"),
    (USERS, TEAMS, [{"uid": "a", "title": "A", "permissions": [{"team": "search", "permission": "Write"}]}],
     "grafana_folders[0].permissions[0] needs one of team, role or user, and a permission of View, Edit, Admin"),
])
def test_bad_variables_are_named(users, teams, folders, message) -> None:
    found = problems(users, teams, folders)
    assert any(message in p for p in found), found
    assert problems(USERS, TEAMS, FOLDERS) == []


def test_no_change_description_holds_a_password() -> None:
    changes = converge(Grafana(), USERS, TEAMS, FOLDERS)
    assert not any(re.search(r"\bp[123]\b", c) for c in changes)
