# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent runs the real otelcol-contrib, healthy and hardened."""

from __future__ import annotations

import json

import yaml

# Tests that change the agents run once over both (-l), not once per host: each ansible-playbook run costs CI time.
AGENTS = ["otelcol_agent-debian12", "otelcol_agent-debian13"]
BOTH = ("-l", ",".join(AGENTS))


def pid(host) -> str:
    return host.check_output("systemctl show -p MainPID --value otelcol-contrib")


def test_service_active_and_enabled(host):
    svc = host.service("otelcol-contrib")
    assert svc.is_running and svc.is_enabled


def test_runs_unprivileged_from_the_versioned_directory(host):
    assert host.check_output(f"ps -o user= -p {pid(host)}") == "otelcol-contrib"
    assert host.file("/opt/otelcol-contrib/current").linked_to.endswith("/opt/otelcol-contrib/0.159.0")
    assert host.check_output("/opt/otelcol-contrib/current/otelcol-contrib --version") == "otelcol-contrib version 0.159.0"


def test_health_endpoint_ok(host):
    out = host.check_output("curl -sf http://127.0.0.1:13133/")
    assert json.loads(out)["status"] == "Server available"


def test_internal_metrics_served(host):
    out = host.check_output("curl -sf http://127.0.0.1:8888/metrics")
    assert "otelcol_process_uptime" in out


def test_otlp_only_on_loopback(host):
    listening = host.check_output("ss -Hltn")
    assert "127.0.0.1:4317" in listening and "0.0.0.0:4317" not in listening


def test_the_plans_limits_hold_the_agent_and_it_is_sized_inside_them(host):
    # An agent's defaults, otelcol_cpu_limit 0.5 and otelcol_memory_limit_mb 512: systemd writes them into the service's
    # cgroup, where the kernel holds them, and the collector is sized inside them, not for the machine's 24 GiB
    # (docs/sizing.md: limit_mib 80% of 512, GOMEMLIMIT 80% of that; GOMAXPROCS 1).
    show = host.check_output("systemctl show otelcol-contrib -p CPUQuotaPerSecUSec -p MemoryMax -p Environment")
    props = dict(line.split("=", 1) for line in show.splitlines())
    assert props["CPUQuotaPerSecUSec"] == "500ms" and props["MemoryMax"] == str(512 << 20), props
    assert set(props["Environment"].split()) == {"GOMAXPROCS=1", "GOMEMLIMIT=327MiB"}, props
    cgroups = dict(line.split(":", 2)[1:] for line in host.file(f"/proc/{pid(host)}/cgroup").content_string.splitlines())
    if "memory" in cgroups:  # cgroup v1, as on the build machines (cpu mounted alone or as cpu,cpuacct)
        cpu_controller = next(c for c in cgroups if "cpu" in c.split(","))
        memory = host.file(f"/sys/fs/cgroup/memory{cgroups['memory']}/memory.limit_in_bytes").content_string
        cpu = host.file(f"/sys/fs/cgroup/{cpu_controller}{cgroups[cpu_controller]}/cpu.cfs_quota_us").content_string
        assert (int(memory), int(cpu)) == (512 << 20, 50000)
    else:
        assert host.file(f"/sys/fs/cgroup{cgroups['']}/memory.max").content_string.strip() == str(512 << 20)
        assert host.file(f"/sys/fs/cgroup{cgroups['']}/cpu.max").content_string.split()[0] == "50000"
    config = yaml.safe_load(host.file("/etc/otelcol-contrib/config.yaml").content_string)
    assert config["processors"]["memory_limiter"] == {"check_interval": "1s", "limit_mib": 409, "spike_limit_mib": 81}


def test_preflight_refuses_missing_and_unreadable_tls_files(host, refused):
    host.run("install -m 0600 -o root -g root /dev/null /etc/ssl/preflight-test.key")
    output = refused(host, {"otelcol_tls_ca_file": "/etc/ssl/missing-ca.pem", "otelcol_tls_cert_file": "/etc/hosts",
                            "otelcol_tls_key_file": "/etc/ssl/preflight-test.key"},
                     "TLS files missing on the host: /etc/ssl/missing-ca.pem", "otelcol-contrib", "/etc/otelcol-contrib/config.yaml")
    assert "cannot read: /etc/ssl/preflight-test.key" in output, output[-1500:]


