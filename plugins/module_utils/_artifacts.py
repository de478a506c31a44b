# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read upstream checksum files: the one parser the roles and fill_mirror share."""

from __future__ import annotations

import re

_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class ChecksumError(ValueError):
    """The checksum file does not give a sha256 for the archive."""


def checksum_for(text: str, archive: str, source: str = "the checksum file") -> str:
    """The sha256 that ``text`` gives for ``archive``.

    Understands ``<sha256>  <name>`` (goreleaser, promu, sha256sum), ``<sha256> *<name>``
    (``shasum -b``, Jaeger) and a file holding only the digest (Grafana's ``<archive>.sha256``).
    """
    lines = [line.split() for line in str(text).splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) == 1 and _HEX.match(lines[0][0]):
        return lines[0][0].lower()
    for fields in lines:
        if len(fields) == 2 and _HEX.match(fields[0]) and fields[1].lstrip("*").split("/")[-1] == archive:
            return fields[0].lower()
    raise ChecksumError(f"{source} has no sha256 for {archive}: check the version and architecture, or the mirror's copy of that file")


# Upstream release archives name the architecture as Go does.
RELEASE_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def release_arch(machine: str) -> str:
    """The architecture a release archive is named for, from the kernel's name for it; '' when none is released."""
    return RELEASE_ARCH.get(str(machine), "")
