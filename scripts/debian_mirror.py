# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the Debian archive mirror this machine's apt is configured with.

The test images are built with debootstrap from the same mirror the host
already uses, so the project never names a package host itself.  Both apt
source formats are read: one-line ``*.list`` files and deb822 ``*.sources``.

Usage: debian_mirror.py [--root DIR]     (exit 1 with a message if none found)
The environment variable DEBIAN_MIRROR, when set, wins over the apt sources.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# Suites that name the Debian archive itself, besides the codenames.
_ALIASES = {"stable", "testing", "unstable", "sid", "oldstable"}


@dataclass(frozen=True)
class Source:
    """One apt source: where it comes from, and which suites/components it carries."""

    types: tuple[str, ...]
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    enabled: bool = True


def parse_one_line(text: str) -> list[Source]:
    """Parse the classic ``deb [opts] URI SUITE COMPONENT...`` format."""
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        kind = words.pop(0)
        if words and words[0].startswith("["):
            # Options may contain spaces inside the brackets: skip to the closing one.
            while words and not words[0].endswith("]"):
                words.pop(0)
            if words:
                words.pop(0)
        if len(words) < 2:
            continue
        sources.append(Source((kind,), words[0], (words[1],), tuple(words[2:])))
    return sources


def parse_deb822(text: str) -> list[Source]:
    """Parse deb822 ``.sources`` stanzas (blank-line separated, ``Key: value``)."""
    sources = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for raw in stanza.splitlines():
            if raw.startswith("#") or not raw.strip():
                continue
            if raw[0] in " \t" and key:  # continuation line
                fields[key] += " " + raw.strip()
                continue
            key, _sep, value = raw.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "uris" not in fields or "suites" not in fields:
            continue
        enabled = fields.get("enabled", "yes").lower() not in ("no", "false", "0")
        for uri in fields["uris"].split():
            sources.append(
                Source(
                    tuple(fields.get("types", "deb").split()),
                    uri,
                    tuple(fields["suites"].split()),
                    tuple(fields.get("components", "").split()),
                    enabled,
                )
            )
    return sources


def read_sources(root: Path) -> list[Source]:
    """All apt sources under ``root`` (normally ``/``), in apt's reading order."""
    apt = root / "etc" / "apt"
    files = [apt / "sources.list"] + sorted((apt / "sources.list.d").glob("*"))
    sources: list[Source] = []
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name.endswith(".sources"):
            sources += parse_deb822(text)
        elif path.name.endswith(".list"):
            sources += parse_one_line(text)
    return sources


def host_codename(root: Path) -> str | None:
    """VERSION_CODENAME from os-release, if the host is Debian."""
    try:
        text = (root / "etc" / "os-release").read_text(encoding="utf-8")
    except OSError:
        return None
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    if values.get("ID", "").strip('"') != "debian":
        return None
    return values.get("VERSION_CODENAME", "").strip('"') or None


def find_mirror(sources: list[Source], codename: str | None) -> str | None:
    """The first enabled binary source that serves the Debian archive's main component.

    A source counts when one of its suites is the host's codename or a Debian alias
    (not ``-updates``, ``-security`` or a third-party suite such as ``nodistro``).
    """
    wanted = _ALIASES | ({codename} if codename else set())
    for src in sources:
        if not src.enabled or "deb" not in src.types or "main" not in src.components:
            continue
        if any(suite in wanted for suite in src.suites):
            return src.uri.rstrip("/")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/"), help="filesystem root to read")
    args = parser.parse_args(argv)
    override = os.environ.get("DEBIAN_MIRROR", "").strip()
    if override:
        print(override.rstrip("/"))
        return 0
    mirror = find_mirror(read_sources(args.root), host_codename(args.root))
    if mirror is None:
        print(
            "No Debian archive found in this machine's apt sources "
            f"({args.root / 'etc/apt'}). Set DEBIAN_MIRROR to a Debian mirror URL and retry.",
            file=sys.stderr,
        )
        return 1
    print(mirror)
    return 0


if __name__ == "__main__":
    sys.exit(main())
