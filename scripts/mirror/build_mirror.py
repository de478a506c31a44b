# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the offline artifact mirror: real upstream programs, upstream's layout.

The mirror is a directory tree that repeats the upstream download URLs
(``<host>/<path>``), so a role pointed at ``http://127.0.0.1:PORT/`` instead of
``https://`` finds every archive and checksum file where upstream has it.
Every binary is built here from the pinned upstream release's source, taken
from the Go module proxy configured in ``go env``:

* otelcol and otelcol-contrib: the OpenTelemetry Collector Builder (ocb) of the
  pinned version, with the manifests in ``scripts/mirror/manifests/``;
* telemetrygen, the benchmarks' load generator: contrib's ``cmd/telemetrygen``
  (a test tool; upstream ships it as a container image only);
* jaeger: ``cmd/jaeger`` (and ``examples/hotrod``) of the Jaeger module;
* prometheus and promtool: ``cmd/prometheus`` and ``cmd/promtool``;
* alertmanager and amtool: ``cmd/alertmanager`` and ``cmd/amtool``, with an
  empty page where the web UI goes (the module carries no built UI);
* grafana: the module proxy serves no Grafana release, only one commit of
  Grafana's main branch (pins.yml ``grafana.test_build``); the server is built
  from it (Wire code generation, then ``pkg/cmd/grafana`` with cgo for SQLite)
  and packed in upstream's standalone tarball layout under a version that
  says what it is. The UI's compiled assets are not in it (the API is);
* victorialogs: ``app/victoria-logs`` of the VictoriaLogs module (its web UI is
  in the module), packed as upstream's ``victoria-logs-linux-ARCH-vVERSION.tar.gz``;
* cassandra: no Apache Cassandra 5 binary tarball is on Maven Central, so
  ``org.apache.cassandra:cassandra-all`` and its runtime dependencies are taken
  from the Maven repository configured for ``mvn`` and laid out as upstream's
  ``apache-cassandra-VERSION/lib/``, with a README saying what upstream has besides.

Versions come from ``pins.yml``. Each artifact is built once per version,
architecture and recipe, then reused; ``--force`` rebuilds.

Usage: build_mirror.py [--mirror DIR] [--arch amd64,arm64] [--only NAME,...] [--force] [--list]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = Path(__file__).resolve().parent / "manifests"
CACHE_DIR = Path(
    os.environ.get("TELEMETRY_STACK_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "telemetry-stack"
)
DEFAULT_MIRROR = Path(os.environ.get("TELEMETRY_STACK_MIRROR_DIR") or CACHE_DIR / "mirror")

OTELCOL_RELEASES = "github.com/open-telemetry/opentelemetry-collector-releases/releases/download"
CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib"
JAEGER_RELEASES = "github.com/jaegertracing/jaeger/releases/download"
PROMETHEUS_RELEASES = "github.com/prometheus/prometheus/releases/download"
ALERTMANAGER_RELEASES = "github.com/prometheus/alertmanager/releases/download"
GRAFANA_RELEASES = "dl.grafana.com/oss/release"
CASSANDRA_RELEASES = "archive.apache.org/dist/cassandra"
VICTORIALOGS_RELEASES = "github.com/VictoriaMetrics/VictoriaLogs/releases/download"
# Upstream has no download of telemetrygen (only a container image): the mirror
# keeps it under a path of this project's, in goreleaser's layout.
TEST_TOOLS = "telemetry.stack/test-tools"

# Bump a recipe's revision when its build or packaging changes: artifacts built
# by an older revision are rebuilt, the others are kept.
RECIPE_REVISION = {"otelcol": 1, "telemetrygen": 1, "jaeger": 1, "prometheus": 1, "alertmanager": 2, "grafana": 1, "cassandra": 1,
                   "victorialogs": 1}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] ==> {msg}", file=sys.stderr, flush=True)


def info(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]     {msg}", file=sys.stderr, flush=True)


