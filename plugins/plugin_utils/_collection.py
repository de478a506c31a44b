# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's own data files at its root (pins.yml, components.yml), read once per controller process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from ansible.errors import AnsibleLookupError

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=None)
def collection_yaml(name: str, plugin: str) -> dict:
    """The YAML file ``name`` at the collection's root; a file that cannot be read fails naming ``plugin``."""
    path = ROOT / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise AnsibleLookupError(f"telemetry.stack.{plugin}: cannot read {path}: {exc.strerror}") from exc
