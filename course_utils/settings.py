"""Every ``INITLAB_*`` environment variable of the project: its default, its meaning, its check.

Python's standard library only, so that ``tasks.py`` (which runs before any
environment exists) can load this file by its path. Each variable is read
where it is needed, through :func:`setting`, which parses and checks it::

    >>> from course_utils.settings import setting
    >>> setting("INITLAB_HUB_PORT", environ={})
    8000
    >>> setting("INITLAB_HUB_HUB_PORT", environ={"INITLAB_HUB_PORT": "9000"})
    9001
    >>> setting("INITLAB_HUB_PORT", environ={"INITLAB_HUB_PORT": "http"})
    Traceback (most recent call last):
    ...
    ValueError: INITLAB_HUB_PORT must be a positive integer, got 'http'

The README's "Settings" table is :func:`markdown_table`; a unit test keeps the
two and the code's uses in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Optional, Union

__all__ = ["Setting", "SETTINGS", "setting", "markdown_table"]

ROOT = Path(__file__).resolve().parent.parent

Default = Union[None, str, int, float, bool, Callable[[Callable[[str], object]], object]]


@dataclass(frozen=True)
class Setting:
    """One environment variable: ``kind`` is ``"flag"`` (``1`` for on), ``"int"``, ``"float"``,
    ``"str"`` or ``"path"``; ``default`` may depend on other settings (a function of the getter)."""

    name: str
    kind: str
    default: Default
    meaning: str
    used_by: str


SETTINGS = {s.name: s for s in [
    # the learner's kernel
    Setting("INITLAB_BLAS_THREADS", "int", None,
            "BLAS threads that `cu.setup_notebook()` sets (unset: 1, unless OPENBLAS_NUM_THREADS, "
            "OMP_NUM_THREADS or MKL_NUM_THREADS is set)", "course_utils/_blas.py"),
    # tasks.py
    Setting("INITLAB_SKIP_REFERENCE", "flag", False,
            "`1`: do not install PyTorch and TensorFlow (the reference tier then skips)", "tasks.py"),
    Setting("INITLAB_TORCH_INDEX", "str", None,
            "an extra package index for PyTorch's CPU wheels", "tasks.py"),
    # the test tiers
    Setting("INITLAB_CLASS_TESTS", "flag", False,
            "`1`: run the hub and hostile tiers, which create Unix accounts and write the hub "
            "prefix (root on Linux; .ci/run sets it)", "tests/class_tier.py"),
    Setting("INITLAB_CHROMIUM", "path", "/usr/bin/chromium",
            "the Chromium the browser, web and hub tiers drive", "tests/browser_support.py"),
    Setting("INITLAB_NOTEBOOKS_DIR", "path", lambda get: ROOT / "notebooks",
            "the notebooks the browser tier opens", "tests/browser_support.py"),
    Setting("INITLAB_WEB_SITE", "path", None,
            "a built site to test instead of building one (`python3 tasks.py web`)", "tests/web_support.py"),
    Setting("INITLAB_LIVE_RUNALL_RATIO", "float", 3.0,
            "the live edition's Run All target, as a multiple of a minimal plotting notebook's "
            "(reported, not asserted)", "tests/test_web.py"),
    Setting("INITLAB_LIVE_SLIDER_MS", "float", 300.0,
            "the live edition's slider target, median ms (reported, not asserted)", "tests/test_web.py"),
    # the class kit (hub/)
    Setting("INITLAB_HUB_PREFIX", "path", "/opt/initlab-hub",
            "where the hub's venv and proxy are installed", "tasks.py, hub/jupyterhub_config.py"),
    Setting("INITLAB_HUB_PYTHON", "path", "/usr/bin/python3",
            "the Python the hub's venv is made from", "tasks.py, tests/class_tier.py"),
    Setting("INITLAB_HUB_CLASS_DIR", "path", "/srv/initlab",
            "the class folder: exchange, roster, nbgrader's course files", "hub/jupyterhub_config.py"),
    Setting("INITLAB_HUB_INSTRUCTOR", "str", "instructor",
            "the instructor's Unix account", "hub/jupyterhub_config.py"),
    Setting("INITLAB_HUB_PORT", "int", 8000,
            "the hub's one public port", "hub/jupyterhub_config.py"),
    Setting("INITLAB_HUB_HUB_PORT", "int", lambda get: get("INITLAB_HUB_PORT") + 1,
            "the hub's internal API port (default: the public port + 1)", "hub/jupyterhub_config.py"),
    Setting("INITLAB_HUB_PROXY_API_PORT", "int", lambda get: get("INITLAB_HUB_PORT") + 2,
            "the proxy's API port (default: the public port + 2)", "hub/jupyterhub_config.py"),
    Setting("INITLAB_GRADER_ACCOUNT", "str", "initlab-grader",
            "the unprivileged account autograde runs students' code as", "hub/initlab_sandbox.py"),
    Setting("INITLAB_HUB_STUDENTS", "int", 31,
            "students in the hub tier's class", "tests/test_hub.py"),
    Setting("INITLAB_HUB_NOTEBOOKS", "str", None,
            "the hub tier's two notebooks, by prefix (e.g. `01,02`; unset: the first two with "
            "two graded tests)", "tests/test_hub.py"),
    Setting("INITLAB_HUB_ACCOUNT_PREFIX", "str", "ilhub-",
            "prefix of the hub tier's Unix accounts", "tests/test_hub.py, tests/test_hostile_exchange.py"),
    Setting("INITLAB_HOSTILE_ACCOUNT_PREFIX", "str", "ilhsb-",
            "prefix of the hostile sandbox tier's Unix accounts", "tests/test_hostile_sandbox.py"),
    Setting("INITLAB_HOSTILE_RACE_ATTEMPTS", "int", 90,
            "racing collects the hostile exchange tier tries", "tests/test_hostile_exchange.py"),
]}


def _parse(s: Setting, raw: str):
    if s.kind == "flag":
        if raw not in ("0", "1"):
            raise ValueError(f"{s.name} must be 1 (on) or 0 (off), got {raw!r}")
        return raw == "1"
    if s.kind == "int":
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{s.name} must be a positive integer, got {raw!r}")
        return int(raw)
    if s.kind == "float":
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise ValueError(f"{s.name} must be a positive number, got {raw!r}")
        return value
    if s.kind == "path":
        return Path(raw)
    return raw


def setting(name: str, environ: Optional[Mapping[str, str]] = None):
    """The value of the ``INITLAB_*`` variable ``name``: parsed from the environment, else its default.

    An empty value counts as unset. ``environ`` defaults to ``os.environ``.

    Raises:
        KeyError: for a name that is not in :data:`SETTINGS`.
        ValueError: naming the variable and what it must be, for a value that does not parse.
    """
    env = os.environ if environ is None else environ
    if name not in SETTINGS:
        raise KeyError(f"{name} is not one of the project's settings: {', '.join(SETTINGS)}")
    s = SETTINGS[name]
    raw = env.get(name) or None
    if raw is not None:
        return _parse(s, raw)
    default = s.default
    if callable(default):
        default = default(lambda other: setting(other, env))
    if default is not None and s.kind == "path":
        return Path(default)
    return default


def markdown_table() -> str:
    """The settings as a Markdown table (the README's "Settings" section)."""
    def shown(s):
        if callable(s.default):
            return "(derived)"
        return "unset" if s.default in (None, False) else f"`{s.default}`"
    rows = ["| variable | default | meaning | read by |", "|---|---|---|---|"]
    rows += [f"| `{s.name}` | {shown(s)} | {s.meaning} | {s.used_by} |" for s in SETTINGS.values()]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":       # python3 course_utils/settings.py: print the README's table
    print(markdown_table(), end="")
