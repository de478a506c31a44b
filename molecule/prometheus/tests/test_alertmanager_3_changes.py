# SPDX-License-Identifier: GPL-3.0-or-later
"""Changing a running Alertmanager, on one host of the cluster (the role does the same on each): a change reloads
without a restart, a changed secret reaches neither the log nor the diff, bad input is refused before any host
changes, absent keeps the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from amlib import api, pid

testinfra_hosts = ["ansible://prometheus-debian12"]
REPO = Path(__file__).resolve().parents[3]


def test_a_change_reloads_without_a_restart_and_its_secret_reaches_neither_log_nor_diff(host, converge, wait):
    before = pid(host)
    receivers = [{"name": "critical", "webhook_configs": [{"url": "http://prometheus-debian13:9099/critical/new-secret-token"}]},
                 {"name": "warning"}, {"name": "watchdog"}, {"name": "blackhole"}]
    changed = converge(host, {"alertmanager_resolve_timeout": "6m", "alertmanager_receivers": receivers}, args=("--diff", "-v"))
    assert changed.returncode == 0, changed.stdout[-2000:]
    assert "RUNNING HANDLER [telemetry.stack.alertmanager : Reload the Alertmanager config]" in changed.stdout
    assert "Restart Alertmanager" not in changed.stdout and pid(host) == before
    wait(lambda: "resolve_timeout: 6m" in api(host, "/api/v2/status")["config"]["original"], timeout=30,
         what="the reloaded config in effect")
    # The new token is in its file only; the config's own diff is shown, and holds none.
    assert "new-secret-token" not in changed.stdout + changed.stderr
    assert "new-secret-token" in host.file("/etc/alertmanager/secrets/critical.webhook_configs.0.url").content_string
    assert "-  resolve_timeout: 5m" in changed.stdout and "+  resolve_timeout: 6m" in changed.stdout
    assert converge(host, {}).returncode == 0 and pid(host) == before


@pytest.mark.parametrize(("extra", "message"), [
    ({"alertmanager_route": {"receiver": "pager"}},
     "alertmanager_route.receiver is 'pager', which alertmanager_receivers does not define: use one of critical, warning, watchdog, blackhole"),
    ({"alertmanager_route": {"receiver": "warning", "group_wait": "soon"}},
     "alertmanager_route.group_wait must be a duration such as 30s, 5m or 4h, got 'soon'"),
    ({"alertmanager_cluster_tls_ca_file": ""}, "alertmanager_cluster_tls_cert_file, _key_file and _ca_file go together"),
    # Past the preflight: amtool refuses it, before it replaces the live file.
    ({"alertmanager_receivers": [{"name": "warning", "email_configs": [{"send_resolved": True}]},
                                 {"name": "critical"}, {"name": "watchdog"}, {"name": "blackhole"}]},
     "missing to address in email config"),
], ids=["unknown-receiver", "bad-duration", "half-cluster-tls", "amtool"])
def test_bad_input_is_refused_and_changes_nothing(host, refused, extra, message):
    refused(host, extra, message, "alertmanager", "/etc/alertmanager/alertmanager.yml")


# Uninstall and back: with Prometheus's, in one run (test_prometheus.py, test_absent_uninstalls_and_keeps_the_data).


def test_silence_playbook_creates_and_expires_a_silence_of_the_limited_hosts(host, converge):
    silence = REPO / "playbooks" / "silence.yml"

    def ours() -> list[dict]:
        return [s for s in api(host, "/api/v2/silences") if s["comment"] == "molecule maintenance"]

    made = converge(host, {"silence_duration": "10m", "silence_comment": "molecule maintenance"}, silence)
    assert made.returncode == 0, made.stdout[-3000:]
    active = [s for s in ours() if s["status"]["state"] == "active"]
    assert len(active) == 1 and active[0]["createdBy"].startswith("telemetry.stack")
    # The host names, regex-escaped (prometheus\-debian12).
    assert active[0]["matchers"] == [{"name": "instance", "value": "prometheus\\-debian12", "isRegex": True, "isEqual": True}]
    assert "molecule-only-alerts-password" not in made.stdout
    ended = converge(host, {"silence_action": "expire"}, silence)
    assert ended.returncode == 0, ended.stdout[-3000:]
    assert all(s["status"]["state"] == "expired" for s in ours())
    wrong = converge(host, {"silence_duration": "soon"}, silence)
    assert wrong.returncode != 0 and "must be a number and a unit such as 30m, 2h or 1d, got soon" in wrong.stdout + wrong.stderr
