"""The dependencies are declared once (pyproject.toml); the other lists follow it.

tools/sync_requirements.py writes requirements*.txt from pyproject; these tests
fail when a file was edited by hand or pyproject changed without a sync, and
when Binder's exact pins leave pyproject's learner ranges (that no test or
instructor tool slips into Binder is checked by tests/test_binder_env.py).
"""

import importlib.util
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("sync_requirements",
                                               ROOT / "tools" / "sync_requirements.py")
sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync)


def test_requirements_files_are_what_pyproject_says():
    assert sync.stale() == [], "run: python3 tools/sync_requirements.py"


def test_the_check_sees_a_drift(tmp_path):
    # The check is not vacuous: a hand edit to a copy of the project is reported.
    for name in ["pyproject.toml", *sync.FILES]:
        (tmp_path / name).write_text((ROOT / name).read_text())
    assert sync.stale(tmp_path) == []
    path = tmp_path / "requirements-test.txt"
    path.write_text(path.read_text().replace("nbval==0.11.0", "nbval==0.10.0"))
    assert sync.stale(tmp_path) == ["requirements-test.txt"]


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
    lists = sync.declared()
    for line in lists["dependencies"] + lists["notebooks"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in binder/requirements.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"binder pins {name}=={pins[name]}, outside pyproject's {requirement}")
