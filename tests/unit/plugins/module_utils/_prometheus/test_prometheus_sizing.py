# SPDX-License-Identifier: GPL-3.0-or-later
"""Prometheus disk sizing: the documented formula, Prometheus' own duration and size syntax, errors that name the field."""

from __future__ import annotations

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._prometheus.sizing import SizingError, disk, parse_duration, parse_size


@pytest.mark.parametrize(("text", "seconds"), [
    ("15s", 15), ("1m", 60), ("1h30m", 5400), ("15d", 1296000), ("2w", 1209600), ("1y", 31536000), ("500ms", 0.5),
    ("1d12h", 129600),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration("retention_time", text) == seconds


@pytest.mark.parametrize("text", ["", "15", "forever", "1.5h", "-1d", "0s", "15 d", None, "1h1y"])
def test_bad_durations_name_the_field(text) -> None:
    with pytest.raises(SizingError, match="^retention_time must be"):
        parse_duration("retention_time", text)


@pytest.mark.parametrize(("text", "size"), [("512MB", 512 << 20), ("50GB", 50 << 30), ("2TB", 2 << 40), ("100B", 100)])
def test_sizes_are_powers_of_1024(text: str, size: int) -> None:
    assert parse_size("retention_size", text) == size


@pytest.mark.parametrize("text", ["50G", "lots", "0GB", "1.5GB", "50 GB", "-1GB"])
def test_bad_sizes_name_the_field(text: str) -> None:
    with pytest.raises(SizingError, match="^retention_size must be a size"):
        parse_size("retention_size", text)


def test_the_documented_formula() -> None:
    # 100k series every 15 s for 15 days at 2 bytes a sample: 1,296,000 s * 6,666.7 samples/s * 2 B = 17.28 GB of blocks.
    got = disk(100_000, "15s", "15d")
    assert got["samples_per_second"] == pytest.approx(6666.667)
    assert got["blocks_bytes"] == 17_280_000_000
    assert got["needed_bytes"] == int(17_280_000_000 * 1.2)
    assert got["capped_by_retention_size"] is False


def test_a_retention_size_caps_the_estimate() -> None:
    got = disk(100_000, "15s", "15d", "10GB")
    assert got["blocks_bytes"] == 10 << 30 and got["capped_by_retention_size"] is True
    assert disk(10, "15s", "15d", "10GB")["capped_by_retention_size"] is False


def test_one_byte_a_sample_halves_it() -> None:
    assert disk(1000, "10s", "1d", bytes_per_sample=1)["blocks_bytes"] * 2 == disk(1000, "10s", "1d")["blocks_bytes"]


@pytest.mark.parametrize(("args", "message"), [
    ((0,), "series must be a positive number, got 0"),
    (("100",), "series must be a positive number, got '100'"),
    ((-5,), "series must be a positive number, got -5"),
    ((True,), "series must be a positive number, got True"),
    ((100, "fast"), "scrape_interval must be a Prometheus duration"),
    ((100, "15s", "15d", None, 0), "bytes_per_sample must be a positive number, got 0"),
])
def test_bad_input_names_the_field(args, message: str) -> None:
    with pytest.raises(SizingError, match="^" + message):
        disk(*args)
