# SPDX-License-Identifier: GPL-3.0-or-later
"""Logs on the running stack: the application host's journal and a watched file reach VictoriaLogs on the backend
once each, through a restart of the agent too; a burst of errors pages; nobody reads the logs without credentials."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

from stacklib import TLS, firing_at_webhook

testinfra_hosts = ["ansible://app-debian12"]

# VictoriaLogs on the backend, with the demo inventory's credentials (curl on the backend itself).
LOGS = f"curl -s --cacert {TLS}/ca.pem -u logs:demo-logs-password https://localhost:9428"
# A file the stack scenario's agents watch (hosts.yml adds it to otelcol_log_files), the adm group's as Debian's are.
WATCHED = "/var/log/telemetry-stack-test.log"


def found(backend, text: str) -> list[dict]:
    """The log records whose message holds `text`, as VictoriaLogs returns them."""
    out = backend.check_output(f"{LOGS}/select/logsql/query -d query={quote(repr(text).replace(chr(39), chr(34)))} -d limit=100")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_the_journal_and_a_watched_file_arrive_once_with_host_and_severity(host, backend, wait):
    host.check_output(f"install -m 0640 -o root -g adm /dev/null {WATCHED} 2>/dev/null || true; test -f {WATCHED}")
    journal, appended = f"journal-{uuid.uuid4().hex}", f"file-{uuid.uuid4().hex}"
    host.check_output(f"logger -t telemetry-test -p user.err {journal}")
    host.check_output(f"echo '2026-12-03T10:00:00Z WARNING {appended}' >> {WATCHED}")
    records = wait(lambda: found(backend, journal) or None, timeout=60, step=2, what="the journal line in VictoriaLogs")
    assert len(records) == 1, records
    assert records[0]["host.name"] == "app-debian12" and records[0]["severity_text"] == "ERROR", records
    assert records[0]["service.name"] == "telemetry-test", records
    records = wait(lambda: found(backend, appended) or None, timeout=60, step=2, what="the file's line in VictoriaLogs")
    assert len(records) == 1, records
    assert records[0]["host.name"] == "app-debian12" and records[0]["severity_text"] == "WARN", records
    assert records[0].get("log.file.path") == WATCHED, records


def test_a_restart_of_the_agent_neither_skips_nor_repeats_a_line(host, backend, wait):
    before, during, after = (f"{step}-{uuid.uuid4().hex}" for step in ("before", "during", "after"))
    host.check_output(f"logger -t telemetry-test {before}; echo {before} >> {WATCHED}")
    wait(lambda: len(found(backend, before)) == 2 or None, timeout=60, step=2, what="both lines before the restart")
    host.check_output("systemctl stop otelcol-contrib")
    host.check_output(f"logger -t telemetry-test {during}; echo {during} >> {WATCHED}")
    host.check_output("systemctl start otelcol-contrib")
    host.check_output(f"logger -t telemetry-test {after}; echo {after} >> {WATCHED}")
    for text in (during, after):
        wait(lambda: len(found(backend, text)) >= 2 or None, timeout=90, step=2, what=f"{text} from the journal and the file")
    # The reader positions were kept across the restart: nothing read twice.
    for text in (before, during, after):
        assert len(found(backend, text)) == 2, (text, found(backend, text))


def test_a_burst_of_errors_pages_someone(host, backend, wait):
    # 200 error lines in a minute from one program, a rate the hour before never had.
    host.check_output("for i in $(seq 1 200); do logger -t telemetry-burst -p user.err \"burst $i\"; sleep 0.25; done")

    def paged():
        return [a for a in firing_at_webhook(backend) if a["labels"].get("alertname") == "LogErrorsRising"
                and a["labels"].get("instance") == "app-debian12"]
    assert wait(paged, timeout=300, step=5, what="LogErrorsRising for app-debian12 at the webhook")


def test_nobody_reads_the_logs_without_credentials(host, backend):
    # Without credentials VictoriaLogs refuses; from a host that is not a gateway, Grafana or Prometheus the firewall drops.
    refused = backend.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {TLS}/ca.pem "
                                   "https://localhost:9428/select/logsql/query -d query=*")
    assert refused == "401"
    dropped = host.run("curl -s -m 5 -o /dev/null -w '%{http_code}' -k https://backend-debian12:9428/health")
    assert dropped.rc != 0 and dropped.stdout in ("000", ""), (dropped.rc, dropped.stdout)


def test_bad_log_input_is_refused_before_any_host_changes(host, backend, refused):
    # A watched file the collector's hardened unit cannot read, on the application host.
    out = refused(host, {"otelcol_log_files": ["/var/log/syslog", "/srv/app/app.log"]}, "otelcol_log_files: /srv/app/app.log is outside",
                  "otelcol-contrib", "/etc/otelcol-contrib/config.yaml")
    assert "PLAY [Preflight" in out and "otelcol_log_roots" in out
    # A disk limit larger than the backend's disk.
    out = refused(backend, {"victorialogs_retention_max_disk_gb": 1000000}, "victorialogs_retention_max_disk_gb is 1000000 GiB",
                  "victorialogs", "/etc/victorialogs/victorialogs.env")
    assert "Nothing was changed" in " ".join(out.split())
