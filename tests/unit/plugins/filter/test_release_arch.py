# SPDX-License-Identifier: GPL-3.0-or-later
"""release_arch: the kernel's architecture names as release archives carry them; '' where there is no release."""

from __future__ import annotations

import pytest
from ansible_collections.telemetry.stack.plugins.filter.release_arch import FilterModule


@pytest.mark.parametrize(("machine", "arch"), [
    ("x86_64", "amd64"),
    ("aarch64", "arm64"),
    ("armv7l", ""),
    ("ppc64le", ""),
    ("", ""),
])
def test_release_arch(machine: str, arch: str) -> None:
    assert FilterModule().filters()["release_arch"](machine) == arch
