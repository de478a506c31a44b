# SPDX-License-Identifier: GPL-3.0-or-later
"""Two Alertmanagers in one cluster, from the real binary, notifying real receivers: the webhook and mail sinks on
prometheus-debian13 (molecule/shared/sinks). Both Prometheus servers send every alert to both Alertmanagers; a
person must hear of an outage once, and of its end once - also when one Alertmanager was killed.

These run first and in file order (no host parameter), before the tests that change the config
(test_alertmanager_2_config.py): a receiver that changes is a new receiver to Alertmanager, which notifies it afresh."""

from __future__ import annotations

import json
import time
from datetime import datetime

from amlib import CURL, TOKEN, URL, on, pid

testinfra_hosts = ["ansible://prometheus-debian13"]

SINKS = on("prometheus-debian13")
COLLECTOR = on("prometheus-debian12")


def sink(kind: str) -> list[dict]:
    text = SINKS.check_output(f"cat /var/lib/sinks/{kind}.jsonl 2>/dev/null || true")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def started(alert: dict) -> float:
    return datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00")).timestamp()


def notifications(status: str, since: float) -> list[dict]:
    """The webhook notifications that carry, in this status, the collector's TargetDown that began after `since`."""
    return [n for n in sink("webhook") if any(
        a["labels"].get("alertname") == "TargetDown" and a["labels"].get("instance") == "prometheus-debian12"
        and a["labels"].get("job") == "otelcol" and a["status"] == status and started(a) >= since
        for a in n["body"].get("alerts", []))]


def cluster_ready(wait) -> None:
    for name in ("prometheus-debian12", "prometheus-debian13"):
        host = on(name)

        def joined():
            out = host.run(f"{CURL} {URL}/api/v2/status")
            return out.rc == 0 and json.loads(out.stdout)["cluster"]["status"] == "ready" and len(json.loads(out.stdout)["cluster"]["peers"]) == 2
        wait(joined, timeout=60, what=f"{name} in a cluster of two")


def outage(wait, what: str) -> tuple[float, float]:
    """Stop the collector on prometheus-debian12 until its TargetDown is announced, then start it until the end is;
    each must arrive once. Returns when it stopped and the seconds from then to the webhook notification."""
    COLLECTOR.check_output("systemctl stop otelcol-contrib")
    stopped = time.time()
    try:
        wait(lambda: notifications("firing", stopped), timeout=120, what=f"{what}: a firing notification for the stopped collector")
        delay = notifications("firing", stopped)[0]["received_at"] - stopped
        # Both Alertmanagers got the alert from both Prometheus servers; the second waits its turn in the cluster
        # (15 s) and finds the first one's notification in the gossiped log.
        time.sleep(20)
    finally:
        COLLECTOR.check_output("systemctl start otelcol-contrib")
    assert len(notifications("firing", stopped)) == 1, notifications("firing", stopped)
    wait(lambda: notifications("resolved", stopped), timeout=120, what=f"{what}: the resolved notification")
    time.sleep(20)
    assert len(notifications("resolved", stopped)) == 1, notifications("resolved", stopped)
    return stopped, delay


def test_an_outage_notifies_once_by_webhook_and_mail_and_its_end_once(wait):
    cluster_ready(wait)
    stopped, delay = outage(wait, "outage")
    print(f"stop to webhook notification: {delay:.1f} s")
    assert all(n["path"] == f"/critical/{TOKEN}" for n in notifications("firing", stopped))
    # The mail names the alert and the host; the default template lists the labels (the collector's job).
    mails = [m for m in sink("mail") if m["received_at"] >= stopped and "otelcol" in m["body"]
             and "TargetDown" in m["subject"] and "prometheus-debian12" in m["subject"]]
    firing = [m for m in mails if "FIRING" in m["subject"]]
    assert len(firing) == 1, mails
    assert firing[0]["to"] == ["oncall@molecule.test"]


def test_losing_an_alertmanager_loses_nothing(wait):
    killed = on("prometheus-debian13")
    before = pid(killed)
    killed.check_output(f"kill -9 {before}")
    outage(wait, "with one Alertmanager killed")
    wait(lambda: pid(killed) not in ("0", before)
         and killed.service("alertmanager").is_running, timeout=30, what="systemd restarting the killed Alertmanager")
    assert int(killed.check_output("systemctl show -p NRestarts --value alertmanager")) >= 1
    cluster_ready(wait)
