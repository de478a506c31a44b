# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/backup/files/telemetry-stack-backup with the real tar, zstd and age, and its target's side reached through
a stand-in for ssh that runs the forced command as sshd would (SSH_ORIGINAL_COMMAND)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

PROGRAM = Path(__file__).resolve().parents[3] / "roles" / "backup" / "files" / "telemetry-stack-backup"
_spec = spec_from_loader("telemetry_stack_backup", SourceFileLoader("telemetry_stack_backup", str(PROGRAM)))
assert _spec and _spec.loader
prog = module_from_spec(_spec)
_spec.loader.exec_module(prog)
BLOCK = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def site(tmp_path: Path) -> dict:
    """A host with a TSDB-like data directory and a Grafana-like SQLite database, a key pair and a target."""
    assert shutil.which("age") and shutil.which("zstd"), "needs age and zstd on the controller: apt-get install age zstd"
    ssh = tmp_path / "fake-ssh"
    ssh.write_text(f'#!/bin/sh\nSSH_ORIGINAL_COMMAND="$1" exec {sys.executable} {PROGRAM} receive --root {tmp_path}/target/h1\n')
    ssh.chmod(0o755)
    subprocess.run(["age-keygen", "-o", tmp_path / "identity"], check=True, capture_output=True)
    subprocess.run(["age-keygen", "-o", tmp_path / "wrong"], check=True, capture_output=True)
    (tmp_path / "recipients").write_text(subprocess.run(["age-keygen", "-y", tmp_path / "identity"], check=True,
                                                        capture_output=True, text=True).stdout)
    data = tmp_path / "prometheus" / "data"
    (data / BLOCK / "chunks").mkdir(parents=True)
    (data / BLOCK / "meta.json").write_text("{}")
    (data / BLOCK / "chunks" / "000001").write_bytes(os.urandom(1 << 20))
    (data / "wal").mkdir()
    (data / "wal" / "00000000").write_bytes(b"head " * 1000)
    (data / f"{BLOCK[:-1]}X.tmp-for-creation").mkdir()  # a block being written: not backed up
    db = tmp_path / "grafana" / "grafana.db"
    db.parent.mkdir()
    with sqlite3.connect(db) as con:
        con.execute("create table dashboard (title)")
        con.execute("insert into dashboard values ('saved by hand')")
    config = {"host": "h1", "ssh": [str(ssh)], "recipients_file": str(tmp_path / "recipients"),
              "stamp_dir": str(tmp_path / "stamps"), "keep": {"daily": 3, "weekly": 0},
              "components": [{"name": "prometheus", "kind": "tsdb", "data_dir": str(data), "restore_paths": [str(data)]},
                             {"name": "grafana", "kind": "sqlite", "database": str(db), "restore_paths": [str(db)]}]}
    (tmp_path / "config.json").write_text(json.dumps(config))
    return {"root": tmp_path, "config": config, "data": data, "db": db, "target": tmp_path / "target" / "h1"}


def run(site: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PROGRAM), *args, "--config", str(site["root"] / "config.json")],
                          capture_output=True, text=True, check=False)


def backup(site: dict, day: int) -> dict:
    done = run(site, "run", "--time", f"2026-11-{day:02d}T02:30:00Z")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_second_backup_sends_only_what_changed_and_links_the_rest(site):
    first, second = backup(site, 1), backup(site, 2)
    assert first["components"]["prometheus"]["linked_bytes"] == 0
    assert second["components"]["prometheus"]["linked_bytes"] > 1 << 20  # the block, hard-linked on the target
    assert second["components"]["prometheus"]["sent_bytes"] < first["components"]["prometheus"]["sent_bytes"] / 10
    a, b = (site["target"] / s / "prometheus" / f"block-{BLOCK}.tar.zst.age" for s in ("20261101T023000Z", "20261102T023000Z"))
    assert a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2
    # Each archive has its checksum beside it, in sha256sum's format, and the manifest agrees.
    line = (b.parent / (b.name + ".sha256")).read_text().split()
    assert line == [prog.sha256_of(b), b.name]
    manifest = json.loads((site["target"] / "20261102T023000Z" / "manifest.json").read_text())
    assert {a["file"] for a in manifest["components"]["prometheus"]["archives"]} == {"prometheus/head.tar.zst.age",
                                                                                     f"prometheus/block-{BLOCK}.tar.zst.age"}
    # A block that changed (it never does; a restored or rewritten one could) is sent again, not linked.
    os.utime(site["data"] / BLOCK / "meta.json", (0, 0))
    assert backup(site, 3)["components"]["prometheus"]["linked_bytes"] == 0
    # Nothing is left beside the data, and the stamp the collector reports is there.
    assert sorted(p.name for p in site["data"].parent.iterdir()) == ["data"]
    assert (site["root"] / "stamps" / "last-success.stamp").is_file()


