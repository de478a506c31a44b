#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write each role README's variables table from its meta/argument_specs.yml.

    scripts/role_readme.py            rewrite the tables
    scripts/role_readme.py --check    exit 1 if a README is out of date

The table sits between the markers <!-- BEGIN VARIABLES --> and <!-- END VARIABLES -->.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parents[1] / "roles"
BEGIN, END = "<!-- BEGIN VARIABLES -->", "<!-- END VARIABLES -->"


def cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(spec_path: Path) -> str:
    specs = yaml.safe_load(spec_path.read_text())["argument_specs"]
    # main's options, then those only another entry point (tasks_from) takes, saying which.
    options = dict((specs.get("main") or {}).get("options") or {})
    for entry, spec in specs.items():
        for name, opt in (spec.get("options") or {}).items():
            if name not in options:
                options[name] = {**opt, "description": f"(tasks_from: {entry}.yml) {opt.get('description', '')}"}
    rows = ["| variable | type | default | description |", "|---|---|---|---|"]
    for name, opt in options.items():
        default = f"`{cell(yaml.safe_dump(opt['default'], default_flow_style=True).strip().removesuffix('...').strip())}`" if "default" in opt else ""
        kind = opt.get("type", "str") + (f" of {opt['elements']}" if opt.get("elements") else "")
        choices = f" One of: {', '.join(map(str, opt['choices']))}." if opt.get("choices") else ""
        rows.append(f"| `{name}` | {kind} | {default} | {cell(opt.get('description', ''))}{choices} |")
    return "\n".join(rows)


def render(readme: Path, spec: Path) -> str:
    text = readme.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table(spec)}\n{END}{tail}"


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for readme in sorted(ROLES.glob("*/README.md")):
        spec = readme.parent / "meta" / "argument_specs.yml"
        if not spec.is_file() or BEGIN not in readme.read_text():
            continue
        new = render(readme, spec)
        if new != readme.read_text():
            stale.append(readme)
            if not check:
                readme.write_text(new)
    if check and stale:
        print("out of date (run scripts/role_readme.py): " + ", ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
