#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Build the systemd test images (Debian 12 and 13) from Debian's packages,
# with debootstrap and `docker import`: no container registry is needed.
#
#   scripts/build-images.sh [--force] [--ssh] [debian12|debian13 ...]
#
# --ssh builds the images with openssh-server as well (tag debian12-ssh, ...),
# for the fleet benchmark over SSH (scripts/bench-fleet.sh); each container
# makes its own host keys when it first starts.
#
# Each image carries a label with the hash of its recipe (this script, the
# package list and the suite). An image whose label matches is reused; any
# change to the recipe rebuilds it. --force rebuilds regardless.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What every test host has: systemd as init, Python for Ansible, and the small
# tools a minimal server image carries. Nothing a role is supposed to install.
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,iproute2,curl,procps,tar,gzip,xz-utils,bzip2,unzip,less
RECIPE_LABEL=org.telemetry-stack.recipe

force=false
flavour=""
wanted=()
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    --ssh)
      flavour=-ssh
      PACKAGES+=,openssh-server
      ;;
    -h | --help)
      sed -n '3,10p' "$0"
      exit 0
      ;;
    *) wanted+=("$arg") ;;
  esac
done

recipe_hash() { # suite
  { cat "${BASH_SOURCE[0]}"; echo "$1$flavour"; } | sha256sum | cut -c1-16
}

image_label() { # image
  docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true
}

# Show debootstrap's progress as one line per stage (the first of each verb)
# instead of one per package; the whole output goes to the log file.
progress() { # logfile
  awk -v logfile="$1" '
    { print > logfile; fflush(logfile) }
    /^[IWE]: / {
      if (!seen[$2]++) { printf "      %s\n", $0; fflush() }
    }'
}

build_one() { # tag suite
  local tag=$1 suite=$2 image="${IMAGE_REPO}:$1$flavour" hash rootfs started mirror
  hash=$(recipe_hash "$suite")
  if ! $force && [ "$(image_label "$image")" = "$hash" ]; then
    info "$image is up to date (recipe $hash)"
    return 0
  fi
  command -v debootstrap >/dev/null 2>&1 || {
    log "Installing debootstrap"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap ||
      die "debootstrap is missing and could not be installed. Fix: sudo apt-get install debootstrap"
  }
  mirror=$(python3 "$REPO_ROOT/scripts/debian_mirror.py") || exit 1
  rootfs="${CACHE_DIR}/rootfs/${suite}${flavour}"
  started=$(now)
  log "Building $image: debootstrap $suite from $mirror (about a minute)"
  as_root rm -rf "$rootfs"
  mkdir -p "$rootfs"
  if ! as_root debootstrap --variant=minbase --include="$PACKAGES" "$suite" "$rootfs" "$mirror" 2>&1 |
    progress "${rootfs}.log"; then
    tail -n 30 "${rootfs}.log" >&2 || true
    die "debootstrap of $suite failed; full log: ${rootfs}.log"
  fi

  info "Trimming the root filesystem"
  # A fresh machine-id per container, like a cloned VM template; no apt lists
  # (a real host runs `apt-get update` before installing); no docs.
  as_root sh -c "
    : > '$rootfs/etc/machine-id'
    rm -f '$rootfs/var/lib/dbus/machine-id'
    rm -rf '$rootfs'/var/lib/apt/lists/* '$rootfs'/var/cache/apt/*.bin '$rootfs'/var/cache/apt/archives/*.deb
    rm -rf '$rootfs'/usr/share/doc/* '$rootfs'/usr/share/man/* '$rootfs'/usr/share/locale/*
    # Units that have nothing to do inside a container and would only fail.
    for unit in getty@tty1.service systemd-firstboot.service systemd-remount-fs.service \
                sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount; do
      ln -sf /dev/null '$rootfs'/etc/systemd/system/\$unit
    done
  "
  if [ -n "$flavour" ]; then
    # Host keys per container, made at its first start, as a cloned VM would.
    as_root sh -c "
      rm -f '$rootfs'/etc/ssh/ssh_host_*
      mkdir -p '$rootfs/etc/systemd/system/ssh.service.d'
      printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \\
        > '$rootfs/etc/systemd/system/ssh.service.d/host-keys.conf'
    "
  fi

  info "Importing into Docker as $image"
  as_root tar -C "$rootfs" -c . | docker import \
    --change "LABEL $RECIPE_LABEL=$hash" \
    --change 'ENV container=docker' \
    --change 'CMD ["/lib/systemd/systemd"]' \
    - "$image" >/dev/null
  as_root rm -rf "$rootfs"
  info "$image built in $(($(now) - started)) s"
}

"$REPO_ROOT/scripts/ensure-docker.sh"
for platform in "${TEST_PLATFORMS[@]}"; do
  tag=${platform%%:*}
  suite=${platform#*:}
  if [ ${#wanted[@]} -gt 0 ] && ! [[ " ${wanted[*]} " == *" $tag "* ]]; then
    continue
  fi
  build_one "$tag" "$suite"
done
