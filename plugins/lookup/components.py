# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: components
short_description: Which inventory group runs which component of the stack
version_added: 0.1.0
author: telemetry.stack maintainers (!UNKNOWN)
description:
  - Reads C(components.yml) at the root of the installed collection, the one map of inventory groups to the
    components that run there. C(playbooks/site.yml), the preflight and pki roles and the day-2 playbooks take
    their host patterns and groups from it.
  - A term is one of V(hosts) (the host pattern of the whole stack), V(data_hosts) (the host pattern of the groups
    whose hosts keep data that backups cover), a component's name such as V(otelcol) (the
    host pattern of its groups, in the order an upgrade goes), V(groups) (the map, group to C(component),
    C(mode) and C(kind)), V(components) (their names, in deployment order), V(patterns) (each component's host
    pattern), V(services) (one TLS identity per component, as the pki role issues them) or V(otelcol_mode) (the
    mode of the collector on the host it is evaluated for, from that host's groups).
options:
  _terms:
    description: What to read from the map.
    required: true
    type: list
    elements: str
  distribution:
    description: The collector's distribution, which names its service (for V(services)).
    type: str
    default: otelcol-contrib
"""

EXAMPLES = r"""
- name: Every host of the stack
  hosts: "{{ lookup('telemetry.stack.components', 'hosts') }}"
  tasks:
    - name: Which groups run collectors, gateways first
      ansible.builtin.debug:
        msg: "{{ lookup('telemetry.stack.components', 'otelcol') }}"
"""

RETURN = r"""
_raw:
  description: For each term, a host pattern (a string), the map (a dict) or a list.
  type: list
  elements: raw
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.telemetry.stack.plugins.module_utils._stack import components as _map
from ansible_collections.telemetry.stack.plugins.plugin_utils._collection import ROOT, collection_yaml

COMPONENTS = ROOT / "components.yml"


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        data = collection_yaml(COMPONENTS.name, "components")
        distribution = kwargs.get("distribution") or "otelcol-contrib"
        answers = {
            "hosts": lambda: _map.pattern(data),
            "data_hosts": lambda: _map.data_pattern(data),
            "groups": lambda: _map.groups(data),
            "components": lambda: _map.components(data),
            "patterns": lambda: _map.patterns(data),
            "services": lambda: _map.services(data, distribution),
            "otelcol_mode": lambda: _map.collector_mode(data, list((variables or {}).get("group_names") or [])),
        }
        try:
            return [answers[term]() if term in answers else _map.pattern(data, str(term)) for term in terms]
        except _map.ComponentsError as exc:
            raise AnsibleLookupError(f"telemetry.stack.components: {exc}") from exc
