# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/backup.yml and restore.yml: back up, destroy, restore, and the data is back."""

from __future__ import annotations

import json
import re

from stacklib import REPO, GRAFANA, DASHBOARD, probe, spans_in_jaeger, dashboard, up_at

testinfra_hosts = ["ansible://app-debian12"]


def test_backup_then_destroy_then_restore_brings_the_data_back(host, backend, converge, wait, tmp_path):
    playbooks = REPO / "playbooks"
    # What a user adds by hand (a dashboard in Grafana's database), metrics up to now, a trace in Badger.
    made = backend.check_output(f"{GRAFANA}/api/dashboards/db -X POST -H 'Content-Type: application/json' -d '{json.dumps(DASHBOARD)}'")
    assert '"status":"success"' in made, made
    trace_id = probe(converge, host, 3)
    moment = __import__("time").time()
    assert wait(lambda: up_at(backend, moment) > 0, what="samples in Prometheus")
    saved = converge(host, {"backup_dir": str(tmp_path), "backup_name": "full"}, playbooks / "backup.yml", ("-l", "all"))
    assert saved.returncode == 0, saved.stdout[-3000:]
    for name in ["manifest.yml", "pki.tar", "backend-debian12/prometheus.tar", "backend-debian12/grafana.tar", "backend-debian12/jaeger.tar"]:
        assert (tmp_path / "full" / name).is_file(), f"{name} is not in the backup"
    assert oct((tmp_path / "full").stat().st_mode & 0o777) == "0o700"

    # A backup that lacks what the restore needs is refused before any host changes.
    partial = converge(host, {"backup_dir": str(tmp_path), "backup_name": "partial", "backup_components": ["grafana"]},
                       playbooks / "backup.yml", ("-l", "all"))
    assert partial.returncode == 0, partial.stdout[-3000:]
    pid = backend.check_output("systemctl show -p MainPID --value prometheus")
    refused = converge(host, {"restore_from": str(tmp_path / "partial")}, playbooks / "restore.yml", ("-l", "all"))
    said = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0 and "has no pki.tar, backend-debian12/prometheus.tar, backend-debian12/jaeger.tar" in said, said[-2000:]
    assert backend.check_output("systemctl show -p MainPID --value prometheus") == pid

    # Destroy: Prometheus and Grafana go, data and all; site.yml brings them back empty.
    gone = converge(host, {"uninstall_components": ["prometheus", "grafana"], "uninstall_remove_data": True},
                    playbooks / "uninstall.yml", ("-l", "all"))
    assert gone.returncode == 0, gone.stdout[-3000:]
    assert not backend.file("/var/lib/prometheus").exists and not backend.file("/var/lib/grafana").exists
    assert not backend.service("prometheus").is_running and backend.service("jaeger").is_running
    fresh = converge(host, {}, None, ("-l", "all"))
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    assert dashboard(backend) == 404 and up_at(backend, moment) == 0

    restored = converge(host, {"restore_from": str(tmp_path / "full")}, playbooks / "restore.yml", ("-l", "all"))
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert dashboard(backend) == 200
    assert up_at(backend, moment) > 0, "the metrics from before the backup are not back"
    assert spans_in_jaeger(backend, trace_id) == 3
    # Restored as site.yml would have it: the next run changes nothing.
    again = converge(host, {}, None, ("-l", "all"))
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]
