#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run the project's tests, stage by stage, and print one summary at the end.
#
#   scripts/test.sh                 lint, unit and every Molecule scenario
#   scripts/test.sh lint            yamllint, ansible-lint (production profile), ansible-test sanity
#   scripts/test.sh unit            pytest tests/unit
#   scripts/test.sh mirror          build the artifact mirror (cached), then test it
#   scripts/test.sh molecule [S..]  Molecule scenarios (all, or the ones named)
#
# Every stage runs even when an earlier one failed, so one run shows every
# problem; the exit code is non-zero when any stage failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! [ -t 1 ]; then
  # Logs, not a terminal: no colour codes in CI output.
  export NO_COLOR=1 ANSIBLE_NOCOLOR=1 PY_COLORS=0
fi

run="$REPO_ROOT/scripts/in-venv.sh"
passed=()
failed=()
# Each stage's output is kept too, so that the lines of a failure can be shown
# again at the end, beside the summary (a CI log is often read from its tail).
logs_dir=$(mktemp -d "${TMPDIR:-/tmp}/telemetry-stack-test.XXXXXX")
failed_logs=()

stage_log() { # name: the file its output is kept in
  printf '%s/%s.log' "$logs_dir" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_')"
}

# Run a command, its output shown and kept in a file; its exit code.
run_kept() { # file command...
  local out=$1 rc
  shift
  set +e
  "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

stage() { # name command...
  local name=$1 started rc=0 out
  shift
  log "$name"
  started=$(now)
  out=$(stage_log "$name")
  run_kept "$out" "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    passed+=("$name ($(($(now) - started)) s)")
  else
    failed+=("$name ($(($(now) - started)) s, exit $rc)")
    failed_logs+=("$name"$'\t'"$out")
  fi
}

# The lines of a stage's output that say what failed: Ansible's failed tasks
# (and the task before each), pytest's failures, Molecule's errors. At most 60,
# each cut at 600 characters.
what_failed() { # log file
  grep -E -B1 '^(fatal|failed): \[|^ERROR|^E   |^FAILED |^[_=]{5,} .* [_=]{5,}$|[0-9]+ failed|^CRITICAL|^Traceback' "$1" |
    grep -v -e '^--$' -e '^FAILED - RETRYING' | tail -n 60 | cut -c1-600 || true
}

show_failures() {
  local entry name file
  for entry in "${failed_logs[@]}"; do
    name=${entry%%$'\t'*}
    file=${entry#*$'\t'}
    [ -s "$file" ] || continue
    log "What failed in $name (all of it: $file)"
    what_failed "$file" >&2
  done
}

all_scenarios() {
  for f in "$REPO_ROOT"/molecule/*/molecule.yml; do basename "$(dirname "$f")"; done
}

lint() {
  stage "yamllint" "$run" yamllint --strict .
  stage "ansible-lint" "$run" ansible-lint
  stage "ansible-test sanity" "$run" scripts/sanity.sh
  # The team's count of role YAML two roles both carry (shared behaviour belongs
  # in roles/_service); it sits beside the project, not in it.
  local twins="${TELEMETRY_STACK_ROLE_TWINS:-$REPO_ROOT/../shared/tools/role-twins}"
  if [ -x "$twins" ]; then
    stage "role-twins (at most 120 lines)" "$twins" --root "$REPO_ROOT" --max 120
  else
    info "role-twins not found at $twins: not counted (set TELEMETRY_STACK_ROLE_TWINS)"
  fi
}

unit() {
  "$REPO_ROOT/scripts/ensure-tools.sh" || failed+=("install age and zstd on the controller (scripts/ensure-tools.sh)")
  stage "pytest tests/unit" "$run" pytest
}

mirror() {
  # Building is a precondition of the mirror tests: without it they cannot run.
  if "$run" python3 scripts/mirror/build_mirror.py; then
    stage "pytest tests/artifacts" "$run" pytest tests/artifacts
  else
    failed+=("build the artifact mirror (make mirror)")
  fi
}

# The test platform: the engine, the images and the artifact mirror (served
# on loopback, where the roles download from). Without it no scenario can run.
platform() {
  [ -z "${_platform:-}" ] || return "$_platform"
  _platform=0
  if ! "$REPO_ROOT/scripts/ensure-tools.sh" || ! "$REPO_ROOT/scripts/build-images.sh" || ! "$run" python3 scripts/mirror/build_mirror.py ||
    ! "$run" python3 scripts/mirror/mirror_server.py start; then
    _platform=1
    return 1
  fi
  trap 'stop_beside; "$run" python3 scripts/mirror/mirror_server.py stop >/dev/null' EXIT
}

# Two lanes, as the machine has two cores: these scenarios run one after the
# other in a second lane, beside lint, unit and the other scenarios. The lanes
# share the cores (each scenario takes 1.5 to 2.5 times as long as alone), and
# a scenario alone leaves part of them idle (its tests wait for alerts,
# failovers and restarts): prod here, then prometheus and the short ones, so
# that both lanes end at about the same time (the first lane ends with the
# stack scenario). FIRST names scenarios of the first lane to run before its
# lint and unit stages, beside prod from its start; none now (the stack
# scenario timed out beside prod's converge). Their container names differ
# from every other scenario's. docs/development.md, "CI", has the times.
BESIDE=(prod prometheus jaeger pki smoke)
FIRST=()
beside_dir=""
beside_pid=""

start_beside() { # scenario...
  [ $# -gt 0 ] || return 0
  beside_dir=$(mktemp -d "${TMPDIR:-/tmp}/telemetry-stack-beside.XXXXXX")
  log "In a second lane: $* (its output: $beside_dir/output.log, shown when it ends)"
  (
    for s in "$@"; do
      started=$(now)
      log "molecule test -s $s (second lane)"
      out=$(stage_log "molecule test -s $s")
      rc=0
      run_kept "$out" "$run" molecule test -s "$s" || rc=$?
      if [ "$rc" -eq 0 ]; then
        echo "PASS molecule test -s $s ($(($(now) - started)) s, second lane)" >>"$beside_dir/results"
      else
        echo "FAIL molecule test -s $s ($(($(now) - started)) s, exit $rc, second lane)"$'\t'"$out" >>"$beside_dir/results"
      fi
    done
  ) >"$beside_dir/output.log" 2>&1 &
  beside_pid=$!
}

# Wait for the second lane, show its output and count its stages.
finish_beside() {
  [ -n "$beside_pid" ] || return 0
  log "Waiting for the second lane"
  wait "$beside_pid" || true
  beside_pid=""
  log "The second lane's output"
  cat "$beside_dir/output.log" >&2
  local line
  touch "$beside_dir/results"
  while IFS= read -r line; do
    case "$line" in
      PASS\ *) passed+=("${line#PASS }") ;;
      FAIL\ *)
        line=${line#FAIL }
        failed+=("${line%%$'\t'*}")
        failed_logs+=("${line%% (*}"$'\t'"${line#*$'\t'}")
        ;;
    esac
  done <"$beside_dir/results"
}

stop_beside() {
  [ -n "$beside_pid" ] || return 0
  pkill -TERM -P "$beside_pid" 2>/dev/null || true
  kill "$beside_pid" 2>/dev/null || true
}

# The second lane's scenarios: those of BESIDE this checkout has, when there
# are two lanes (the platform is up, and TELEMETRY_STACK_ONE_LANE is not set).
second_lane() {
  local s
  for s in "${BESIDE[@]}"; do
    if [ -f "$REPO_ROOT/molecule/$s/molecule.yml" ]; then echo "$s"; fi
  done
}
two_lanes() { [ -z "${TELEMETRY_STACK_ONE_LANE:-}" ] && platform; }

molecule_stages() { # scenario... (none: every scenario, in two lanes, but those already run)
  local scenarios=("$@") beside=() s
  if [ ${#scenarios[@]} -eq 0 ]; then
    mapfile -t scenarios < <(all_scenarios | grep -vxF -f <(printf '%s\n' "" "${ran_first[@]}"))
    if two_lanes; then
      mapfile -t beside < <(second_lane)
      [ -n "$beside_pid" ] || start_beside "${beside[@]}"
      mapfile -t scenarios < <(printf '%s\n' "${scenarios[@]}" | grep -vxF -f <(printf '%s\n' "${beside[@]}"))
    fi
  fi
  if ! platform; then
    for s in "${scenarios[@]}" "${beside[@]}"; do failed+=("molecule $s (no test platform)"); done
    return
  fi
  for s in "${scenarios[@]}"; do
    stage "molecule test -s $s" "$run" molecule test -s "$s"
  done
  finish_beside
}

# Everything: the second lane starts first, and the first lane's longest
# scenario with it; lint, unit and the mirror tests follow in the first lane.
ran_first=()
everything() {
  local beside=() s
  if two_lanes; then
    mapfile -t beside < <(second_lane)
    start_beside "${beside[@]}"
    # The first lane's longest scenario first, beside prod, while both lanes are busy.
    for s in "${FIRST[@]}"; do
      if [ -f "$REPO_ROOT/molecule/$s/molecule.yml" ]; then
        stage "molecule test -s $s" "$run" molecule test -s "$s"
        ran_first+=("$s")
      fi
    done
  fi
  lint
  unit
  mirror
  molecule_stages
}

"$REPO_ROOT/scripts/venv.sh" >/dev/null
case "${1:-all}" in
  all) everything ;;
  lint) lint ;;
  unit) unit ;;
  mirror) mirror ;;
  molecule) shift && molecule_stages "$@" ;;
  *) die "unknown stage '$1'. Use one of: all, lint, unit, mirror, molecule [scenario...]" ;;
esac

show_failures
echo
log "Summary"
for s in "${passed[@]}"; do info "PASS  $s"; done
for s in "${failed[@]}"; do info "FAIL  $s"; done
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
if [ ${#failed[@]} -eq 0 ]; then rm -rf "$logs_dir"; fi
[ ${#failed[@]} -eq 0 ]
