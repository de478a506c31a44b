# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: pins
short_description: The upstream versions pinned in the collection's pins.yml
version_added: 0.1.0
author: telemetry.stack maintainers (!UNKNOWN)
description:
  - Reads C(pins.yml) at the root of the installed collection, the one place where telemetry.stack
    pins the upstream releases it installs. The roles' version defaults use it.
  - A term is a component (V(otelcol), V(jaeger), V(prometheus), V(grafana)), which gives its
    C(version), or a dotted path to one field, such as V(otelcol.previous_version), V(grafana.build_id)
    or V(grafana.test_build.version).
options:
  _terms:
    description: Components, or dotted paths to their fields.
    required: true
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Which otelcol does this collection install?
  ansible.builtin.debug:
    msg: "{{ lookup('telemetry.stack.pins', 'otelcol') }}"
"""

RETURN = r"""
_raw:
  description: The pinned value of each term, as a string.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.telemetry.stack.plugins.plugin_utils._collection import ROOT, collection_yaml

PINS = ROOT / "pins.yml"


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        pins = collection_yaml(PINS.name, "pins")
        out = []
        for term in terms:
            component, *path = str(term).split(".")
            entry = pins.get(component)
            if not isinstance(entry, dict):
                raise AnsibleLookupError(f"telemetry.stack.pins: no component '{component}' in {PINS.name}; it has {', '.join(pins)}")
            value, where = entry, component
            for key in path or ["version"]:
                if not isinstance(value, dict) or value.get(key) is None:
                    known = ", ".join(value) if isinstance(value, dict) else "no fields"
                    raise AnsibleLookupError(f"telemetry.stack.pins: {where} has no '{key}' in {PINS.name}; it has {known}")
                value, where = value[key], f"{where}.{key}"
            out.append(str(value))
        return out
