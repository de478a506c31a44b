# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Alertmanager tests share: the scenario's credentials, its API, the other hosts."""

from __future__ import annotations

import json
import os

import testinfra

PASSWORD = "molecule-only-alerts-password"
# The receiver's token (molecule.yml), a secret that must stay in its own file.
TOKEN = "molecule-secret-token"
URL = "https://localhost:9093"
CURL = f"curl -s --cacert /etc/ssl/telemetry/ca.pem -u alerts:{PASSWORD}"
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")


def on(name: str):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def api(host, path: str):
    return json.loads(host.check_output(f"{CURL} {URL}{path}"))


def pid(host) -> str:
    return host.check_output("systemctl show -p MainPID --value alertmanager")
