# SPDX-License-Identifier: GPL-3.0-or-later
"""The pipeline benchmark: what an agent configured by this collection carries at the resource plan's size.

telemetrygen (from the test mirror) runs on the demo's application host, beside the agent, and sends OTLP to it on
loopback, as an application would. The agent (held to 0.5 CPU and 512 MiB by its unit) sends over mTLS to the
gateway, which sends to Jaeger (badger) on the backend. Every count comes from the programs' own metrics:

- sent: what telemetrygen generated (its "traces generated" lines; two spans a trace);
- accepted and refused by the agent's receiver, sent and failed by its exporter;
- accepted by the gateway; accepted by Jaeger's receiver and written by its storage exporter.

A rate passes when every span telemetrygen sent over --seconds was accepted by
the agent, the gateway and Jaeger, and written to storage, with nothing refused or failed on the way. telemetrygen
paces itself with a timer and shares the machine: the rate it reached, not the rate asked, is the figure (per_second).
`compare` judges the two agents' configs on their own hop (all they were sent at the gateway): they share the
gateway and Jaeger, and Jaeger's keeping up is reported beside.

    python3 tests/bench/pipeline.py capacity [--signal traces|metrics] [--rates 2500,5000,...] [--seconds 60]
    python3 tests/bench/pipeline.py capacity --tier gateway --rates ...   # telemetrygen -> gateway (mTLS) -> Jaeger
    python3 tests/bench/pipeline.py compare --rates ...    # the collection's agent and upstream's default config, each rate
    python3 tests/bench/pipeline.py overload --rate N      # N spans/s for --seconds, then what happened
    python3 tests/bench/pipeline.py overload --rate C --heavy-mib 1   # C clients, each a 1 MiB span a second
    python3 tests/bench/pipeline.py smoke                  # 10 s at 1000 spans/s, zero loss: the test that it runs

scripts/bench-pipeline.sh deploys the demo and runs them in order; docs/benchmarks.md has the results.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

# The demo's hosts by default (--hosts: the stack scenario's, whose inventory is the demo's).
APP, GATEWAY, BACKEND = "demo-app", "demo-gateway", "demo-backend"
UNIT = "otelcol-contrib"
BINARY = "/opt/otelcol-contrib/current/otelcol-contrib"
TELEMETRYGEN = "/usr/local/bin/telemetrygen"
# Where each program serves its own metrics, seen from its host (the demo serves them plain).
METRICS_PORT = 8888
# Upstream's default config (tests/artifacts/configs), run beside the agent under the same limits.
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "artifacts" / "configs" / "otelcol-release-default.yaml"
DEFAULT_UNIT, DEFAULT_GRPC, DEFAULT_METRICS = "bench-upstream-default", 14317, 18888
ITEMS = {"traces": "spans", "metrics": "metric_points"}
# The agent's certificate, which the gateway takes (the pki role's paths).
TLS = {"ca_file": "/etc/ssl/telemetry/ca.pem", "cert_file": "/etc/ssl/telemetry/otelcol-contrib/cert.pem",
       "key_file": "/etc/ssl/telemetry/otelcol-contrib/key.pem"}


def agent_metrics() -> tuple[str, int]:
    return APP, METRICS_PORT


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]     {msg}", file=sys.stderr, flush=True)


def sh(container: str, script: str, timeout: float = 120) -> str:
    proc = subprocess.run(["docker", "exec", container, "bash", "-c", script], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{container}: {script[:120]!r} exited {proc.returncode}: {proc.stderr.strip()[-800:]}")
    return proc.stdout


def metrics(where: tuple[str, int]) -> dict[tuple[str, str], float]:
    """{(family without _total, labels text): value} from a Prometheus endpoint on the host's loopback."""
    container, port = where
    out = {}
    for line in sh(container, f"curl -sf http://127.0.0.1:{port}/metrics").splitlines():
        m = re.match(r"^([a-z_]+?)(?:_total)?(\{[^}]*\})? ([0-9.e+-]+)$", line)
        if m:
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def total(sample: dict, family: str, label: str = "") -> float:
    return sum(v for (f, labels), v in sample.items() if f == family and label in labels)


