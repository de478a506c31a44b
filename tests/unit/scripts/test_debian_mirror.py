# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/debian_mirror.py finds the Debian archive in a machine's apt sources."""

from __future__ import annotations

from pathlib import Path

import debian_mirror as dm
import pytest

BOOKWORM_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n'
UBUNTU_OS_RELEASE = "ID=ubuntu\nVERSION_CODENAME=noble\n"

# deb822 as Debian 12 cloud and container images ship it: security first in
# some images, third-party repositories beside it.
DEB822_SECURITY_FIRST = """\
Types: deb
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# a comment inside the stanza
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

THIRD_PARTY_LIST = "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://nodes.example.org/node_20.x nodistro main\n"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"etc/os-release": BOOKWORM_OS_RELEASE, "etc/apt/sources.list.d/debian.sources": DEB822_SECURITY_FIRST},
            "http://mirror.example.org/debian",
            id="deb822-skips-security-suite",
        ),
        pytest.param(
            {
                "etc/os-release": BOOKWORM_OS_RELEASE,
                "etc/apt/sources.list": "# deb http://old.example.org/debian bookworm main\n"
                "deb-src http://src.example.org/debian bookworm main\n"
                "deb http://one.example.org/debian/ bookworm main non-free-firmware\n",
            },
            "http://one.example.org/debian",
            id="one-line-skips-comments-and-deb-src-trailing-slash-dropped",
        ),
        pytest.param(
            {
                "etc/os-release": BOOKWORM_OS_RELEASE,
                "etc/apt/sources.list.d/00-node.list": THIRD_PARTY_LIST,
                "etc/apt/sources.list.d/debian.sources": DEB822_SECURITY_FIRST,
            },
            "http://mirror.example.org/debian",
            id="third-party-suite-is-not-debian",
        ),
        pytest.param(
            {
                "etc/os-release": BOOKWORM_OS_RELEASE,
                "etc/apt/sources.list.d/a.sources": "Enabled: no\nTypes: deb\nURIs: http://off.example.org/debian\n"
                "Suites: bookworm\nComponents: main\n",
                "etc/apt/sources.list.d/b.list": "deb [ arch=amd64 ] http://on.example.org/debian stable main\n",
            },
            "http://on.example.org/debian",
            id="disabled-stanza-skipped-options-with-spaces",
        ),
        pytest.param(
            {"etc/os-release": UBUNTU_OS_RELEASE, "etc/apt/sources.list": "deb http://archive.example.org/ubuntu noble main\n"},
            None,
            id="non-debian-host-has-no-debian-mirror",
        ),
        pytest.param({}, None, id="no-apt-at-all"),
    ],
)
def test_find_mirror(tmp_path: Path, files: dict[str, str], expected: str | None) -> None:
    root = write_tree(tmp_path, files)
    assert dm.find_mirror(dm.read_sources(root), dm.host_codename(root)) == expected


def test_deb822_continuation_lines_and_multiple_uris() -> None:
    text = "Types: deb deb-src\nURIs: http://a.example.org/debian\n http://b.example.org/debian\nSuites: sid\nComponents: main\n"
    sources = dm.parse_deb822(text)
    assert [s.uri for s in sources] == ["http://a.example.org/debian", "http://b.example.org/debian"]
    assert sources[0].types == ("deb", "deb-src")


def test_main_prints_mirror_and_env_override_wins(tmp_path: Path, capsys, monkeypatch) -> None:
    root = write_tree(tmp_path, {"etc/os-release": BOOKWORM_OS_RELEASE, "etc/apt/sources.list.d/d.sources": DEB822_SECURITY_FIRST})
    monkeypatch.delenv("DEBIAN_MIRROR", raising=False)
    assert dm.main(["--root", str(root)]) == 0
    assert capsys.readouterr().out == "http://mirror.example.org/debian\n"

    monkeypatch.setenv("DEBIAN_MIRROR", "http://override.example.org/debian/")
    assert dm.main(["--root", str(root)]) == 0
    assert capsys.readouterr().out == "http://override.example.org/debian\n"


def test_main_explains_what_to_do_when_nothing_is_found(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("DEBIAN_MIRROR", raising=False)
    assert dm.main(["--root", str(tmp_path)]) == 1
    assert "Set DEBIAN_MIRROR" in capsys.readouterr().err