class BuildError(RuntimeError):
    """A step failed; the message says which and where its log is."""


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, what: str, logfile: Path) -> None:
    """Run a long command with its output in ``logfile`` and a heartbeat every 30 s."""
    started = time.monotonic()
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(30):
            info(f"{what}: still running ({int(time.monotonic() - started)} s)")

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    try:
        with logfile.open("ab") as out:
            out.write(f"\n$ {' '.join(cmd)}\n".encode())
            out.flush()
            proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, check=False)
    finally:
        stop.set()
    if proc.returncode != 0:
        tail = logfile.read_text(errors="replace").splitlines()[-25:]
        raise BuildError(f"{what} failed (exit {proc.returncode}); last lines of {logfile}:\n" + "\n".join(tail))
    info(f"{what}: done in {int(time.monotonic() - started)} s")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_tar_gz(dest: Path, members: list[tuple[str, Path]], mtime: int) -> None:
    """A gzipped tarball with ``(name in archive, source file)`` members, directories implied.

    Owners are root and times fixed, so the same inputs give the same bytes.
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs_done: set[str] = set()
        for name, src in sorted(members):
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs_done:
                    dirs_done.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, mtime
                    tar.addfile(ti)
            ti = tar.gettarinfo(str(src), arcname=name)
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.mtime = mtime
            ti.mode = 0o755 if os.access(src, os.X_OK) else 0o644
            with src.open("rb") as fh:
                tar.addfile(ti, fh)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    with gzip.GzipFile(filename="", fileobj=tmp.open("wb"), mode="wb", mtime=mtime) as gz:
        gz.write(buf.getvalue())
    tmp.replace(dest)


def write_checksums(path: Path, names: list[str], line: Callable[[str, str], str]) -> None:
    """(Re)write a checksum file over the given archives in the same directory."""
    lines = [line(sha256_file(path.parent / n), n) for n in sorted(names) if (path.parent / n).is_file()]
    path.write_text("".join(lines))


def module_source(module: str, version: str, dest: Path, env: dict[str, str] | None = None) -> dict:
    """Copy a module's source from the module cache (downloading it) into ``dest``."""
    out = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], capture_output=True, text=True, check=False,
                         env={**os.environ, **(env or {})})
    meta = json.loads(out.stdout or "{}")
    if out.returncode != 0 or "Dir" not in meta:
        raise BuildError(f"go mod download {module}@{version} failed: {meta.get('Error') or out.stderr.strip()}")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(meta["Dir"], dest)
    for p in dest.rglob("*"):
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | 0o200)
    return meta


def go_version() -> str:
    return subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()


@dataclass
class Artifact:
    """One archive in the mirror, with what builds it and what names it."""

    name: str  # e.g. otelcol-contrib-0.159.0-amd64
    kind: str  # recipe: otelcol, jaeger, prometheus, alertmanager, grafana, cassandra, victorialogs
    version: str
    arch: str
    release_dir: str  # path in the mirror, upstream's URL without https://
    archive: str
    recipe_inputs: list[str] = field(default_factory=list)
    build: Callable[["Artifact", Path, Path], None] | None = None

    def recipe_hash(self) -> str:
        h = hashlib.sha256(json.dumps([self.kind, RECIPE_REVISION[self.kind], self.version, self.arch, *self.recipe_inputs]).encode())
        return h.hexdigest()[:16]


# --- otelcol ----------------------------------------------------------------------------------

# Contrib modules that the Go module proxy here serves only up to some version
# (newer ones answer 404): module -> (newest served, {version: type rename}).
# A collector newer than that gets the newest served one, which compiles against
# the newer core, with the type renames upstream made since applied to its
# source (the type is the name configs use; behaviour and metric names are
# unchanged), so that the pinned release's configs work. The checksum database
# has no entry for them either, so `go` checks them against go.sum alone.
CAPPED_MODULES = {
    f"{CONTRIB}/receiver/tlscheckreceiver": ("0.146.0", {"0.155.0": ("tlscheck", "tls_check")}),
    f"{CONTRIB}/connector/failoverconnector": ("0.145.0", {}),
    # v0.158.0 already has the file_stats type (and the filestats alias).
    f"{CONTRIB}/receiver/filestatsreceiver": ("0.158.0", {}),
    f"{CONTRIB}/receiver/journaldreceiver": ("0.158.0", {}),
    f"{CONTRIB}/connector/countconnector": ("0.158.0", {}),
}


def vtuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def cap_modules(manifest_text: str, version: str, work: Path) -> tuple[str, dict[str, str], str]:
    """The manifest with capped modules at a served version; the env and the README note for them."""
    env = {"GONOSUMDB": ",".join(CAPPED_MODULES)}
    replaces, notes = [], []
    for module, (newest, renames) in CAPPED_MODULES.items():
        if f"{module} v{version}" not in manifest_text or vtuple(version) <= vtuple(newest):
            continue
        manifest_text = manifest_text.replace(f"{module} v{version}", f"{module} v{newest}")
        src = work / "capped" / module.rsplit("/", 1)[1]
        module_source(module, f"v{newest}", src, env)
        status = src / "internal" / "metadata" / "generated_status.go"
        for since, (old, new) in sorted(renames.items()):
            if vtuple(since) <= vtuple(version):
                status.write_text(status.read_text().replace(f'MustNewType("{old}")', f'MustNewType("{new}")'))
                notes.append(f"{module} v{newest} (newest served here), its type renamed {old} -> {new} as upstream did in {since}")
        replaces.append(f"  - {module} => {src.resolve()}\n")
    if replaces:
        manifest_text += "\nreplaces:\n" + "".join(replaces)
    return manifest_text, env, "".join(f"- {n}\n" for n in notes)


