# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight action, run by ansible-playbook against this machine: it reads the host and names what it found."""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.telemetry.stack.plugins.action.preflight import ARGUMENT_SPEC

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - telemetry.stack.preflight: {args}
      register: found
    - ansible.builtin.debug: {{var: found}}
"""


def documented_options(repo_root: Path) -> dict:
    tree = ast.parse((repo_root / "plugins" / "modules" / "preflight.py").read_text())
    doc = next(n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "DOCUMENTATION")
    return yaml.safe_load(doc)["options"]


def test_the_documentation_matches_the_argument_spec(repo_root: Path) -> None:
    documented = documented_options(repo_root)
    assert set(documented) == set(ARGUMENT_SPEC)
    for name, spec in ARGUMENT_SPEC.items():
        doc = documented[name]
        assert (doc["type"], doc.get("default"), doc.get("choices"), doc.get("elements")) == (
            spec["type"], spec.get("default"), spec.get("choices"), spec.get("elements")), name


def run(tmp_path: Path, args: dict) -> subprocess.CompletedProcess[str]:
    book = tmp_path / "preflight.yml"
    book.write_text(PLAYBOOK.format(args=json.dumps(args)))
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0"}
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-e", f"ansible_python_interpreter={sys.executable}",
                           str(book)], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_a_port_held_by_another_process_stops_the_run_and_names_it(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        plan = [{"service": "web", "unit": "web.service", "user": "nobody", "ports": {"web_port": port}}]
        ran = run(tmp_path, {"plan": plan, "time_check": "off"})
    assert ran.returncode != 0
    assert f"port {port} (web_port of web) is already taken by" in ran.stdout
    assert "1 problem(s), nothing was changed" in ran.stdout


def test_warnings_name_the_host_and_the_facts_come_back(tmp_path: Path) -> None:
    ran = run(tmp_path, {"kinds": ["backend"], "resource_plan": {"backend": {"cpus": 10000}}, "time_check": "off"})
    assert ran.returncode == 0, ran.stdout
    assert "[WARNING]: localhost: " in ran.stderr and "below the 10000 the resource plan asks for a backend host" in ran.stderr
    assert '"memory_mib":' in ran.stdout.replace(" ", "") and '"listeners":' in ran.stdout.replace(" ", "")


@pytest.mark.parametrize("args, message", [
    ({"resource_check": "loud"}, "value of resource_check must be one of: error, warn, off, got: loud"),
    ({"kinds": ["database"]}, "kinds must be among agent, gateway, backend, got database"),
])
def test_bad_arguments_are_refused_by_name(tmp_path: Path, args: dict, message: str) -> None:
    ran = run(tmp_path, args)
    assert ran.returncode != 0 and message in ran.stdout, ran.stdout
