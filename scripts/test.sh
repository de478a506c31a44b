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

stage() { # name command...
  local name=$1 started rc
  shift
  log "$name"
  started=$(now)
  set +e
  "$@"
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    passed+=("$name ($(($(now) - started)) s)")
  else
    failed+=("$name ($(($(now) - started)) s, exit $rc)")
  fi
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

molecule_stages() {
  local scenarios=("$@")
  [ ${#scenarios[@]} -gt 0 ] || mapfile -t scenarios < <(all_scenarios)
  # The engine, the images and the artifact mirror (served on loopback, where
  # the roles download from) are preconditions: without them no scenario can run.
  if ! "$REPO_ROOT/scripts/build-images.sh" || ! "$run" python3 scripts/mirror/build_mirror.py ||
    ! "$run" python3 scripts/mirror/mirror_server.py start; then
    for s in "${scenarios[@]}"; do failed+=("molecule $s (no test platform)"); done
    return
  fi
  trap '"$run" python3 scripts/mirror/mirror_server.py stop >/dev/null' EXIT
  for s in "${scenarios[@]}"; do
    stage "molecule test -s $s" "$run" molecule test -s "$s"
  done
}

"$REPO_ROOT/scripts/venv.sh" >/dev/null
case "${1:-all}" in
  all) lint && unit && mirror && molecule_stages ;;
  lint) lint ;;
  unit) unit ;;
  mirror) mirror ;;
  molecule) shift && molecule_stages "$@" ;;
  *) die "unknown stage '$1'. Use one of: all, lint, unit, mirror, molecule [scenario...]" ;;
esac

echo
log "Summary"
for s in "${passed[@]}"; do info "PASS  $s"; done
for s in "${failed[@]}"; do info "FAIL  $s"; done
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
