# SPDX-License-Identifier: GPL-3.0-or-later
"""Every program in the mirror is the real, pinned upstream program, and it runs."""

from __future__ import annotations

import re
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from ansible_collections.telemetry.stack.plugins.module_utils._artifacts import checksum_for
from mirror_lib import ARTIFACTS, PINS, checksum_file_for, fetch

CONFIGS = Path(__file__).resolve().parent / "configs"
VERSION = PINS["otelcol"]["version"]
PREVIOUS = PINS["otelcol"]["previous_version"]
ARCH = next(iter(ARTIFACTS.values())).arch

# What issue #3 requires of the trimmed contrib distribution, by component kind.
REQUIRED_CONTRIB = {
    "receivers": {"otlp", "hostmetrics", "filelog", "journald", "prometheus"},
    "processors": {"memory_limiter", "batch", "resourcedetection", "resource", "attributes", "tail_sampling", "deltatocumulative"},
    "exporters": {"otlp", "otlphttp", "debug", "prometheus", "prometheusremotewrite", "loadbalancing", "file"},
    "extensions": {"health_check", "pprof", "zpages", "file_storage"},
    "connectors": {"spanmetrics", "count"},
}


# Newer collectors list components under snake_case type names and keep the
# old names as aliases that configs may still use; `components` shows the new ones.
CANONICAL = {
    "otlp_grpc": "otlp", "otlp_http": "otlphttp", "load_balancing": "loadbalancing",
    "prometheus_remote_write": "prometheusremotewrite", "host_metrics": "hostmetrics", "file_log": "filelog",
    "resource_detection": "resourcedetection", "span_metrics": "spanmetrics", "delta_to_cumulative": "deltatocumulative",
}


def run(*cmd: str | Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120, check=False)
    if ok:
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.parametrize("name", sorted(ARTIFACTS))
def test_archive_layout_and_checksum_file(mirror_url: str, name: str, unpacked) -> None:
    art = ARTIFACTS[name]
    sums = fetch(f"{mirror_url}/{art.release_dir}/{checksum_file_for(art)}").decode()
    assert len(checksum_for(sums, art.archive)) == 64
    with tarfile.open(unpacked(name) / art.archive) as tar:
        files = sorted(m.name for m in tar.getmembers() if m.isfile())
    if art.kind == "grafana":
        top = f"grafana-{art.version}"
        # Upstream's standalone layout: the server, its defaults, and the core plugins' definitions.
        for f in ("bin/grafana", "conf/defaults.ini", "public/app/plugins/datasource/prometheus/plugin.json",
                  "public/app/plugins/datasource/jaeger/plugin.json", "VERSION"):
            assert f"{top}/{f}" in files, f
        assert all(f.startswith(top + "/") for f in files)
        return
    if art.kind == "cassandra":
        # Upstream's binary tarball layout, as far as Maven Central has it: the jars in lib/ (its README says what else
        # upstream ships), with the server jar of the pinned version and the jamm agent the JVM is started with.
        top = f"apache-cassandra-{art.version}"
        assert all(f.startswith(top + "/") for f in files)
        for f in ("README.md", "LICENSE.txt", "NOTICE.txt", f"lib/cassandra-all-{art.version}.jar"):
            assert f"{top}/{f}" in files, f
        lib = [f for f in files if f.startswith(f"{top}/lib/")]
        assert len(lib) > 50 and all(f.endswith(".jar") and f.count("/") == 2 for f in lib), lib
        assert any(re.fullmatch(rf"{top}/lib/jamm-[0-9.]+\.jar", f) for f in lib), lib
        # Apache's .sha256: the bare digest.
        assert re.fullmatch(r"[0-9a-f]{64}\n?", sums), sums
        return
    expected = {
        "otelcol": sorted([art.archive.split("_", 1)[0], "README.md"]),
        "telemetrygen": ["telemetrygen"],
        "jaeger": [f"jaeger-{art.version}-linux-{ARCH}/{f}" for f in ("example-hotrod", "jaeger")],
        "prometheus": [f"prometheus-{art.version}.linux-{ARCH}/{f}" for f in ("LICENSE", "NOTICE", "prometheus", "prometheus.yml", "promtool")],
        "alertmanager": [f"alertmanager-{art.version}.linux-{ARCH}/{f}" for f in ("LICENSE", "NOTICE", "alertmanager", "alertmanager.yml", "amtool")],
        # Upstream's release tarball: the one binary, named as upstream names it.
        "victorialogs": ["victoria-logs-prod"],
    }[art.kind]
    assert files == expected


