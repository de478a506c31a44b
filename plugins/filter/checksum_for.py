# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""checksum_for: the sha256 an upstream checksum file gives for an archive."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._artifacts import ChecksumError, checksum_for as _checksum_for
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("checksum_for", ChecksumError)
def checksum_for(text: Any, archive: str, source: str = "the checksum file") -> str:
    return _checksum_for(text, archive, source)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"checksum_for": checksum_for}
