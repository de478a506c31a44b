#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The pipeline benchmark (docs/benchmarks.md): what the demo's agent carries at
# the resource plan's size (0.5 CPU, 512 MiB, held by its unit).
#
#   scripts/bench-pipeline.sh [OUT_DIR]     (make bench; results as JSON in OUT_DIR, default bench-results/)
#
# It deploys the demo (scripts/demo.sh: site.yml, inventories/demo), copies
# telemetrygen from the test mirror to demo-app, and runs tests/bench/pipeline.py:
#   1. capacity, traces then metric points: the highest rate carried 60 s with zero loss;
#   2. upstream's default config beside it, same limits, same gateway: its capacity, and the ratio;
#   3. overload at three times the trace capacity for 60 s: no OOM kill, refusals counted and paged,
#      all that was accepted in Jaeger.
# About 40 minutes on 2 cores. The demo stays up (make demo-down removes it).
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
archive=$("$run" python3 - <<'PY'
import sys
sys.path.insert(0, "scripts/mirror")
import build_mirror as b
art = b.telemetrygen_artifacts(b.load_pins(), b.host_arch())[0]
print(b.DEFAULT_MIRROR / art.release_dir / art.archive)
PY
)
bench() { (cd "$REPO_ROOT" && "$run" python3 tests/bench/pipeline.py "$@"); }

log "Capacity, traces (each rate 60 s; it stops at the first that loses anything)"
bench capacity --signal traces --telemetrygen "$archive" --json "$out/traces.json" >/dev/null
log "Capacity, metric points"
bench capacity --signal metrics --rates 5000,10000,20000,30000,40000,60000,80000 --json "$out/metrics.json" >/dev/null
traces=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["capacity"])' "$out/traces.json")
[ "$traces" -gt 0 ] || die "The agent carried none of the rates tried (see $out/traces.json)."
log "Upstream's default config beside it, same limits and gateway (rates up to twice the agent's)"
rates=$(python3 -c "r = $traces; print(','.join(str(x) for x in (r // 2, r, r * 3 // 2, r * 2)))")
bench compare --signal traces --rates "$rates" --json "$out/compare.json" >/dev/null || true
log "Overload: $((traces * 3)) spans/s, three times the capacity, for 60 s (then up to 8 min for the page)"
status=0
bench overload --signal traces --rate $((traces * 3)) --json "$out/overload.json" >/dev/null || status=1

log "Results ($(($(now) - started)) s; JSON in $out)"
python3 - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
t, m = (json.loads((out / f).read_text()) for f in ("traces.json", "metrics.json"))
c, o = (json.loads((out / f).read_text()) for f in ("compare.json", "overload.json"))
for name, r in (("spans/s", t), ("metric points/s", m)):
    b = r["best"] or {}
    print(f"    capacity: {r['capacity']} {name} with zero loss for 60 s (agent {b.get('agent_cpu', 0):.2f} CPU, peak RSS {b.get('agent_rss_peak_mib')} MiB)")
    nxt = r["steps"][-1]
    if not nxt["ok"]:
        print(f"      next rate {nxt['rate']}: {'; '.join(nxt['problems'])}")
print(f"    upstream's default config: {c['upstream_default']['capacity']} spans/s under the same limits; ours/theirs {c['ratio']}")
print(f"    overload {o['rate']} spans/s: {'no OOM kill, ' if not any('restarted' in p for p in o['problems']) else ''}"
      f"peak RSS {o['agent_rss_peak_mib']} of {o['memory_max_mib']} MiB, refused {o['agent_refused']}, accepted {o['agent_accepted']},"
      f" Jaeger wrote {o['jaeger_written']}, paged after {o['notified_after_s']} s" + ("" if o["ok"] else f"; PROBLEMS: {'; '.join(o['problems'])}"))
PY
exit $status