def read(signal: str, agent: tuple[str, int] | None = None) -> tuple[dict[str, float], float]:
    """The counts at every hop, and what the agent's and the gateway's sending queues hold (a retry's backoff can
    hold the counts still while they do), from one read of each program's metrics."""
    item = ITEMS[signal]
    a = metrics(agent or agent_metrics())
    g, j = metrics((GATEWAY, METRICS_PORT)), (metrics((BACKEND, METRICS_PORT)) if signal == "traces" else {})
    return {
        "agent_accepted": total(a, f"otelcol_receiver_accepted_{item}", 'receiver="otlp"'),
        "agent_refused": total(a, f"otelcol_receiver_refused_{item}", 'receiver="otlp"'),
        "agent_sent": total(a, f"otelcol_exporter_sent_{item}"),
        "agent_failed": total(a, f"otelcol_exporter_send_failed_{item}") + total(a, f"otelcol_exporter_enqueue_failed_{item}"),
        "gateway_accepted": total(g, f"otelcol_receiver_accepted_{item}", 'receiver="otlp"'),
        "gateway_refused": total(g, f"otelcol_receiver_refused_{item}", 'receiver="otlp"'),
        "gateway_failed": total(g, f"otelcol_exporter_send_failed_{item}") + total(g, f"otelcol_exporter_enqueue_failed_{item}"),
        "jaeger_accepted": total(j, "otelcol_receiver_accepted_spans", 'receiver="otlp"'),
        "jaeger_written": total(j, "otelcol_exporter_sent_spans", 'exporter="jaeger_storage_exporter"'),
    }, total(a, "otelcol_exporter_queue_size") + total(g, "otelcol_exporter_queue_size")


def counts(signal: str, agent: tuple[str, int] | None = None) -> dict[str, float]:
    return read(signal, agent)[0]


def delta(after: dict, before: dict) -> dict:
    return {k: int(after[k] - before[k]) for k in after}


def drained(signal: str, before: dict, agent: tuple[str, int] | None, settle: float = 180) -> dict:
    """The counts once they stop moving and the queues are empty, at most `settle` seconds after the load."""
    last, deadline = None, time.monotonic() + settle
    while True:
        got, queued = read(signal, agent)
        now = delta(got, before)
        if (now == last and not queued) or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(5)