def build_otelcol(art: Artifact, work: Path, release: Path) -> None:
    dist = art.archive.split("_", 1)[0]
    work.mkdir(parents=True, exist_ok=True)
    manifest_text, env, capped = cap_modules((MANIFESTS / f"{dist}.yaml").read_text().replace("${VERSION}", art.version),
                                             art.version, work)
    logfile = work / "build.log"
    gobin = CACHE_DIR / "mirror-work" / "bin" / f"ocb-{art.version}"
    if not (gobin / "builder").is_file():
        run(["go", "install", f"go.opentelemetry.io/collector/cmd/builder@v{art.version}"], cwd=work,
            env={"GOBIN": str(gobin)}, what=f"ocb v{art.version}: go install", logfile=logfile)
    (work / "manifest.yaml").write_text(manifest_text)
    shutil.rmtree(work / "_build", ignore_errors=True)
    run([str(gobin / "builder"), "--config", "manifest.yaml"], cwd=work,
        env={"GOOS": "linux", "GOARCH": art.arch, "CGO_ENABLED": "0", **env},
        what=f"{dist} {art.version} linux/{art.arch}: ocb build", logfile=logfile)
    readme = work / "README.md"
    readme.write_text(
        f"# {dist} {art.version}\n\nThe OpenTelemetry Collector ({dist} distribution), built with the\n"
        f"OpenTelemetry Collector Builder v{art.version} from the manifest below.\n\n"
        + (f"Not served here at v{art.version}, so taken at an earlier version:\n{capped}\n" if capped else "")
        + f"```yaml\n{manifest_text}```\n"
    )
    release.mkdir(parents=True, exist_ok=True)
    write_tar_gz(release / art.archive, [(dist, work / "_build" / dist), ("README.md", readme)], mtime=int(time.time()))
    # goreleaser's checksum file: "<sha256>  <name>", one per archive of the release.
    checksums = release / f"opentelemetry-collector-releases_{dist}_checksums.txt"
    write_checksums(checksums, [p.name for p in release.glob(f"{dist}_{art.version}_*.tar.gz")], lambda h, n: f"{h}  {n}\n")


def otelcol_artifacts(pins: dict, arch: str) -> list[Artifact]:
    arts = []
    versions = [("otelcol-contrib", pins["otelcol"]["version"]), ("otelcol", pins["otelcol"]["version"]),
                ("otelcol-contrib", pins["otelcol"]["previous_version"])]
    for dist, version in versions:
        arts.append(Artifact(
            name=f"{dist}-{version}-{arch}", kind="otelcol", version=version, arch=arch,
            release_dir=f"{OTELCOL_RELEASES}/v{version}", archive=f"{dist}_{version}_linux_{arch}.tar.gz",
            recipe_inputs=[(MANIFESTS / f"{dist}.yaml").read_text(), json.dumps(CAPPED_MODULES)], build=build_otelcol,
        ))
    return arts


def build_telemetrygen(art: Artifact, work: Path, release: Path) -> None:
    module = f"{CONTRIB}/cmd/telemetrygen"
    src = work / "src"
    work.mkdir(parents=True, exist_ok=True)
    logfile = work / "build.log"
    info(f"telemetrygen {art.version}: source of {module}@v{art.version}")
    module_source(module, f"v{art.version}", src)
    out = work / "out"
    out.mkdir(exist_ok=True)
    run(["go", "build", "-trimpath", "-o", str(out / "telemetrygen"), "."], cwd=src,
        env={"GOOS": "linux", "GOARCH": art.arch, "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=mod"},
        what=f"telemetrygen {art.version} linux/{art.arch}: go build", logfile=logfile)
    release.mkdir(parents=True, exist_ok=True)
    write_tar_gz(release / art.archive, [("telemetrygen", out / "telemetrygen")], mtime=int(time.time()))
    write_checksums(release / "checksums.txt", [p.name for p in release.glob(f"telemetrygen_{art.version}_*.tar.gz")],
                    lambda h, n: f"{h}  {n}\n")


def telemetrygen_artifacts(pins: dict, arch: str) -> list[Artifact]:
    version = pins["otelcol"]["telemetrygen_version"]
    return [Artifact(
        name=f"telemetrygen-{version}-{arch}", kind="telemetrygen", version=version, arch=arch,
        release_dir=f"{TEST_TOOLS}/telemetrygen/v{version}", archive=f"telemetrygen_{version}_linux_{arch}.tar.gz",
        build=build_telemetrygen,
    )]


# --- jaeger -----------------------------------------------------------------------------------

