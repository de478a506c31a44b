# SPDX-License-Identifier: GPL-3.0-or-later
"""What the mirror server served, from its log lines on standard input: bytes, and each file with its count.

    tail -n +N ~/.cache/telemetry-stack/mirror-server.log | mirror_bytes.py

The server (scripts/mirror/mirror_server.py) serves static files whole, so a GET answered 200 served the file's size.
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "mirror"))
from build_mirror import DEFAULT_MIRROR  # noqa: E402 pylint: disable=wrong-import-position


def main() -> int:
    counts: collections.Counter = collections.Counter()
    total = 0
    for line in sys.stdin:
        m = re.search(r'"GET (/\S+) HTTP/[0-9.]+" 200 ', line)
        if m:
            path = DEFAULT_MIRROR / m.group(1).lstrip("/")
            counts[path.name] += 1
            total += path.stat().st_size if path.is_file() else 0
    archives = ", ".join(f"{name} x{n}" for name, n in sorted(counts.items()) if name.endswith((".tar.gz", ".zip")))
    print(f"{total / (1 << 20):.1f} MiB in {sum(counts.values())} requests ({archives or 'no archive'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
