# SPDX-License-Identifier: GPL-3.0-or-later
"""prometheus_disk is a shell over the core; bcrypt_hash gives stable, verifiable, per-seed hashes."""

from __future__ import annotations

import bcrypt
import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.bcrypt_hash import bcrypt_hash
from ansible_collections.telemetry.stack.plugins.filter.prometheus_disk import prometheus_disk
from ansible_collections.telemetry.stack.plugins.module_utils._prometheus.sizing import disk


def test_prometheus_disk_returns_the_core_result() -> None:
    assert prometheus_disk(5000, "30s", "30d", "20GB") == disk(5000, "30s", "30d", "20GB")


def test_prometheus_disk_errors_name_the_filter_and_field() -> None:
    with pytest.raises(AnsibleFilterError, match=r"^telemetry\.stack\.prometheus_disk: retention_time must be"):
        prometheus_disk(5000, "30s", "a month")


def test_bcrypt_hash_verifies_and_is_stable_per_seed() -> None:
    first = bcrypt_hash("s3cret", "prom1:admin")
    assert first.startswith("$2b$12$") and bcrypt.checkpw(b"s3cret", first.encode())
    assert bcrypt_hash("s3cret", "prom1:admin") == first
    assert bcrypt_hash("s3cret", "prom2:admin") != first
    assert bcrypt_hash("other", "prom1:admin") != first
    assert bcrypt_hash("s3cret", "prom1:admin", rounds=4).startswith("$2b$04$")


@pytest.mark.parametrize("seed", ["a", "prom1:admin", "ünïcode", "x" * 200])
def test_the_derived_salt_is_one_bcrypt_itself_would_make(seed: str) -> None:
    hashed = bcrypt_hash("pw", seed, rounds=4)
    # bcrypt re-derives the hash from the stored salt: the salt survived bcrypt's own parsing unchanged.
    assert bcrypt.hashpw(b"pw", hashed.encode()).decode() == hashed


@pytest.mark.parametrize(("args", "message"), [
    (("", "seed"), "the password must be a non-empty string"),
    ((None, "seed"), "the password must be a non-empty string"),
    (("x" * 73, "seed"), "longer than 72 bytes"),
    (("pw", ""), "seed must be a non-empty string"),
    (("pw", "seed", 3), "rounds must be an integer from 4 to 31, got 3"),
    (("pw", "seed", "12"), "rounds must be an integer from 4 to 31, got '12'"),
])
def test_bcrypt_hash_refuses_bad_input(args, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=r"^telemetry\.stack\.bcrypt_hash: .*" + message):
        bcrypt_hash(*args)
