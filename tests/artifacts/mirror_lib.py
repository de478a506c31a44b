# SPDX-License-Identifier: GPL-3.0-or-later
"""What the mirror tests share: the pinned artifacts, how to read upstream checksum files, and a role's templates
rendered on the controller."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import build_mirror

ROOT = Path(__file__).resolve().parents[2]
PINS = build_mirror.load_pins()
ARTIFACTS = {a.name: a for a in build_mirror.all_artifacts(PINS, [build_mirror.host_arch()])}


def checksum_file_for(art: build_mirror.Artifact) -> str:
    """The upstream checksum file that lists ``art``'s archive."""
    if art.kind == "otelcol":
        return f"opentelemetry-collector-releases_{art.archive.split('_', 1)[0]}_checksums.txt"
    if art.kind == "jaeger":
        return f"jaeger-{art.version}.sha256sum.txt"
    if art.kind == "telemetrygen":
        return "checksums.txt"
    if art.kind == "victorialogs":
        return f"victoria-logs-linux-{art.arch}-v{art.version}_checksums.txt"
    if art.kind in ("grafana", "cassandra"):
        # A .sha256 beside the archive holding the bare digest.
        return f"{art.archive}.sha256"
    return "sha256sums.txt"


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, timeout: float, step: float = 0.2):
    """Call what() every `step` seconds until it returns something truthy, for `timeout` seconds; return its last answer."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = what()
        if got:
            return got
        time.sleep(step)
    return what()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.read()


PLAY = """
- name: Render
  hosts: localhost
  gather_facts: {facts}
  vars_files: [{role}/defaults/main.yml, {role}/vars/main.yml]
  tasks:
    - name: Render each template
      ansible.builtin.copy:
        content: "{{{{ lookup('ansible.builtin.template', '{role}/templates/' ~ item) }}}}"
        dest: "{out}/{{{{ item | regex_replace('\\\\.j2$', '') }}}}"
        mode: "0600"
      loop: {templates}
"""


def render(role: str, templates: list[str], extra: dict, out: Path, groups: dict | None = None, facts: bool = False) -> dict[str, str]:
    """Render a role's templates on the controller, with its defaults and vars and `extra` on top.

    `groups` adds inventory groups ({group: {host: host_vars}}) beside localhost; `facts` gathers localhost's facts.
    """
    out.mkdir(parents=True, exist_ok=True)
    play = out / "render.yml"
    play.write_text(PLAY.format(role=ROOT / "roles" / role, out=out, templates=json.dumps(templates), facts=str(facts).lower()))
    inventory = out / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"localhost": {}},
                                             "children": {g: {"hosts": hosts} for g, hosts in (groups or {}).items()}}}))
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections"), "ANSIBLE_LOCALHOST_WARNING": "false"}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "-c", "local",
                           "-e", f"ansible_python_interpreter={sys.executable}", "-e", json.dumps(extra), str(play)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {t.removesuffix(".j2"): (out / t.removesuffix(".j2")).read_text() for t in templates}
