"""tasks.py, the front door: locks installed as they are, foreign environments rebuilt.

tasks.py runs before anything is installed (standard library only), so these tests
import it as a file. They build small real virtual environments (no pip) to check
that an environment made by another interpreter, or another version of one, is never
reused, and they read the lock files against pyproject.toml's ranges.
"""

from __future__ import annotations

import importlib.util
import tomllib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("initlab_tasks", ROOT / "tasks.py")
tasks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tasks)


def test_an_environment_made_by_this_python_is_reused(tmp_path):
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    assert tasks.foreign(env) is None


def test_an_environment_from_another_version_is_rebuilt(tmp_path):
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    cfg = env / "pyvenv.cfg"
    cfg.write_text(cfg.read_text().replace(f"version = {tasks.identity()[1]}", "version = 3.11.0"))
    why = tasks.foreign(env)
    assert why is not None and "Python 3.11.0" in why


def test_an_environment_from_another_interpreter_is_rebuilt(tmp_path):
    # A real second interpreter when the machine has one (Debian's python3 beside pyenv's),
    # else the same environment pointed at another executable.
    env = tmp_path / "env"
    other = shutil.which("python3", path="/usr/bin")
    if other and tasks.identity(other) != tasks.identity():
        subprocess.run([other, "-m", "venv", "--without-pip", str(env)], check=True)
    else:
        venv.EnvBuilder(with_pip=False).create(env)
        cfg = env / "pyvenv.cfg"
        lines = [line for line in cfg.read_text().splitlines() if not line.startswith("home")]
        cfg.write_text("\n".join(lines + ["home = /opt/elsewhere/bin"]) + "\n")
    why = tasks.foreign(env)
    assert why is not None and "was made by" in why
    if other and tasks.identity(other) != tasks.identity():
        assert tasks.foreign(env, other) is None            # right for the one that made it


def test_ensure_venv_rebuilds_a_foreign_environment_and_says_so(tmp_path, monkeypatch, capsys):
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    cfg = env / "pyvenv.cfg"
    cfg.write_text(cfg.read_text().replace(f"version = {tasks.identity()[1]}", "version = 3.0.1"))
    (env / ".installed-test").write_text("a stamp of the old environment")
    made = []
    monkeypatch.setattr(tasks.venv, "EnvBuilder",
                        lambda **kw: type("B", (), {"create": lambda self, p: made.append(p)})())
    tasks.ensure_venv(env)
    assert made == [env] and "rebuilding" in capsys.readouterr().out


def lock_pins(path: Path) -> dict[str, set[str]]:
    """{package: versions} of a lock file (a package may have one version per Python)."""
    pins: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line} is not an exact pin"
            pins.setdefault(canonicalize_name(requirement.name), set()).add(specifier.version)
    return pins


@pytest.mark.parametrize("lock", list(tasks.LOCKS))
def test_every_lock_pins_each_declared_requirement_inside_its_range(lock):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {"dependencies": project["dependencies"], **project["optional-dependencies"]}
    extras, _ = tasks.LOCKS[lock]
    pins = lock_pins(ROOT / lock)
    wanted = [Requirement(r) for name in extras for r in declared[name]]
    if "notebooks" in extras:
        wanted += [Requirement(r) for r in declared["dependencies"]]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} has no pin for {requirement}: run python3 tasks.py lock"
        for version in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside pyproject's {requirement}: "
                "run python3 tasks.py lock")


def test_the_learner_and_hub_locks_use_the_tested_versions():
    tested = lock_pins(ROOT / "locks" / "test.txt")
    for lock in ("binder/requirements.txt", "locks/hub.txt"):
        for name, versions in lock_pins(ROOT / lock).items():
            if name in tested:
                assert versions <= tested[name], f"{lock}: {name} {versions} but tests use {tested[name]}"


def test_tasks_installs_locks_not_ranges():
    installed = tasks.LEARNER + tasks.TESTS + tasks.WEB + tasks.HUB
    assert sorted(installed) == sorted(tasks.LOCKS)
