# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the scenarios' testinfra tests (pytest finds it above each tests/ directory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

# molecule/shared/containers.py: how the scenarios' containers start (Molecule's create step, and rebuild below).
sys.path.insert(0, str(Path(__file__).resolve().parent / "shared"))
import containers  # noqa: E402  pylint: disable=wrong-import-position
import scenario  # noqa: E402  pylint: disable=wrong-import-position

REPO = Path(__file__).resolve().parents[1]
INVENTORY = scenario.INVENTORY


@pytest.fixture
def converge(tmp_path, request):
    """converge(host, extra_vars) runs the scenario's converge.yml on one host, as a user would; or the playbook the
    test module names in PLAYBOOK (a scenario of several roles: only the one it tests).

    The extra vars go in as a JSON file (-e @file), the way AWX passes a job's extra vars and survey answers."""

    def run(host, extra: dict, playbook: Path | None = None, args: tuple[str, ...] = (),
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
        playbook = playbook or Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / getattr(request.module, "PLAYBOOK", "converge.yml")
        extravars = tmp_path / f"extravars-{time.monotonic_ns()}.json"
        extravars.write_text(json.dumps(extra))
        return subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", INVENTORY,
             "-l", host.backend.get_hostname(), "-e", f"@{extravars}", *args, str(playbook)],
            capture_output=True, text=True, env=env, timeout=timeout, check=False,
        )

    return run


@pytest.fixture
def wait():
    """wait(predicate, timeout, what) polls until predicate() is truthy and returns it, or fails saying what was awaited."""
    return scenario.wait_for


@pytest.fixture
def refused(converge):
    """refused(host, extra, message, service, watched): the run fails naming `message`; no file or process changes.

    Returns the run's output, for more checks."""

    def run(host, extra: dict, message: str, service: str, watched: str) -> str:
        pid = host.check_output(f"systemctl show -p MainPID --value {service}")
        before = host.file(watched).sha256sum
        result = converge(host, extra)
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert message in output, output[-1500:]
        assert "changed=0" in result.stdout
        assert host.file(watched).sha256sum == before
        assert host.check_output(f"systemctl show -p MainPID --value {service}") == pid
        return output

    return run


@pytest.fixture
def named_host():
    """named_host(name): one host of the scenario by its inventory name, for a test that needs only that one in a module
    whose tests run on every host."""
    return scenario.host


@pytest.fixture
def uninstall_then_reinstall(converge):
    """<role>_state=absent removes the service, its files and user but keeps the data; a plain run brings it all back,
    and its start waits for the service's health (the shared lifecycle's handler). `service` is the unit and user
    when it is not named after the role (otelcol-contrib). `hosts` is one host or a list of them, and `more` other roles
    of theirs as (role, removed, kept): one run for all."""

    def run(hosts, role: str, removed: list[str], kept: list[str], service: str | None = None,
            more: tuple[tuple[str, list[str], list[str]], ...] = ()) -> None:
        hosts = hosts if isinstance(hosts, list) else [hosts]
        limit = ("-l", ",".join(h.backend.get_hostname() for h in hosts))
        # (role, service, removed, kept): `more` are other roles of the same hosts, uninstalled in the same run.
        services = [(role, service or role, removed, kept)] + [(r, r, rm, kp) for r, rm, kp in more]
        gone = converge(hosts[0], {f"{name}_state": "absent" for name, *_rest in services}, args=limit)
        assert gone.returncode == 0, gone.stdout[-2000:]
        for host in hosts:
            for _role, unit, gone_paths, kept_paths in services:
                scenario.assert_uninstalled(host, unit, gone_paths, kept_paths)
        playbook = (Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml").read_text()
        # Its own pki step: the pki role, or site.yml, which runs it.
        scenario_pki = "telemetry.stack.pki" in playbook or "telemetry.stack.site" in playbook
        if any(host.file("/etc/ssl/telemetry").exists for host in hosts) and not scenario_pki:
            # Debian's userdel also deletes the user's same-name group, which owned the
            # TLS key: hand out the certificates again first, as the stack's pki step does
            # (a converge.yml with the pki role does it itself).
            pki = converge(hosts[0], {}, REPO / "molecule" / "shared" / "pki.yml", args=limit)
            assert pki.returncode == 0, pki.stdout[-2000:]
        # The whole converge.yml: its pki step gives the recreated group its keys back.
        again = converge(hosts[0], {}, Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml" if scenario_pki else None,
                         args=limit)
        assert again.returncode == 0, again.stdout[-2000:]
        # A plain start waits for health, as a restart or reload does.
        for host in hosts:
            for name, unit, *_paths in services:
                scenario.assert_started_healthy(host, name, unit, again.stdout)

    return run


@pytest.fixture
def rebuild():
    """rebuild(name): a machine replaced. The host's container is destroyed and a new, empty one started under the same
    name from its platform in molecule.yml (image, network, flags); returns the new host once systemd runs."""

    def run(name: str):
        scenario_dir = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
        platform = next(p for p in yaml.safe_load((scenario_dir / "molecule.yml").read_text())["platforms"] if p["name"] == name)
        subprocess.run(["docker", "rm", "-f", name], check=True, capture_output=True)
        # As Molecule's create step starts it (molecule/shared/containers.py).
        containers.start(platform)
        containers.wait_for_systemd([name], timeout=60)
        return scenario.host(name)

    return run
