#!/usr/bin/env python3
"""The course's two set-up commands, for a fresh machine with Python 3.10+ and nothing else.

    python3 tasks.py lab     install what a learner needs into .venv and open JupyterLab
    python3 tasks.py test    install what the tests need into .venv and run the whole suite

Each keeps its own virtual environment next to this file, created on first use
and reinstalled only when a requirements file changes: ``.venv-lab`` holds just
what a learner needs (so instructor tools such as nbgrader never add their
menus to a learner's JupyterLab), ``.venv`` holds that plus the test tools. Extra arguments after
``test`` go to pytest (``python3 tasks.py test -k fans``); after ``lab`` they
go to JupyterLab. Standard library only: this file runs before anything is
installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TEST_VENV = ROOT / ".venv"
LAB_VENV = ROOT / ".venv-lab"

LEARNER = ["requirements.txt"]
TESTS = ["requirements-test.txt", "requirements-instructor.txt", "requirements-browser.txt"]
REFERENCE = "requirements-reference.txt"


def say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def run(*args, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def bin_dir(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin")


def python_of(env: Path) -> Path:
    return bin_dir(env) / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(env: Path) -> None:
    if not python_of(env).exists():
        if sys.version_info < (3, 10):
            sys.exit(f"initlab needs Python 3.10 or newer; this is {sys.version.split()[0]}")
        say(f"creating the virtual environment {env.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True, clear=True).create(env)


def install(env: Path, files: list[str], *, optional: bool = False) -> bool:
    """pip-install the requirement files (and the package) unless already done."""
    files = [f for f in files if (ROOT / f).exists()]
    digest = hashlib.sha256()
    for name in files + ["pyproject.toml"]:
        digest.update((ROOT / name).read_bytes())
    stamp = env / f".installed-{'-'.join(Path(f).stem for f in files)}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return True
    say("installing " + ", ".join(files))
    args = [python_of(env), "-m", "pip", "install", "--quiet"]
    for name in files:
        args += ["-r", ROOT / name]
    args += ["-e", ROOT]
    try:
        run(*args, cwd=ROOT)
    except subprocess.CalledProcessError:
        if optional:
            say("optional install failed; the tests that need it will be skipped")
            return False
        raise
    stamp.write_text(digest.hexdigest())
    return True


def environment(env: Path) -> dict:
    variables = dict(os.environ)
    # The kernel inherits MPLBACKEND: with Agg set, plt.show() draws nothing and
    # notebook outputs would differ from a learner's inline-backend run.
    variables.pop("MPLBACKEND", None)
    # nbgrader calls its own console scripts (alembic), so the venv's bin/ goes first.
    variables["PATH"] = str(bin_dir(env)) + os.pathsep + variables.get("PATH", "")
    variables["VIRTUAL_ENV"] = str(env)
    return variables


def lab(extra: list[str]) -> int:
    ensure_venv(LAB_VENV)
    install(LAB_VENV, LEARNER)
    say("starting JupyterLab on notebooks/ (stop it with Ctrl-C)")
    # --allow-root: JupyterLab refuses to start as root without it (containers,
    # some lab machines); it changes nothing for anybody else.
    args = [bin_dir(LAB_VENV) / "jupyter", "lab", "--allow-root", f"--ServerApp.root_dir={ROOT / 'notebooks'}",
            *extra]
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=environment(LAB_VENV))


def test(extra: list[str]) -> int:
    ensure_venv(TEST_VENV)
    install(TEST_VENV, LEARNER + TESTS)
    if os.environ.get("INITLAB_SKIP_REFERENCE") != "1":
        install(TEST_VENV, LEARNER + TESTS + [REFERENCE], optional=True)
    args = [python_of(TEST_VENV), "-m", "pytest", *extra]
    say("running: " + " ".join(str(a) for a in args[1:]))
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=environment(TEST_VENV))


def main(argv: list[str]) -> int:
    commands = {"lab": lab, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
