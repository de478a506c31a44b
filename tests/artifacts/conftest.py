# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the mirror tests: the loopback server and verified, unpacked archives."""

from __future__ import annotations

import hashlib
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The mirror's builder and server, which these tests test and use.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "mirror"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "collections"))

import build_mirror  # noqa: E402
import mirror_server  # noqa: E402
from ansible_collections.telemetry.stack.plugins.module_utils._artifacts import checksum_for  # noqa: E402
from mirror_lib import ARTIFACTS, checksum_file_for, fetch  # noqa: E402


@pytest.fixture(scope="session")
def mirror_url() -> str:
    missing = [a.name for a in ARTIFACTS.values() if not (build_mirror.DEFAULT_MIRROR / a.release_dir / a.archive).is_file()]
    if missing:
        pytest.fail(f"the mirror lacks {', '.join(missing)}: build it with `make mirror`")
    was_up = mirror_server.is_up()
    url = mirror_server.start()  # reuses a server already serving this mirror
    yield url
    if not was_up:
        mirror_server.stop()


@pytest.fixture(scope="session")
def unpacked(mirror_url: str, tmp_path_factory: pytest.TempPathFactory):
    """``unpacked(name)`` downloads an artifact over HTTP, checks its sha256, unpacks it once."""
    done: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in done:
            art = ARTIFACTS[name]
            base = f"{mirror_url}/{art.release_dir}"
            data = fetch(f"{base}/{art.archive}")
            sums = fetch(f"{base}/{checksum_file_for(art)}").decode()
            assert checksum_for(sums, art.archive) == hashlib.sha256(data).hexdigest(), f"{art.archive}: checksum mismatch"
            dest = tmp_path_factory.mktemp(name)
            archive = dest / art.archive
            archive.write_bytes(data)
            with tarfile.open(archive) as tar:
                tar.extractall(dest, filter="data")
            done[name] = dest
        return done[name]

    return get
