# SPDX-License-Identifier: GPL-3.0-or-later
"""Write each role README's variables table from its meta/argument_specs.yml.

    python3 scripts/role_readme.py            rewrite the tables
    python3 scripts/role_readme.py --check    exit 1 if a README is out of date

The table sits between the markers <!-- BEGIN VARIABLES --> and <!-- END VARIABLES -->.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parents[1] / "roles"
BEGIN, END = "<!-- BEGIN VARIABLES -->", "<!-- END VARIABLES -->"


# Ansible's documentation markup, as Markdown: C(code), O(option), V(value), I(italic), B(bold), M(module),
# RV(return value), E(env var), U(url), L(text,url). O() and RV() may carry a plugin (O(ns.coll.mod#module:opt)):
# the option's own name is what a reader needs.
_CODE = re.compile(r"\b(?:C|O|V|M|RV|E)\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
_MARKUP = [
    (re.compile(r"\bL\(([^,()]+),\s*([^()]+)\)"), r"[\1](\2)"),
    (re.compile(r"\bU\(([^()]+)\)"), r"<\1>"),
    (re.compile(r"\bI\(([^()]+)\)"), r"*\1*"),
    (re.compile(r"\bB\(([^()]+)\)"), r"**\1**"),
]


def _code(match: re.Match) -> str:
    inner = match.group(1)
    return f"`{inner.split('#')[-1].split(':')[-1] if '#' in inner else inner}`"


def markdown(text: str) -> str:
    text = _CODE.sub(_code, text)
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text


def cell(text: object) -> str:
    """One table cell: a description's paragraphs (a string or a list of them) on one line, markup as Markdown."""
    paragraphs = text if isinstance(text, list) else [text]
    return markdown(" ".join(" ".join(str(p).split()) for p in paragraphs)).replace("|", "\\|")


def rows(options: dict, prefix: str = "") -> list[str]:
    """One row per option, then its suboptions as <option>.<suboption>."""
    out = []
    for name, opt in options.items():
        default = f"`{cell(yaml.safe_dump(opt['default'], default_flow_style=True).strip().removesuffix('...').strip())}`" if "default" in opt else ""
        kind = opt.get("type", "str") + (f" of {opt['elements']}" if opt.get("elements") else "")
        choices = f" One of: {', '.join(f'`{c}`' for c in opt['choices'])}." if opt.get("choices") else ""
        required = " Required." if opt.get("required") else ""
        out.append(f"| `{prefix}{name}` | {kind} | {default} | {cell(opt.get('description', ''))}{choices}{required} |")
        out.extend(rows(opt.get("options") or {}, f"{prefix}{name}{'[]' if opt.get('elements') == 'dict' else ''}."))
    return out


def table(spec_path: Path) -> str:
    specs = yaml.safe_load(spec_path.read_text())["argument_specs"]
    # main's options, then those only another entry point (tasks_from) takes, saying which.
    options = dict((specs.get("main") or {}).get("options") or {})
    for entry, spec in specs.items():
        for name, opt in (spec.get("options") or {}).items():
            if name not in options:
                description = opt.get("description", "")
                description = description if isinstance(description, list) else [description]
                options[name] = {**opt, "description": [f"(tasks_from: {entry}.yml)"] + description}
    return "\n".join(["| variable | type | default | description |", "|---|---|---|---|"] + rows(options))


def render(readme: Path, spec: Path) -> str:
    text = readme.read_text()
    head, _sep, rest = text.partition(BEGIN)
    tail = rest.partition(END)[2]
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
