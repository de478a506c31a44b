# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input on the production shape is refused by site.yml's preflight, naming the field, before any host changes.
The preflight reports every problem of every host in one run, so the three mistakes go in together, each on the hosts
of its own group: a replication factor larger than the ring (Cassandra), no database password (Grafana), a Jaeger on
the TLS-only ring without the ring's CA (Jaeger)."""

from __future__ import annotations

import re

from prodlib import APP, REPO

testinfra_hosts = [f"ansible://{APP}"]

MISTAKES = {
    "cassandra_keyspaces": [{"name": "jaeger_v1_dc1", "replication_factor": 4}],
    "vault_grafana_database_password": "",
    "jaeger_storage_tls_ca_file": "",
}
MESSAGES = [
    "cassandra_keyspaces[0].replication_factor is 4, more than the 3 node(s) of the ring",
    "grafana_database_password",
    "jaeger_storage_tls_ca_file is empty, but the Cassandra ring (group cassandra) serves CQL over TLS only",
]


def test_bad_input_is_refused_before_any_host_changes(host, converge):
    ran = converge(host, MISTAKES, REPO / "playbooks" / "site.yml", ("-l", "all"), timeout=600)
    assert ran.returncode != 0
    said = ran.stdout + ran.stderr
    for message in MESSAGES:
        assert message in said, f"not said: {message}\n{ran.stdout[-3000:]}"
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", ran.stdout, re.MULTILINE)
    assert len(recap) == 7 and all(changed == "0" for _host, changed in recap), recap