def load(signal: str, rate: int, seconds: int, port: int = 4317, unit: str = UNIT, heavy_mib: int = 0,
         tier: str = "agent") -> dict:
    """telemetrygen at `rate` items/s for `seconds` on the app host, to the agent beside it (or, for the gateway
    tier, to the gateway over mTLS with the agent's certificate); the measured collector's CPU time, peak RSS and
    restarts.

    With `heavy_mib`, each trace's parent span carries that many MiB of attribute (telemetrygen's --size) and every
    span goes out in a request of its own as it ends, one at a time per worker (--batch=false): `rate` clients, in
    processes of 50, each with a large request in flight, one a second."""
    processes = 1
    if heavy_mib:
        # A telemetrygen process sends over one connection, whose HTTP/2 flow control alone bounds what is in flight:
        # one process for each 50 clients, as separate applications would be.
        processes = max(1, rate // 50)
        workers, per_worker, extra = max(1, rate // processes), 1.0, f" --size {heavy_mib} --batch=false"
    else:
        # One worker paces itself to about 1000 items/s with its timer's slack (a few %); more workers, each at most that.
        workers = max(1, -(-rate // 1000))
        per_worker, extra = rate / workers, ""
    if tier == "gateway":
        host, target = GATEWAY, (f"{GATEWAY}:4317 --ca-cert {TLS['ca_file']} --client-cert {TLS['cert_file']}"
                                 f" --client-key {TLS['key_file']} --mtls")
    else:
        host, target = APP, f"127.0.0.1:{port} --otlp-insecure"
    gen = (f"timeout {seconds + 60} {TELEMETRYGEN} {signal} --otlp-endpoint {target} --workers {workers}"
           f" --rate {per_worker:g} --duration {seconds}s" + (" --child-spans 1" if signal == "traces" else "") + extra)
    # The measured collector's host samples its RSS every 0.5 s until the generator is done.
    sampler = subprocess.Popen(["docker", "exec", host, "bash", "-c", f"""
set -e
pid=$(systemctl show -p MainPID --value {unit})
restarts=$(systemctl show -p NRestarts --value {unit})
cpu0=$(awk '{{print $14 + $15}}' /proc/$pid/stat)
rm -f /tmp/bench-stop
: > /tmp/bench-rss
t0=$(date +%s%N)
while [ ! -e /tmp/bench-stop ]; do
  awk '/^VmRSS/{{r=$2}} /^RssAnon/{{a=$2}} END {{print r, a}}' /proc/$pid/status >> /tmp/bench-rss 2>/dev/null || true
  sleep 0.5
done
t1=$(date +%s%N)
pid1=$(systemctl show -p MainPID --value {unit})
echo "pid=$pid pid_after=$pid1 restarts=$restarts restarts_after=$(systemctl show -p NRestarts --value {unit})"
rss=$(sort -n /tmp/bench-rss | tail -n 1 | cut -d' ' -f1)
anon=$(sort -n -k2 /tmp/bench-rss | tail -n 1 | cut -d' ' -f2)
echo "result=$(systemctl show -p Result --value {unit}) ns=$((t1 - t0)) rss_peak_kib=$rss anon_peak_kib=$anon"
echo "cpu_ticks=$(( $(awk '{{print $14 + $15}}' /proc/$pid1/stat 2>/dev/null || echo $cpu0) - cpu0 ))"
"""], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        out = sh(APP, f""": > /tmp/bench-gen.log
for i in $(seq {processes}); do ({gen} >> /tmp/bench-gen.log 2>&1 || echo "telemetrygen exited $?" >> /tmp/bench-gen.log) & done
wait
grep -F '{signal} generated' /tmp/bench-gen.log || true
awk -F '\t' '$2 == "ERROR" || $2 == "FATAL" || /^telemetrygen exited/' /tmp/bench-gen.log""", timeout=seconds + 120)
    finally:
        sh(host, "touch /tmp/bench-stop")
        measured, err = sampler.communicate(timeout=60)
    if sampler.returncode:
        raise RuntimeError(f"{host}: the sampler of {unit} exited {sampler.returncode}: {err.strip()[-800:]}")
    got = dict(kv.split("=", 1) for line in measured.splitlines()[:3] for kv in line.split())
    got = {k: (v if k == "result" else int(v or 0)) for k, v in got.items()}
    rest = out.splitlines()
    got["generated"] = sum(int(m) for m in re.findall(rf'"{signal}": (\d+)', "\n".join(rest)))
    got["errors"] = [line for line in rest if "generated" not in line]
    got["seconds"] = got.pop("ns") / 1e9
    # A trace is a parent span and one child, each taken at the rate.
    got["sent"] = got["generated"] * (2 if signal == "traces" else 1)
    got["cpu"] = got["cpu_ticks"] / 100 / got["seconds"]
    return got


def step(signal: str, rate: int, seconds: int, agent: tuple[str, int] | None = None, port: int = 4317,
         unit: str = UNIT, tier: str = "agent") -> dict:
    """One rate for `seconds`. For the gateway tier, the "agent" counts are the gateway's: the load skips the agent."""
    if tier == "gateway":
        agent = (GATEWAY, METRICS_PORT)
    before = counts(signal, agent)
    run = load(signal, rate, seconds, port, unit, tier=tier)
    got = drained(signal, before, agent)
    sent = run["sent"]
    problems = []
    if run["errors"]:
        problems.append(f"telemetrygen: {run['errors'][0][-200:]} ({len(run['errors'])} lines)")
    if run["pid"] != run["pid_after"] or run["restarts"] != run["restarts_after"]:
        problems.append(f"the collector restarted ({run['result']})")
    if got["agent_refused"] or got["agent_failed"] or got["gateway_refused"]:
        problems.append(f"refused or failed: agent {got['agent_refused']} refused, {got['agent_failed']} failed;"
                        f" gateway {got['gateway_refused']} refused")
    if got["gateway_failed"]:
        problems.append(f"the gateway's exporters failed {got['gateway_failed']}")
    hops = ["agent_accepted", "agent_sent", "gateway_accepted"] + (["jaeger_accepted", "jaeger_written"] if signal == "traces" else [])
    # The gateway and Jaeger see the other hosts' telemetry too (none sends spans in the demo): at least, not equal.
    lost = [h for h in hops if got[h] < sent]
    # What the agent answers for, all it was sent at the gateway, apart from Jaeger's part (the same Jaeger for
    # both configs of a comparison, on the same two cores).
    agent_ok = not problems and all(h.startswith("jaeger") for h in lost)
    if lost:
        problems.append(f"sent {sent}, but " + ", ".join(f"{h} {got[h]}" for h in lost))
    result = {"signal": signal, "tier": tier, "rate": rate, "seconds": seconds, "sent": sent, "per_second": round(sent / run["seconds"]),
              "agent_cpu": round(run["cpu"], 3), "agent_rss_peak_mib": round(run["rss_peak_kib"] / 1024, 1),
              **got, "ok": not problems, "agent_ok": agent_ok, "problems": problems}
    log(f"{signal} {rate}/s for {seconds} s: {'zero loss' if not problems else '; '.join(problems)}"
        f" ({tier} {result['agent_cpu']:.2f} CPU, peak RSS {result['agent_rss_peak_mib']} MiB)")
    return result


def highest(steps: list[dict], key: str = "ok") -> dict:
    """The last of the steps (ascending rates) that passed by `key`, before the first that did not."""
    best = None
    for r in steps:
        if not r[key]:
            break
        best = r
    return {"capacity": best["per_second"] if best else 0, "asked": best["rate"] if best else 0, "best": best}


def capacity(signal: str, rates: list[int], seconds: int, **kw) -> dict:
    """The highest rate of `rates` (ascending) that passes end to end; it stops at the first that fails."""
    results = []
    for rate in rates:
        results.append(step(signal, rate, seconds, **kw))
        if not results[-1]["ok"]:
            break
    return {"signal": signal, **highest(results), "steps": results}


def compare(signal: str, rates: list[int], seconds: int) -> dict:
    """The collection's agent and upstream's default config beside it, one after the other at each rate (so that
    neither has the quieter minutes), up to the rate where both lose spans themselves. The ratio is of the highest
    rates asked that each agent carried whole to the gateway; what each reached, and what Jaeger kept up with, beside."""
    start_upstream_default()
    sides: dict[str, list[dict]] = {"collection": [], "upstream_default": []}
    try:
        for rate in rates:
            sides["collection"].append(step(signal, rate, seconds))
            sides["upstream_default"].append(step(signal, rate, seconds, agent=(APP, DEFAULT_METRICS), port=DEFAULT_GRPC,
                                                  unit=DEFAULT_UNIT))
            if not any(steps[-1]["agent_ok"] for steps in sides.values()):
                break
    finally:
        stop_upstream_default()
    out = {name: {"signal": signal, **highest(steps), "agent": highest(steps, "agent_ok"), "steps": steps}
           for name, steps in sides.items()}
    ours, theirs = out["collection"]["agent"], out["upstream_default"]["agent"]
    out["ratio"] = round(ours["asked"] / theirs["asked"], 2) if theirs["asked"] else None
    out["reached_ratio"] = round(ours["capacity"] / theirs["capacity"], 2) if theirs["capacity"] else None
    log(f"carried whole to the gateway: the collection's agent {ours['asked']}/s asked ({ours['capacity']}/s reached),"
        f" upstream's default config {theirs['asked']}/s asked ({theirs['capacity']}/s reached); end to end through"
        f" Jaeger {out['collection']['asked']}/s and {out['upstream_default']['asked']}/s")
    return out


def notified(alert: str, instance: str, since: float, wait: float) -> float | None:
    """Seconds from `since` until the demo's webhook sink (molecule/shared/sinks) receives `alert` firing for `instance`."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for line in sh(BACKEND, "cat /var/lib/sinks/webhook.jsonl 2>/dev/null || true").splitlines():
            entry = json.loads(line)
            alerts = entry.get("body", {}).get("alerts", []) if entry.get("received_at", 0) >= since else []
            if any(a.get("status") == "firing" and a.get("labels", {}).get("alertname") == alert
                   and instance in a.get("labels", {}).get("instance", "") for a in alerts):
                return round(entry["received_at"] - since)
        time.sleep(10)
    return None


def overload(signal: str, rate: int, seconds: int, alert_wait: float, heavy_mib: int = 0) -> dict:
    """`rate` for `seconds`: no OOM kill, RSS under the unit's MemoryMax, and all that was accepted reaches Jaeger
    once the load stops.

    Without `heavy_mib`, `rate` is three times the capacity in small spans: the agent's CPU is the limit, so it slows
    its clients (they wait, time out and drop on their side) and its memory stays low; what it refuses is reported.
    With `heavy_mib`, `rate` clients each send a span of that many MiB a second: memory is the limit, and the memory
    limiter must refuse, count it, and page (CollectorRefusingData)."""
    limit = int(sh(APP, f"systemctl show -p MemoryMax --value {UNIT}"))
    started = time.time()
    before = counts(signal)
    run = load(signal, rate, seconds, heavy_mib=heavy_mib)
    got = drained(signal, before, None, settle=240)
    problems = []
    if run["pid"] != run["pid_after"] or run["restarts"] != run["restarts_after"]:
        problems.append(f"the agent restarted ({run['result']})")
    # The kernel holds the unit's anonymous memory to MemoryMax; VmRSS also counts the persistent queue's file,
    # mapped, whose pages the kernel takes back under the limit.
    if run["anon_peak_kib"] * 1024 >= limit:
        problems.append(f"peak anonymous RSS {run['anon_peak_kib']} KiB reached MemoryMax {limit}")
    if heavy_mib and not got["agent_refused"]:
        problems.append("the agent refused nothing: not an overload of its memory")
    if got["agent_failed"] or got["gateway_refused"] or got["gateway_failed"]:
        problems.append(f"lost after the agent accepted it: {got['agent_failed']} failed by its exporter,"
                        f" {got['gateway_refused']} refused by the gateway, {got['gateway_failed']} failed by the gateway's")
    if signal == "traces" and got["jaeger_written"] < got["agent_accepted"]:
        problems.append(f"accepted {got['agent_accepted']}, Jaeger wrote {got['jaeger_written']}")
    paged = notified("CollectorRefusingData", APP, started, alert_wait) if got["agent_refused"] else None
    if got["agent_refused"] and paged is None:
        problems.append(f"no CollectorRefusingData notification for {APP} within {alert_wait:.0f} s")
    result = {"signal": signal, "rate": rate, "heavy_mib": heavy_mib, "seconds": seconds, "offered": run["sent"],
              "agent_rss_peak_mib": round(run["rss_peak_kib"] / 1024, 1), "agent_anon_peak_mib": round(run["anon_peak_kib"] / 1024, 1),
              "memory_max_mib": limit >> 20,
              "agent_cpu": round(run["cpu"], 3), **got, "notified_after_s": paged, "ok": not problems, "problems": problems}
    what = f"{rate} clients sending {heavy_mib} MiB spans" if heavy_mib else f"{rate}/s"
    log(f"overload, {what}, for {seconds} s: {'as it should' if not problems else '; '.join(problems)}"
        f" (offered {run['sent']}, accepted {got['agent_accepted']}, refused {got['agent_refused']},"
        f" peak RSS {result['agent_rss_peak_mib']} MiB, anonymous {result['agent_anon_peak_mib']}, of {limit >> 20} MiB,"
        f" paged after {paged} s)")
    return result


def mirrored_telemetrygen() -> Path:
    """The telemetrygen archive in the test mirror (scripts/mirror/build_mirror.py builds it; pins.yml has its version)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "mirror"))
    import build_mirror  # pylint: disable=import-outside-toplevel

    art = build_mirror.telemetrygen_artifacts(build_mirror.load_pins(), build_mirror.host_arch())[0]
    archive = build_mirror.DEFAULT_MIRROR / art.release_dir / art.archive
    if not archive.is_file():
        raise SystemExit(f"{archive} is missing: build it with scripts/mirror/build_mirror.py --only telemetrygen")
    return archive


def install_telemetrygen(archive: Path) -> None:
    subprocess.run(["docker", "cp", str(archive), f"{APP}:/tmp/telemetrygen.tar.gz"], check=True)
    sh(APP, f"tar -xzf /tmp/telemetrygen.tar.gz -C {Path(TELEMETRYGEN).parent} telemetrygen && rm /tmp/telemetrygen.tar.gz")


def start_upstream_default() -> None:
    """Upstream's config.yaml beside the agent, under the agent's unit limits, its debug exporter pointed at the
    gateway (mTLS with the agent's certificate) and its ports moved off the agent's."""
    import yaml  # the venv's

    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["receivers"]["otlp"]["protocols"] = {
        "grpc": {"endpoint": f"127.0.0.1:{DEFAULT_GRPC}"}, "http": {"endpoint": "127.0.0.1:14318"}}
    config["receivers"]["prometheus"]["config"]["scrape_configs"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{DEFAULT_METRICS}"]
    config["extensions"] = {"health_check": {"endpoint": "127.0.0.1:14133"}, "pprof": {"endpoint": "127.0.0.1:11777"},
                            "zpages": {"endpoint": "127.0.0.1:15679"}}
    config["exporters"] = {"otlp": {"endpoint": f"{GATEWAY}:4317", "tls": TLS}}
    for pipeline in config["service"]["pipelines"].values():
        pipeline["exporters"] = ["otlp"]
    config["service"]["telemetry"] = {"metrics": {"readers": [{"pull": {"exporter": {"prometheus": {
        "host": "127.0.0.1", "port": DEFAULT_METRICS}}}}]}}
    sh(APP, f"cat > /tmp/bench-default.yaml <<'EOF'\n{yaml.safe_dump(config)}\nEOF\nchmod 0644 /tmp/bench-default.yaml")
    limits = sh(APP, f"systemctl show -p CPUQuotaPerSecUSec -p MemoryMax --value {UNIT}").split()
    quota = int(limits[0].rstrip("ms")) // 10  # "500ms" a second is 50 %
    sh(APP, f"systemctl stop {DEFAULT_UNIT} 2>/dev/null; systemctl reset-failed {DEFAULT_UNIT} 2>/dev/null;"
            f" systemd-run --unit {DEFAULT_UNIT} -p User={UNIT} -p CPUQuota={quota}% -p MemoryMax={limits[1]}"
            f" -p Environment=GOMAXPROCS=1 {BINARY} --config=/tmp/bench-default.yaml"
            f" && for i in $(seq 30); do curl -sf http://127.0.0.1:{DEFAULT_METRICS}/metrics >/dev/null && exit 0; sleep 1; done; exit 1")


def stop_upstream_default() -> None:
    sh(APP, f"systemctl stop {DEFAULT_UNIT} 2>/dev/null; systemctl reset-failed {DEFAULT_UNIT} 2>/dev/null; rm -f /tmp/bench-default.yaml; true")


def main(argv: list[str] | None = None) -> int:
    global APP, GATEWAY, BACKEND  # pylint: disable=global-statement
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["capacity", "compare", "overload", "smoke"])
    p.add_argument("--signal", choices=list(ITEMS), default="traces")
    p.add_argument("--tier", choices=["agent", "gateway"], default="agent",
                   help="capacity: the agent's (telemetrygen beside it), or the gateway's (telemetrygen sends to it directly)")
    p.add_argument("--rates", default="2500,5000,7500,10000,12500,15000,20000,25000,30000")
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--heavy-mib", type=int, default=0,
                   help="overload: --rate clients, each sending a span of this many MiB a second (memory, not CPU)")
    p.add_argument("--alert-wait", type=float, default=480, help="how long overload waits for the page (the rule's for: is 1m, its window 5m)")
    p.add_argument("--telemetrygen", type=Path, help="the telemetrygen archive copied to the app host (default: the test mirror's)")
    p.add_argument("--json", type=Path, help="write the results here too")
    p.add_argument("--hosts", default=",".join((APP, GATEWAY, BACKEND)), help="the application host, gateway and backend")
    a = p.parse_args(argv)
    APP, GATEWAY, BACKEND = a.hosts.split(",")
    rates = [int(r) for r in a.rates.split(",")]
    install_telemetrygen(a.telemetrygen or mirrored_telemetrygen())
    if a.what == "smoke":
        out = step(a.signal, 1000, 10)
    elif a.what == "capacity":
        out = capacity(a.signal, rates, a.seconds, tier=a.tier)
    elif a.what == "compare":
        out = compare(a.signal, rates, a.seconds)
    else:
        out = overload(a.signal, a.rate, a.seconds, a.alert_wait, a.heavy_mib)
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        a.json.write_text(text + "\n")
    return 0 if out.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
