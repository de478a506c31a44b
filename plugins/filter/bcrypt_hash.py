# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bcrypt_hash: a bcrypt hash whose salt comes from a seed, so a role writes the same hash on every run."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ansible.errors import AnsibleFilterError

try:
    import bcrypt
except ImportError:  # pragma: no cover - reported when the filter is used
    bcrypt = None

# bcrypt's own base64 alphabet, in place of the standard one.
_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _salt(seed: str, rounds: int) -> bytes:
    raw = hashlib.sha256(seed.encode("utf-8")).digest()[:16]
    encoded = base64.b64encode(raw).rstrip(b"=").translate(bytes.maketrans(_STD, _BCRYPT))
    # 16 bytes are 22 characters; the last carries 2 significant bits, as bcrypt.gensalt() makes it.
    encoded = encoded[:21] + _BCRYPT[_BCRYPT.index(encoded[21:22]) & 0x30:][:1]
    return b"$2b$%02d$" % rounds + encoded


def bcrypt_hash(password: Any, seed: Any, rounds: Any = 12) -> str:
    """The bcrypt hash of `password`, with a salt derived from `seed` (say, the host's name and the user)."""
    if bcrypt is None:
        raise AnsibleFilterError("telemetry.stack.bcrypt_hash: the bcrypt Python library is missing on the controller; pip install bcrypt")
    if not isinstance(password, str) or not password:
        raise AnsibleFilterError("telemetry.stack.bcrypt_hash: the password must be a non-empty string")
    if len(password.encode("utf-8")) > 72:
        raise AnsibleFilterError("telemetry.stack.bcrypt_hash: the password is longer than 72 bytes, which bcrypt cannot hash")
    if not isinstance(seed, str) or not seed:
        raise AnsibleFilterError("telemetry.stack.bcrypt_hash: seed must be a non-empty string, such as inventory_hostname ~ user")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 4 <= rounds <= 31:
        raise AnsibleFilterError(f"telemetry.stack.bcrypt_hash: rounds must be an integer from 4 to 31, got {rounds!r}")
    return bcrypt.hashpw(password.encode("utf-8"), _salt(seed, rounds)).decode("ascii")


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"bcrypt_hash": bcrypt_hash}
