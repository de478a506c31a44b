# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/uninstall.yml: everything goes, the data stays, and site.yml brings it all back."""

from __future__ import annotations

import re

from stacklib import REPO, TLS, probe, spans_in_jaeger, dashboard

testinfra_hosts = ["ansible://app-debian12"]


def test_uninstalling_everything_keeps_the_data_and_site_brings_it_all_back(host, gateway, backend, converge):
    uninstall = REPO / "playbooks" / "uninstall.yml"
    # "false" as a string, as an AWX multiple-choice answer or -e uninstall_remove_data=false gives it: the data stays.
    request = {"uninstall_components": ["all"], "uninstall_remove_data": "false"}
    gone = converge(host, request, uninstall, ("-l", "all"))
    assert gone.returncode == 0, gone.stdout[-3000:]
    backend_services = ["jaeger", "prometheus", "grafana", "alertmanager", "otelcol-contrib"]
    for h, services in ((host, ["otelcol-contrib"]), (gateway, ["otelcol-contrib"]), (backend, backend_services)):
        for service in services:
            assert not h.service(service).is_running and not h.file(f"/etc/systemd/system/{service}.service").exists
        assert not h.file(TLS).exists
    for path in ["/var/lib/prometheus", "/var/lib/grafana/grafana.db", "/var/lib/jaeger/badger"]:
        assert backend.file(path).exists, f"{path} (data) was removed"
    again = converge(host, request, uninstall, ("-l", "all"))
    assert re.findall(r"changed=(\d+)", again.stdout) == ["0", "0", "0"], again.stdout[-1500:]
    back = converge(host, {}, None, ("-l", "all"))
    assert back.returncode == 0, back.stdout[-3000:]
    assert spans_in_jaeger(backend, probe(converge, host, 3)) == 3
    assert dashboard(backend) == 200, "the dashboard in Grafana's kept database is gone"
