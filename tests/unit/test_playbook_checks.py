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

# An age public key (age-keygen -y), as backup_recipients takes them.
RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

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
     "value of upgrade_component must be one of: otelcol, cassandra, jaeger, victorialogs, alertmanager, prometheus, grafana, got: nginx"),
    ("upgrade", {"upgrade_component": "otelcol", "upgrade_version": "v0.159"}, (), "upgrade_version must be a release version"),
    ("rollback", {}, ("-l", "app-1"), "missing required arguments: rollback_component"),
    ("uninstall", {}, (), "missing required arguments: uninstall_components"),
    ("uninstall", {"uninstall_components": ["otelcol", "mysql"]}, (), "value of uninstall_components must be one or more of"),
    ("backup", {}, ("--check",), "Taking a backup writes to the backup target"),
    ("backup", {}, (), "There is no backup target: the backup_target group has no host"),
    ("backup", {"backup_target_host": "backend-1", "backup_recipients": ["AGE-SECRET-KEY-1XYZ"]}, ("-l", "backend-1"),
     "backup_recipients holds a private key (AGE-SECRET-KEY-...), which must never reach the hosts"),
    ("backup", {"backup_target_host": "backend-1", "backup_recipients": ["age1short"]}, ("-l", "backend-1"),
     'backup_recipients: "age1short" is not an age public key'),
    ("restore", {}, (), "There is no backup target"),
    ("restore", {"restore_from": "yesterday"}, (), "restore_from is yesterday: give a backup's name"),
    ("restore", {"backup_target_host": "backend-1", "backup_recipients": [RECIPIENT]}, ("-l", "backend-1"),
     "No identity: give backup_identity (from vault) or backup_identity_file"),
    ("restore", {"backup_target_host": "backend-1", "backup_recipients": [RECIPIENT], "backup_identity": RECIPIENT}, (),
     "backup_identity(_file) holds no age identity"),
    ("dr_drill", {"dr_rto_target": "soon"}, (), "dr_rto_target"),
    ("rotate_certs", {"pki_mode": "files"}, (), "pki_mode is files: the certificates are yours"),
    ("rotate_certs", {"rotate_settle_seconds": "soon"}, (), "rotate_settle_seconds"),
    ("silence", {"silence_action": "mute"}, (), "value of silence_action must be one of: create, expire, got: mute"),
    ("silence", {}, (), "The inventory has no alertmanager group, so nothing sends alerts to be silenced"),
])
def test_a_wrong_request_is_refused_before_any_host_is_contacted(repo_root, tmp_path, playbook, extra, args, message) -> None:
    said = run(repo_root, tmp_path, playbook, extra, *args)
    assert message in said, said[-2000:]
