# SPDX-License-Identifier: GPL-3.0-or-later
"""Serve the artifact mirror over HTTP on loopback, for tests and the demo.

    mirror_server.py start [--port N] [--root DIR]   start it (or reuse a running one), print its URL
    mirror_server.py stop [--port N]                 stop the one started here
    mirror_server.py status | url

From Python: ``start(root, port) -> url`` and ``stop()``. The server only binds
127.0.0.1. A role points its mirror base URL at the printed URL.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from build_mirror import CACHE_DIR, DEFAULT_MIRROR

DEFAULT_PORT = int(os.environ.get("TELEMETRY_STACK_MIRROR_PORT", "18089"))


def _pidfile(port: int) -> Path:
    return CACHE_DIR / f"mirror-server-{port}.pid"


LOGFILE = CACHE_DIR / "mirror-server.log"
# A path every mirror has: tells our mirror apart from anything else on the port.
PROBE = "/github.com/"


def url(port: int = DEFAULT_PORT) -> str:
    return f"http://127.0.0.1:{port}"


def is_up(port: int = DEFAULT_PORT) -> bool:
    try:
        with urllib.request.urlopen(url(port) + PROBE, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _running(port: int) -> tuple[int, Path] | None:
    """(pid, root) of the server that start() left running on ``port``, if any."""
    try:
        pid_text, root = _pidfile(port).read_text().split("\n", 1)
        pid = int(pid_text)
        os.kill(pid, 0)
        return pid, Path(root.strip())
    except (OSError, ValueError):
        return None


def start(root: Path = DEFAULT_MIRROR, port: int = DEFAULT_PORT) -> str:
    """Start the server in the background unless it already serves ``root``; return its URL."""
    running = _running(port)
    if running and running[1] == root.resolve() and is_up(port):
        return url(port)
    if is_up(port) or running:
        raise RuntimeError(
            f"port {port} is taken by another server (not serving {root}); stop it "
            "(mirror_server.py stop) or choose another port with TELEMETRY_STACK_MIRROR_PORT"
        )
    if not (root / PROBE.strip("/")).is_dir():
        raise RuntimeError(f"{root} is not a built mirror (no {PROBE.strip('/')}/ in it). Build it: make mirror")
    LOGFILE.parent.mkdir(parents=True, exist_ok=True)
    with LOGFILE.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    _pidfile(port).write_text(f"{proc.pid}\n{root.resolve()}\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if is_up(port):
            return url(port)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"the mirror server did not come up on port {port}; see {LOGFILE}")


def stop(port: int = DEFAULT_PORT) -> bool:
    """Stop the server that start() started on ``port``; True if one was running."""
    running = _running(port)
    _pidfile(port).unlink(missing_ok=True)
    if running is None:
        return False
    pid = running[0]
    os.kill(pid, signal.SIGTERM)
    for _attempt in range(50):
        try:
            os.kill(pid, 0)
        except OSError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "status", "url"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--root", type=Path, default=DEFAULT_MIRROR)
    args = parser.parse_args(argv)
    if args.action == "start":
        try:
            print(start(args.root, args.port))
        except RuntimeError as exc:
            print(f"ERROR: {exc}", file=sys.stderr)
            return 1
    elif args.action == "stop":
        print("stopped" if stop(args.port) else "not running")
    elif args.action == "status":
        up = is_up(args.port)
        print(f"{'serving ' + str(args.root) + ' at ' + url(args.port) if up else 'not running'}")
        return 0 if up else 3
    else:
        print(url(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
