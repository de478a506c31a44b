# SPDX-License-Identifier: GPL-3.0-or-later
"""Each host gets a certificate per service it runs, signed by the CA (a collector's by its tier's CA), its key readable by that
service's group alone, and every tier's CA."""

from __future__ import annotations

import os

import pytest

SERVICES = {"pki-debian12": {"otelcol-contrib", "jaeger"}, "pki-debian13": {"prometheus", "grafana"}}
TLS = "/etc/ssl/telemetry"


def services(host) -> set[str]:
    return SERVICES[host.backend.get_hostname()]


def serial(host, service: str) -> str:
    return host.check_output(f"openssl x509 -noout -serial -in {TLS}/{service}/cert.pem")


def test_one_directory_per_service_and_no_other(host):
    listed = set(host.check_output(f"find {TLS} -mindepth 1 -maxdepth 1 -type d -printf '%f\\n'").split())
    assert listed == services(host) | {"tiers"}
    for path in ("ca.pem", "tiers/agent.pem", "tiers/gateway.pem", "tiers/store.pem", "tiers/collectors.pem", "tiers/ring.pem"):
        ca = host.file(f"{TLS}/{path}")
        assert ca.user == "root" and ca.group == "root" and ca.mode == 0o644, path
    # The bundles (pki_tier_bundles): a gateway's clients, agents and gateways; the Cassandra ring's, its nodes and Jaeger.
    for bundle, tiers in (("collectors", ("agent", "gateway")), ("ring", ("store", "gateway"))):
        assert host.file(f"{TLS}/tiers/{bundle}.pem").content_string == "".join(host.file(f"{TLS}/tiers/{t}.pem").content_string for t in tiers)


def test_each_key_is_readable_by_its_service_group_alone(host):
    for service in services(host):
        d, key, cert = host.file(f"{TLS}/{service}"), host.file(f"{TLS}/{service}/key.pem"), host.file(f"{TLS}/{service}/cert.pem")
        assert (d.user, d.group, d.mode) == ("root", service, 0o751)
        assert (key.user, key.group, key.mode) == ("root", service, 0o640)
        assert (cert.user, cert.group, cert.mode) == ("root", service, 0o644)
        # Anyone may read a certificate by its path (each collector measures when the host's expire), not the key.
        as_nobody = "su -s /bin/sh nobody -c 'cat {}' >/dev/null"
        assert host.run(as_nobody.format(cert.path)).rc == 0
        assert host.run(as_nobody.format(key.path)).rc != 0


def test_certificates_chain_to_the_ca_and_name_the_host(host):
    name = host.backend.get_hostname()
    for service in services(host):
        cert = f"{TLS}/{service}/cert.pem"
        # A collector's certificate is followed by its tier's CA: a peer that trusts ca.pem verifies the chain.
        assert host.check_output(f"openssl verify -CAfile {TLS}/ca.pem -untrusted {cert} {cert}").endswith(": OK")
        sans = host.check_output(f"openssl x509 -noout -ext subjectAltName -in {cert}")
        for wanted in (f"DNS:{name}", "DNS:localhost", "IP Address:127.0.0.1"):
            assert wanted in sans, sans
        usage = host.check_output(f"openssl x509 -noout -ext extendedKeyUsage -in {cert}")
        assert "TLS Web Server Authentication" in usage and "TLS Web Client Authentication" in usage
        # The key is the certificate's.
        assert host.check_output(f"openssl pkey -pubout -in {TLS}/{service}/key.pem") == \
            host.check_output(f"openssl x509 -noout -pubkey -in {cert}")


def test_a_collectors_certificate_is_its_tiers_alone(named_host):
    """pki-debian12 is a gateway: its tier's CA (and so a receiver that accepts only gateways) takes its collector's
    certificate and Jaeger's beside it (pki_service_tiers); the agents' tier's CA takes neither, nor the gateways' another
    service's."""
    host = named_host("pki-debian12")
    collector, jaeger = f"{TLS}/otelcol-contrib/cert.pem", f"{TLS}/jaeger/cert.pem"
    assert "telemetry.stack gateway CA" in host.check_output(f"openssl x509 -noout -issuer -in {collector}")
    partial = "openssl verify -partial_chain -CAfile {ca} {cert}"
    assert host.run(partial.format(ca=f"{TLS}/tiers/gateway.pem", cert=collector)).rc == 0
    assert host.run(partial.format(ca=f"{TLS}/tiers/agent.pem", cert=collector)).rc != 0
    assert host.run(partial.format(ca=f"{TLS}/tiers/gateway.pem", cert=jaeger)).rc == 0
    assert host.run(partial.format(ca=f"{TLS}/tiers/agent.pem", cert=jaeger)).rc != 0
    other = named_host("pki-debian13")
    assert other.run(partial.format(ca=f"{TLS}/tiers/gateway.pem", cert=f"{TLS}/prometheus/cert.pem")).rc != 0


def test_certificates_near_expiry_are_issued_again(named_host, converge):
    # Both hosts in one run, as site.yml renews them.
    hosts = [named_host(name) for name in ("pki-debian12", "pki-debian13")]
    before = {(h.backend.get_hostname(), s): serial(h, s) for h in hosts for s in services(h)}
    renewed = converge(hosts[0], {"pki_cert_valid_days": 500, "pki_renew_before_days": 400}, args=("-l", "all"))
    assert renewed.returncode == 0, renewed.stdout[-2000:]
    after = {(h.backend.get_hostname(), s): serial(h, s) for h in hosts for s in services(h)}
    assert all(before[k] != after[k] for k in before), (before, after)
    again = converge(hosts[0], {}, args=("-l", "all"))
    assert again.returncode == 0 and again.stdout.count("changed=0") == len(hosts), again.stdout[-2000:]


def test_provided_certificates_that_expire_soon_fail_the_preflight(host, refused_pki):
    pki = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"] + "/pki"
    name = host.backend.get_hostname()
    refused_pki(host, {"pki_mode": "files", "pki_ca_cert_src": f"{pki}/ca.pem",
                       "pki_cert_src": f"{pki}/hosts/{name}/{{service}}.pem", "pki_key_src": f"{pki}/hosts/{name}/{{service}}.key",
                       "pki_cert_valid_days": 9000, "pki_renew_before_days": 8000},
                "within 8000 days (or already did): put new certificates in place")


def test_a_ca_mode_without_the_ca_fails_the_preflight(host, refused_pki):
    refused_pki(host, {"pki_mode": "ca"}, "pki_mode ca needs pki_ca_cert_src and pki_ca_key_src")


@pytest.fixture
def refused_pki(converge):
    def run(host, extra: dict, message: str) -> None:
        before = {s: serial(host, s) for s in services(host)}
        result = converge(host, extra)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and message in output, output[-1500:]
        assert "changed=0" in result.stdout
        assert {s: serial(host, s) for s in services(host)} == before
    return run
