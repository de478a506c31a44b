# SPDX-License-Identifier: GPL-3.0-or-later
"""unchanged_file decides whether a role may skip a write."""

from __future__ import annotations

import hashlib

import pytest
from ansible_collections.telemetry.stack.plugins.test.readable_by import readable_by
from ansible_collections.telemetry.stack.plugins.test.unchanged_file import unchanged_file

CONTENT = "# Ansible managed\nkey: value\n"
HAVE = {"path": "/etc/x/config.yaml", "pw_name": "root", "gr_name": "x", "mode": "0640",
        "checksum": hashlib.sha1(CONTENT.encode()).hexdigest()}


@pytest.mark.parametrize(
    ("have", "args", "expected"),
    [
        (HAVE, ("root", "x", "0640", CONTENT), True),
        (HAVE, ("root", "x", "640", CONTENT), True),
        (HAVE, ("root", "x", "0640", None), True),
        (HAVE, ("root", "x", "0640", CONTENT + "more: 1\n"), False),
        (HAVE, ("root", "root", "0640", CONTENT), False),
        (HAVE, ("x", "x", "0640", CONTENT), False),
        (HAVE, ("root", "x", "0644", CONTENT), False),
        ({}, ("root", "x", "0640", CONTENT), False),
        (None, ("root", "x", "0640", None), False),
        ({**HAVE, "checksum": None}, ("root", "x", "0640", CONTENT), False),
    ],
    ids=["same", "mode-without-leading-zero", "directory-no-content", "content-differs", "group-differs",
         "owner-differs", "mode-differs", "missing", "undefined", "no-checksum"],
)
def test_unchanged_file(have, args, expected: bool) -> None:
    assert unchanged_file(have, *args) is expected


KEY = {"exists": True, "path": "/etc/ssl/k.pem", "gr_name": "jaeger", "rgrp": True, "roth": False}


@pytest.mark.parametrize(
    ("have", "groups", "expected"),
    [
        (KEY, ["jaeger"], True),
        (KEY, "jaeger", True),
        (KEY, ["otelcol-contrib", "jaeger"], True),
        (KEY, ["prometheus"], False),
        ({**KEY, "rgrp": False}, ["jaeger"], False),
        ({**KEY, "gr_name": "root", "roth": True}, ["jaeger"], True),
        ({**KEY, "gr_name": None}, ["jaeger"], False),
        ({"exists": False, "path": "/etc/ssl/k.pem"}, ["jaeger"], False),
        (None, ["jaeger"], False),
    ],
    ids=["its-group", "group-as-string", "one-of-its-groups", "other-group", "group-cannot-read", "world-readable",
         "group-deleted", "missing", "nothing"],
)
def test_readable_by(have, groups, expected: bool) -> None:
    assert readable_by(have, groups) is expected