def build_jaeger(art: Artifact, work: Path, release: Path) -> None:
    module_version = art.recipe_inputs[0]
    src = work / "src"
    work.mkdir(parents=True, exist_ok=True)
    logfile = work / "build.log"
    info(f"jaeger {art.version}: source of github.com/jaegertracing/jaeger@{module_version}")
    meta = module_source("github.com/jaegertracing/jaeger", module_version, src)
    # Jaeger's go.mod has replace directives, so `go install module@version`
    # refuses it; building inside the module's source honours them, as upstream's Makefile does.
    date = meta.get("Time", "")
    ldflags = " ".join([
        "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v" + art.version,
        "-X github.com/jaegertracing/jaeger/internal/version.date=" + date,
    ])
    env = {"GOOS": "linux", "GOARCH": art.arch, "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=mod"}
    out = work / "out"
    out.mkdir(exist_ok=True)
    run(["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(out / "jaeger"), "./cmd/jaeger"], cwd=src, env=env,
        what=f"jaeger {art.version} linux/{art.arch}: go build ./cmd/jaeger", logfile=logfile)
    run(["go", "build", "-trimpath", "-o", str(out / "example-hotrod"), "./examples/hotrod"], cwd=src, env=env,
        what=f"jaeger {art.version} linux/{art.arch}: go build ./examples/hotrod", logfile=logfile)
    top = f"jaeger-{art.version}-linux-{art.arch}"
    release.mkdir(parents=True, exist_ok=True)
    write_tar_gz(release / art.archive, [(f"{top}/jaeger", out / "jaeger"), (f"{top}/example-hotrod", out / "example-hotrod")],
                 mtime=int(time.time()))
    # `shasum -b -a 256` lines, as scripts/build/package-deploy.sh writes them:
    # one file for the archive's contents, one combined over the release's archives.
    (release / f"{top}.sha256sum.txt").write_text(
        "".join(f"{sha256_file(out / f)} *{top}/{f}\n" for f in ("example-hotrod", "jaeger"))
    )
    write_checksums(release / f"jaeger-{art.version}.sha256sum.txt",
                    [p.name for p in release.glob(f"jaeger-{art.version}-*.tar.gz")], lambda h, n: f"{h} *{n}\n")


def jaeger_artifacts(pins: dict, arch: str) -> list[Artifact]:
    version = pins["jaeger"]["version"]
    return [Artifact(
        name=f"jaeger-{version}-{arch}", kind="jaeger", version=version, arch=arch,
        release_dir=f"{JAEGER_RELEASES}/v{version}", archive=f"jaeger-{version}-linux-{arch}.tar.gz",
        recipe_inputs=[pins["jaeger"]["go_module_version"]], build=build_jaeger,
    )]


# --- prometheus -------------------------------------------------------------------------------

def prometheus_module_version(version: str) -> str:
    """Prometheus 3.X.Y is Go module v0.3XX.Y (scripts/get_module_version.sh upstream)."""
    major, minor, patch = (int(p) for p in version.split("."))
    if major == 2:
        return f"v0.{minor}.{patch}"
    if major == 3:
        return f"v0.3{minor:02d}.{patch}"
    raise BuildError(f"prometheus {version}: no known Go module version scheme for major {major}")


def build_promu(art: Artifact, work: Path, release: Path, module: str, module_version: str, binaries: tuple[str, ...],
                example: tuple[str, str], prepare: Callable[[Path], None] | None = None) -> None:
    """A Prometheus-project program, packed as promu packs its releases; `example` is the sample config's
    (path in the module, name in the tarball)."""
    src = work / "src"
    work.mkdir(parents=True, exist_ok=True)
    logfile = work / "build.log"
    name = art.kind
    info(f"{name} {art.version}: source of {module}@{module_version}")
    module_source(module, module_version, src)
    if prepare:
        prepare(src)
    pkg = "github.com/prometheus/common/version"
    build_date = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime())
    ldflags = " ".join([
        "-s",
        f"-X {pkg}.Version={art.version}",
        f"-X {pkg}.Revision={module_version}",
        f"-X {pkg}.Branch=HEAD",
        f"-X {pkg}.BuildUser=telemetry-stack-mirror",
        f"-X {pkg}.BuildDate={build_date}",
    ])
    env = {"GOOS": "linux", "GOARCH": art.arch, "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=mod"}
    out = work / "out"
    out.mkdir(exist_ok=True)
    for binary in binaries:
        run(["go", "build", "-trimpath", "-tags", "netgo", "-ldflags", ldflags, "-o", str(out / binary), f"./cmd/{binary}"],
            cwd=src, env=env, what=f"{name} {art.version} linux/{art.arch}: go build ./cmd/{binary}", logfile=logfile)
    top = f"{name}-{art.version}.linux-{art.arch}"
    members = [(f"{top}/{b}", out / b) for b in binaries]
    members += [(f"{top}/{example[1]}", src / example[0]), (f"{top}/LICENSE", src / "LICENSE"), (f"{top}/NOTICE", src / "NOTICE")]
    release.mkdir(parents=True, exist_ok=True)
    write_tar_gz(release / art.archive, members, mtime=int(time.time()))
    # promu's sha256sums.txt: "<sha256>  <name>" over every tarball of the release.
    write_checksums(release / "sha256sums.txt", [p.name for p in release.glob("*.tar.gz")], lambda h, n: f"{h}  {n}\n")