@pytest.mark.parametrize(("dist", "version"), [("otelcol-contrib", VERSION), ("otelcol", VERSION), ("otelcol-contrib", PREVIOUS)])
def test_otelcol_version(unpacked, dist: str, version: str) -> None:
    binary = unpacked(f"{dist}-{version}-{ARCH}") / dist
    assert run(binary, "--version").stdout.strip() == f"{dist} version {version}"


@pytest.mark.parametrize("version", [VERSION, PREVIOUS])
def test_otelcol_contrib_has_the_required_components(unpacked, version: str) -> None:
    listed = yaml.safe_load(run(unpacked(f"otelcol-contrib-{version}-{ARCH}") / "otelcol-contrib", "components").stdout)
    have = {kind: {CANONICAL.get(c["name"], c["name"]) for c in listed.get(kind) or []} for kind in REQUIRED_CONTRIB}
    missing = {kind: sorted(REQUIRED_CONTRIB[kind] - have[kind]) for kind in REQUIRED_CONTRIB if REQUIRED_CONTRIB[kind] - have[kind]}
    assert not missing


@pytest.mark.parametrize("dist", ["otelcol-contrib", "otelcol"])
def test_otelcol_validate_accepts_the_release_default_config(unpacked, dist: str) -> None:
    run(unpacked(f"{dist}-{VERSION}-{ARCH}") / dist, "validate", f"--config={CONFIGS / 'otelcol-release-default.yaml'}")


def test_otelcol_validate_rejects_an_undefined_component(unpacked, tmp_path: Path) -> None:
    config = yaml.safe_load((CONFIGS / "otelcol-release-default.yaml").read_text())
    config["service"]["pipelines"]["traces"]["exporters"].append("otlp/missing")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    proc = run(unpacked(f"otelcol-contrib-{VERSION}-{ARCH}") / "otelcol-contrib", "validate", f"--config={bad}", ok=False)
    assert proc.returncode != 0
    assert "otlp/missing" in proc.stderr + proc.stdout


def jaeger_binary(unpacked) -> Path:
    version = PINS["jaeger"]["version"]
    return unpacked(f"jaeger-{version}-{ARCH}") / f"jaeger-{version}-linux-{ARCH}" / "jaeger"


def test_jaeger_version(unpacked) -> None:
    out = run(jaeger_binary(unpacked), "version").stdout
    assert f'"gitVersion": "v{PINS["jaeger"]["version"]}"' in out or f"v{PINS['jaeger']['version']}" in out


def test_jaeger_validate(unpacked, tmp_path: Path) -> None:
    jaeger = jaeger_binary(unpacked)
    run(jaeger, "validate", f"--config={CONFIGS / 'jaeger-memory.yaml'}")
    bad = tmp_path / "bad.yaml"
    bad.write_text((CONFIGS / "jaeger-memory.yaml").read_text().replace("receivers: [otlp]", "receivers: [otlp, zipkin/missing]"))
    proc = run(jaeger, "validate", f"--config={bad}", ok=False)
    assert proc.returncode != 0 and "zipkin/missing" in proc.stderr


def prometheus_dir(unpacked) -> Path:
    version = PINS["prometheus"]["version"]
    return unpacked(f"prometheus-{version}-{ARCH}") / f"prometheus-{version}.linux-{ARCH}"


