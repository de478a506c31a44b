# SPDX-License-Identifier: GPL-3.0-or-later
"""The day-2 playbooks refuse wrong requests on the controller, naming the variable, before any host is contacted.

The inventory's hosts sit at an address nothing answers on (TEST-NET-1): a run that reached a host would say
UNREACHABLE. Each refusal must come from the playbook's checks instead, with --limit too (a play on localhost,
which --limit leaves out, would have been skipped)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

INVENTORY = {
    "all": {
        "vars": {"ansible_host": "192.0.2.1", "ansible_connection": "ssh", "ansible_ssh_common_args": "-o ConnectTimeout=1"},
        "children": {
            "otel_agents": {"hosts": {"app-1": {}}},
            "otel_gateways": {"hosts": {"gateway-1": {}}},
            "jaeger": {"hosts": {"backend-1": {}}},
            "prometheus": {"hosts": {"backend-1": {}}},
            "grafana": {"hosts": {"backend-1": {}}},
        },
    }
}


def run(repo_root: Path, tmp_path: Path, playbook: str, extra: dict, *args: str) -> str:
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps(INVENTORY))
    extravars = tmp_path / "extravars.json"
    extravars.write_text(json.dumps(extra))
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections")}
    ran = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "-e", f"@{extravars}",
                          *args, str(repo_root / "playbooks" / f"{playbook}.yml")],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    said = " ".join((ran.stdout + ran.stderr).split())
    assert ran.returncode != 0, said[-2000:]
    assert "UNREACHABLE" not in said, "a host was contacted before the request was checked"
    return said


@pytest.mark.parametrize("playbook, extra, args, message", [
    ("upgrade", {}, (), "missing required arguments: upgrade_component, upgrade_version"),
    ("upgrade", {"upgrade_component": "nginx", "upgrade_version": "1.0.0"}, ("-l", "gateway-1"),
     "value of upgrade_component must be one of: otelcol, cassandra, jaeger, alertmanager, prometheus, grafana, got: nginx"),
    ("upgrade", {"upgrade_component": "otelcol", "upgrade_version": "v0.159"}, (), "upgrade_version must be a release version"),
    ("rollback", {}, ("-l", "app-1"), "missing required arguments: rollback_component"),
    ("uninstall", {}, (), "missing required arguments: uninstall_components"),
    ("uninstall", {"uninstall_components": ["otelcol", "mysql"]}, (), "value of uninstall_components must be one or more of"),
    ("backup", {}, ("--check",), "Taking a backup writes files on the controller"),
    ("backup", {"backup_components": ["loki"]}, (), "value of backup_components must be one or more of"),
    ("restore", {}, (), "missing required arguments: restore_from"),
    ("restore", {"restore_from": "/nonexistent/backup"}, ("-l", "backend-1"), "No backup at /nonexistent/backup (no manifest.yml)"),
    ("rotate_certs", {"pki_mode": "files"}, (), "pki_mode is files: the certificates are yours"),
    ("rotate_certs", {"rotate_settle_seconds": "soon"}, (), "rotate_settle_seconds"),
    ("silence", {"silence_action": "mute"}, (), "value of silence_action must be one of: create, expire, got: mute"),
    ("silence", {}, (), "The inventory has no alertmanager group, so nothing sends alerts to be silenced"),
])
def test_a_wrong_request_is_refused_before_any_host_is_contacted(repo_root, tmp_path, playbook, extra, args, message) -> None:
    said = run(repo_root, tmp_path, playbook, extra, *args)
    assert message in said, said[-2000:]
