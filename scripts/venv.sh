#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Create (once) the Python virtualenv with the pinned tooling from
# requirements.txt and print its path. The venv lives in the cache, keyed by
# the hash of requirements.txt: editing that file makes a new one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

req="$REPO_ROOT/requirements.txt"
venv="${CACHE_DIR}/venv-$(content_hash "$req")"
if [ -x "$venv/bin/ansible-playbook" ] && [ -f "$venv/.complete" ]; then
  echo "$venv"
  exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || die "$python not found. Fix: install Python 3.11+ or set PYTHON."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "$("$python" -V) is too old: ansible-core 2.19 needs Python 3.11 or newer. Fix: set PYTHON."
started=$(now)
log "Creating the Python tooling venv in $venv (about a minute)"
rm -rf "$venv"
"$python" -m venv "$venv" ||
  die "python3 -m venv failed. Fix: install the venv module (Debian: apt-get install python3-venv)."
"$venv/bin/pip" install --progress-bar off -q --upgrade pip >&2
"$venv/bin/pip" install --progress-bar off -r "$req" 2>&1 |
  grep -E '^(Collecting|Successfully|ERROR)' | sed 's/^/      /' >&2
[ "${PIPESTATUS[0]}" -eq 0 ] || die "pip install -r requirements.txt failed (output above)."
touch "$venv/.complete"
# Older venvs of this project only waste disk.
find "$CACHE_DIR" -maxdepth 1 -name 'venv-*' ! -path "$venv" -exec rm -rf {} +
info "venv ready in $(($(now) - started)) s"
echo "$venv"
