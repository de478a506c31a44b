# SPDX-License-Identifier: GPL-3.0-or-later
"""The scenarios' containers, started and removed with the docker CLI: Molecule's create and destroy steps
(molecule/shared/create.yml and destroy.yml) and the rebuild fixture (molecule/conftest.py).

Molecule's docker driver does the same with a playbook of a dozen tasks per step, most of them for features these
scenarios do not use (registries, Dockerfiles, image builds): about 40 s to create and 20 s to destroy, twice per
scenario in CI. This does it in a few seconds, every container at once. It reads only the platform keys the
scenarios use: name, hostname, image, command, capabilities, cgroupns_mode, volumes, tmpfs, security_opts, env,
docker_networks and networks.

    python3 containers.py create|destroy < platforms.json
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

LABEL = "owner=molecule"
# Mounted into every container: Python keeps the bytecode of Ansible's zipped modules (zipimport_cache/).
ZIPIMPORT_CACHE = Path(__file__).resolve().parent / "zipimport_cache"
SITE_PACKAGES = "/usr/lib/python3/dist-packages"


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def run_args(platform: dict) -> list[str]:
    """`docker run` for one platform: a detached container with systemd as PID 1, on its first network."""
    name = platform["name"]
    args = ["run", "-d", "--name", name, "--hostname", platform.get("hostname", name), "--label", LABEL]
    args += [f"--cap-add={cap}" for cap in platform.get("capabilities", [])]
    args += [f"--cgroupns={platform['cgroupns_mode']}"] if platform.get("cgroupns_mode") else []
    args += [f"--volume={volume}" for volume in platform.get("volumes", [])]
    args += [f"--volume={ZIPIMPORT_CACHE / name}:{SITE_PACKAGES}/{name}:ro" for name in ("_zipimport_cache.py", "zipimport_cache.pth")]
    args += [f"--tmpfs={path}" for path in platform.get("tmpfs", [])]
    args += [f"--security-opt={opt}" for opt in platform.get("security_opts", [])]
    args += [f"--env={key}={value}" for key, value in platform.get("env", {}).items()]
    networks = [network["name"] for network in platform.get("networks", [])]
    args += [f"--network={networks[0]}"] if networks else []
    return [*args, platform["image"], *shlex.split(platform.get("command", ""))]


def start(platform: dict) -> None:
    """Start one platform's container and join it to its other networks."""
    docker(*run_args(platform))
    for network in [n["name"] for n in platform.get("networks", [])][1:]:
        docker("network", "connect", network, platform["name"])


def wait_for_systemd(names: list[str], timeout: float = 120) -> None:
    """Until systemd in each container answers "running" or "degraded" (a container lacks some of a machine's units)."""
    deadline = time.monotonic() + timeout
    for name in names:
        while docker("exec", name, "systemctl", "is-system-running", "--wait", check=False).stdout.strip() not in ("running", "degraded"):
            if time.monotonic() > deadline:
                raise SystemExit(f"systemd did not come up in {name} within {timeout:.0f} s")
            time.sleep(1)


def networks_of(platforms: list[dict]) -> list[str]:
    return sorted({n["name"] for p in platforms for n in p.get("docker_networks", []) + p.get("networks", [])})


def create(platforms: list[dict]) -> None:
    existing = set(docker("network", "ls", "--format", "{{.Name}}").stdout.split())
    for network in networks_of(platforms):
        if network not in existing:
            docker("network", "create", network)
    there = set(docker("ps", "-a", "--format", "{{.Names}}").stdout.split())
    for platform in platforms:
        if platform["name"] in there:
            # As the driver did: a container left from before is started, not made anew.
            docker("start", platform["name"])
        else:
            start(platform)
    wait_for_systemd([p["name"] for p in platforms])


def destroy(platforms: list[dict]) -> None:
    names = [p["name"] for p in platforms]
    docker("rm", "-f", "-v", *names, check=False)
    for network in networks_of(platforms):
        docker("network", "rm", network, check=False)


def main() -> None:
    action, platforms = sys.argv[1], json.load(sys.stdin)
    try:
        {"create": create, "destroy": destroy}[action](platforms)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{shlex.join(exc.cmd)} failed: {exc.stderr.strip()}") from None
    print(json.dumps({action: [p["name"] for p in platforms]}))


if __name__ == "__main__":
    main()