def test_grafana_version_and_health(unpacked, tmp_path: Path) -> None:
    build = PINS["grafana"]["test_build"]
    home = unpacked(f"grafana-{build['version']}-{ARCH}") / f"grafana-{build['version']}"
    out = run(home / "bin" / "grafana", "--version").stdout
    assert f"version {build['version']}" in out and build["commit"][:7] in out, out


def test_prometheus_version(unpacked) -> None:
    for binary in ("prometheus", "promtool"):
        out = run(prometheus_dir(unpacked) / binary, "--version").stdout
        assert out.startswith(f"{binary}, version {PINS['prometheus']['version']} "), out


def test_promtool_check_config(unpacked, tmp_path: Path) -> None:
    home = prometheus_dir(unpacked)
    assert "SUCCESS" in run(home / "promtool", "check", "config", home / "prometheus.yml").stdout
    bad = tmp_path / "prometheus.yml"
    bad.write_text("scrape_configs:\n  - job_name: x\n    scrape_interval: often\n")
    assert run(home / "promtool", "check", "config", bad, ok=False).returncode != 0


# The --add-exports/--add-opens of Cassandra 5.0's conf/jvm17-server.options, which its bin/ scripts (not on Maven,
# so not in the mirror's tarball) pass to the server and to nodetool on Java 17.
CASSANDRA_JVM17_JPMS = [
    *(f"--add-exports={m}=ALL-UNNAMED" for m in (
        "java.base/jdk.internal.misc", "java.management.rmi/com.sun.jmx.remote.internal.rmi", "java.rmi/sun.rmi.registry",
        "java.rmi/sun.rmi.server", "java.sql/java.sql", "java.base/java.lang.ref", "jdk.unsupported/sun.misc")),
    *(f"--add-opens={m}=ALL-UNNAMED" for m in (
        "java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref", "java.base/jdk.internal.reflect",
        "java.base/jdk.internal.math", "java.base/jdk.internal.module", "java.base/jdk.internal.util.jar",
        "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch", "java.base/java.io", "java.base/java.lang.reflect",
        "java.base/java.lang", "java.base/java.util")),
]


def test_cassandra_jars_are_the_pinned_version(unpacked, tmp_path: Path) -> None:
    version = PINS["cassandra"]["version"]
    classpath = f"{unpacked(f'cassandra-{version}') / f'apache-cassandra-{version}'}/lib/*"
    # What upstream's `bin/cassandra -v` runs: the release version compiled into cassandra-all.
    assert run("java", "-cp", classpath, "org.apache.cassandra.tools.GetVersion").stdout.strip() == version
    # nodetool is in the same jars; without its scripts' JVM options it stops at once, with them it runs.
    nodetool = ("-Xmx64m", f"-Duser.home={tmp_path}", "-cp", classpath, "org.apache.cassandra.tools.NodeTool", "help")
    bare = run("java", *nodetool, ok=False)
    assert bare.returncode != 0 and "unable to access required classes" in bare.stdout + bare.stderr
    out = run("java", *CASSANDRA_JVM17_JPMS, *nodetool).stdout
    assert "status" in out and "describecluster" in out, out


def test_alertmanager_version(unpacked) -> None:
    version = PINS["alertmanager"]["version"]
    home = unpacked(f"alertmanager-{version}-{ARCH}") / f"alertmanager-{version}.linux-{ARCH}"
    for binary in ("alertmanager", "amtool"):
        out = run(home / binary, "--version").stdout
        assert out.startswith(f"{binary}, version {version} "), out
    assert "SUCCESS" in run(home / "amtool", "check-config", home / "alertmanager.yml").stdout


def test_victorialogs_version(unpacked) -> None:
    version = PINS["victorialogs"]["version"]
    out = run(unpacked(f"victorialogs-{version}-{ARCH}") / "victoria-logs-prod", "-version").stdout
    assert f"-tags-v{version}-" in out, out
