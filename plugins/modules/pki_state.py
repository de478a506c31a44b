#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pki_state
short_description: Read the controller's CA, keys and certificates for a host in one step
version_added: 0.1.0
description:
  - Reads, on the controller and in its own process, the CA certificate and a host's keys, signing requests and
    certificates as the role M(telemetry.stack.pki) issues them, and says when each certificate expires and which
    ones are current.
  - A certificate is current when its key (ECC secp256r1, PKCS#8, mode 0600), its signing request (mode 0600) and
    the certificate (mode 0644) are of one key, name O(common_name) and exactly O(sans) for server and client
    authentication, are signed by the CA, and do not expire within O(renew_before_days). Those are the files
    community.crypto's modules would leave as they are; the role issues only the others. Anything this cannot read
    or judge counts as not current.
  - It changes nothing, and needs no connection to the host.
author: telemetry.stack maintainers (!UNKNOWN)
options:
  ca_cert:
    description: The CA certificate, on the controller.
    type: path
    required: true
  certs:
    description:
      - The host's certificates, each with C(cert) and C(key) (paths on the controller) and optionally C(csr)
        (by default the certificate's path with C(.csr) in place of C(.pem)) and C(issuer), the certificate of the
        tier's CA that issues it (by default O(ca_cert)). Other keys are ignored.
    type: list
    elements: dict
    default: []
  common_name:
    description: The subject's common name each certificate must have.
    type: str
    required: true
  sans:
    description: The subject alternative names each certificate must have, exactly, such as V(DNS:host) and V(IP:10.0.0.1).
    type: list
    elements: str
    default: []
  renew_before_days:
    description: A certificate that expires within this many days is not current (and the CA's expiry is reported against it).
    type: int
    required: true
  rotate:
    description: A rotation was asked for; no certificate is current.
    type: bool
    default: false
  pki_dir:
    description:
      - The directory of the role's internal CA (C(ca.key), C(ca.csr), C(ca.pem)). When given, RV(ca_current) says
        whether those files are whole and of one key.
    type: path
    default: ""
  ca_common_name:
    description: The common name of the internal CA, for RV(ca_current).
    type: str
    default: ""
  tiers:
    description:
      - The tiers' issuing CAs, each with C(name), C(common_name), C(cert) and C(key) (and optionally C(csr)), paths
        on the controller. Each is current when its key, signing request (a CA of path length 0) and certificate are
        of one key, name C(common_name), are signed by O(ca_cert) and do not expire within O(renew_before_days).
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - telemetry.stack.attributes
  - telemetry.stack.attributes.action
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  action:
    support: full
notes:
  - Needs the Python C(cryptography) library on the controller, as community.crypto does.
seealso:
  - module: community.crypto.x509_certificate_info
"""

EXAMPLES = r"""
- name: Read what the controller holds for this host
  telemetry.stack.pki_state:
    ca_cert: "{{ pki_dir }}/ca.pem"
    certs: [{cert: "{{ pki_dir }}/hosts/{{ inventory_hostname }}/otelcol-contrib.pem",
             key: "{{ pki_dir }}/hosts/{{ inventory_hostname }}/otelcol-contrib.key"}]
    common_name: "{{ inventory_hostname }}"
    sans: ["DNS:{{ inventory_hostname }}", "IP:127.0.0.1"]
    renew_before_days: 30
  register: pki
"""

RETURN = r"""
ca:
  description: The CA certificate's expiry, and whether it may sign the tiers' CAs (C(may_sign_cas)).
  returned: always
  type: dict
  sample: {path: /home/me/.pki/ca.pem, exists: true, not_after: "20361128120000Z", renewal_due: false, current: false, reason: "",
           may_sign_cas: true}
tiers:
  description:
    - Per tier of O(tiers), by name, whether its CA is C(current), the C(reason) it is not, and whether it expires
      within O(renew_before_days) (C(renewal_due)).
  returned: always
  type: dict
  sample: {agent: {current: true, reason: "", renewal_due: false}}
certificates:
  description:
    - Each of O(certs), in order, with its expiry (C(exists), C(not_after), C(renewal_due)), whether it is
      C(current), and the C(reason) it is not.
  returned: always
  type: list
  elements: dict
current:
  description: The paths of the certificates that are current.
  returned: always
  type: list
  elements: str
ca_current:
  description: Whether the internal CA's files are whole and of one key (only with O(pki_dir)).
  returned: when O(pki_dir) is given
  type: bool
ca_reason:
  description: Why they are not.
  returned: when O(pki_dir) is given
  type: str
"""
