# SPDX-License-Identifier: GPL-3.0-or-later
"""In the test containers only: keep the bytecode Python compiles for what it imports from zip files.

Ansible runs each module from a zip of its source (AnsiballZ), and Python's zipimport compiles every source in it
again on each run, caching nothing: about 0.15 s of CPU per task, a third of what a task costs inside a container
here (docs/development.md, "CI"). molecule/shared/containers.py mounts this file and zipimport_cache.pth (which
imports it when Python starts) into every scenario's containers. Each compiled module is kept under CACHE, keyed
by its path inside the zip and its source, and given the current run's file name on loading, as if compiled now.
Any error falls back to plain compiling: the cache can only save time."""

import hashlib
import marshal
import os
import zipimport

CACHE = "/var/cache/zipimport"
_compile = zipimport._compile_source  # pylint: disable=protected-access


def _renamed(code, filename):
    consts = tuple(_renamed(c, filename) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _compile_source(pathname, source):
    inner = pathname.split(".zip" + os.sep, 1)[-1]
    path = os.path.join(CACHE, hashlib.sha256(inner.encode() + b"\0" + source).hexdigest())
    try:
        with open(path, "rb") as cached:
            return _renamed(marshal.load(cached), pathname)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    code = _compile(pathname, source)
    try:
        os.makedirs(CACHE, exist_ok=True)
        partial = f"{path}.{os.getpid()}"
        with open(partial, "wb") as out:
            marshal.dump(code, out)
        os.replace(partial, path)
    except OSError:
        pass
    return code


zipimport._compile_source = _compile_source  # pylint: disable=protected-access
