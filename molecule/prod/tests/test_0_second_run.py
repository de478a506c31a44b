# SPDX-License-Identifier: GPL-3.0-or-later
"""The second run of site.yml over the whole shape, right after converge (the scenario's idempotence step): it
changes nothing, and at -vvv it prints none of the passwords, keys and tokens the inventory holds. Then no file
that any user of any host may read holds one."""

from __future__ import annotations

import re
import shlex

import yaml
from prodlib import APP, LBS, REPO, SAMPLERS, STORES, node

testinfra_hosts = [f"ansible://{APP}"]

# What prod keeps in vault: molecule/prod/hosts.yml gives each a value of its own.
SECRETS = {name: str(value) for name, value in
           yaml.safe_load((REPO / "molecule" / "prod" / "hosts.yml").read_text())["all"]["vars"].items()
           if name.startswith("vault_")}


def test_the_second_run_changes_nothing_and_prints_no_secret(host, converge):
    assert len(SECRETS) >= 10, SECRETS
    ran = converge(host, {}, REPO / "playbooks" / "site.yml", ("-l", "all", "-vvv"), timeout=900)
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, ran.stdout[-3000:]
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", ran.stdout, re.MULTILINE)
    assert len(recap) == 7 and all(changed == "0" for _host, changed in recap), recap
    print(f"second run at -vvv: {len(said) // 1024} KiB of output, no change on {len(recap)} hosts")
    assert [name for name, value in SECRETS.items() if value in said] == []
    assert "PRIVATE KEY" not in said


def test_no_file_anyone_may_read_holds_a_secret():
    patterns = " ".join(f"-e {shlex.quote(value)}" for value in SECRETS.values())
    for name in [APP, *LBS, *SAMPLERS, *STORES]:
        found = node(name).run(
            "find / -xdev \\( -path /proc -o -path /sys -o -path /tmp \\) -prune -o -type f -perm -0004 -size -4M "
            f"-print0 | xargs -0 grep -lF {patterns} 2>/dev/null")
        assert found.stdout.strip() == "", f"{name}: world-readable files with a secret: {found.stdout}"
