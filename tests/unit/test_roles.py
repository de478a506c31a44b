# SPDX-License-Identifier: GPL-3.0-or-later
"""Each role's argument_specs, defaults and README say the same thing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))


def defaults(role: Path) -> dict:
    out: dict = {}
    main = role / "defaults" / "main.yml"
    files = [main] if main.is_file() else sorted((role / "defaults" / "main").glob("*.yml"))
    for f in files:
        out.update(yaml.safe_load(f.read_text()) or {})
    return out


def options(role: Path) -> dict:
    """Every entry point's options (main's first): the defaults serve them all."""
    out: dict = {}
    for spec in yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"].values():
        for name, opt in (spec.get("options") or {}).items():
            out.setdefault(name, opt)
    return out


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_every_default_is_an_option_and_every_option_a_default_or_required(role: Path) -> None:
    d, o = defaults(role), options(role)
    assert sorted(set(d) - set(o)) == [], "defaults without an argument_spec option"
    assert sorted(k for k, v in o.items() if k not in d and not v.get("required")) == [], "optional options without a default"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_spec_defaults_equal_the_role_defaults(role: Path) -> None:
    d = defaults(role)
    for name, opt in options(role).items():
        if "default" in opt:
            assert opt["default"] == d[name], name
        elif name in d:
            # A templated default: the spec says what it is in its description instead.
            assert "{{" in str(d[name]) or "lookup(" in str(d[name]), f"{name}: the spec has no default but the role has a literal one"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_public_variables_carry_the_role_prefix(role: Path) -> None:
    prefix = role.name.lstrip("_") if role.name.startswith("_") else role.name
    # An internal role may also take one variable named after itself (_service, its caller's descriptor).
    bad = [k for k in options(role) if not k.lstrip("_").startswith(prefix + "_") and k != role.name]
    assert bad == []


def test_role_readmes_are_generated_from_the_specs() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "role_readme.py"), "--check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


SERVICE_SPEC = yaml.safe_load((ROOT / "roles" / "_service" / "meta" / "argument_specs.yml").read_text())[
    "argument_specs"]["main"]["options"]["_service"]["options"]
SERVICE_ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/tasks/main.yml")
                       if "telemetry.stack._service" in p.read_text())


@pytest.mark.parametrize("role", SERVICE_ROLES, ids=lambda r: r.name)
def test_each_service_descriptor_fits_the_lifecycle_spec(role: Path) -> None:
    """The roles include the lifecycle with rolespec_validate false (its validation, once per play, rendered the whole
    descriptor: about a second of controller time each): the descriptors are checked here instead, key by key."""
    assert "rolespec_validate: false" in (role / "tasks" / "main.yml").read_text()
    descriptor = yaml.safe_load((role / "vars" / "main.yml").read_text())[f"_{role.name}_service"]
    assert set(descriptor) <= set(SERVICE_SPEC), set(descriptor) - set(SERVICE_SPEC)
    assert {k for k, o in SERVICE_SPEC.items() if o.get("required")} <= set(descriptor)
    templates = SERVICE_SPEC["templates"]["options"]
    for template in descriptor["templates"]:
        assert set(template) <= set(templates), template
        assert {k for k, o in templates.items() if o.get("required")} <= set(template), template
