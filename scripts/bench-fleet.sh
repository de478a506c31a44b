#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# site.yml across a fleet, over SSH as operators run it (docs/benchmarks.md):
# one gateway, one backend, a backup target and N agents, each a systemd container with
# openssh-server (scripts/build-images.sh --ssh), reached with a key this
# script makes, ControlPersist and pipelining on. For each N:
#   - site.yml on the fresh hosts (cold), with an empty controller download cache;
#   - site.yml again, no change, RUNS times, and the floor (tests/bench/floor.yml:
#     facts plus one stat per file site.yml manages on the host) as many times;
#   - the bytes the mirror served during the cold run, from its log.
#
#   scripts/bench-fleet.sh [N ...]      (default: 3 10 30, 39 minutes measured; RUNS=2, FORKS=10 from the environment)
#
# The demo inventory's variables (inventories/demo/group_vars), with the hosts
# of this fleet. Its containers are removed at the end (KEEP=1 keeps them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
run="$REPO_ROOT/scripts/in-venv.sh"
NETWORK=telemetry-fleet
RUNS=${RUNS:-2}
FORKS=${FORKS:-10}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(3 10 30)
work="$CACHE_DIR/fleet"
mkdir -p "$work"
results="$work/results.jsonl"
: > "$results"

"$REPO_ROOT/scripts/build-images.sh" --ssh debian12
"$REPO_ROOT/scripts/venv.sh" >/dev/null
"$REPO_ROOT/scripts/ensure-tools.sh"
log "The artifact mirror: what the demo deploys"
"$run" python3 "$REPO_ROOT/scripts/mirror/build_mirror.py" --demo | tail -n 1
"$run" python3 "$REPO_ROOT/scripts/mirror/mirror_server.py" start >/dev/null
mirror_log="$CACHE_DIR/mirror-server.log"
[ -f "$work/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -C telemetry-stack-fleet -f "$work/id_ed25519"

# Each container's systemd takes inotify instances of the machine's user root; at the default 128 (Debian's
# kernel), systemd exits at once in the 24th container or so. The largest fleet's hosts, eight each.
largest=$(printf '%s\n' "${sizes[@]}" | sort -n | tail -n 1)
want=$(((largest + 3) * 8))
if [ "$(sysctl -n fs.inotify.max_user_instances)" -lt "$want" ]; then
  info "fs.inotify.max_user_instances $(sysctl -n fs.inotify.max_user_instances) -> $want, for $((largest + 3)) systemd containers"
  sysctl -q -w fs.inotify.max_user_instances="$want" || die "Raise fs.inotify.max_user_instances to $want (sysctl -w), as root."
fi

containers() { docker ps -aq --filter "label=org.telemetry-stack.fleet"; }
remove_fleet() {
  local ids
  mapfile -t ids < <(containers)
  [ ${#ids[@]} -eq 0 ] || docker rm -f "${ids[@]}" >/dev/null
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
}
[ "${KEEP:-0}" = 1 ] || trap remove_fleet EXIT

start_host() { # name
  docker run -d --name "$1" --hostname "$1" --network "$NETWORK" --label org.telemetry-stack.fleet=1 \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    -e container=docker "$IMAGE_REPO:debian12-ssh" /lib/systemd/systemd >/dev/null
}

timed() { # LABEL PLAYBOOK ARGS...: seconds to stdout; the output in $work/LABEL.log; fails on a failed run
  local label=$1 t0 rc=0
  shift
  t0=$(date +%s.%N)
  (cd "$inv" && ANSIBLE_CONFIG="$inv/ansible.cfg" TELEMETRY_STACK_CACHE="$CACHE_DIR" XDG_CACHE_HOME="$inv/cache" "$run" ansible-playbook -i "$inv/hosts.yml" "$@") \
    >"$work/$label.log" 2>&1 || rc=$?
  [ $rc -eq 0 ] || { tail -n 30 "$work/$label.log" >&2; die "$label failed (exit $rc): $work/$label.log"; }
  python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')"
}

for n in "${sizes[@]}"; do
  log "N = $n agents, 1 gateway, 1 backend, 1 backup target: fresh containers"
  remove_fleet
  docker network create "$NETWORK" >/dev/null
  hosts=(fleet-gateway fleet-backend fleet-backup)
  for i in $(seq -w 1 "$n"); do hosts+=("fleet-agent-$i"); done
  for h in "${hosts[@]}"; do start_host "$h"; done
  for h in "${hosts[@]}"; do
    docker exec -i "$h" sh -c 'mkdir -p -m 0700 /root/.ssh && cat > /root/.ssh/authorized_keys' <"$work/id_ed25519.pub"
  done
  for h in "${hosts[@]}"; do
    docker exec "$h" timeout 60 sh -c 'until systemctl is-active -q ssh; do sleep 1; done' || die "$h: sshd did not start"
  done
  admin=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' "$NETWORK")
  inv="$work/inventory-$n"
  rm -rf "$inv" && mkdir -p "$inv"
  ln -s "$REPO_ROOT/inventories/demo/group_vars" "$inv/group_vars"
  ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$NETWORK\").IPAddress}}" "$1"; }
  {
    echo "---"
    echo "all:"
    echo "  vars:"
    echo "    ansible_connection: ssh"
    echo "    ansible_user: root"
    echo "    ansible_ssh_private_key_file: $work/id_ed25519"
    echo "    ansible_python_interpreter: /usr/bin/python3"
    echo "    backup_recipients: [$(age-keygen -y "$REPO_ROOT/molecule/shared/backup/identity.txt")]"
    echo "  hosts:"
    for h in "${hosts[@]}"; do echo "    $h: {ansible_host: $(ip "$h")}"; done
    echo "  children:"
    echo "    otel_agents:"
    echo "      hosts:"
    echo "        fleet-backend:"
    for h in "${hosts[@]:3}"; do echo "        $h:"; done
    echo "    otel_gateways: {hosts: {fleet-gateway: }}"
    echo "    cassandra:"
    for g in jaeger alertmanager prometheus grafana; do echo "    $g: {hosts: {fleet-backend: }}"; done
    echo "    backup_target: {hosts: {fleet-backup: }}"
  } >"$inv/hosts.yml"
  # As an operator's ansible.cfg would have it.
  cat >"$inv/ansible.cfg" <<CFG
[defaults]
forks = $FORKS
host_key_checking = False
collections_path = $REPO_ROOT/collections
interpreter_python = /usr/bin/python3
callbacks_enabled = ansible.builtin.profile_tasks

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=120s -o ServerAliveInterval=30
CFG
  export TELEMETRY_STACK_DEMO_ADMIN=$admin
  served_from=$(wc -l <"$mirror_log")
  cold=$(timed "site-cold-$n" "$REPO_ROOT/site.yml")
  served=$(tail -n +"$((served_from + 1))" "$mirror_log" | "$run" python3 "$REPO_ROOT/tests/bench/mirror_bytes.py")
  info "cold: $cold s; the mirror served $served"
  paths=$("$run" python3 "$REPO_ROOT/tests/bench/fleet_paths.py" "${hosts[@]}")
  warm=() floor=()
  for r in $(seq "$RUNS"); do
    floor+=("$(timed "floor-$n-$r" "$REPO_ROOT/tests/bench/floor.yml" -e "$paths")")
    warm+=("$(timed "site-warm-$n-$r" "$REPO_ROOT/site.yml")")
    grep -qE 'changed=[1-9]' "$work/site-warm-$n-$r.log" && die "site.yml changed something on the run $r at N=$n: $work/site-warm-$n-$r.log"
  done
  # docker stats reads nothing of these containers here (0B): their cgroups, read as docker would (usage less the
  # inactive page cache), from cgroup v1's memory controller or v2's unified tree.
  memory=$(for h in "${hosts[@]:2}"; do docker inspect -f '{{.Id}}' "$h"; done | python3 -c 'import sys
from pathlib import Path
total = n = 0
for cid in sys.stdin.read().split():
    for d in (Path("/sys/fs/cgroup/memory/docker", cid), Path("/sys/fs/cgroup/docker", cid), Path("/sys/fs/cgroup/system.slice", f"docker-{cid}.scope")):
        usage = d / "memory.usage_in_bytes" if (d / "memory.usage_in_bytes").exists() else d / "memory.current"
        if usage.exists():
            stat = dict(line.split() for line in (d / "memory.stat").read_text().splitlines())
            total += int(usage.read_text()) - int(stat.get("total_inactive_file", stat.get("inactive_file", 0)))
            n += 1
            break
print(f"{total / (1 << 20):.0f} MiB for {n} agent hosts ({total / max(n, 1) / (1 << 20):.0f} MiB each)")')
  echo "{\"n\": $n, \"cold_s\": $cold, \"warm_s\": [$(IFS=,; echo "${warm[*]}")], \"floor_s\": [$(IFS=,; echo "${floor[*]}")], \"served\": \"$served\", \"agents_memory\": \"$memory\"}" >>"$results"
  info "no change: ${warm[*]} s; floor: ${floor[*]} s; agents: $memory"
done

log "Results ($results)"
python3 - "$results" <<'PY'
import json, statistics, sys
print(f"    {'N':>3}  {'cold':>7}  {'no change':>9}  {'floor':>7}  {'ratio':>5}  mirror served")
for line in open(sys.argv[1]):
    r = json.loads(line)
    w, f = statistics.median(r["warm_s"]), statistics.median(r["floor_s"])
    print(f"    {r['n']:>3}  {r['cold_s']:>6.0f}s  {w:>8.1f}s  {f:>6.1f}s  {w / f:>5.2f}  {r['served']}")
PY
