# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/validate.yml: site.yml under --check, with a report of the hosts that pass."""

from __future__ import annotations


from stacklib import REPO, nothing_changed

testinfra_hosts = ["ansible://app-debian12"]


def test_validate_checks_everything_and_changes_nothing(host, converge):
    playbook = REPO / "playbooks" / "validate.yml"
    refused = converge(host, {}, playbook, ("-l", "all"))
    assert refused.returncode != 0 and "needs --check" in " ".join((refused.stdout + refused.stderr).split())
    assert "PLAY [Preflight" not in refused.stdout
    checked = converge(host, {}, playbook, ("-l", "all", "--check"))
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "passed: app-debian12, backend-debian12, gateway-debian13" in checked.stdout
    assert "failed (see above): none" in checked.stdout
    assert nothing_changed(checked.stdout), checked.stdout[-1500:]


def test_validate_names_a_host_that_fails_a_check(host, converge):
    checked = converge(host, {"jaeger_query_port": 9090}, REPO / "playbooks" / "validate.yml", ("-l", "all", "--check"))
    assert checked.returncode != 0
    assert "passed: app-debian12, gateway-debian13" in checked.stdout
    assert "failed (see above): backend-debian12" in checked.stdout
