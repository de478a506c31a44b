# SPDX-License-Identifier: GPL-3.0-or-later
"""The floor's paths for scripts/bench-fleet.sh: what site.yml manages on each host, read from the host after its run.

    fleet_paths.py HOST...    -> {"bench_paths_by_host": {host: [path, ...]}} (JSON, for tests/bench/floor.yml)

A host's managed files are its services' config directories and what is in them, the certificates and keys, the units,
the `current` links and install markers, and the backup role's files. Hosts named alike (fleet-agent-NN) manage the same files: one of them is read.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

SERVICES = ("otelcol-contrib", "jaeger", "prometheus", "alertmanager", "grafana")
FIND = " ".join(
    [f"/etc/{s} /etc/systemd/system/{s}.service /opt/{s}/current /opt/{s}/*/.telemetry-stack-installed" for s in SERVICES]
    + ["/etc/ssl/telemetry"]
    # The backup role's: its config and keys, the program, the stamps, the unit and timer; on the target, the keys.
    + ["/etc/telemetry-stack /usr/local/lib/telemetry-stack /var/lib/telemetry-stack/backup/last-success.stamp",
       "/etc/systemd/system/telemetry-stack-backup.service /etc/systemd/system/telemetry-stack-backup.timer",
       "/srv/telemetry-stack-backups/.ssh"]
)


def managed(host: str) -> list[str]:
    out = subprocess.run(["docker", "exec", host, "sh", "-c", f"find {FIND} -maxdepth 2 2>/dev/null; true"],
                         capture_output=True, text=True, check=True).stdout
    return sorted(set(out.split()))


def main(hosts: list[str]) -> int:
    by_kind: dict[str, list[str]] = {}
    paths = {}
    for host in hosts:
        kind = re.sub(r"-[0-9]+$", "", host)
        if kind not in by_kind:
            by_kind[kind] = managed(host)
        paths[host] = by_kind[kind]
    print(json.dumps({"bench_paths_by_host": paths}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
