# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""unchanged_file: is a file (as host_state or ansible.builtin.find reports it) already as the role wants it?"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping


def unchanged_file(have: Any, owner: str, group: str, mode: str, content: str | None = None) -> bool:
    """True when ``have`` (a host_state path or a find entry) has this owner, group, mode and, if given, content.

    Anything missing (no entry, an undefined value) is "changed", so the write runs.
    """
    if not isinstance(have, Mapping) or not have:
        return False
    if have.get("pw_name") != owner or have.get("gr_name") != group:
        return False
    if str(have.get("mode", "")).lstrip("0") != str(mode).lstrip("0"):
        return False
    if content is not None:
        return have.get("checksum") == hashlib.sha1(str(content).encode("utf-8")).hexdigest()
    return True


class TestModule:
    def tests(self) -> dict[str, Any]:
        return {"unchanged_file": unchanged_file}
