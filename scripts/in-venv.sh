#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run a command with the project's pinned tooling: the cached venv first on
# PATH, and this checkout visible to Ansible as the telemetry.stack collection.
#   scripts/in-venv.sh molecule test -s smoke
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv=$("$REPO_ROOT/scripts/venv.sh")
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"
# collections/ansible_collections/telemetry/stack is a symlink to this checkout.
export ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/collections"
cd "$REPO_ROOT" || exit 1
exec "$@"
