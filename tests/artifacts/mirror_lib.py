# SPDX-License-Identifier: GPL-3.0-or-later
"""What the mirror tests share: the pinned artifacts and how to read upstream checksum files."""

from __future__ import annotations

import urllib.request

import build_mirror

PINS = build_mirror.load_pins()
ARTIFACTS = {a.name: a for a in build_mirror.all_artifacts(PINS, [build_mirror.host_arch()])}


def checksum_file_for(art: build_mirror.Artifact) -> str:
    """The upstream checksum file that lists ``art``'s archive."""
    if art.kind == "otelcol":
        return f"opentelemetry-collector-releases_{art.archive.split('_', 1)[0]}_checksums.txt"
    if art.kind == "jaeger":
        return f"jaeger-{art.version}.sha256sum.txt"
    if art.kind == "grafana":
        return f"{art.archive}.sha256"
    return "sha256sums.txt"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.read()
