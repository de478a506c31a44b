# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack scenario's other hosts, for every test file (they run in file order: site, validate, upgrade,
rotate_certs, backup and restore, uninstall)."""

from __future__ import annotations

import pytest
from stacklib import other


@pytest.fixture(scope="module")
def backend():
    return other("backend-debian12")


@pytest.fixture(scope="module")
def gateway():
    return other("gateway-debian13")
