#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The main job: the whole stack on three fresh systemd containers, deployed by
# site.yml with the demo inventory, then real telemetry sent through it.
#
#   scripts/demo.sh        start the containers (first run), deploy, probe, report
#   scripts/demo.sh down   remove the containers and the demo's CA
#
# Offline: the programs come from the local artifact mirror (built on the
# first run, then cached), served on loopback for the run. A second run finds
# the containers running and changes nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NETWORK=telemetry-demo
# container name, image tag, role in the demo
HOSTS=("demo-app debian12 application host: an agent"
  "demo-gateway debian13 gateway"
  "demo-backend debian12 backend: Jaeger, Alertmanager, Prometheus, Grafana")
INVENTORY="$REPO_ROOT/inventories/demo"
run="$REPO_ROOT/scripts/in-venv.sh"

if [ "${1:-up}" = down ]; then
  log "Removing the demo containers"
  for h in "${HOSTS[@]}"; do docker rm -f "${h%% *}" >/dev/null 2>&1 || true; done
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
  # The demo's CA (pki_dir) belongs to these containers: a new demo makes a new one.
  rm -rf "$INVENTORY/.pki"
  info "Done."
  exit 0
fi
[ "${1:-up}" = up ] || die "usage: scripts/demo.sh [up|down]"

started=$(now)
"$REPO_ROOT/scripts/build-images.sh"
"$REPO_ROOT/scripts/venv.sh" >/dev/null
log "The artifact mirror: what the demo deploys (built from source once, then cached: docs/quickstart.md says how long)"
"$run" python3 scripts/mirror/build_mirror.py --demo | tail -n 1
# Stop the server afterwards only if this run started it (a test run may be using it).
started_mirror=false
if ! "$run" python3 scripts/mirror/mirror_server.py status >/dev/null; then
  "$run" python3 scripts/mirror/mirror_server.py start >/dev/null
  started_mirror=true
fi
stop_mirror() {
  if $started_mirror; then "$run" python3 scripts/mirror/mirror_server.py stop >/dev/null; fi
}
trap stop_mirror EXIT

log "Containers"
docker network inspect "$NETWORK" >/dev/null 2>&1 || docker network create "$NETWORK" >/dev/null
for h in "${HOSTS[@]}"; do
  read -r name tag what <<<"$h"
  if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then
    info "$name: running ($what)"
    continue
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  # The flags that boot systemd in a container here (docs/development.md).
  docker run -d --name "$name" --hostname "$name" --network "$NETWORK" \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    -e container=docker "$IMAGE_REPO:$tag" /lib/systemd/systemd >/dev/null
  info "$name: started from $IMAGE_REPO:$tag ($what)"
done
for h in "${HOSTS[@]}"; do
  name=${h%% *}
  docker exec "$name" timeout 60 sh -c 'until systemctl is-system-running 2>/dev/null | grep -qE "running|degraded"; do sleep 1; done' ||
    die "$name: systemd did not come up"
done

log "The notification sinks on demo-backend (the demo's receivers; molecule/shared/sinks)"
(cd "$REPO_ROOT" && "$run" ansible-playbook molecule/shared/sinks/sinks.yml -i inventories/demo -e sinks_hosts=demo-backend) >/dev/null ||
  die "Starting the notification sinks failed: run the command above to see why."

# This machine reaches the containers from their network's gateway address:
# the demo inventory opens the UIs and APIs to it (firewall_networks.admin).
TELEMETRY_STACK_DEMO_ADMIN=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' "$NETWORK")
export TELEMETRY_STACK_DEMO_ADMIN

log "ansible-playbook site.yml -i inventories/demo"
deployed=$(now)
recap=$(mktemp)
trap 'rm -f "$recap"; stop_mirror' EXIT
(cd "$REPO_ROOT" && "$run" ansible-playbook site.yml -i inventories/demo) | tee "$recap"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "The deployment failed (output above)."
deploy_s=$(($(now) - deployed))

log "ansible-playbook playbooks/probe.yml -i inventories/demo (real telemetry from demo-app)"
report=$(cd "$REPO_ROOT" && "$run" ansible-playbook playbooks/probe.yml -i inventories/demo) ||
  { echo "$report"; die "The probe failed (output above)."; }

ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$NETWORK\").IPAddress}}" "$1"; }
backend=$(ip demo-backend)
echo
log "What happened ($(($(now) - started)) s in all, site.yml ${deploy_s} s)"
grep -E ': ok=[0-9]+ +changed=' "$recap" | sed -E 's/ +(unreachable|rescued|ignored)=[0-9]+//g; s/^/    /'
echo "$report" | sed -n 's/^ *"\(trace .*\|Prometheus, .*\|Grafana data sources: .*\|log record .*\|logs: .*\)",\{0,1\}$/    \1/p' | sed 's/\\"/"/g'
cat <<MSG

    Look for yourself (from this machine):
      Jaeger      http://$backend:16686/api/traces/<trace ID above>   (API; this build has no UI)
      Prometheus  http://$backend:9090/api/v1/query?query=up         admin / demo-prometheus-password
      Grafana     http://$backend:3000/api/datasources                admin / demo-admin-password
      Logs        https://$backend:9428/select/vmui/   (VictoriaLogs' UI; the CA: docker exec demo-backend cat
                  /etc/ssl/telemetry/ca.pem)   logs / demo-logs-password; query: trace_id:="<trace ID above>"
      Alerts      docker exec demo-backend cat /var/lib/sinks/webhook.jsonl   (every notification; mail.jsonl the mails)
                  try one: docker exec demo-app systemctl stop otelcol-contrib; HostDown arrives about a minute
                  later, and its end a minute after systemctl start
      A shell     docker exec -it demo-app bash

    Run again:    make demo        (expect changed=0)
    Tear down:    make demo-down
MSG
