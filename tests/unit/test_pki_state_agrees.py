# SPDX-License-Identifier: GPL-3.0-or-later
"""telemetry.stack.pki_state against the pki role's own issuing steps (community.crypto, for real, on the
controller): what they issue it calls current (the CA, the tiers' CAs, a gateway's collector certificate from its
tier's CA), and those steps, run again on every certificate, change nothing. If
community.crypto ever judged its files differently, the role would skip a certificate it should issue: this fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# The role's variables and a first read of what the controller holds, as the preflight reads it.
READ = """
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
      tiers: "{{ _pki_tiers }}"
  tasks:
    - {ansible.builtin.include_vars: "ROLE/defaults/main.yml"}
    - {ansible.builtin.include_vars: "ROLE/vars/main.yml"}
    - {telemetry.stack.pki_state: *read, register: __pki_read}
"""

PLAYBOOK = READ + """    - {ansible.builtin.include_role: {name: telemetry.stack.pki, tasks_from: issue.yml}}
    - {telemetry.stack.pki_state: *read, register: __pki_read}
    - ansible.builtin.assert:
        that:
          - __pki_read.ca_current and __pki_read.current | length == 2
          - __pki_read.tiers | dict2items | selectattr('value.current') | list | length == 3
          - _pki_host_certs | selectattr('issuer', 'search', '/tiers/TIER.pem$') | map(attribute='name') | list == ['otelcol-contrib']
        fail_msg: "{{ __pki_read | to_json }}"
    - name: Every issuing step again, as if nothing were current
      ansible.builtin.include_role: {name: telemetry.stack.pki, tasks_from: issue.yml}
      vars:
        __pki_read:
          current: []
          ca_current: false
          tiers: "{{ dict(_pki_tiers | map(attribute='name') | product([{'current': false, 'renewal_due': false}])) }}"
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
    (tmp_path / "pb.yml").write_text(PLAYBOOK.replace("ROLE", str(repo_root / "roles" / "pki")).replace("TIER", "gateway"))
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections")}
    ran = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.json"),
                          "-e", f"pki_dir={tmp_path / '.pki'}", str(tmp_path / "pb.yml")],
                         capture_output=True, text=True, env=env, timeout=180, check=False)
    assert ran.returncode == 0, ran.stdout[-3000:]
    again = ran.stdout.partition("Every issuing step again")[2]
    assert "ok: [gw-1 -> localhost]" in again and "changed:" not in again, again[-3000:]


UPGRADE = READ + """    - ansible.builtin.assert:
        that: not __pki_read.ca_current and 'path length' in __pki_read.ca_reason
        fail_msg: "{{ __pki_read | to_json }}"
    - {ansible.builtin.include_role: {name: telemetry.stack.pki, tasks_from: issue.yml}}
    - {telemetry.stack.pki_state: *read, register: __pki_read}
    - ansible.builtin.assert:
        that: __pki_read.ca_current and __pki_read.current | length == 2
        fail_msg: "{{ __pki_read | to_json }}"
"""


def _sign_ca_again(pki_dir: Path, path_length: int) -> None:
    """The CA's request and certificate as an earlier release made them (another path length), with the same key."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    key = serialization.load_pem_private_key((pki_dir / "ca.key").read_bytes(), password=None)
    old = x509.load_pem_x509_certificate((pki_dir / "ca.pem").read_bytes())
    constraints = x509.BasicConstraints(ca=True, path_length=path_length)
    usage = old.extensions.get_extension_for_class(x509.KeyUsage).value
    csr = (x509.CertificateSigningRequestBuilder().subject_name(old.subject).add_extension(constraints, critical=True)
           .add_extension(usage, critical=True).sign(key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(old.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(old.not_valid_before_utc)
            .not_valid_after(old.not_valid_after_utc).add_extension(constraints, critical=True)
            .add_extension(usage, critical=True).sign(key, hashes.SHA256()))
    (pki_dir / "ca.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    (pki_dir / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_a_ca_made_before_the_tiers_is_signed_again_with_its_own_key(repo_root: Path, tmp_path: Path) -> None:
    """A CA of path length 0 (before pki_tier_cas) cannot sign the tiers' CAs: the role signs it again with the same
    key, so every certificate it issued stays valid and is not issued again."""
    inventory = {"otel_agents": {"hosts": {"app-1": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "ansible_facts": {"all_ipv4_addresses": ["10.0.0.8"], "fqdn": "app-1.example.test"}}}},
        "jaeger": {"hosts": {"app-1": {}}}}
    (tmp_path / "hosts.json").write_text(json.dumps(inventory))
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_COLLECTIONS_PATH": str(repo_root / "collections")}
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.json"),
               "-e", f"pki_dir={tmp_path / '.pki'}"]
    (tmp_path / "first.yml").write_text(PLAYBOOK.replace("ROLE", str(repo_root / "roles" / "pki")).replace("TIER", "agent"))
    first = subprocess.run([*command, str(tmp_path / "first.yml")], capture_output=True, text=True, env=env, timeout=180, check=False)
    assert first.returncode == 0, first.stdout[-3000:]
    _sign_ca_again(tmp_path / ".pki", 0)
    leaf = (tmp_path / ".pki" / "hosts" / "app-1" / "jaeger.pem").read_bytes()
    (tmp_path / "upgrade.yml").write_text(UPGRADE.replace("ROLE", str(repo_root / "roles" / "pki")))
    ran = subprocess.run([*command, str(tmp_path / "upgrade.yml")], capture_output=True, text=True, env=env, timeout=180, check=False)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert (tmp_path / ".pki" / "hosts" / "app-1" / "jaeger.pem").read_bytes() == leaf
    assert "pathlen:1" in subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(tmp_path / ".pki" / "ca.pem")],
                                         capture_output=True, text=True, check=True).stdout.replace(" ", "")