def build_prometheus(art: Artifact, work: Path, release: Path) -> None:
    build_promu(art, work, release, "github.com/prometheus/prometheus", prometheus_module_version(art.version),
                ("prometheus", "promtool"), ("documentation/examples/prometheus.yml", "prometheus.yml"))


def promu_artifact(pins: dict, arch: str, kind: str, releases: str, build: Callable[[Artifact, Path, Path], None]) -> Artifact:
    """A Prometheus-project release: ``<kind>-VERSION.linux-ARCH.tar.gz`` under ``<releases>/vVERSION``."""
    version = pins[kind]["version"]
    return Artifact(
        name=f"{kind}-{version}-{arch}", kind=kind, version=version, arch=arch,
        release_dir=f"{releases}/v{version}", archive=f"{kind}-{version}.linux-{arch}.tar.gz", build=build,
    )


def prometheus_artifacts(pins: dict, arch: str) -> list[Artifact]:
    return [promu_artifact(pins, arch, "prometheus", PROMETHEUS_RELEASES, build_prometheus)]


# --- alertmanager -----------------------------------------------------------------------------

def alertmanager_without_ui(src: Path) -> None:
    """The module zip has no built web UI, and ui/web.go embeds app/dist: give it empty pages.

    The API, the cluster and every notifier are unaffected; the UI at / is a blank page (docs/offline.md).
    """
    for page in ("ui/app/dist/elm/index.html", "ui/app/dist/mantine/index.html"):
        path = src / page
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("<!doctype html><title>Alertmanager</title><p>This test build has no web UI; use the API or amtool.\n")


def build_alertmanager(art: Artifact, work: Path, release: Path) -> None:
    build_promu(art, work, release, "github.com/prometheus/alertmanager", f"v{art.version}", ("alertmanager", "amtool"),
                ("doc/examples/simple.yml", "alertmanager.yml"), prepare=alertmanager_without_ui)


def alertmanager_artifacts(pins: dict, arch: str) -> list[Artifact]:
    return [promu_artifact(pins, arch, "alertmanager", ALERTMANAGER_RELEASES, build_alertmanager)]


# --- victorialogs -----------------------------------------------------------------------------

def build_victorialogs(art: Artifact, work: Path, release: Path) -> None:
    """One static binary for every role (single node, storage node, front end), as upstream's Makefile packs it:
    ``victoria-logs-prod`` alone in the tarball, and a ``_checksums.txt`` over the tarball and the binary."""
    src = work / "src"
    work.mkdir(parents=True, exist_ok=True)
    logfile = work / "build.log"
    module = "github.com/VictoriaMetrics/VictoriaLogs"
    info(f"victorialogs {art.version}: source of {module}@v{art.version}")
    module_source(module, f"v{art.version}", src)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    ldflags = f"-s -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-{stamp}-tags-v{art.version}-0-g0000000"
    env = {"GOOS": "linux", "GOARCH": art.arch, "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=mod"}
    out = work / "out"
    out.mkdir(exist_ok=True)
    run(["go", "build", "-trimpath", "-tags", "netgo,osusergo", "-ldflags", ldflags, "-o", str(out / "victoria-logs-prod"),
         "./app/victoria-logs"], cwd=src, env=env, what=f"victorialogs {art.version} linux/{art.arch}: go build ./app/victoria-logs",
        logfile=logfile)
    release.mkdir(parents=True, exist_ok=True)
    write_tar_gz(release / art.archive, [("victoria-logs-prod", out / "victoria-logs-prod")], mtime=int(time.time()))
    (release / f"victoria-logs-linux-{art.arch}-v{art.version}_checksums.txt").write_text(
        f"{sha256_file(release / art.archive)}  {art.archive}\n{sha256_file(out / 'victoria-logs-prod')}  victoria-logs-prod\n")


def victorialogs_artifacts(pins: dict, arch: str) -> list[Artifact]:
    version = pins["victorialogs"]["version"]
    return [Artifact(
        name=f"victorialogs-{version}-{arch}", kind="victorialogs", version=version, arch=arch,
        release_dir=f"{VICTORIALOGS_RELEASES}/v{version}", archive=f"victoria-logs-linux-{arch}-v{version}.tar.gz",
        build=build_victorialogs,
    )]


# --- grafana ----------------------------------------------------------------------------------

