# SPDX-License-Identifier: GPL-3.0-or-later
"""Which lost node an empty Cassandra node replaces, from nodetool status as Cassandra 5.0 prints it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.cassandra_replaced_node import cassandra_replaced_node
from ansible_collections.telemetry.stack.plugins.module_utils._cassandra.ring import RingError, nodes, replaced_address

STATUS = """Datacenter: dc1
===============
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address     Load        Tokens  Owns (effective)  Host ID                               Rack
UN  172.18.0.2  1.31 MiB    16      100.0%            6a1b8e7e-2f59-4a4c-9a7e-0d5b0f6f3c11  rack1
{second}  172.18.0.3  1.12 MiB    16      100.0%            0c6d3c1a-5a8e-4b7f-8f6e-2a7d9c1e4b22  rack1
"""


def test_nodes_reads_each_address_and_whether_it_is_up() -> None:
    assert nodes(STATUS.format(second="DN")) == {"172.18.0.2": True, "172.18.0.3": False}
    assert nodes("") == {}
    assert nodes("nodetool: Failed to connect to '127.0.0.1:7199'") == {}


def test_the_same_node_rebuilt_at_the_same_address_replaces_itself() -> None:
    assert replaced_address(STATUS.format(second="DN"), 2, ["172.18.0.2"]) == "172.18.0.3"


def test_the_same_node_rebuilt_at_a_new_address_replaces_its_old_one() -> None:
    assert replaced_address(STATUS.format(second="DN"), 2, ["172.18.0.2"]) == "172.18.0.3"
    assert cassandra_replaced_node(STATUS.format(second="DN"), "2", ["172.18.0.2"]) == "172.18.0.3"


@pytest.mark.parametrize(
    ("status", "group_size", "why"),
    [
        ("", 2, "no node answers: a new ring"),
        (STATUS.format(second="DN"), 3, "the group grew: a new node"),
        (STATUS.format(second="UN"), 2, "every node is up: nothing to replace"),
        (STATUS.format(second="UJ"), 2, "a node joining is up"),
    ],
)
def test_a_new_node_bootstraps(status: str, group_size: int, why: str) -> None:
    assert replaced_address(status, group_size, ["172.18.0.2"]) == "", why


def test_a_down_node_another_host_of_the_group_has_is_not_replaced() -> None:
    # The other host is only down (its address is the one the inventory gives it): this empty node is a new one.
    assert replaced_address(STATUS.format(second="DN"), 2, ["172.18.0.3"]) == ""


def test_two_lost_nodes_are_refused_with_what_to_do() -> None:
    status = STATUS.format(second="DN").replace("UN  172.18.0.2", "DN  172.18.0.2")
    with pytest.raises(RingError, match=r"2 nodes down .*172\.18\.0\.2, 172\.18\.0\.3.*nodetool removenode"):
        replaced_address(status, 2, [])
    with pytest.raises(AnsibleFilterError, match="nodetool removenode"):
        cassandra_replaced_node(status, 2, [])
