# SPDX-License-Identifier: GPL-3.0-or-later
"""VictoriaLogs' disk per GB ingested (docs/sizing.md): one node of the mirror's build on this machine, fed host-like
log records (journal and syslog lines of 30 hosts and 20 programs, with the fields the gateways send) as JSON lines,
then flushed and measured. No containers, no network but loopback.

    scripts/in-venv.sh python3 tests/bench/logs_disk.py [--mb 1024] [--binary PATH]

Prints the bytes sent, the data directory's size after the flush and VictoriaLogs' own compressed/uncompressed sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("TELEMETRY_STACK_CACHE", Path.home() / ".cache" / "telemetry-stack"))

PROGRAMS = ["sshd", "sudo", "CRON", "systemd", "kernel", "nginx", "app-orders", "app-payments", "app-users", "postgres",
            "dockerd", "containerd", "otelcol-contrib", "chronyd", "rsyslogd", "systemd-logind", "dbus-daemon", "haproxy",
            "node-exporter", "backup"]
SEVERITIES = [("INFO", 9)] * 80 + [("DEBUG", 5)] * 8 + [("WARN", 13)] * 8 + [("ERROR", 17)] * 4


def message(rng: random.Random, program: str) -> str:
    ip = f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    hexid = f"{rng.getrandbits(128):032x}"
    choice = rng.randint(0, 7)
    if choice == 0:
        return f"Accepted publickey for deploy from {ip} port {rng.randint(1024, 65535)} ssh2: ED25519 SHA256:{hexid[:43]}"
    if choice == 1:
        return f"pam_unix({program}:session): session opened for user deploy(uid=1000) by (uid=0)"
    if choice == 2:
        return (f'{ip} - - "GET /api/v1/orders/{rng.randint(1, 10**7)} HTTP/1.1" {rng.choice([200, 200, 200, 404, 500])} '
                f'{rng.randint(100, 90000)} "-" "python-requests/2.31" {rng.random():.3f}')
    if choice == 3:
        return (f"payment failed order_id={rng.randint(1, 10**7)} reason={rng.choice(['timeout', 'declined', 'refused'])} "
                f"trace_id={hexid} span_id={hexid[:16]} attempt={rng.randint(1, 5)}")
    if choice == 4:
        return (f"[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:{rng.randint(0, 255):02x}:12:34 SRC={ip} DST=10.0.0.5 LEN=60 TTL=52 "
                f"PROTO=TCP SPT={rng.randint(1024, 65535)} DPT={rng.choice([22, 23, 3389, 5432])} WINDOW=64240 SYN")
    if choice == 5:
        return f"Started session {rng.randint(1, 99999)} of user deploy."
    if choice == 6:
        return "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"
    return (f"checkpoint complete: wrote {rng.randint(1, 5000)} buffers ({rng.random() * 10:.1f}%); "
            f"write={rng.random() * 30:.3f} s, sync={rng.random():.3f} s, total={rng.random() * 31:.3f} s")


def records(rng: random.Random, start: float):
    """Endless records, one every 5 ms of log time, as the gateways' OTLP records land in VictoriaLogs."""
    t = start
    while True:
        host, program = f"app-{rng.randint(1, 30):02d}", rng.choice(PROGRAMS)
        text, number = rng.choice(SEVERITIES)
        t += 0.005
        yield {"_time": f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t))}.{int(t * 1e6) % 1000000:06d}Z",
               "_msg": message(rng, program), "host.name": host, "service.name": program, "os.type": "linux",
               "severity_text": text, "severity_number": str(number),
               "log.file.path": "/var/log/syslog" if program in ("CRON", "kernel", "rsyslogd") else ""}


def binary(path: str | None) -> Path:
    if path:
        return Path(path)
    version = yaml.safe_load((REPO / "pins.yml").read_text())["victorialogs"]["version"]
    archive = next((CACHE / "mirror").rglob(f"victoria-logs-linux-amd64-v{version}.tar.gz"))
    out = Path(tempfile.mkdtemp(prefix="vl-bin-"))
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    return out / "victoria-logs-prod"


def metric(base: str, name: str) -> float:
    text = urllib.request.urlopen(f"{base}/metrics", timeout=30).read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or line.startswith(name + "{"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--mb", type=int, default=1024, help="MiB of JSON lines to send (default 1024)")
    parser.add_argument("--binary", help="victoria-logs-prod (default: the mirror's build of pins.yml's version)")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="vl-data-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(binary(args.binary)), f"-storageDataPath={data}", f"-httpListenAddr=127.0.0.1:{port}",
                             "-retentionPeriod=100y", "-loggerLevel=WARN"], stdout=subprocess.DEVNULL)
    try:
        for _attempt in range(100):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        rng, sent, count = random.Random(19), 0, 0
        feed = records(rng, time.time() - 86400)
        began = time.monotonic()
        while sent < args.mb * 1024 * 1024:
            body = "".join(json.dumps(next(feed), separators=(",", ":")) + "\n" for _record in range(20000)).encode()
            request = urllib.request.Request(f"{base}/insert/jsonline?_stream_fields=host.name,service.name", data=body,
                                             headers={"Content-Type": "application/stream+json"})
            urllib.request.urlopen(request, timeout=120).read()
            sent, count = sent + len(body), count + 20000
            print(f"\r{sent / 2**20:.0f} of {args.mb} MiB sent", end="", file=sys.stderr, flush=True)
        took = time.monotonic() - began
        urllib.request.urlopen(f"{base}/internal/force_flush", timeout=120).read()
        urllib.request.urlopen(f"{base}/internal/force_merge", timeout=600).read()
        time.sleep(10)
        stored = int(subprocess.check_output(["du", "-sb", str(data)]).split()[0])
        compressed = metric(base, "vl_compressed_data_size_bytes")
        uncompressed = metric(base, "vl_uncompressed_data_size_bytes")
        rows = metric(base, "vl_rows_ingested_total")
        print(file=sys.stderr)
        print(f"records: {count} sent, {rows:.0f} ingested, in {took:.0f} s ({count / took:.0f}/s)")
        print(f"sent: {sent / 2**30:.3f} GiB of JSON lines ({sent / count:.0f} bytes a record)")
        print(f"data directory: {stored / 2**20:.1f} MiB, {stored / sent * 1024:.1f} MiB per GiB sent "
              f"({sent / stored:.1f}x smaller)")
        print(f"VictoriaLogs' own count: {uncompressed / 2**20:.1f} MiB uncompressed, {compressed / 2**20:.1f} MiB compressed")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        subprocess.run(["rm", "-rf", str(data)], check=False)


if __name__ == "__main__":
    sys.exit(main())
