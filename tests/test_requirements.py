"""The dependencies are declared once (pyproject.toml); the other lists follow it.

requirements*.txt name the package with its extras (``-e .[notebooks]``), so they cannot
drift from pyproject; Binder's exact pins must stay inside pyproject's learner ranges (that
no test or instructor tool slips into Binder is checked by tests/test_binder_env.py).
"""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def declared() -> dict[str, list[str]]:
    """``{"dependencies": [...], "notebooks": [...], ...}`` as pyproject.toml declares them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"dependencies": list(project["dependencies"]),
            **{name: list(reqs) for name, reqs in project["optional-dependencies"].items()}}


def test_requirements_files_name_pyprojects_extras_only():
    extras = set(declared()) - {"dependencies"}
    for path in sorted(ROOT.glob("requirements*.txt")):
        lines = [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]
        assert len(lines) == 1 and lines[0].startswith("-e .["), (path.name, lines)
        named = set(lines[0][len("-e .["):-1].split(","))
        assert named <= extras, f"{path.name} names extras pyproject lacks: {named - extras}"


def _binder_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier          # exactly one: name==version
            assert specifier.operator == "==", line
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_binder_pins_every_learner_dependency_inside_pyprojects_range():
    pins = _binder_pins()
    lists = declared()
    for line in lists["dependencies"] + lists["notebooks"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in binder/requirements.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"binder pins {name}=={pins[name]}, outside pyproject's {requirement}")
