# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""release_arch: the architecture a release archive is named for (amd64, arm64)."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._artifacts import release_arch


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"release_arch": release_arch}
