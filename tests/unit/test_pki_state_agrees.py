# SPDX-License-Identifier: GPL-3.0-or-later
"""telemetry.stack.pki_state against the pki role's own issuing steps (community.crypto, for real, on the
controller): what they issue it calls current, and those steps, run again on every certificate, change nothing. If
community.crypto ever judged its files differently, the role would skip a certificate it should issue: this fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PLAYBOOK = """
- hosts: all
  gather_facts: false
  vars:
    read: &read
      ca_cert: "{{ _pki_ca_cert }}"
      certs: "{{ _pki_host_certs }}"
      common_name: "{{ inventory_hostname }}"
      sans: "{{ _pki_sans }}"
      renew_before_days: "{{ pki_renew_before_days }}"
      pki_dir: "{{ pki_dir }}"
      ca_common_name: "{{ pki_ca_common_name }}"
  tasks:
    - {ansible.builtin.include_vars: "ROLE/defaults/main.yml"}
    - {ansible.builtin.include_vars: "ROLE/vars/main.yml"}
    - {telemetry.stack.pki_state: *read, register: __pki_read}
    - {ansible.builtin.include_role: {name: telemetry.stack.pki, tasks_from: issue.yml}}
    - {telemetry.stack.pki_state: *read, register: __pki_read}
    - ansible.builtin.assert:
        that: __pki_read.ca_current and __pki_read.current | length == 2
        fail_msg: "{{ __pki_read | to_json }}"
    - name: Every issuing step again, as if nothing were current
      ansible.builtin.include_role: {name: telemetry.stack.pki, tasks_from: issue.yml}
      vars:
        __pki_read:
          current: []
          ca_current: false
          certificates: "{{ _pki_host_certs | map(attribute='cert') | map('community.general.dict_kv', 'path')
                            | map('combine', {'renewal_due': false}) }}"
"""


def test_what_the_role_issues_is_current_and_issuing_again_changes_nothing(repo_root: Path, tmp_path: Path) -> None:
    inventory = {"otel_gateways": {"hosts": {"gw-1": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        # What site.yml's facts give the names: the host's addresses.
        "ansible_facts": {"all_ipv4_addresses": ["10.0.0.7"], "fqdn": "gw-1.example.test"}}}},
        "alertmanager": {"hosts": {"gw-1": {}}}}
    (tmp_path / "hosts.json").write_text(json.dumps(inventory))
    (tmp_path / "pb.yml").write_text(PLAYBOOK.replace("ROLE", str(repo_root / "roles" / "pki")))
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections")}
    ran = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.json"),
                          "-e", f"pki_dir={tmp_path / '.pki'}", str(tmp_path / "pb.yml")],
                         capture_output=True, text=True, env=env, timeout=180, check=False)
    assert ran.returncode == 0, ran.stdout[-3000:]
    again = ran.stdout.partition("Every issuing step again")[2]
    assert "ok: [gw-1 -> localhost]" in again and "changed:" not in again, again[-3000:]
