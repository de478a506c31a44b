# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading the checksum file formats upstream projects publish."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.checksum_for import checksum_for as checksum_filter
from ansible_collections.telemetry.stack.plugins.module_utils._artifacts import ChecksumError, checksum_for

A = "a" * 64
B = "B" * 64


@pytest.mark.parametrize(
    ("text", "archive", "expected"),
    [
        (f"{A}  otelcol-contrib_0.159.0_linux_amd64.tar.gz\n{B}  otelcol-contrib_0.159.0_linux_arm64.tar.gz\n",
         "otelcol-contrib_0.159.0_linux_arm64.tar.gz", B.lower()),
        (f"{A} *jaeger-2.13.0-linux-amd64.tar.gz\n", "jaeger-2.13.0-linux-amd64.tar.gz", A),
        (f"{A} *jaeger-2.13.0-linux-amd64/jaeger\n", "jaeger", A),
        (f"{A}\n", "grafana_12.3.0_19497075765_linux_amd64.tar.gz", A),
        (f"\n{A}  prometheus-3.15.0.linux-amd64.tar.gz\n\n", "prometheus-3.15.0.linux-amd64.tar.gz", A),
    ],
    ids=["goreleaser", "shasum-binary", "shasum-with-directory", "grafana-bare-digest", "blank-lines"],
)
def test_formats(text: str, archive: str, expected: str) -> None:
    assert checksum_for(text, archive) == expected


@pytest.mark.parametrize(
    "text",
    [f"{A}  other.tar.gz\n", "", "<html>404 Not Found</html>", f"{A[:-1]}  x.tar.gz\n", f"{A}\n{B}\n"],
    ids=["not-listed", "empty", "an-error-page", "short-digest", "two-bare-digests"],
)
def test_no_checksum_names_the_archive(text: str) -> None:
    with pytest.raises(ChecksumError, match="sums.txt has no sha256 for x.tar.gz"):
        checksum_for(text, "x.tar.gz", "sums.txt")


def test_the_filter_names_itself() -> None:
    with pytest.raises(AnsibleFilterError, match="^telemetry.stack.checksum_for: "):
        checksum_filter("", "x.tar.gz")
