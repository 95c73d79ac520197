#!/usr/bin/env python3
"""The course's two set-up commands, for a fresh machine with Python 3.10+ and nothing else.

    python3 tasks.py lab     install what a learner needs into .venv and open JupyterLab
    python3 tasks.py test    install what the tests need into .venv and run the whole suite
    python3 tasks.py hub     (root, Linux) a demo class on a local JupyterHub: users, exchange,
                             nbgrader; prints the URL and how to log in; Ctrl-C removes it all

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
import shutil
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

# The JupyterHub class (INSTRUCTORS.md, "A whole class on JupyterHub"; tests/test_hub.py).
# Its environment is shared by the hub (root), the instructor and every student, so it lives
# at a world-readable path, is built from a Python every user can run (a venv made from a
# Python under /root, e.g. pyenv's, is unusable by other users), and gets the course package
# and the exchange module as copies, not editable links into this (maybe private) clone.
HUB = ["requirements-hub.txt"]
HUB_PREFIX = Path(os.environ.get("INITLAB_HUB_PREFIX", "/opt/initlab-hub"))
HUB_BASE_PYTHON = Path(os.environ.get("INITLAB_HUB_PYTHON", "/usr/bin/python3"))
CHP = "configurable-http-proxy@5.3.0"       # the hub's proxy, from npm; 5.3.0 is the version tested


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


def _tree_digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for top in paths:
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()
                                                   and not {"__pycache__", "build"} & set(p.parts)
                                                   and not any(x.endswith(".egg-info") for x in p.parts))
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def hub_env() -> Path:
    """Install (or reuse) the hub's shared environment; return its prefix. See HUB_PREFIX."""
    if not sys.platform.startswith("linux"):
        sys.exit("the JupyterHub class needs Linux (Unix accounts, a local process spawner)")
    if not HUB_BASE_PYTHON.exists():
        sys.exit(f"the hub's environment is built from {HUB_BASE_PYTHON} (a Python every user can "
                 "run); install python3 and python3-venv, or set INITLAB_HUB_PYTHON")
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("the hub's proxy (configurable-http-proxy) comes from npm: install nodejs and npm")
    old_umask = os.umask(0o022)                  # everything here must be readable by every user
    try:
        HUB_PREFIX.mkdir(parents=True, exist_ok=True)
        os.chmod(HUB_PREFIX, 0o755)
        env = HUB_PREFIX / "venv"
        wanted = _tree_digest(*(ROOT / f for f in ["requirements.txt", "requirements-instructor.txt"]
                                + HUB + ["pyproject.toml"]), ROOT / "course_utils", ROOT / "hub")
        stamp = env / ".installed-hub"
        if not (stamp.exists() and stamp.read_text() == wanted):
            if not python_of(env).exists():
                say(f"creating the hub's environment {env} from {HUB_BASE_PYTHON}")
                run(HUB_BASE_PYTHON, "-m", "venv", "--clear", env)
            say(f"installing {', '.join(HUB)}, the course package and the exchange module into {env}")
            run(python_of(env), "-m", "pip", "install", "--quiet", "-r", ROOT / HUB[0], cwd=ROOT)
            # Copies (not editable links) of the two local packages, rebuilt on every change.
            run(python_of(env), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
                ROOT, ROOT / "hub", cwd=ROOT)
            stamp.write_text(wanted)
        proxy = HUB_PREFIX / "proxy"
        chp = proxy / "node_modules" / ".bin" / "configurable-http-proxy"
        done = proxy / ".installed"
        if not (chp.exists() and done.exists() and done.read_text() == CHP):
            say(f"installing {CHP} from npm into {proxy}")
            run(npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", proxy, CHP)
            done.write_text(CHP)
    finally:
        os.umask(old_umask)
    return HUB_PREFIX


def hub(extra: list[str]) -> int:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("python3 tasks.py hub creates Unix accounts for a demo class: run it as root "
              "(sudo python3 tasks.py hub) on a machine you can spare, e.g. a container or VM")
        return 2
    prefix = hub_env()
    if extra[:1] == ["--setup-only"]:
        return 0
    args = [python_of(prefix / "venv"), ROOT / "hub" / "classroom.py", "demo", "--prefix", prefix, *extra]
    child = subprocess.Popen([str(a) for a in args], cwd=ROOT)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reaches the demo too, which then removes the class: wait for it to finish.
            say("Ctrl-C: waiting for the demo to remove the class")


def main(argv: list[str]) -> int:
    commands = {"lab": lab, "test": test, "hub": hub}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
