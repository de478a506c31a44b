#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Make sure a Docker engine answers on this machine.
#
#   1. an engine already answers            -> nothing to do;
#   2. no engine is installed               -> install Debian's docker.io (needs root and apt);
#   3. the engine is installed, not running -> start it with systemd when systemd runs,
#                                              else start dockerd in the background.
# Anything it cannot do is explained, with the command to run instead.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERD_LOG="${CACHE_DIR}/dockerd.log"

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  info "Docker engine answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))."
  exit 0
fi

if [ -S /var/run/docker.sock ] && ! [ -w /var/run/docker.sock ]; then
  die "Docker's socket /var/run/docker.sock exists but $(id -un) cannot use it.
  Fix: sudo usermod -aG docker $(id -un)   (then log in again), or run as root."
fi

if ! command -v dockerd >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 ||
    die "No Docker engine, and this is not a Debian-family machine, so it cannot be installed here.
  Fix: install Docker Engine for your OS and start it, then run this again."
  log "No Docker engine: installing Debian's docker.io"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed (need root or passwordless sudo).
  Fix: sudo apt-get install -y docker.io && sudo systemctl start docker"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io ||
    die "Installing docker.io failed.
  Fix: sudo apt-get install -y docker.io"
fi

log "Starting the Docker engine"
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && systemctl is-system-running >/dev/null 2>&1; then
  as_root systemctl start docker || die "systemctl start docker failed. Fix: see 'journalctl -u docker'."
else
  # No systemd here (a container or a sandbox): run dockerd ourselves, detached
  # from this shell so it outlives the script.
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  [ "$(id -u)" -eq 0 ] ||
    die "The engine is installed but not running, and starting dockerd needs root.
  Fix: sudo dockerd > /var/log/dockerd.log 2>&1 &"
  setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  info "dockerd started (pid $!), log: $DOCKERD_LOG"
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    info "Docker engine answers ($(docker info --format '{{.ServerVersion}}'))."
    exit 0
  fi
  sleep 1
done
tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
die "The Docker engine did not answer within 60 s. Its log is above ($DOCKERD_LOG)."
