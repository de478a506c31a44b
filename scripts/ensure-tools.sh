#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Make sure the controller has the programs the collection runs on it: age
# (encrypts the PKI's backup, decrypts it in a disaster; docs/operations.md)
# and zstd. Installs Debian's packages when missing (needs root and apt).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
for tool in age zstd; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -gt 0 ] || exit 0
command -v apt-get >/dev/null 2>&1 ||
  die "${missing[*]} missing on the controller, and this is not a Debian-family machine.
  Fix: install ${missing[*]} with your OS's packages (age is also a single static binary), then run this again."
log "Installing ${missing[*]} on the controller (Debian's packages)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
  { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } ||
  die "Installing ${missing[*]} failed. Fix: sudo apt-get install -y ${missing[*]}"
