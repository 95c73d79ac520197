#!/usr/bin/env python3
"""Write the requirements files from pyproject.toml, the one list of dependencies.

    python3 tools/sync_requirements.py           rewrite the files that differ
    python3 tools/sync_requirements.py --check   exit 1 and name the files that differ

pyproject.toml declares the core dependencies and the extras ``notebooks``,
``test``, ``instructor``, ``browser`` and ``reference``. Each requirements file
is a header (why it exists, who installs it) and the requirements of some of
those lists, in pyproject's order; ``tasks.py``, Binder and an instructor's
``pip install -r`` read the files, so they must say the same as pyproject.
``binder/requirements.txt`` is not written here: it holds exact pins from a
tested environment, and tests/test_requirements.py checks that they satisfy
pyproject's learner ranges. Standard library only (``tomllib``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent

#: file -> (header lines, what it includes first, the pyproject lists it holds)
FILES = {
    "requirements.txt": (
        ["What a learner needs to run the course (python3 tasks.py lab installs these)."],
        None, ["dependencies", "notebooks"]),
    "requirements-test.txt": (
        ["What the test suite needs on top of requirements.txt (python3 tasks.py test "
         "installs these)."],
        "requirements.txt", ["test"]),
    "requirements-instructor.txt": (
        ["What an instructor needs on top of requirements.txt to run the course as graded",
         "assignments (nbgrader: student edition, autograding, feedback, CSV export).",
         "Learners and Binder never install this file; python3 tasks.py test does, so the",
         "nbgrader tests (tests/test_nbgrader.py) run in CI. See INSTRUCTORS.md."],
        "requirements.txt", ["instructor"]),
    "requirements-browser.txt": (
        ["The real-browser tests (tests/test_browser.py) drive Debian's Chromium "
         "(/usr/bin/chromium,",
         "which .ci/run installs) with Playwright; Playwright's own browser download is "
         "not used."],
        None, ["browser"]),
    "requirements-reference.txt": (
        ["Reference implementations for the cross-check tests "
         "(tests/test_reference_frameworks.py).",
         "Optional: python3 tasks.py test tries to install them once per version of this "
         "file, and the",
         "cross-checks are skipped, with the reason, when they are missing. Set "
         "INITLAB_SKIP_REFERENCE=1",
         "to skip the install (PyPI's Linux torch wheel is a CUDA build of several GB)."],
        None, ["reference"]),
    "requirements-hub.txt": (
        ["The JupyterHub class (python3 tasks.py hub, tests/test_hub.py; INSTRUCTORS.md, "
         "\"A whole class",
         "on JupyterHub\"): what the hub's shared environment adds to the learner and "
         "instructor files.",
         "tasks.py installs its lock (locks/hub.txt) into a venv at a world-readable path "
         "(default",
         "/opt/initlab-hub/venv), built from /usr/bin/python3 so that every student's Unix "
         "account can run it."],
        "requirements-instructor.txt", ["hub"]),
    "requirements-web.txt": (
        ["The tools that build the web editions (python3 tasks.py book|lite|web installs these "
         "into .venv-web);",
         "the JavaScript and the Pyodide wheels the site serves are pinned in web/pins.json."],
        None, ["web"]),
}


def declared(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, list[str]]:
    """``{"dependencies": [...], "notebooks": [...], ...}`` as pyproject.toml declares them."""
    project = tomllib.loads(pyproject.read_text())["project"]
    return {"dependencies": list(project["dependencies"]),
            **{name: list(reqs) for name, reqs in project["optional-dependencies"].items()}}


def render(name: str, lists: dict[str, list[str]]) -> str:
    header, include, keys = FILES[name]
    lines = [f"# {line}" for line in header]
    lines.append(f"# Written by tools/sync_requirements.py from pyproject.toml "
                 f"({', '.join(keys)}): edit pyproject, then run it.")
    if include:
        lines.append(f"-r {include}")
    for key in keys:
        lines += lists[key]
    return "\n".join(lines) + "\n"


def stale(root: Path = ROOT) -> list[str]:
    """The requirements files whose text differs from what pyproject.toml says."""
    lists = declared(root / "pyproject.toml")
    return [name for name in FILES
            if not (root / name).exists() or (root / name).read_text() != render(name, lists)]


def main(argv: list[str]) -> int:
    names = stale()
    if "--check" in argv:
        for name in names:
            print(f"{name} differs from pyproject.toml: run python3 tools/sync_requirements.py")
        return 1 if names else 0
    lists = declared()
    for name in names:
        (ROOT / name).write_text(render(name, lists))
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
