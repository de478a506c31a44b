# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX / Automation Controller: the surveys agree with the argument specs, playbooks/awx.yml creates the objects of
awx/job_templates.yml through the awx.awx modules (against a stand-in for the controller's API), and
execution-environment.yml makes an ansible-builder context offline."""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DATA = yaml.safe_load((ROOT / "awx" / "job_templates.yml").read_text())
JOB_TEMPLATES = {jt["name"]: jt for jt in DATA["awx_job_templates"]}
DAY2 = yaml.safe_load((ROOT / "playbooks" / "vars" / "arguments.yml").read_text())["argument_specs"]
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
EE = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
TARBALL = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"


def role_options() -> dict[str, dict]:
    """Every option of every entry point of every role's meta/argument_specs.yml."""
    out: dict[str, dict] = {}
    for f in sorted((ROOT / "roles").glob("*/meta/argument_specs.yml")):
        for entry in yaml.safe_load(f.read_text())["argument_specs"].values():
            out.update(entry.get("options") or {})
    return out


ROLE_OPTIONS = role_options()


def declared(playbook: str) -> dict[str, dict]:
    """The variables a job template running `playbook` may set: the roles' options, and the playbook's own entry in
    playbooks/vars/arguments.yml for a day-2 playbook."""
    return ROLE_OPTIONS | (DAY2.get(Path(playbook).stem, {}).get("options") or {})


def questions() -> list[Any]:
    return [pytest.param(jt, q, id=f"{jt['name']}:{q['variable']}")
            for jt in DATA["awx_job_templates"] for q in jt.get("survey_spec", {}).get("spec", [])]


# --- What the controller itself refuses ------------------------------------------------------------------------

# awx/main/constants.py: the question types, and what type a default of each must have.
SURVEY_TYPES: dict[str, Any] = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                                "integer": int, "float": (float, int)}


def controller_refuses(survey: dict) -> str | None:
    """Why the controller's API would refuse this survey_spec (JobTemplateSurveySpec._validate_spec_data in AWX),
    or None. Stricter in one place: a bool is not an integer."""
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(survey.get(field), kind):
            return f"survey field {field!r} is missing or not a {kind.__name__}"
    if not survey["spec"]:
        return "'spec' doesn't contain any items."
    seen: set[str] = set()
    for i, q in enumerate(survey["spec"]):
        for field, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if not isinstance(q.get(field), kind):
                return f"question {i}: {field!r} is missing or not a {kind.__name__}"
        if q["variable"] in seen:
            return f"question {i}: variable {q['variable']!r} twice"
        seen.add(q["variable"])
        if q["type"] not in SURVEY_TYPES:
            return f"question {i}: type {q['type']!r} is not one of {sorted(SURVEY_TYPES)}"
        default = q.get("default", "")
        if default != "" and (isinstance(default, bool) or not isinstance(default, SURVEY_TYPES[q["type"]])):
            return f"question {i}: default {default!r} is not a {q['type']} answer"
        for key in ("min", "max"):
            if key in q and q[key] is not None and (isinstance(q[key], bool) or not isinstance(q[key], int)):
                return f"question {i}: {key} must be an integer"
        if q["type"] in ("multiplechoice", "multiselect"):
            if "choices" not in q:
                return f"question {i}: a {q['type']} needs choices"
            choices = q["choices"].splitlines() if isinstance(q["choices"], str) else q["choices"]
            defaults = [d for d in default.splitlines() if d.strip()] if isinstance(default, str) else default
            if q["type"] == "multiplechoice" and len(defaults) > 1:
                return f"question {i}: Multiple Choice (Single Select) can only have one default value."
            if any(d not in choices for d in defaults):
                return f"question {i}: Default choice must be answered from the choices listed."
    return None


# --- What a question must have in common with the variable it sets ---------------------------------------------

