# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's validator agrees with the real `otelcol-contrib validate`.

Every config in otelcol_corpus/ goes through both. Whatever the binary
rejects, the validator rejects too. The validator may reject more only in the
documented classes the binary cannot see until start-up or until it sends
(docs/validator.md), and each corpus file says which outcome to expect from
the pinned version, so the corpus itself cannot drift.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from mirror_lib import ARTIFACTS, PINS

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import validate

CORPUS = sorted((Path(__file__).resolve().parent / "otelcol_corpus").glob("*.yaml"))
VERSIONS = [PINS["otelcol"]["version"], PINS["otelcol"]["previous_version"]]
# What the validator may reject although the binary accepts it (docs/validator.md).
STRICTER = ("clashes with", "has nowhere to send data")


def expectation(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: the first line must be '# expect: valid|invalid|stricter'"
    return first.removeprefix("# expect: ").strip()


@pytest.fixture(scope="module", params=VERSIONS)
def binary(request, unpacked) -> tuple[str, Path, dict]:
    version = request.param
    arch = next(iter(ARTIFACTS.values())).arch
    path = unpacked(f"otelcol-contrib-{version}-{arch}") / "otelcol-contrib"
    listed = yaml.safe_load(subprocess.run([path, "components"], capture_output=True, text=True, check=True).stdout)
    components = {kind: [c["name"] for c in listed.get(kind) or []] for kind in ("receivers", "processors", "exporters", "extensions", "connectors")}
    return version, path, components


def test_the_corpus_covers_both_sides() -> None:
    kinds = [expectation(p) for p in CORPUS]
    assert len(CORPUS) >= 40
    assert kinds.count("valid") >= 15 and kinds.count("invalid") >= 20 and kinds.count("stricter") >= 1


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_validator_agrees_with_the_binary(binary, path: Path) -> None:
    version, otelcol, components = binary
    proc = subprocess.run([otelcol, "validate", f"--config={path}"], capture_output=True, text=True, timeout=60, check=False)
    binary_ok = proc.returncode == 0
    config = yaml.safe_load(path.read_text())
    with_build = validate(config, version, "otelcol-contrib", components)
    with_catalog = validate(config, version, "otelcol-contrib")

    if not binary_ok:
        assert not with_build.valid and not with_catalog.valid, f"the binary rejects it:\n{proc.stderr[-600:]}"
    for result in (with_build, with_catalog):
        if binary_ok and not result.valid:
            assert all(any(c in e for c in STRICTER) for e in result.errors), result.errors
    if version == PINS["otelcol"]["version"]:
        expect = expectation(path)
        assert binary_ok == (expect != "invalid"), f"the corpus says {expect}, the binary says:\n{proc.stderr[-600:]}"
        assert with_build.valid == (expect == "valid"), with_build.errors
        assert with_catalog.valid == (expect == "valid"), with_catalog.errors