def test_the_archives_are_encrypted_and_come_back_whole(site, tmp_path):
    backup(site, 1)
    archive = site["target"] / "20261101T023000Z" / "grafana" / "files.tar.zst.age"
    assert archive.read_bytes().startswith(b"age-encryption.org/v1") and b"saved by hand" not in archive.read_bytes()
    into = tmp_path / "restored"
    for component in ("prometheus", "grafana"):
        done = run(site, "restore", "--identity", str(site["root"] / "identity"), "--component", component, "--into", str(into))
        assert done.returncode == 0, done.stderr
    restored = into / str(site["data"]).lstrip("/")
    assert (restored / BLOCK / "chunks" / "000001").read_bytes() == (site["data"] / BLOCK / "chunks" / "000001").read_bytes()
    assert (restored / "wal" / "00000000").read_bytes() == b"head " * 1000
    assert not any(p.name.endswith(".tmp-for-creation") for p in restored.iterdir())
    with sqlite3.connect(into / str(site["db"]).lstrip("/")) as con:
        assert con.execute("select title from dashboard").fetchall() == [("saved by hand",)]


def test_a_wrong_key_or_a_damaged_archive_is_named_and_nothing_is_unpacked(site, tmp_path):
    backup(site, 1)
    into = tmp_path / "restored"
    wrong = run(site, "restore", "--identity", str(site["root"] / "wrong"), "--component", "grafana", "--into", str(into))
    assert wrong.returncode == 1
    assert "archive 20261101T023000Z/grafana/files.tar.zst.age could not be decrypted with the identity given" in wrong.stderr
    assert not any(into.rglob("*.db"))
    archive = site["target"] / "20261101T023000Z" / "grafana" / "files.tar.zst.age"
    blob = bytearray(archive.read_bytes())
    blob[-20] ^= 0xFF
    archive.write_bytes(bytes(blob))
    damaged = run(site, "restore", "--identity", str(site["root"] / "identity"), "--component", "grafana", "--into", str(into))
    assert damaged.returncode == 1 and "archive 20261101T023000Z/grafana/files.tar.zst.age is damaged" in damaged.stderr


def test_an_unreachable_target_fails_the_run_and_stamps_the_failure(site):
    site["config"]["ssh"] = ["false"]
    (site["root"] / "config.json").write_text(json.dumps(site["config"]))
    done = run(site, "run")
    assert done.returncode == 1 and "the backup target refused or could not be reached" in done.stderr
    assert (site["root"] / "stamps" / "last-failure.stamp").is_file()
    assert not (site["root"] / "stamps" / "last-success.stamp").exists()


def test_a_backup_of_the_same_moment_replaces_the_first(site):
    backup(site, 1)
    again = backup(site, 1)
    assert again["stamp"] == "20261101T023000Z" and [p.name for p in site["target"].iterdir()] == ["20261101T023000Z"]


def test_retention_keeps_the_newest_of_the_last_days_and_weeks(site):
    for day in range(1, 6):
        summary = backup(site, day)
    assert summary["retention"]["kept"] == ["20261103T023000Z", "20261104T023000Z", "20261105T023000Z"]
    assert sorted(p.name for p in site["target"].iterdir()) == summary["retention"]["kept"]