# Uninstall and back (otelcol_state: absent keeps the queue): the stack scenario's uninstall of everything, on both
# releases (test_5_backup_uninstall_restore.py).


def test_local_files_mode_checks_the_sha256_and_a_version_change_is_a_switch_and_back(named_host, converge, tmp_path):
    """otelcol_local_dir installs from files on the controller, and refuses an archive that is not the release. The
    release it installs is the previous one: a version change switches the current link to the unpacked version and
    restarts the collector, keeps the other version for a rollback, and the next plain run switches back.

    The same runs swap the host's logs (the journal and /var/log files, on by default) for a receiver of their own
    that reads one file (filelog): the collector's user keeps the group that reads files (adm), loses the journal's
    (systemd-journal) with the journald receiver, and gets it back with the default. (In these runs rather than two
    of their own: each run over both hosts is about a minute and a half of CI.)"""
    import os
    from pathlib import Path

    import yaml

    repo = Path(__file__).resolve().parents[3]
    pins = yaml.safe_load((repo / "pins.yml").read_text())["otelcol"]
    current, previous = pins["version"], pins["previous_version"]
    release = (Path(os.environ.get("TELEMETRY_STACK_MIRROR_DIR") or Path.home() / ".cache/telemetry-stack/mirror")
               / "github.com/open-telemetry/opentelemetry-collector-releases/releases/download" / f"v{previous}")
    arch = {"x86_64": "amd64", "aarch64": "arm64"}[os.uname().machine]  # the mirror is built for the controller's
    archive = f"otelcol-contrib_{previous}_linux_{arch}.tar.gz"
    sums = "opentelemetry-collector-releases_otelcol-contrib_checksums.txt"
    agents = [named_host(name) for name in AGENTS]
    for host in agents:
        host.run(f"rm -rf /opt/otelcol-contrib/{previous}")
    links = [host.file("/opt/otelcol-contrib/current").linked_to for host in agents]
    pids = [pid(host) for host in agents]

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / sums).write_text((release / sums).read_text())
    (bad / archive).write_bytes(b"not the release")
    refused = converge(agents[0], {"otelcol_version": previous, "otelcol_local_dir": str(bad)}, args=BOTH)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert f"{bad}/{archive} has sha256" in output and "it is not that release" in output, output[-1500:]
    for host, link, was in zip(agents, links, pids):
        assert host.file("/opt/otelcol-contrib/current").linked_to == link
        assert not host.file(f"/opt/otelcol-contrib/{previous}").exists
        assert pid(host) == was

    good = tmp_path / "good"
    good.mkdir()
    (good / sums).write_text((release / sums).read_text())
    (good / archive).symlink_to(release / archive)
    logs = {"otelcol_host_logs": False, "otelcol_receivers": {"filelog": {"include": ["/var/log/dpkg.log"]}},
            "otelcol_service": {"pipelines": {"logs": {"receivers": ["otlp", "filelog"]}}}}
    installed = converge(agents[0], {"otelcol_version": previous, "otelcol_local_dir": str(good), **logs}, args=BOTH)
    assert installed.returncode == 0, (installed.stdout + installed.stderr)[-1500:]
    for host in agents:
        groups = host.user("otelcol-contrib").groups
        assert "adm" in groups, "the collector cannot read the logs its filelog receiver names"
        assert "systemd-journal" not in groups, "the collector reads the journal without a receiver that needs to"
    for host, was in zip(agents, pids):
        assert host.file("/opt/otelcol-contrib/current").linked_to.endswith(f"/{previous}")
        assert host.check_output("/opt/otelcol-contrib/current/otelcol-contrib --version").endswith(previous)
        assert pid(host) != was, "a new binary restarts the collector"
        assert host.file(f"/opt/otelcol-contrib/{current}").is_directory, "the other version stays for a rollback"
    back = converge(agents[0], {}, args=BOTH)
    assert back.returncode == 0, (back.stdout + back.stderr)[-1500:]
    for host in agents:
        assert {"adm", "systemd-journal"} <= set(host.user("otelcol-contrib").groups), "the default reads the journal and files"
        assert host.file("/opt/otelcol-contrib/current").linked_to.endswith(f"/{current}")
        assert host.check_output("curl -sf http://127.0.0.1:13133/")
