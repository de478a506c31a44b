# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/rotate_certs.yml: new keys and certificates under a steady stream lose no span; a lost CA is refused
before a new one breaks trust."""

from __future__ import annotations

import os
from pathlib import Path

from stacklib import INVENTORY, REPO, TLS, nothing_changed, serial, stop_stream, stream, traces_of

testinfra_hosts = ["ansible://app-debian12"]


def test_rotating_certificates_under_a_steady_stream_loses_no_span(host, gateway, backend, converge, wait):
    # New keys and certificates for every service (the CA stays), reloaded in place while spans flow.
    pids = {h.backend.get_hostname(): h.check_output("systemctl show -p MainPID --value otelcol-contrib") for h in (host, gateway)}
    # Each through a host the firewall lets reach it: the agent its gateway, the gateway Jaeger.
    clients = {"gateway-debian13:4317": host, "backend-debian12:4317": gateway}
    before = {t: serial(c, t) for t, c in clients.items()}
    key = gateway.file(f"{TLS}/otelcol-contrib/key.pem").sha256sum
    service = "rotate-" + os.urandom(3).hex()
    # Until the rotation is over (stop_stream fails if it ended first).
    stream(host, service)
    rotated = converge(host, {}, REPO / "playbooks" / "rotate_certs.yml", ("-l", "all"))
    assert rotated.returncode == 0, rotated.stdout[-3000:]
    sent = stop_stream(host, service)
    assert all(serial(clients[t], t) != s for t, s in before.items()), "a service still presents its old certificate"
    assert gateway.file(f"{TLS}/otelcol-contrib/key.pem").sha256sum != key, "the key was not renewed"
    for h in (host, gateway):
        assert h.check_output("systemctl show -p MainPID --value otelcol-contrib") == pids[h.backend.get_hostname()]
    assert wait(lambda: traces_of(backend, service) == sent, timeout=60, what=f"all {sent} traces in Jaeger"), traces_of(backend, service)
    # The next site.yml run keeps the new certificates: nothing to change.
    again = converge(host, {}, None, ("-l", "all"))
    assert nothing_changed(again.stdout), again.stdout[-1500:]


def test_a_lost_ca_is_refused_before_a_new_one_breaks_trust(host, gateway, converge):
    # As in an AWX job whose pki_dir does not outlive it: the controller has no CA, the hosts trust one.
    pki_dir = Path(INVENTORY).parent / ".pki"
    aside = pki_dir.with_name(".pki-aside")
    ca = gateway.file(f"{TLS}/ca.pem").sha256sum
    pki_dir.rename(aside)
    try:
        refused = converge(host, {}, None, ("-l", "all", "--tags", "pki"))
        said = " ".join((refused.stdout + refused.stderr).split())
        assert refused.returncode != 0
        assert f"trusts a CA ({TLS}/ca.pem) that is not in pki_dir" in said, said[-2000:]
        assert not pki_dir.exists(), "a new CA was made"
        assert gateway.file(f"{TLS}/ca.pem").sha256sum == ca
    finally:
        if pki_dir.exists():
            __import__("shutil").rmtree(pki_dir)
        aside.rename(pki_dir)