@pytest.mark.parametrize(("stamps", "daily", "weekly", "kept"), [
    # Two a day: the newest of each day counts.
    (["20261101T010000Z", "20261101T230000Z", "20261102T010000Z"], 1, 0, ["20261102T010000Z"]),
    (["20261101T010000Z", "20261101T230000Z", "20261102T010000Z"], 2, 0, ["20261101T230000Z", "20261102T010000Z"]),
    # Days without a backup do not count: the last two days that have one.
    (["20261101T010000Z", "20261110T010000Z"], 2, 0, ["20261101T010000Z", "20261110T010000Z"]),
    # Weekly: the newest of each ISO week (2026-11-01 is a Sunday, the 2nd a Monday).
    (["20261101T010000Z", "20261102T010000Z", "20261108T010000Z", "20261109T010000Z"], 1, 2,
     ["20261108T010000Z", "20261109T010000Z"]),
    (["20261025T010000Z", "20261101T010000Z", "20261108T010000Z"], 0, 3,
     ["20261025T010000Z", "20261101T010000Z", "20261108T010000Z"]),
    # Nothing asked: the newest stays.
    (["20261101T010000Z", "20261102T010000Z"], 0, 0, ["20261102T010000Z"]),
])
def test_to_keep(stamps, daily, weekly, kept):
    assert sorted(prog.to_keep(stamps, daily, weekly)) == kept


@pytest.mark.parametrize("words", [
    ["put", "20261101T023000Z", "../h2/x"], ["put", "20261101T023000Z", "/etc/passwd"], ["get", "../h2", "manifest.json"],
    ["link", "20261101T023000Z", "x/../../y"], ["rm", "-rf", "/"], ["put", "yesterday", "x"], [],
])
def test_the_target_refuses_anything_outside_its_verbs_and_directory(tmp_path, words):
    with pytest.raises(prog.Failure):
        prog.receive(tmp_path / "h1", words)


def test_a_store_that_must_stop_is_stopped_only_for_the_copy_and_its_tables_are_reused(site, tmp_path, monkeypatch):
    badger = tmp_path / "jaeger" / "badger"
    for sub in ("keys", "values"):
        (badger / sub).mkdir(parents=True)
        (badger / sub / "000001.sst").write_bytes(os.urandom(200_000))
        (badger / sub / "000001.vlog").write_bytes(b"v" * 1000)
        (badger / sub / "MANIFEST").write_text("m")
    calls = tmp_path / "systemctl.log"
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\n")
    systemctl.chmod(0o755)
    monkeypatch.setenv("TELEMETRY_STACK_BACKUP_SYSTEMCTL", str(systemctl))
    site["config"]["components"] = [{"name": "jaeger", "kind": "stopped", "service": "jaeger", "paths": [str(badger)],
                                     "immutable": r"\.sst$", "restore_paths": [str(badger)]}]
    (site["root"] / "config.json").write_text(json.dumps(site["config"]))
    first, second = backup(site, 1), backup(site, 2)
    assert calls.read_text().splitlines() == ["stop jaeger", "start jaeger"] * 2
    assert first["components"]["jaeger"]["archives"] == 3  # the two tables and the rest
    assert second["components"]["jaeger"]["linked_bytes"] > 400_000
    into = tmp_path / "restored"
    done = run(site, "restore", "--identity", str(site["root"] / "identity"), "--component", "jaeger", "--into", str(into))
    assert done.returncode == 0, done.stderr
    back = into / str(badger).lstrip("/")
    assert sorted(str(p.relative_to(back)) for p in back.rglob("*")) == sorted(str(p.relative_to(badger)) for p in badger.rglob("*"))
    assert (back / "values" / "000001.sst").read_bytes() == (badger / "values" / "000001.sst").read_bytes()


def test_the_components_come_from_the_services_descriptions(site, tmp_path):
    # As the shared lifecycle writes them: /etc/telemetry-stack/backup.d/<service>.json, one per service.
    described = tmp_path / "backup.d"
    described.mkdir()
    for spec in site["config"].pop("components"):
        (described / f"{spec['name']}.json").write_text(json.dumps(spec))
    site["config"]["components_dir"] = str(described)
    (site["root"] / "config.json").write_text(json.dumps(site["config"]))
    assert sorted(backup(site, 1)["components"]) == ["grafana", "prometheus"]