# Wire (Grafana's dependency-injection code generator) built with an x/tools
# that understands the current Go; the one in Grafana's go.sum predates it.
WIRE_TOOL = ("github.com/google/wire/cmd/wire@v0.6.0", "golang.org/x/tools@v0.30.0")


def build_grafana(art: Artifact, work: Path, release: Path) -> None:
    module_version, commit = art.recipe_inputs
    if art.arch != host_arch():
        raise BuildError(f"grafana {art.version}: built with cgo (SQLite), so only for this machine's architecture ({host_arch()})")
    src = work / "src"
    work.mkdir(parents=True, exist_ok=True)
    logfile = work / "build.log"
    info(f"grafana {art.version}: source of github.com/grafana/grafana@{module_version}")
    module_source("github.com/grafana/grafana", module_version, src)
    env = {"GOWORK": "off", "GOFLAGS": "-mod=mod"}
    wire = CACHE_DIR / "mirror-work" / "bin" / "wire-v0.6.0" / "wire"
    if not wire.is_file():
        tool = work / "wire-tool"
        shutil.rmtree(tool, ignore_errors=True)
        tool.mkdir()
        run(["go", "mod", "init", "wiretool"], cwd=tool, env=env, what="wire: go mod init", logfile=logfile)
        run(["go", "get", *WIRE_TOOL], cwd=tool, env=env, what="wire: go get", logfile=logfile)
        run(["go", "build", "-o", str(wire), "github.com/google/wire/cmd/wire"], cwd=tool, env=env, what="wire: go build", logfile=logfile)
    run([str(wire), "gen", "-tags", "oss", "./pkg/server"], cwd=src, env=env, what=f"grafana {art.version}: wire gen", logfile=logfile)
    ldflags = f"-X main.version={art.version} -X main.commit={commit} -X main.buildstamp={int(time.time())}"
    out = work / "out"
    out.mkdir(exist_ok=True)
    run(["go", "build", "-trimpath", "-tags", "oss", "-ldflags", ldflags, "-o", str(out / "grafana"), "./pkg/cmd/grafana"],
        cwd=src, env={**env, "CGO_ENABLED": "1"}, what=f"grafana {art.version} linux/{art.arch}: go build ./pkg/cmd/grafana",
        logfile=logfile)
    top = f"grafana-{art.version}"
    # Upstream's layout: bin/, conf/ and public/ (here without the compiled UI: plugin
    # definitions, images, views and e-mail templates, not TypeScript sources).
    members = [(f"{top}/bin/grafana", out / "grafana"), (f"{top}/LICENSE", src / "LICENSE")]
    for folder in ("conf", "public"):
        for f in sorted((src / folder).rglob("*")):
            if f.is_file() and not f.is_symlink() and f.suffix not in (".ts", ".tsx", ".snap", ".scss"):
                members.append((f"{top}/{f.relative_to(src)}", f))
    members.append((f"{top}/VERSION", _write(work / "VERSION", f"{art.version}\n")))
    release.mkdir(parents=True, exist_ok=True)
    write_tar_gz(release / art.archive, members, mtime=int(time.time()))
    # Grafana publishes a bare digest beside each archive.
    (release / f"{art.archive}.sha256").write_text(sha256_file(release / art.archive) + "\n")


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def grafana_artifacts(pins: dict, arch: str) -> list[Artifact]:
    build = pins["grafana"]["test_build"]
    version = build["version"]
    return [Artifact(
        name=f"grafana-{version}-{arch}", kind="grafana", version=version, arch=arch,
        release_dir=GRAFANA_RELEASES, archive=f"grafana-{version}.linux-{arch}.tar.gz",
        recipe_inputs=[build["go_module_version"], build["commit"]], build=build_grafana,
    )]


# --- cassandra --------------------------------------------------------------------------------

# Maven Central has no Cassandra 5 release tarball (org.apache.cassandra:apache-cassandra
# stops at 4.0-alpha2), but it has the server jar and every dependency. A throwaway
# project resolves them with the version of maven-dependency-plugin pinned here.
CASSANDRA_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>telemetry-stack-mirror</groupId>
  <artifactId>apache-cassandra-lib</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <groupId>org.apache.maven.plugins</groupId>
          <artifactId>maven-dependency-plugin</artifactId>
          <version>3.6.1</version>
        </plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
"""

CASSANDRA_README = """# Apache Cassandra {version}, assembled from Maven Central

This is not the tarball the Apache Cassandra project publishes. Maven Central,
the only place the telemetry.stack build machines can download Java programs
from, has no Cassandra 5 release tarball (`org.apache.cassandra:apache-cassandra`
stops at 4.0-alpha2). The test mirror's builder
(`scripts/mirror/build_mirror.py` in telemetry.stack) therefore assembled it:

