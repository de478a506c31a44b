# SPDX-License-Identifier: GPL-3.0-or-later
"""Every plugin's documentation parses, as ansible-doc (and Galaxy, and AWX) will read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# plugin type (ansible-doc -t) -> directory; filters and tests are documented in .yml files beside the code.
KINDS = {"module": "modules", "filter": "filter", "test": "test", "lookup": "lookup"}


def plugins() -> list[tuple[str, str]]:
    out = []
    for kind, folder in KINDS.items():
        for f in sorted((ROOT / "plugins" / folder).glob("*.y*ml" if kind in ("filter", "test") else "*.py")):
            if not f.name.startswith("_"):
                out.append((kind, f"telemetry.stack.{f.stem}"))
    return out


@pytest.mark.parametrize(("kind", "name"), plugins(), ids=lambda v: v)
def test_the_documentation_parses(kind: str, name: str) -> None:
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections")}
    run = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", kind, name],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)[name]["doc"]
    assert doc["short_description"] and doc["description"], name
    assert "ERROR" not in run.stderr, run.stderr
