# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/backup.yml, uninstall.yml and restore.yml: back up, destroy two services' data, uninstall everything (the
other data stays), bring it all back with site.yml, restore, and the data is back. One sequence, so that a single
site.yml run reinstalls what both the destroy and the uninstall took away."""

from __future__ import annotations

import json
import re
import time

from scenario import assert_started_healthy, assert_uninstalled
from stacklib import REPO, GRAFANA, DASHBOARD, TLS, probe, spans_in_jaeger, dashboard, up_at

testinfra_hosts = ["ansible://app-debian12"]


def test_backup_destroy_uninstall_everything_then_site_and_restore_bring_it_all_back(host, gateway, backend, converge, wait,
                                                                                     tmp_path):
    playbooks = REPO / "playbooks"
    uninstall = playbooks / "uninstall.yml"
    # What a user adds by hand (a dashboard in Grafana's database), metrics up to now, a trace in Badger.
    made = backend.check_output(f"{GRAFANA}/api/dashboards/db -X POST -H 'Content-Type: application/json' -d '{json.dumps(DASHBOARD)}'")
    assert '"status":"success"' in made, made
    trace_id = probe(converge, host, 3)
    moment = time.time()
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

    # Destroy: Prometheus and Grafana go, data and all; the rest runs on.
    gone = converge(host, {"uninstall_components": ["prometheus", "grafana"], "uninstall_remove_data": True}, uninstall, ("-l", "all"))
    assert gone.returncode == 0, gone.stdout[-3000:]
    assert not backend.file("/var/lib/prometheus").exists and not backend.file("/var/lib/grafana").exists
    assert not backend.service("prometheus").is_running and backend.service("jaeger").is_running

    # Then everything goes. "false" as a string, as an AWX multiple-choice answer or -e uninstall_remove_data=false
    # gives it: the data stays.
    request = {"uninstall_components": ["all"], "uninstall_remove_data": "false"}
    everything = converge(host, request, uninstall, ("-l", "all"))
    assert everything.returncode == 0, everything.stdout[-3000:]
    # (role, unit) of each service, by host.
    collector = ("otelcol", "otelcol-contrib")
    placed = ((host, [collector]), (gateway, [collector]),
              (backend, [("jaeger", "jaeger"), ("prometheus", "prometheus"), ("grafana", "grafana"),
                         ("alertmanager", "alertmanager"), collector]))
    # Each service's unit, user and group, program and config go; its data stays (the lifecycle's absent steps, the
    # same for every role: this is where they are tested, on both releases). Prometheus's and Grafana's data went
    # with the destroy above.
    kept = {"otelcol-contrib": ["/var/lib/otelcol-contrib"], "jaeger": ["/var/lib/jaeger/badger"], "alertmanager": ["/var/lib/alertmanager"]}
    for h, services in placed:
        for _role, unit in services:
            assert_uninstalled(h, unit, [f"/opt/{unit}", f"/etc/{unit}"], kept.get(unit, []))
        assert not h.file(TLS).exists
        # The host firewall too: its table, file and unit (nftables stays).
        assert "telemetry_stack" not in h.check_output("nft list tables")
        assert not h.file("/etc/telemetry-stack/firewall.nft").exists
        assert not h.file("/etc/systemd/system/telemetry-stack-firewall.service").exists
    again = converge(host, request, uninstall, ("-l", "all"))
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]

    # site.yml brings it all back, each start waiting for health: Jaeger with the trace its kept data holds;
    # Prometheus and Grafana empty.
    back = converge(host, {}, None, ("-l", "all"), timeout=900)
    assert back.returncode == 0, back.stdout[-3000:]
    for h, services in placed:
        for role, unit in services:
            assert_started_healthy(h, role, unit, back.stdout)
        assert "table inet telemetry_stack" in h.check_output("nft list tables")
    assert spans_in_jaeger(backend, trace_id) == 3, "the trace in Jaeger's kept data is gone"
    assert dashboard(backend) == 404 and up_at(backend, moment) == 0

    restored = converge(host, {"restore_from": str(tmp_path / "full")}, playbooks / "restore.yml", ("-l", "all"))
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert dashboard(backend) == 200
    assert up_at(backend, moment) > 0, "the metrics from before the backup are not back"
    assert spans_in_jaeger(backend, trace_id) == 3
    # Telemetry flows end to end again.
    assert spans_in_jaeger(backend, probe(converge, host, 3)) == 3
    # Restored as site.yml would have it: the next run changes nothing.
    last = converge(host, {}, None, ("-l", "all"), timeout=900)
    assert re.findall(r"changed=(\d+)", last.stdout) == ["0", "0", "0"], last.stdout[-1500:]
