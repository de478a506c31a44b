#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ansible-test sanity on this collection, as Galaxy holds collections to it,
# offline (run through scripts/in-venv.sh: scripts/test.sh lint does).
#
#   scripts/in-venv.sh scripts/sanity.sh [ansible-test sanity options, e.g. --test pylint]
#
# It installs shellcheck from Debian's packages when it is missing, so that
# test runs too.
#
# ansible-test needs the collection at .../ansible_collections/telemetry/stack
# (not through a symlink), so the checkout's files are copied there first.
# It makes virtualenvs for some tests and bootstraps pip into them with a
# script it downloads from a web host these machines cannot reach; it looks
# in its cache first, so a stand-in goes there that installs pip from the
# machine's own Python registry (pip's configuration) instead.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

python=python3.11
# ansible-test skips its shellcheck test without the program: Debian has it.
if ! command -v shellcheck >/dev/null 2>&1; then
  log "Installing shellcheck (Debian's package) for the shellcheck sanity test"
  if ! { as_root apt-get install -y -q shellcheck || { as_root apt-get update -q && as_root apt-get install -y -q shellcheck; }; } >/dev/null 2>&1; then
    info "could not install shellcheck (needs root or passwordless sudo): ansible-test will skip its shellcheck test"
  fi
fi
pip_version=$(python3 -c 'import re, ansible_test._internal.python_requirements as r, inspect
print(re.search(r"pip=.([0-9.]+)", inspect.getsource(r.get_venv_packages)).group(1))')
standin="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if ! [ -f "$standin" ] || ! grep -q telemetry.stack "$standin"; then
  mkdir -p "$(dirname "$standin")"
  cat >"$standin" <<'PY'
"""Stand-in for pip's get-pip.py, written by telemetry.stack's scripts/sanity.sh: pip from the Python registry."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
# get-pip.py's own options are not pip install's.
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
PY
fi

work="$CACHE_DIR/sanity"
root="$work/ansible_collections/telemetry/stack"
rm -rf "$root"
mkdir -p "$root"
# What git knows of (tracked, and new files not ignored): what a clean clone has, plus work in progress.
git -C "$REPO_ROOT" ls-files -z --cached --others --exclude-standard |
  (cd "$REPO_ROOT" && xargs -0 tar --no-recursion -cf - 2>/dev/null) | tar -C "$root" -xf -
cd "$root" || exit 1
log "ansible-test sanity --local --requirements --python ${python#python} (in $root)"
exec ansible-test sanity --local --requirements --python "${python#python}" --color no "$@"