def survey_default(value: Any, qtype: str) -> Any:
    """A spec default as the survey states it: a multiselect's as lines, a bool as the word."""
    if qtype == "multiselect":
        return "\n".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def mismatches(q: dict, option: dict | None) -> list[str]:
    """What is wrong with survey question `q` for the declared `option` (None: not declared)."""
    var = q["variable"]
    if option is None:
        return [f"{var} is declared neither in a role's meta/argument_specs.yml nor in playbooks/vars/arguments.yml"]
    out = []
    kind, choices, qtype = option.get("type", "str"), option.get("choices"), q["type"]
    # Which question types can give each declared type its value.
    if kind == "list":
        fits = {"multiselect"} if choices and option.get("elements", "str") == "str" else set()
    elif kind == "bool":
        fits = {"multiplechoice"}
    elif kind in ("str", "path"):
        fits = {"multiplechoice"} if choices else {"text", "textarea"}
    else:
        fits = {"int": {"integer"}, "float": {"float", "integer"}}.get(kind, set())
    if qtype not in fits:
        out.append(f"{var}: a {qtype} question cannot set a {kind}{' with choices' if choices else ''}"
                   f" ({', '.join(sorted(fits)) or 'only extra variables can'})")
    if option.get("no_log") or qtype == "password":
        out.append(f"{var}: a secret; it belongs in a credential, not a survey")
    asked = q.get("choices")
    if asked is not None:
        asked = asked.splitlines() if isinstance(asked, str) else asked
        allowed = ["true", "false"] if kind == "bool" else [str(c) for c in choices or []]
        if extra := [c for c in asked if c not in allowed]:
            out.append(f"{var}: choices {extra} are not among {allowed}")
    spec_required = bool(option.get("required"))
    spec_default = option.get("default")
    templated = isinstance(spec_default, str) and "{{" in spec_default
    if spec_required and (not q["required"] or "default" in q):
        out.append(f"{var}: required by the spec, so a required question without a default")
    if not spec_required and q["required"] and not (templated and "default" not in q):
        # The one exception: a default worked out from the run (inventory_dir) that means nothing in a controller's
        # throw-away job directory; the question asks for the value instead.
        out.append(f"{var}: optional in the spec, so an optional question")
    if not spec_required and not q["required"] and qtype in ("text", "textarea") and "default" not in q:
        out.append(f"{var}: a blank optional text answer reaches the playbook as '' or null, not as unset; give a default")
    if "default" in q:
        if "default" not in option or templated:
            out.append(f"{var}: the spec's default is worked out at run time; a survey default would override the inventory")
        elif q["default"] != survey_default(spec_default, qtype):
            out.append(f"{var}: default {q['default']!r}, the spec says {survey_default(spec_default, qtype)!r}")
        if qtype == "integer" and not q.get("min", q["default"]) <= q["default"] <= q.get("max", q["default"]):
            out.append(f"{var}: default {q['default']} is outside {q.get('min')}..{q.get('max')}")
    return out


