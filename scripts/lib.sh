# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for the scripts in this directory. Source it, do not run it.
# shellcheck shell=bash

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Everything the scripts build or download lives here, outside the checkout,
# so that a fresh clone on the same machine reuses it.
CACHE_DIR="${TELEMETRY_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/telemetry-stack}"
IMAGE_REPO="${TELEMETRY_STACK_IMAGE_REPO:-telemetry-stack/debian-systemd}"
# Debian releases the test platform supports: "<docker tag>:<debian suite>".
# shellcheck disable=SC2034  # read by the scripts that source this file (build-images.sh)
TEST_PLATFORMS=("debian12:bookworm" "debian13:trixie")

export REPO_ROOT CACHE_DIR IMAGE_REPO

# Colour only on a terminal, and never when NO_COLOR is set.
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
  _bold=$'\033[1m' _red=$'\033[31m' _off=$'\033[0m'
else
  _bold='' _red='' _off=''
fi
_ts() { date +%H:%M:%S; }
log() { printf '%s[%s] ==> %s%s\n' "$_bold" "$(_ts)" "$*" "$_off" >&2; }
info() { printf '[%s]     %s\n' "$(_ts)" "$*" >&2; }
die() {
  printf '%s[%s] ERROR: %s%s\n' "$_red" "$(_ts)" "$*" "$_off" >&2
  exit 1
}

# Seconds since the epoch, for "took N s" messages.
now() { date +%s; }

# sha256 of the given files' contents, in order (first 16 hex digits).
content_hash() { cat "$@" | sha256sum | cut -c1-16; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo "$@"
  else
    return 1
  fi
}
