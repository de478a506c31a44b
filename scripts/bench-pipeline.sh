#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The pipeline benchmark (docs/benchmarks.md): what the demo's agent carries at
# the resource plan's size (0.5 CPU, 512 MiB, held by its unit).
#
#   scripts/bench-pipeline.sh [OUT_DIR]     (make bench; results as JSON in OUT_DIR, default bench-results/)
#
# It deploys the demo (scripts/demo.sh: site.yml, inventories/demo), copies
# telemetrygen from the test mirror to demo-app, and runs tests/bench/pipeline.py:
#   1. trace capacity: the highest rate carried 60 s with zero loss, by the collection's agent and, at each rate after it, by
#      upstream's default config beside it (same limits, same gateway), and the ratio;
#   2. metric points' capacity, the same way (the collection's agent);
#   3. overload at three times the trace capacity for 60 s: no OOM kill, all that was accepted in Jaeger;
#   4. overload of memory: HEAVY_CLIENTS (default 1200, in processes of 50) clients each sending a 1 MiB span a second for 60 s:
#      no OOM kill, the memory limiter refuses, counts it and pages, all that was accepted in Jaeger;
#   5. the gateway's trace capacity: telemetrygen sends to it directly (mTLS), the gateway sends to Jaeger.
# TRACE_RATES, METRIC_RATES and GATEWAY_RATES (comma-separated, ascending) change the ladders.
# About 25 minutes on 2 cores after the demo (2026-12-03: the capacity steps took 12 minutes, the memory overload
# 4 with its page, the gateway 4). The demo stays up (make demo-down removes it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
run="$REPO_ROOT/scripts/in-venv.sh"
out=$(realpath -m "${1:-$REPO_ROOT/bench-results}")
mkdir -p "$out"
started=$(now)

log "The demo (scripts/demo.sh)"
"$REPO_ROOT/scripts/demo.sh" > "$out/demo.log" 2>&1 || { tail -n 40 "$out/demo.log"; die "The demo did not come up (its output: $out/demo.log)."; }
info "up ($(grep -c 'changed=0' "$out/demo.log") hosts unchanged; its output: $out/demo.log)"

log "telemetrygen from the test mirror"
"$run" python3 "$REPO_ROOT/scripts/mirror/build_mirror.py" --only telemetrygen | tail -n 1
bench() { (cd "$REPO_ROOT" && "$run" python3 tests/bench/pipeline.py "$@"); }

ladder=${TRACE_RATES:-10000,20000,30000,40000,50000,60000}
log "Capacity, traces: the collection's agent and upstream's default config beside it, in turn at each rate (same limits, same gateway)"
info "each rate for 60 s, $ladder spans/s, up to the first that both agents lose spans at"
bench compare --signal traces --rates "$ladder" --json "$out/traces.json" >/dev/null
log "Capacity, metric points"
bench capacity --signal metrics --rates "${METRIC_RATES:-10000,20000,40000,60000,80000}" --json "$out/metrics.json" >/dev/null
traces=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection"]["capacity"])' "$out/traces.json")
[ "$traces" -gt 0 ] || die "The agent carried none of the rates tried (see $out/traces.json)."
log "Overload: $((traces * 3)) spans/s asked, three times the capacity, for 60 s (then up to 8 min for the page)"
status=0
bench overload --signal traces --rate $((traces * 3)) --json "$out/overload.json" >/dev/null || status=1
log "Overload of memory: ${HEAVY_CLIENTS:-1200} clients, each a 1 MiB span a second, for 60 s (then up to 8 min for the page)"
bench overload --signal traces --rate "${HEAVY_CLIENTS:-1200}" --heavy-mib 1 --json "$out/overload-memory.json" >/dev/null || status=1
log "Capacity, traces, of the gateway: telemetrygen sends to it directly (mTLS, the agent's certificate)"
bench capacity --signal traces --tier gateway --rates "${GATEWAY_RATES:-20000,30000,40000,50000,60000}" --json "$out/gateway.json" >/dev/null

log "Results ($(($(now) - started)) s; JSON in $out)"
python3 - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
c, m, o, h, g = (json.loads((out / f).read_text())
                  for f in ("traces.json", "metrics.json", "overload.json", "overload-memory.json", "gateway.json"))
for name, r in (("spans/s", c["collection"]), ("metric points/s", m), ("spans/s at the gateway", g)):
    b = r["best"] or {}
    print(f"    capacity: {r['capacity']} {name} with zero loss for 60 s (asked {r['asked']};"
          f" {b.get('tier', 'agent')} {b.get('agent_cpu', 0):.2f} CPU, peak RSS {b.get('agent_rss_peak_mib')} MiB)")
    nxt = r["steps"][-1]
    if not nxt["ok"]:
        print(f"      next rate {nxt['rate']}: {'; '.join(nxt['problems'])}")
u, a = c["upstream_default"], c["collection"]
print(f"    side by side, each rate for both, judged at the agent (all it was sent at the gateway): the collection's"
      f" {a['agent']['asked']} spans/s asked ({a['agent']['capacity']} reached), upstream's default config"
      f" {u['agent']['asked']} ({u['agent']['capacity']} reached) under the same limits; the collection's / upstream's:"
      f" {c['ratio']} (by the rates reached {c['reached_ratio']}; end to end through Jaeger {a['asked']} and {u['asked']})")
for o in (o, h):
    what = f"{o['rate']} clients, a {o['heavy_mib']} MiB span a second each" if o["heavy_mib"] else f"{o['rate']} spans/s asked"
    print(f"    overload, {what} ({o['offered']} offered in {o['seconds']} s): peak RSS {o['agent_rss_peak_mib']} MiB,"
          f" anonymous {o['agent_anon_peak_mib']} of {o['memory_max_mib']} MiB, refused {o['agent_refused']}, accepted {o['agent_accepted']}, Jaeger wrote {o['jaeger_written']},"
          f" paged after {o['notified_after_s']} s" + ("" if o["ok"] else f"; PROBLEMS: {'; '.join(o['problems'])}"))
PY
exit $status
