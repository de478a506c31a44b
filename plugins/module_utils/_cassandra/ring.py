# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which lost node a Cassandra node with no data takes the place of: pure logic, tested without a ring.

A host of the ring's inventory group whose data directory is empty is either a new node (the group grew) or the same
node rebuilt (a new disk, a new machine under the same name). A new node bootstraps; a rebuilt one must start with
``-Dcassandra.replace_address_first_boot=<its old address>``, or Cassandra refuses it ("A node with address ... already
exists") and the ring keeps counting a dead node. It is a rebuild when the ring, as a running node's ``nodetool
status`` shows it, already has as many nodes as the group has hosts, and exactly one of them is down at an address no
other host of the group has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# nodetool status: "UN  10.0.0.1  1.2 MiB  16  100.0%  <host id>  rack1" (status, state, address).
NODE = re.compile(r"^([UD])([NLJM])\s+(\S+)\s", re.MULTILINE)


class RingError(ValueError):
    """The ring does not say which node this one replaces; the message says what to do."""


def nodes(status: str) -> dict[str, bool]:
    """The ring's nodes from ``nodetool status``: address -> up."""
    return {address: updown == "U" for updown, _state, address in NODE.findall(status or "")}


def replaced_address(status: str, group_size: int, other_addresses: Iterable[str]) -> str:
    """The address this empty node takes over, or ``""`` when it joins as a new node.

    ``status`` is ``nodetool status`` from a running node of the ring (``""`` when no node answers: a new ring);
    ``group_size`` the number of hosts in the ring's inventory group; ``other_addresses`` the listen addresses of the
    group's other hosts."""
    ring = nodes(status)
    if not ring or len(ring) < group_size:
        # A new ring, or the group grew: bootstrap.
        return ""
    others = set(other_addresses)
    lost = sorted(address for address, up in ring.items() if not up and address not in others)
    if len(lost) == 1:
        return lost[0]
    if not lost:
        return ""
    raise RingError(
        f"this node has no data, and the ring counts {len(lost)} nodes down at addresses no other host of the group "
        f"has ({', '.join(lost)}): it cannot tell which one it replaces. Remove the ones that are gone for good with "
        "'nodetool removenode <Host ID>' on a running node, then run again"
    )
