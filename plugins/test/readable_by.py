# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""readable_by: can a service's group read a file (as host_state or ansible.builtin.find reports it)?"""

from __future__ import annotations

from typing import Any, Mapping


def readable_by(have: Any, groups: Any) -> bool:
    """True when ``have`` (a host_state path or a find entry) is readable by anyone, or by members of one of ``groups``.

    The roles give a service's user its group (and the groups in ``groups``), never a file's ownership,
    so the owner bits do not count. A missing path is not readable.
    """
    if not isinstance(have, Mapping) or not have.get("exists", True) or "roth" not in have:
        return False
    names = [groups] if isinstance(groups, str) else list(groups or [])
    return bool(have.get("roth")) or (bool(have.get("rgrp")) and have.get("gr_name") in names)


class TestModule:
    def tests(self) -> dict[str, Any]:
        return {"readable_by": readable_by}
