"""Keep pytest away from folders that are not tests, and mark every test with its tier.

nbgrader's working copies (student editions, submissions) would otherwise be
run by nbval as if they were course notebooks.

Tiers: each collected test gets the marker of the first row of :data:`TIERS`
whose path prefix matches its file (nbval's notebook cells included), so that
``python3 tasks.py test -m unit`` runs the fast tier alone and
``-m "not browser"`` leaves one out. A new tier is one row here and one line
under ``markers`` in pyproject.toml.
"""

from pathlib import Path

import pytest

collect_ignore_glob = [
    "benchmarks/*", "tools/*", "binder/*", ".venv/*", "build/*",
    "**/.ipynb_checkpoints/*",
    "student/*", "release/*", "submitted/*", "autograded/*", "feedback/*", "source/*",
]

#: (path prefix relative to this folder, marker): the first match wins.
TIERS = [
    ("tests/test_nbgrader.py", "grading"),
    ("tests/test_binder_env.py", "binder"),
    ("tests/test_browser.py", "browser"),
    ("tests/test_web.py", "web"),
    ("tests/test_hub.py", "hub"),
    ("tests/test_hostile_verdict.py", "grading"),   # the forged verdict needs no Unix accounts
    ("tests/test_hostile_", "hostile"),            # hostile students as real Unix users
    ("tests/test_reference_", "reference"),          # frameworks and theory vs torch/keras
    ("notebooks/", "notebooks"),
    ("tests/claims/", "claims"),                     # the notebooks' claims over many seeds
    ("tests/", "unit"),
    ("course_utils/", "unit"),          # the doctests
    ("web/build.py", "unit"),           # the book builder's doctests
]

_ROOT = Path(__file__).resolve().parent


def tier_of(path) -> str | None:
    """The marker of a test file (a path inside this folder), or None outside every tier."""
    try:
        relative = Path(path).resolve().relative_to(_ROOT).as_posix()
    except ValueError:
        return None
    for prefix, marker in TIERS:
        if relative == prefix or relative.startswith(prefix):
            return marker
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = tier_of(item.path)
        if marker is not None:
            item.add_marker(getattr(pytest.mark, marker))
        _skip_answer_payloads(item)


def _skip_answer_payloads(item) -> None:
    """Let strict nbval skip the answers a test cell hands to the grader (course_utils.grading).

    They are full-precision floats that the last bits of a CPU's arithmetic can
    change; the grader compares them with each test's own tolerance instead (the
    grading tier autogrades the source notebooks against their stored answers).
    nbval's list of skipped output keys is an attribute of its notebook collector.
    """
    notebook = getattr(item, "parent", None)
    if isinstance(getattr(notebook, "skip_compare", None), tuple):
        from course_utils.grading import MIME
        if MIME not in notebook.skip_compare:
            notebook.skip_compare = notebook.skip_compare + (MIME,)
