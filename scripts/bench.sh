#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Time a no-change run of a Molecule scenario's converge.yml against Ansible's
# floor (gather facts + one stat per managed file), on the scenario's running
# containers (create and converge them first), and print the ratio.
#
#   scripts/bench.sh otelcol_agent 3 /opt/otelcol-contrib/current /etc/otelcol-contrib ...
#   scripts/bench.sh prod 3 paths.json    # {"bench_paths_by_host": {"lb-debian12": [...], ...}}
#
# Runs ansible-playbook directly (not through Molecule) with the scenario's
# inventory and Molecule's ansible.cfg; docs/benchmarks.md has the results.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario=${1:?usage: scripts/bench.sh SCENARIO RUNS PATH...}
runs=${2:?usage: scripts/bench.sh SCENARIO RUNS PATH...}
shift 2
[ $# -gt 0 ] || die "name the files the role manages, for the floor's stats"

# Molecule keeps a scenario's state in ~/.ansible/tmp/molecule.<hash>.<scenario>,
# one per checkout: take the one whose config points at this checkout.
state=$(grep -l "$REPO_ROOT/collections" ~/.ansible/tmp/molecule.*."$scenario"/molecule.yml 2>/dev/null | head -n 1)
[ -n "$state" ] || die "no Molecule state for $scenario in this checkout: run molecule create and converge -s $scenario first"
state=$(dirname "$state")
export ANSIBLE_CONFIG="$state/ansible.cfg" MOLECULE_EPHEMERAL_DIRECTORY="$state"
export MOLECULE_SCENARIO_DIRECTORY="$REPO_ROOT/molecule/$scenario" MOLECULE_FILE="$state/molecule.yml"
if [ $# -eq 1 ] && [ "${1%.json}" != "$1" ]; then
  # A JSON file of {"bench_paths_by_host": {host: [path, ...]}}: hosts that manage different files.
  paths="@$(realpath "$1")"
else
  paths=$(printf '%s\n' "$@" | python3 -c 'import json, sys; print(json.dumps({"bench_paths": sys.stdin.read().split()}))')
fi

time_run() {  # time_run PLAYBOOK [ARGS...]: seconds, or fail with the output
  local out started
  out=$(mktemp)
  started=$(date +%s.%N)
  if ! "$REPO_ROOT/scripts/in-venv.sh" ansible-playbook -i "$state/inventory" "$@" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    die "ansible-playbook $1 failed"
  fi
  grep -qE 'changed=[1-9]' "$out" && { cat "$out" >&2; rm -f "$out"; die "$1 changed something: not a no-change run"; }
  rm -f "$out"
  python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')"
}

floor=() role=()
for _ in $(seq "$runs"); do
  floor+=("$(time_run "$REPO_ROOT/tests/bench/floor.yml" -e "$paths")")
  role+=("$(time_run "$REPO_ROOT/molecule/$scenario/converge.yml")")
done
python3 - "${#floor[@]}" "${floor[@]}" "${role[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); floor = list(map(float, sys.argv[2:2 + n])); role = list(map(float, sys.argv[2 + n:]))
f, r = statistics.median(floor), statistics.median(role)
print(f"floor: {' '.join(f'{x:.2f}' for x in floor)} s (median {f:.2f})")
print(f"role:  {' '.join(f'{x:.2f}' for x in role)} s (median {r:.2f})")
print(f"role / floor: {r / f:.2f}")
PY
