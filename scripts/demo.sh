#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The main job, for now: deploy the smoke role into fresh Debian 12 and 13
# systemd containers and say what happened.
#
#   scripts/demo.sh        create the containers (first run), converge, report
#   scripts/demo.sh down   remove the containers
#
# A second run converges the same containers again and changes nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCENARIO=smoke
run="$REPO_ROOT/scripts/in-venv.sh"

if [ "${1:-up}" = down ]; then
  log "Removing the demo containers"
  "$run" molecule destroy -s "$SCENARIO"
  exit 0
fi

"$REPO_ROOT/scripts/build-images.sh"
"$REPO_ROOT/scripts/venv.sh" >/dev/null
started=$(now)
# Molecule remembers created hosts in its own state; when the containers are
# gone (a Docker restart, or `make test` in another checkout using the same
# names), reset that state so this run creates them afresh.
running=$(docker ps --format '{{.Names}}' --filter "name=^${SCENARIO}-" | wc -l)
if [ "$running" -lt 2 ]; then
  "$run" molecule destroy -s "$SCENARIO" >/dev/null 2>&1 || true
fi
log "Deploying the smoke role (the containers are created on the first run)"
recap=$(mktemp)
trap 'rm -f "$recap"' EXIT
"$run" molecule converge -s "$SCENARIO" 2>&1 | tee "$recap"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "The deployment failed (output above)."

echo
log "What happened ($(($(now) - started)) s)"
# The play recap, without colour codes or Molecule's frame.
sed -E 's/\x1b\[[0-9;]*m//g' "$recap" | grep -E ': ok=[0-9]+ +changed=' | sed -E 's/^[[:space:]│]*/    /' || true
for container in $(docker ps --format "{{.Names}}" --filter "name=^${SCENARIO}-" | sort); do
  docker exec "$container" sh -c '
    . /etc/os-release
    printf "    %-16s %-32s systemd: %-9s telemetry-stack-smoke: %s, said \"%s\"\n" \
      "$(hostname)" "$PRETTY_NAME" "$(systemctl is-system-running)" \
      "$(systemctl is-active telemetry-stack-smoke)" \
      "$(journalctl -u telemetry-stack-smoke -o cat --no-pager | grep -v -e "^Starting" -e "^Finished" | tail -n 1)"'
done
cat <<MSG

    Look inside:  docker exec -it ${SCENARIO}-debian12 bash
    Run again:    make demo        (converges again; expect changed=0)
    Tear down:    make demo-down
MSG
