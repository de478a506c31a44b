# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input on the production shape is refused by site.yml's preflight, naming the field, before any host changes:
the hosts the preflight did not refuse stop too, before the first play that changes anything."""

from __future__ import annotations

import re

import pytest
from prodlib import APP, REPO

testinfra_hosts = [f"ansible://{APP}"]


# Each host's preflight names its first problem, so mistakes on hosts of their own go in one run: Grafana's and
# Jaeger's together, the ring's (whose hosts include Jaeger's) with the firewall's for Prometheus's hosts. A run over the seven hosts costs about a minute
# of CPU.
@pytest.mark.parametrize(("extra", "messages"), [
    # The ring's hosts, and a firewall source misspelt for Prometheus's hosts (of their own).
    ({"cassandra_keyspaces": [{"name": "jaeger_v1_dc1", "replication_factor": 4}],
      "firewall_access_extra": {"prometheus_port": {"from": ["prometheus", "grafna"]}}},
     ["cassandra_keyspaces[0].replication_factor is 4, more than the 3 node(s) of the ring",
      "firewall_access names 'grafna' (for prometheus_port), which is neither an inventory group nor a key of firewall_networks"]),
    ({"vault_grafana_database_password": "", "jaeger_storage_tls_ca_file": ""},
     ["grafana_database_password is empty",
      "jaeger_storage_tls_ca_file is empty, but the Cassandra ring (group cassandra) serves CQL over TLS only"]),
], ids=["replication-larger-than-the-ring-and-a-firewall-source-misspelt", "no-grafana-database-password-and-jaeger-without-the-store-ca"])
def test_bad_input_is_refused_before_any_host_changes(host, converge, extra, messages):
    ran = converge(host, extra, REPO / "playbooks" / "site.yml", ("-l", "all"), timeout=600)
    assert ran.returncode != 0
    said = ran.stdout + ran.stderr
    assert [m for m in messages if m not in said] == [], said[-3000:]
    assert "nothing was changed on any host" in ran.stdout + ran.stderr, ran.stdout[-3000:]
    # The plays after the preflight start with no host left: not one of their tasks runs.
    after = ran.stdout.partition("PLAY [Certificates]")[2].partition("PLAY RECAP")[0]
    assert "TASK [" not in after, f"hosts the preflight passed went on: {after[:1500]}"
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", ran.stdout, re.MULTILINE)
    assert len(recap) == 7 and all(changed == "0" for _host, changed in recap), recap