@pytest.mark.parametrize(("option", "question", "problem"), [
    ({"type": "str", "choices": ["a", "b"]}, {"type": "multiplechoice", "choices": ["a"]}, None),
    ({"type": "str", "choices": ["a", "b"]}, {"type": "multiplechoice", "choices": ["a", "c"]}, "not among"),
    ({"type": "str", "choices": ["a", "b"]}, {"type": "text"}, "cannot set a str with choices"),
    ({"type": "str", "required": True}, {"type": "text", "required": True}, None),
    ({"type": "str", "required": True}, {"type": "text"}, "required by the spec"),
    ({"type": "str", "required": True}, {"type": "text", "required": True, "default": "x"}, "required by the spec"),
    ({"type": "str", "default": "x"}, {"type": "text", "required": True}, "optional in the spec"),
    ({"type": "str"}, {"type": "text"}, "give a default"),
    ({"type": "str", "default": "x"}, {"type": "text", "default": "x"}, None),
    ({"type": "str", "default": "x"}, {"type": "text", "default": "y"}, "the spec says 'x'"),
    ({"type": "str", "choices": ["a", "b"]}, {"type": "multiplechoice", "choices": ["a"], "default": "a"}, "worked out"),
    ({"type": "path", "default": "{{ inventory_dir }}/x"}, {"type": "text", "required": True}, None),
    ({"type": "path", "default": "{{ inventory_dir }}/x"}, {"type": "text", "required": True, "default": "/x"}, "worked out"),
    ({"type": "int", "default": 10}, {"type": "integer", "default": 10, "min": 1, "max": 5}, "outside"),
    ({"type": "int", "default": 10}, {"type": "integer"}, None),
    ({"type": "int"}, {"type": "text", "default": "1"}, "cannot set a int"),
    ({"type": "float", "default": 5}, {"type": "integer", "default": 5}, None),
    ({"type": "bool", "default": False}, {"type": "multiplechoice", "choices": ["true", "false"], "default": "false"}, None),
    ({"type": "bool", "default": False}, {"type": "multiplechoice", "choices": ["yes", "no"]}, "not among"),
    ({"type": "bool", "default": False}, {"type": "multiplechoice", "choices": ["true", "false"], "default": "true"}, "spec says"),
    ({"type": "list", "elements": "str", "choices": ["a", "b"], "default": ["a", "b"]},
     {"type": "multiselect", "choices": ["a", "b"], "default": "a\nb"}, None),
    ({"type": "list", "elements": "str", "choices": ["a", "b"], "default": ["a", "b"]},
     {"type": "multiselect", "choices": ["a", "b"], "default": "a"}, "spec says"),
    ({"type": "list", "elements": "raw", "default": [1]}, {"type": "textarea", "default": "1"}, "only extra variables"),
    ({"type": "dict", "default": {}}, {"type": "textarea"}, "only extra variables"),
    ({"type": "str", "default": "", "no_log": True}, {"type": "password", "default": ""}, "credential"),
    (None, {"type": "text"}, "declared neither"),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_the_question_checker(option: dict | None, question: dict, problem: str | None) -> None:
    q = {"variable": "v", "required": False} | question
    found = mismatches(q, option)
    if problem is None:
        assert found == []
    else:
        assert any(problem in f for f in found), found


@pytest.mark.parametrize(("jt", "q"), questions())
def test_each_question_fits_the_variable_it_sets(jt: dict, q: dict) -> None:
    assert mismatches(q, declared(jt["playbook"]).get(q["variable"])) == []


@pytest.mark.parametrize("jt", [jt for jt in DATA["awx_job_templates"] if "survey_spec" in jt], ids=lambda jt: jt["name"])
def test_the_controller_accepts_each_survey(jt: dict) -> None:
    assert controller_refuses(jt["survey_spec"]) is None


def test_the_job_templates_are_there_and_validate_is_a_check() -> None:
    assert {"telemetry.stack site", "telemetry.stack upgrade", "telemetry.stack validate",
            "telemetry.stack backup"} <= set(JOB_TEMPLATES)
    assert {n: jt["job_type"] for n, jt in JOB_TEMPLATES.items() if jt["job_type"] != "run"} == {"telemetry.stack validate": "check"}


def test_a_day2_variable_that_the_spec_requires_is_asked() -> None:
    for jt in DATA["awx_job_templates"]:
        entry = DAY2.get(Path(jt["playbook"]).stem, {}).get("options") or {}
        asked = {q["variable"] for q in jt.get("survey_spec", {}).get("spec", [])}
        assert {k for k, v in entry.items() if v.get("required")} <= asked, jt["name"]


@pytest.mark.parametrize("jt", DATA["awx_job_templates"], ids=lambda jt: jt["name"])
def test_each_job_template_names_a_playbook_of_the_collection(jt: dict) -> None:
    playbook = ROOT / jt["playbook"]
    assert jt["playbook"].startswith("playbooks/") and "playbooks" not in GALAXY["build_ignore"]
    if not playbook.is_file() and playbook.stem in DAY2:
        # Declared in playbooks/vars/arguments.yml and being written; checked as soon as it lands.
        pytest.skip(f"{jt['playbook']} is not written yet")
    assert playbook.is_file()


def test_the_playbook_uses_every_field_of_the_data() -> None:
    # A field the playbook does not pass on would be silently ignored.
    text = (ROOT / "playbooks" / "awx.yml").read_text()
    for jt in DATA["awx_job_templates"]:
        assert [k for k in jt if f"item.{k}" not in text] == [], jt["name"]
    for group in ("awx_execution_environment", "awx_project", "awx_inventory", "awx_machine_credential"):
        short = group.removeprefix("awx_")
        assert [k for k in DATA[group] if f"awx_{short}.{k}" not in text] == [], group


def test_awx_playbook_syntax() -> None:
    proc = subprocess.run([BIN / "ansible-playbook", "--syntax-check", "playbooks/awx.yml"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- playbooks/awx.yml against a stand-in for the controller's API ---------------------------------------------

class Controller:
    """Just enough of the AWX API (v2) for the awx.awx modules: lists filtered by field, create, update,
    associations, survey specs that the real controller's checks guard, and project updates that succeed."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[int, dict]] = {
            "credential_types": {1: {"id": 1, "name": "Machine", "kind": "ssh", "url": "/api/v2/credential_types/1/"}}}
        self.surveys: dict[int, dict] = {}
        self.links: dict[str, set[int]] = {}
        self.unknown: list[str] = []
        self.next_id = 10

    @staticmethod
    def _matches(obj: dict, query: dict[str, str]) -> bool:
        either = [obj.get(k[4:]) is not None and str(obj.get(k[4:])) == v for k, v in query.items() if k.startswith("or__")]
        rest = [str(obj.get(k)) == v for k, v in query.items() if not k.startswith("or__") and k not in ("page", "page_size")]
        return all(rest) and (not either or any(either))

    def handle(self, method: str, path: str, body: dict) -> tuple[int, Any]:
        url = urlsplit(path)
        parts = [p for p in url.path.split("/") if p][2:]  # after api/v2
        query = dict(parse_qsl(url.query))
        if parts and parts[0] == "project_updates":
            return 200, {"id": 1, "url": "/api/v2/project_updates/1/", "status": "successful", "failed": False,
                         "finished": "now", "scm_revision": "abc"}
        kind = parts[0] if parts else ""
        # A schedule names its job template among all that can run (unified_job_templates).
        kind = "job_templates" if kind == "unified_job_templates" else kind
        store = self.objects.setdefault(kind, {})
        if len(parts) == 1 and method == "GET":
            found = [o for o in store.values() if self._matches(o, query)]
            return 200, {"count": len(found), "results": found, "next": None}
        if len(parts) == 1 and method == "POST":
            self.next_id += 1
            obj_url = f"/api/v2/{kind}/{self.next_id}/"
            obj = body | {"id": self.next_id, "url": obj_url, "summary_fields": {}, "scm_revision": "abc",
                          "related": {"survey_spec": obj_url + "survey_spec/", "update": obj_url + "update/"}}
            if kind == "projects":
                obj["summary_fields"]["current_update"] = {"id": 1}
            store[self.next_id] = obj
            return 201, obj
        if len(parts) == 2 and int(parts[1]) in store:
            obj = store[int(parts[1])]
            if method == "PATCH":
                obj.update(body)
            return 200, obj
        if len(parts) == 3 and parts[2] == "survey_spec":
            if method == "POST":
                if problem := controller_refuses(body):
                    return 400, {"error": problem}
                self.surveys[int(parts[1])] = body
                return 200, {}
            return 200, self.surveys.get(int(parts[1]), {})
        if len(parts) == 3 and parts[2] == "update" and method == "POST":
            return 202, {"id": 1, "url": "/api/v2/project_updates/1/"}
        if len(parts) == 3:
            linked = self.links.setdefault(url.path, set())
            if method == "POST":
                (linked.discard if body.get("disassociate") else linked.add)(body["id"])
                return 204, None
            found = [o for k in self.objects.values() for o in k.values() if o["id"] in linked]
            return 200, {"count": len(found), "results": found, "next": None}
        self.unknown.append(f"{method} {path}")
        return 404, {"detail": "Not found."}


@pytest.fixture
def controller() -> Iterator[tuple[Controller, str]]:
    fake = Controller()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            code, payload = fake.handle(self.command, self.path, body)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_awx_playbook(host: str, token: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTROLLER_", "TOWER_"))}
    env |= {"CONTROLLER_HOST": host, "CONTROLLER_OAUTH_TOKEN": token, "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run([BIN / "ansible-playbook", "playbooks/awx.yml", "-vvv", "-e", "awx_project_scm_url=file:///srv/telemetry-stack.git",
                           "-e", "awx_ee_image=telemetry-stack-ee:0.1.0-test", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_the_awx_playbook_creates_the_objects_and_then_changes_nothing(controller: tuple[Controller, str]) -> None:
    fake, host = controller
    token = secrets.token_hex(16)
    first = run_awx_playbook(host, token)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr
    assert fake.unknown == []
    assert token not in first.stdout + first.stderr

    names = {kind: sorted(o.get("name", "") for o in objs.values()) for kind, objs in fake.objects.items()}
    assert names["organizations"] == ["Default"]
    assert names["projects"] == ["telemetry.stack"]
    assert names["inventories"] == ["telemetry.stack prod"]
    assert names["inventory_sources"] == ["inventories/prod in the project"]
    assert names["job_templates"] == sorted(JOB_TEMPLATES)
    (ee,) = fake.objects["execution_environments"].values()
    assert ee["image"] == "telemetry-stack-ee:0.1.0-test"
    (cred,) = fake.objects["credentials"].values()
    assert (cred["credential_type"], cred["inputs"]) == (1, {"become_method": "sudo"})
    (source,) = fake.objects["inventory_sources"].values()
    assert (source["source"], source["source_path"]) == ("scm", "inventories/prod")

    for jt in fake.objects["job_templates"].values():
        data = JOB_TEMPLATES[jt["name"]]
        assert (jt["playbook"], jt["job_type"], jt["survey_enabled"]) == (data["playbook"], data["job_type"], "survey_spec" in data)
        assert fake.surveys.get(jt["id"]) == data.get("survey_spec")
        assert fake.links[jt["url"] + "credentials/"] == {cred["id"]}

    # The schedules, each of its job template.
    ids = {jt["name"]: jt["id"] for jt in fake.objects["job_templates"].values()}
    assert {(s["name"], s["unified_job_template"], s["enabled"]) for s in fake.objects["schedules"].values()} == {
        (s["name"], ids[s["job_template"]], s["enabled"]) for s in DATA["awx_schedules"]}

    # Someone fills in the credential in the controller; a second run leaves it, and everything else, alone.
    cred["inputs"] |= {"username": "ops", "ssh_key_data": "$encrypted$"}
    second = run_awx_playbook(host, token)
    assert second.returncode == 0, second.stdout[-6000:] + second.stderr
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0 ", second.stdout), second.stdout[-3000:]
    assert cred["inputs"] == {"become_method": "sudo", "username": "ops", "ssh_key_data": "$encrypted$"}


def test_the_awx_playbook_says_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTROLLER_", "TOWER_"))}
    proc = subprocess.run([BIN / "ansible-playbook", "playbooks/awx.yml"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "missing required arguments: awx_ee_image, awx_project_scm_url" in proc.stdout
    proc = subprocess.run([BIN / "ansible-playbook", "playbooks/awx.yml", "-e", "awx_project_scm_url=x", "-e", "awx_ee_image=y"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "export CONTROLLER_HOST=" in proc.stdout


# --- The execution environment ---------------------------------------------------------------------------------

def offline() -> list[str]:
    """A command prefix that takes the network away: a network namespace of its own where the kernel lets us make
    one (loopback only, and down), else an HTTP(S) proxy that refuses every connection."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode == 0:
        return ["unshare", "-rn"]
    return ["env", "http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "no_proxy=", "NO_PROXY="]


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ansible-builder create` run offline, as docs/awx.md says: the tarball built beside the definition."""
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(ROOT / "execution-environment.yml", work)
    subprocess.run([BIN / "ansible-galaxy", "collection", "build", "--output-path", work, ROOT], check=True, capture_output=True)
    proc = subprocess.run([*offline(), BIN / "ansible-builder", "create", "-f", "execution-environment.yml", "--context", "context",
                           "--output-filename", "Containerfile", "-v3"], cwd=work, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No matches" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return work / "context"


def test_ansible_builder_creates_the_context_offline(context: Path) -> None:
    containerfile = (context / "Containerfile").read_text()
    assert f'ARG EE_BASE_IMAGE="{EE["images"]["base_image"]["name"]}"' in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    # ansible-core and ansible-runner go unquoted into a RUN line: no shell redirections in them.
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="(.*)"$', containerfile, re.M)
    assert refs and "ansible-core" in refs[1] and "ansible-runner" in refs[1] and not set("<>|;&") & set(refs[1])
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"]
    assert {"name": f"collections/{TARBALL}", "type": "file"} in requirements
    assert (context / "_build" / "collections" / TARBALL).read_bytes() == (context.parent / TARBALL).read_bytes()


def test_the_ee_installs_the_collection_dependencies_of_galaxy_yml() -> None:
    listed = {c["name"]: c.get("version") for c in EE["dependencies"]["galaxy"]["collections"]}
    assert {k: listed.get(k) for k in GALAXY["dependencies"]} == GALAXY["dependencies"]
    assert EE["additional_build_files"] == [{"src": TARBALL, "dest": "collections"}]


def test_the_base_image_names_no_registry() -> None:
    # Chosen at build time (--build-arg EE_BASE_IMAGE=...): no registry host, and no name anyone could pull by
    # accident (a repository name has no capitals).
    name = EE["images"]["base_image"]["name"]
    assert "/" not in name and "." not in name.split(":")[0] and name != name.lower()


def third_party_imports() -> set[str]:
    """What the controller side imports. Modules run on the managed hosts: what they import is the host's (the
    cassandra_setup module's driver is Debian's python3-cassandra, which the cassandra role installs)."""
    names: set[str] = set()
    for f in (ROOT / "plugins").rglob("*.py"):
        if f.parent.name == "modules":
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    # ansible-core brings jinja2 and PyYAML.
    return names - set(sys.stdlib_module_names) - {"ansible", "ansible_collections", "jinja2", "yaml", "__future__"}


def test_the_image_gets_the_python_packages_the_plugins_import(context: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tmp_path)}
    subprocess.run([BIN / "ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", tmp_path,
                    context / "_build" / "collections" / TARBALL], check=True, capture_output=True, env=env)
    # What the image build runs to gather the collections' requirements, run here on the installed tarball.
    proc = subprocess.run([sys.executable, context / "_build" / "scripts" / "introspect.py", "introspect", tmp_path],
                          check=True, capture_output=True, text=True)
    found = yaml.safe_load(proc.stdout)["python"]
    names = {re.split(r"[<>=~! \[;]", r, maxsplit=1)[0].lower() for r in found}
    assert third_party_imports() == {"bcrypt", "cryptography"}
    assert third_party_imports() <= names, found