- `lib/` holds `org.apache.cassandra:cassandra-all:{version}` (the server and
  its tools: `CassandraDaemon`, `NodeTool`, `GetVersion`, ...) and its runtime
  dependencies, {jars} jars, as `mvn dependency:copy-dependencies
  -DincludeScope=runtime` resolves them from the release's published POM.
  `cassandra-all-{version}.jar` reports version {version} (git {git_sha}).
- `LICENSE.txt` and `NOTICE.txt` are the ones inside `cassandra-all-{version}.jar`.

What upstream's `apache-cassandra-{version}-bin.tar.gz` has and this has not:

- `bin/` (the `cassandra`, `nodetool`, `cqlsh` scripts), `conf/`
  (`cassandra.yaml`, `jvm*-server.options`, `logback.xml`, ...), `tools/`
  (`cassandra-stress`, `sstable*` tools), `pylib/` (cqlsh's Python library),
  `doc/`, `CHANGES.txt` and `NEWS.txt`: none of them is published to Maven.
  Start the server without the scripts:
  `java @jvm.args -cp 'CONF_DIR:lib/*' org.apache.cassandra.service.CassandraDaemon -f`,
  with `-javaagent:lib/{jamm}`, `-Dcassandra.config=file:///.../cassandra.yaml`,
  `-Dcassandra.storagedir=...`, `-Dlogback.configurationFile=...` and the
  `--add-exports`/`--add-opens` list of upstream's `conf/jvm17-server.options`
  in `jvm.args`. What the scripts also set: `-Dcassandra-foreground=yes` (without
  it the server closes its stdout and stderr once started, whatever the `-f`) and
  `-Dcassandra.jmx.local.port=7199` (the JMX port nodetool talks to).
  `nodetool` is `org.apache.cassandra.tools.NodeTool` with the same
  `--add-exports`/`--add-opens`.
- `lib/sigar-bin/` (Sigar's native libraries): `lib/sigar-*.jar` is here without
  them, so Cassandra logs that Sigar is unavailable and skips its OS checks.
- `lib/` may differ in detail from upstream's, which comes from Cassandra's own
  build: here it is exactly what Maven resolves from the release's POM
  (for example Netty's native jars for every platform the POM names).
"""


def build_cassandra(art: Artifact, work: Path, release: Path) -> None:
    for tool, package in (("mvn", "maven"), ("java", "openjdk-17-jre-headless")):
        if not shutil.which(tool):
            raise BuildError(f"cassandra {art.version}: `{tool}` is not on PATH. Fix: apt-get install {package}")
    work.mkdir(parents=True, exist_ok=True)
    logfile = work / "build.log"
    (work / "pom.xml").write_text(CASSANDRA_POM.format(version=art.version))
    lib = work / "lib"
    shutil.rmtree(lib, ignore_errors=True)
    # The Maven repository and local cache are mvn's own (settings.xml, ~/.m2), as Go's are for the others.
    run(["mvn", "-B", "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={lib}"], cwd=work,
        what=f"cassandra {art.version}: mvn dependency:copy-dependencies (cassandra-all and its runtime dependencies)",
        logfile=logfile)
    server_jar = lib / f"cassandra-all-{art.version}.jar"
    if not server_jar.is_file():
        raise BuildError(f"cassandra {art.version}: Maven gave no {server_jar.name}; see {logfile}")
    with zipfile.ZipFile(server_jar) as jar:
        props = dict(line.split("=", 1) for line in jar.read("org/apache/cassandra/config/version.properties").decode().splitlines()
                     if "=" in line and not line.startswith("#"))
        for name in ("LICENSE.txt", "NOTICE.txt"):
            (work / name).write_bytes(jar.read(f"META-INF/{name}"))
    if props.get("CassandraVersion") != art.version:
        raise BuildError(f"cassandra {art.version}: {server_jar.name} says it is version {props.get('CassandraVersion')}")
    jars = sorted(lib.glob("*.jar"))
    jamm = next((j.name for j in jars if j.name.startswith("jamm-")), None)
    if not jamm:
        raise BuildError(f"cassandra {art.version}: no jamm jar (the -javaagent Cassandra needs) among its dependencies")
    readme = _write(work / "README.md",
                    CASSANDRA_README.format(version=art.version, jars=len(jars), jamm=jamm, git_sha=props.get("GitSHA", "?")))
    top = f"apache-cassandra-{art.version}"
    members = [(f"{top}/lib/{j.name}", j) for j in jars]
    members += [(f"{top}/{f.name}", f) for f in (readme, work / "LICENSE.txt", work / "NOTICE.txt")]
    release.mkdir(parents=True, exist_ok=True)
    info(f"cassandra {art.version}: packing {len(jars)} jars")
    write_tar_gz(release / art.archive, members, mtime=int(time.time()))
    # Apache publishes a .sha256 beside each archive holding its hex digest.
    (release / f"{art.archive}.sha256").write_text(sha256_file(release / art.archive) + "\n")


def cassandra_artifacts(pins: dict, arch: str) -> list[Artifact]:
    """The binary tarball, one for every architecture (Java; Netty's native jars for each are in lib/)."""
    version = pins["cassandra"]["version"]
    return [Artifact(
        name=f"cassandra-{version}", kind="cassandra", version=version, arch="all",
        release_dir=f"{CASSANDRA_RELEASES}/{version}", archive=f"apache-cassandra-{version}-bin.tar.gz",
        recipe_inputs=[CASSANDRA_POM, CASSANDRA_README], build=build_cassandra,
    )]


# --- driver -----------------------------------------------------------------------------------

def load_pins(path: Path = REPO_ROOT / "pins.yml") -> dict:
    return yaml.safe_load(path.read_text())


def all_artifacts(pins: dict, arches: list[str]) -> list[Artifact]:
    arts: list[Artifact] = []
    for arch in arches:
        arts += otelcol_artifacts(pins, arch) + jaeger_artifacts(pins, arch) + prometheus_artifacts(pins, arch)
        arts += alertmanager_artifacts(pins, arch) + telemetrygen_artifacts(pins, arch) + victorialogs_artifacts(pins, arch)
        if arch == host_arch():
            arts += grafana_artifacts(pins, arch)
    # Architecture-independent: once, whichever architectures are asked for.
    return arts + cassandra_artifacts(pins, arches[0]) if arches else arts


def demo_artifacts(arts: list[Artifact], pins: dict) -> list[Artifact]:
    """What inventories/demo deploys: the pinned otelcol-contrib, Jaeger, Prometheus, Alertmanager and Grafana.
    Not otelcol core, the previous otelcol-contrib, Cassandra (the demo has no ring) or telemetrygen: tests use those."""
    return [a for a in arts if a.kind in ("jaeger", "prometheus", "alertmanager", "grafana")
            or a.name.startswith(f"otelcol-contrib-{pins['otelcol']['version']}-")]


def host_arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR, help=f"mirror root (default {DEFAULT_MIRROR})")
    parser.add_argument("--arch", default=host_arch(), help="comma-separated Go architectures (default: this machine's)")
    parser.add_argument("--only", default="", help="comma-separated artifact names or name prefixes")
    parser.add_argument("--demo", action="store_true", help="only what `make demo` deploys (its first run builds no more)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the cache is current")
    parser.add_argument("--list", action="store_true", help="print the artifacts and their state, build nothing")
    args = parser.parse_args(argv)

    pins = load_pins()
    arts = all_artifacts(pins, [a.strip() for a in args.arch.split(",") if a.strip()])
    if args.demo:
        arts = demo_artifacts(arts, pins)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        arts = [a for a in arts if any(a.name.startswith(w) for w in wanted)]
        if not arts:
            parser.error(f"--only {args.only!r} matches no artifact")
    state = CACHE_DIR / "mirror-state"
    state.mkdir(parents=True, exist_ok=True)

    def current(a: Artifact) -> bool:
        stamp = state / f"{a.name}.recipe"
        return (args.mirror / a.release_dir / a.archive).is_file() and stamp.is_file() and stamp.read_text() == a.recipe_hash()

    if args.list:
        for a in arts:
            print(f"{a.name:40} {'cached' if current(a) else 'to build':9} {a.release_dir}/{a.archive}")
        return 0

    started = time.monotonic()
    failures = []
    todo = [a for a in arts if args.force or not current(a)]
    for a in arts:
        if a not in todo:
            info(f"{a.name}: cached ({a.release_dir}/{a.archive})")
    if todo:
        log(f"Building {len(todo)} artifact(s) with {go_version()}: {', '.join(a.name for a in todo)}")
    for a in todo:
        t0 = time.monotonic()
        log(f"{a.name}: building")
        (state / f"{a.name}.recipe").unlink(missing_ok=True)
        try:
            a.build(a, CACHE_DIR / "mirror-work" / a.name, args.mirror / a.release_dir)
        except BuildError as exc:
            failures.append(a.name)
            print(f"ERROR: {a.name}: {exc}", file=sys.stderr)
            continue
        (state / f"{a.name}.recipe").write_text(a.recipe_hash())
        shutil.rmtree(CACHE_DIR / "mirror-work" / a.name / "src", ignore_errors=True)
        info(f"{a.name}: built in {int(time.monotonic() - t0)} s -> {a.release_dir}/{a.archive}")
    log(f"Mirror {args.mirror}: {len(arts) - len(failures)} of {len(arts)} artifacts ready "
        f"({len(todo) - len(failures)} built) in {int(time.monotonic() - started)} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
