#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: otelcol_validate
short_description: Validate an OpenTelemetry Collector config without the collector binary
version_added: 0.1.0
description:
  - Checks a collector config the way C(otelcol validate) does, but in Python, so it runs on the
    controller (or in AWX) before any host is touched.
  - It catches structural errors (unknown top-level keys, undefined or unused components, bad pipeline
    and component IDs, one-sided connectors, empty pipelines), component types that the chosen
    distribution and version do not have (including removed ones such as the C(logging) exporter),
    exporters without a destination, and problems the binary only sees at start-up, such as two
    components listening on one port.
  - Warnings (unused components, C(memory_limiter) not first, C($VAR) that is no longer expanded,
    C(insecure) beside TLS files) are returned in RV(findings) and shown as Ansible warnings.
  - The same check is available as the filter P(telemetry.stack.otelcol_validate#filter).
author: telemetry.stack maintainers (!UNKNOWN)
options:
  config:
    description:
      - The collector config, as a mapping. Mutually exclusive with O(src).
    type: raw
  src:
    description:
      - Path of a YAML file holding the config, on the host the module runs on. Mutually exclusive with O(config).
    type: path
  version:
    description:
      - The collector version the config is meant for, such as V(0.159.0).
    type: str
    required: true
  distribution:
    description:
      - The collector distribution.
    type: str
    choices: [otelcol, otelcol-contrib]
    default: otelcol-contrib
  components:
    description:
      - The component types of a specific build, replacing the built-in catalog of the upstream
        distribution, as a mapping of V(receivers), V(processors), V(exporters), V(extensions) and
        V(connectors) to lists of type names (what C(otelcol components) lists).
    type: dict
  fail_on_error:
    description:
      - Fail the task when the config has errors. With V(false) the task succeeds and reports them.
    type: bool
    default: true
extends_documentation_fragment:
  - telemetry.stack.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
seealso:
  - plugin: telemetry.stack.otelcol_validate
    plugin_type: filter
notes:
  - The module never changes anything.
"""

EXAMPLES = r"""
- name: Validate the rendered collector config on the controller
  telemetry.stack.otelcol_validate:
    config: "{{ lookup('ansible.builtin.template', 'config.yaml.j2') | from_yaml }}"
    version: "0.159.0"
  delegate_to: localhost

- name: Check a file on the host, and only report problems
  telemetry.stack.otelcol_validate:
    src: /etc/otelcol-contrib/config.yaml
    version: "0.159.0"
    fail_on_error: false
  register: __check
"""

RETURN = r"""
valid:
  description: Whether the config has no errors (warnings do not count).
  returned: always
  type: bool
  sample: false
findings:
  description: Every problem found.
  returned: always
  type: list
  elements: dict
  contains:
    severity:
      description: V(error) or V(warning).
      type: str
    component:
      description: Where, such as V(exporters/otlp) or V(service.pipelines/traces); empty for the whole document.
      type: str
    field:
      description: The setting inside the component, such as V(endpoint); empty when the component itself is wrong.
      type: str
    message:
      description: What is wrong and how to fix it.
      type: str
  sample:
    - severity: error
      component: exporters/otlp
      field: endpoint
      message: "is required: the otlp exporter has nowhere to send data without it"
errors:
  description: "The error findings, each as one string C(<component>.<field>: <message>)."
  returned: always
  type: list
  elements: str
"""

import traceback

from ansible.module_utils.basic import AnsibleModule

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core depends on PyYAML
    YAML_IMPORT_ERROR = traceback.format_exc()
    yaml = None
else:
    YAML_IMPORT_ERROR = None

from ansible_collections.telemetry.stack.plugins.module_utils._otelcol.validate import Finding, validate


def _text(finding: dict) -> str:
    return Finding(**finding).text()


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="raw"),
            src=dict(type="path"),
            version=dict(type="str", required=True),
            distribution=dict(type="str", choices=["otelcol", "otelcol-contrib"], default="otelcol-contrib"),
            components=dict(type="dict"),
            fail_on_error=dict(type="bool", default=True),
        ),
        mutually_exclusive=[("config", "src")],
        required_one_of=[("config", "src")],
        supports_check_mode=True,
    )
    params = module.params
    config = params["config"]
    if params["src"] is not None:
        if yaml is None:
            module.fail_json(msg="src needs the PyYAML Python library on the host the module runs on", exception=YAML_IMPORT_ERROR)
        try:
            with open(params["src"], encoding="utf-8") as fh:
                config = yaml.safe_load(fh)
        except OSError as exc:
            module.fail_json(msg=f"src: cannot read {params['src']}: {exc.strerror}")
        except yaml.YAMLError as exc:
            module.fail_json(msg=f"src: {params['src']} is not valid YAML: {exc}")
    try:
        result = validate(config, params["version"], params["distribution"], params["components"]).as_dict()
    except ValueError as exc:
        module.fail_json(msg=f"version: {exc}")
    for finding in result["findings"]:
        if finding["severity"] == "warning":
            module.warn(_text(finding))
    if params["fail_on_error"] and not result["valid"]:
        module.fail_json(msg="the collector config is invalid: " + "; ".join(result["errors"]), changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
