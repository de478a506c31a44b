# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/upgrade.yml and rollback.yml: a rolling upgrade under a steady stream loses no span and pages nobody, a
release that rejects the config goes back and keeps serving, and the health gate follows the listen address.

The scenario's last tests: they leave the collectors on other releases and settings than the inventory's, which no
test after them has to undo."""

from __future__ import annotations

import json
import os
import time

from stacklib import ALERTMANAGER_API, REPO, CURRENT, EARLIER, firing_at_webhook, probe, spans_in_jaeger, links, stop_stream, stream, traces_of

testinfra_hosts = ["ansible://app-debian12"]


def notified_about(backend, hosts: set[str], since: float) -> list[dict]:
    """Firing alerts the demo's webhook sink (on the backend) got since `since` about these hosts."""
    return [a for a in firing_at_webhook(backend, since) if a["labels"].get("instance") in hosts]


def test_upgrade_under_a_steady_stream_loses_no_span_and_rollback_goes_back(host, gateway, backend, converge, wait):
    upgrade = REPO / "playbooks" / "upgrade.yml"
    # Down to the earlier release through the same path, then up again while spans flow.
    down = converge(host, {"upgrade_component": "otelcol", "upgrade_version": EARLIER}, upgrade, ("-l", "all"))
    assert down.returncode == 0, down.stdout[-3000:]
    assert links(host)[0] == links(gateway)[0] == EARLIER
    # A version left from long ago: the switch keeps two (current and previous) and removes the rest.
    gateway.check_output("mkdir -p /opt/otelcol-contrib/0.100.0 && touch -d 2020-01-01 /opt/otelcol-contrib/0.100.0")
    service = "load-" + os.urandom(3).hex()
    stream(host, service)
    began = time.time()
    up = converge(host, {"upgrade_component": "otelcol", "upgrade_version": CURRENT}, upgrade, ("-l", "all"))
    assert up.returncode == 0, up.stdout[-3000:]
    # Each batch was silenced while it upgraded, and its silence ended when it passed: none is left, and nobody was paged.
    silences = [s for s in json.loads(gateway.check_output(f"{ALERTMANAGER_API}/silences")) if s["createdBy"].startswith("telemetry.stack")
                and s["comment"] == f"Upgrade of otelcol to {CURRENT} (playbooks/upgrade.yml)"
                and s["startsAt"] >= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(began))]
    collectors = ["app-debian12", "backend-debian12", "gateway-debian13"]
    assert sorted(m["value"].replace("\\", "") for s in silences for m in s["matchers"]) == collectors, silences
    assert all(s["status"]["state"] == "expired" for s in silences), silences
    assert not notified_about(backend, set(collectors), began)
    assert links(host) == links(gateway) == (CURRENT, EARLIER)
    assert gateway.check_output("ls /opt/otelcol-contrib").split() == sorted([CURRENT, EARLIER, "current", "previous"])
    sent = stop_stream(host, service)
    assert wait(lambda: traces_of(backend, service) == sent, timeout=60, what=f"all {sent} traces in Jaeger"), traces_of(backend, service)
    # An explicit rollback goes back to the version each host ran before. (The next test upgrades again from there.)
    back = converge(host, {"rollback_component": "otelcol"}, REPO / "playbooks" / "rollback.yml", ("-l", "all"))
    assert back.returncode == 0, back.stdout[-3000:]
    assert links(host) == links(gateway) == (EARLIER, CURRENT)


def test_an_upgrade_the_new_release_rejects_goes_back_and_keeps_serving(host, gateway, backend, converge):
    # A feature gate that 0.145.0 knows (Beta) and 0.159.0 removed: the new release refuses the service's flags.
    # From the rollback above: every collector runs the earlier release; the gate goes into its flags.
    upgrade = REPO / "playbooks" / "upgrade.yml"
    gates = {"otelcol_feature_gates": ["pdata.enableRefCounting"]}
    assert links(host)[0] == links(gateway)[0] == EARLIER
    down = converge(host, {"upgrade_component": "otelcol", "upgrade_version": EARLIER, **gates}, upgrade, ("-l", "all"))
    assert down.returncode == 0, down.stdout[-3000:]
    app_pid = host.check_output("systemctl show -p MainPID --value otelcol-contrib")
    gateway_pid = gateway.check_output("systemctl show -p MainPID --value otelcol-contrib")
    failed = converge(host, {"upgrade_component": "otelcol", "upgrade_version": CURRENT, **gates}, upgrade, ("-l", "all"))
    said = " ".join((failed.stdout + failed.stderr).split())
    assert failed.returncode != 0
    assert f"gateway-debian13 is back on otelcol {EARLIER} and serving" in said, said[-3000:]
    assert "no such feature gate" in said
    # The new release checked the config before it became current: the canary's
    # old process never stopped; the agent after it was not touched; spans still flow.
    assert links(gateway)[0] == EARLIER and gateway.service("otelcol-contrib").is_running
    assert gateway.check_output("systemctl show -p MainPID --value otelcol-contrib") == gateway_pid
    assert links(host)[0] == EARLIER
    assert host.check_output("systemctl show -p MainPID --value otelcol-contrib") == app_pid
    assert spans_in_jaeger(backend, probe(converge, host, 5)) == 5


def test_a_gateway_listening_on_one_address_passes_the_upgrade_health_gate(host, gateway, backend, converge):
    # OTLP on the gateway's network address only, not on loopback: the health gate (verify.yml) must send its
    # span to that address. Its certificate names the address too, as it would in production. (site.yml also takes
    # the gateway from the test above, on the earlier release with a feature gate, back to the inventory's.)
    address = gateway.check_output("python3 -c 'import socket; print(socket.gethostbyname(socket.gethostname()))'")
    only_there = {"otelcol_listen_address": address, "pki_extra_sans": [address]}
    moved = converge(host, only_there, None, ("-l", "gateway-debian13"))
    assert moved.returncode == 0, moved.stdout[-3000:]
    listening = gateway.check_output("ss -Hltn")
    assert f"{address}:4318" in listening and "*:4318" not in listening and "127.0.0.1:4318" not in listening, listening
    down = converge(host, {"upgrade_component": "otelcol", "upgrade_version": EARLIER, **only_there},
                    REPO / "playbooks" / "upgrade.yml", ("-l", "gateway-debian13"))
    assert down.returncode == 0, down.stdout[-3000:]
    assert links(gateway)[0] == EARLIER
    assert spans_in_jaeger(backend, probe(converge, host, 5)) == 5
