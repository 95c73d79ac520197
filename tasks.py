#!/usr/bin/env python3
"""The course's two set-up commands, for a fresh machine with Python 3.11+ and nothing else.

    python3 tasks.py lab     install what a learner needs into .venv-lab and open JupyterLab
    python3 tasks.py test    install what the tests need into .venv and run the whole suite
    python3 tasks.py newest  the tests (e.g. ``newest -m unit``) against the newest versions that
                             pyproject.toml's ranges allow, in .venv-newest (CI runs the unit tier)
    python3 tasks.py lock    refresh the lock files from pyproject.toml with uv; ``lock --upgrade``
                             moves every pin to the newest version the ranges allow
    python3 tasks.py hub     (root, Linux) a demo class on a local JupyterHub: users, exchange,
                             nbgrader; prints the URL and how to log in; Ctrl-C removes it all
    python3 tasks.py book    build the static book of the notebooks into build/site/
    python3 tasks.py lite    build the live edition (JupyterLite, in the browser) into build/site/live/
    python3 tasks.py web     build both (what the Pages workflow publishes)

What they install is the lock, never a range: exact versions that
``python3 tasks.py lock`` resolves from pyproject.toml's ranges with uv (a learner's
lock is ``binder/requirements.txt``, which Binder installs too; the tests', the hub's
and the web build's are in ``locks/``), so a newcomer gets the versions CI tested.

Each keeps its own virtual environment next to this file, created on first use
and reinstalled only when its lock changes. An environment made by another
Python (another interpreter, or another version of it) is rebuilt, with a line
saying so: ``.venv-lab`` holds just
what a learner needs (so instructor tools such as nbgrader never add their
menus to a learner's JupyterLab), ``.venv`` holds that plus the test tools.
Extra arguments after ``test`` go to pytest (``python3 tasks.py test -m unit``
runs the fast tier alone, ``python3 tasks.py test -k fans`` a selection); after
``lab`` they go to JupyterLab.

pip's output goes to ``pip-install.log`` inside the environment; when an
install fails, the command names the requirements file and the log instead of
printing a traceback. ``test`` also tries the optional reference frameworks
(requirements-reference.txt: PyTorch and Keras, for the cross-check tests).
A failed attempt is remembered (keyed by that file's hash) and reported once,
not retried on every run; set ``INITLAB_SKIP_REFERENCE=1`` to skip it. Standard
library only: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TEST_VENV = ROOT / ".venv"
LAB_VENV = ROOT / ".venv-lab"
WEB_VENV = ROOT / ".venv-web"

NEWEST_VENV = ROOT / ".venv-newest"
TOOLS_VENV = ROOT / ".venv-tools"

# The locks (exact versions, all platforms, Python 3.11 and newer), made by `tasks.py lock`.
def _load_settings():
    """course_utils/settings.py, loaded by its path: it is standard library only, and tasks.py
    runs before any environment with the package (and numpy) exists."""
    spec = importlib.util.spec_from_file_location("initlab_settings", ROOT / "course_utils" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.setting


setting = _load_settings()

LEARNER = ["binder/requirements.txt"]
TESTS = ["locks/test.txt"]
WEB = ["locks/web.txt"]
HUB = ["locks/hub.txt"]
#: lock file -> (pyproject extras it holds, the lock whose versions it must reuse)
LOCKS = {
    "locks/test.txt": (["notebooks", "test", "instructor", "browser"], None),
    "binder/requirements.txt": (["notebooks"], "locks/test.txt"),
    "locks/hub.txt": (["notebooks", "instructor", "hub"], "locks/test.txt"),
    "locks/web.txt": (["web"], None),
}
#: The extras `tasks.py newest` installs at the newest versions pyproject's ranges allow.
NEWEST_EXTRAS = "notebooks,test,instructor,browser"
REFERENCE = "requirements-reference.txt"
UV = "uv==0.13.10"                  # the lock tool, installed into .venv-tools by `tasks.py lock`
OLDEST_PYTHON = "3.11"              # requires-python's floor; CI runs it on Debian's python3

# The JupyterHub class (INSTRUCTORS.md, "A whole class on JupyterHub"; tests/test_hub.py).
# Its environment is shared by the hub (root), the instructor and every student, so it lives
# at a world-readable path, is built from a Python every user can run (a venv made from a
# Python under /root, e.g. pyenv's, is unusable by other users), and gets the course package
# and the exchange module as copies, not editable links into this (maybe private) clone.
HUB_PREFIX = setting("INITLAB_HUB_PREFIX")
HUB_BASE_PYTHON = setting("INITLAB_HUB_PYTHON")
CHP = "configurable-http-proxy@5.3.0"       # the hub's proxy, from npm; 5.3.0 is the version tested


def say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def run(*args, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def bin_dir(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin")


def python_of(env: Path) -> Path:
    return bin_dir(env) / ("python.exe" if os.name == "nt" else "python")


def identity(python: str | Path | None = None) -> tuple[str, str]:
    """(folder of the base interpreter, its version) of ``python``, or of this interpreter.

    The folder is what a virtual environment records as ``home`` (pyvenv.cfg), resolved.
    """
    code = ("import os, platform, sys; "
            "print(os.path.realpath(os.path.dirname(getattr(sys, '_base_executable', sys.executable)))); "
            "print(platform.python_version())")
    if python is None:
        home = os.path.dirname(getattr(sys, "_base_executable", sys.executable))
        return os.path.realpath(home), platform.python_version()
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    return out[0], out[1]


def made_by(env: Path) -> tuple[str, str] | None:
    """(folder of the interpreter, version) that made the environment ``env`` (pyvenv.cfg)."""
    cfg = env / "pyvenv.cfg"
    if not cfg.exists():
        return None
    values = {}
    for line in cfg.read_text(errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    version = values.get("version") or values.get("version_info", "")
    return os.path.realpath(values.get("home", "")), version


def foreign(env: Path, python: str | Path | None = None) -> str | None:
    """Why ``env`` must be rebuilt for ``python`` (default: this interpreter), or None.

    An environment made by another interpreter, or another version of it, has the wrong
    Python inside (compiled packages built for it, a ``python`` link that may be gone).
    """
    if not python_of(env).exists():
        return None if not env.exists() else f"{env.name} has no Python"
    theirs, ours = made_by(env), identity(python)
    if theirs is None:
        return f"{env.name} has no pyvenv.cfg"
    if theirs[0] != ours[0] or theirs[1] != ours[1]:
        return (f"{env.name} was made by {theirs[0]} (Python {theirs[1] or '?'}), "
                f"not by {ours[0]} (Python {ours[1]})")
    return None


def ensure_venv(env: Path) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"initlab needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    why = foreign(env)
    if python_of(env).exists() and why is None:
        return
    name = env.relative_to(ROOT) if env.is_relative_to(ROOT) else env
    say(f"rebuilding {name}: {why}" if why else f"creating the virtual environment {name}")
    venv.EnvBuilder(with_pip=True, clear=True).create(env)


def _digest(names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _pip(env: Path, what: str, args: list, log: Path) -> bool:
    """Run ``pip install *args`` with its output appended to ``log``; True if it worked."""
    with log.open("a") as out:
        out.write(f"\n===== pip install {' '.join(str(a) for a in args)}\n")
        out.flush()
        code = subprocess.call([str(a) for a in [python_of(env), "-m", "pip", "install",
                                                 "--disable-pip-version-check", *args]],
                               cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if code == 0:
        return True
    tail = log.read_text(errors="replace").splitlines()[-12:]
    say(f"installing {what} failed (pip exited with {code}); pip's full output is in "
        f"{log.relative_to(ROOT)}. Its last lines:")
    for line in tail:
        print(f"    {line}", flush=True)
    return False


def uv() -> Path | None:
    """uv (UV, in .venv-tools, installed on first use): it installs a lock in seconds, not minutes.

    None, with a line saying so, where it cannot be installed: pip then does the work.
    """
    tool = bin_dir(TOOLS_VENV) / ("uv.exe" if os.name == "nt" else "uv")
    done = TOOLS_VENV / ".installed-uv"
    if tool.exists() and done.exists() and done.read_text() == UV and foreign(TOOLS_VENV) is None:
        return tool
    ensure_venv(TOOLS_VENV)
    log = TOOLS_VENV / "pip-install.log"
    log.write_text("")
    say(f"installing {UV} (the lock tool) into .venv-tools")
    if not _pip(TOOLS_VENV, UV, [UV], log):
        say("pip installs the locks instead (slower)")
        return None
    done.write_text(UV)
    return tool


def _install_lock(env: Path, name: str, log: Path) -> bool:
    """Install one lock file into ``env``: with uv where it can be had, else with pip."""
    tool = uv()
    if tool is None:
        return _pip(env, name, ["-r", ROOT / name], log)
    with log.open("a") as out:
        out.write(f"\n===== uv pip install -r {name}\n")
        out.flush()
        code = subprocess.call([str(tool), "pip", "install", "--python", str(python_of(env)),
                                "-r", str(ROOT / name)], cwd=ROOT, stdout=out,
                               stderr=subprocess.STDOUT)
    if code == 0:
        return True
    say(f"installing {name} failed (uv exited with {code}); its output is in "
        f"{log.relative_to(ROOT)}")
    return False


def install(env: Path, files: list[str], *, package: bool = True) -> None:
    """Install the lock files and the package, one file at a time, unless done.

    Exits with a message naming the file that failed and the log (no traceback).
    """
    files = [f for f in files if (ROOT / f).exists()]
    digest = _digest(files + ["pyproject.toml"])
    stamp = env / f".installed-{'-'.join(Path(f).stem for f in files)}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    log = env / "pip-install.log"
    log.write_text("")
    for name in files:
        say(f"installing {name}")
        if not _install_lock(env, name, log):
            sys.exit(1)
    if package:
        say("installing course_utils (pyproject.toml, editable)")
        if not _pip(env, "course_utils (pyproject.toml)", ["--no-deps", "-e", ROOT], log):
            sys.exit(1)
    stamp.write_text(digest)


def install_reference(env: Path) -> None:
    """Try the optional reference frameworks once per version of their requirements file."""
    if not (ROOT / REFERENCE).exists():
        return
    digest = _digest([REFERENCE, "pyproject.toml"])
    done, failed = env / ".installed-reference", env / ".failed-reference"
    if done.exists() and done.read_text() == digest:
        return
    if failed.exists() and failed.read_text() == digest:
        return          # reported when it failed; tried again only when the file changes
    say(f"installing the optional reference frameworks ({REFERENCE}: PyTorch and Keras, "
        "for the cross-check tests). On Linux, PyPI's torch wheel is a CUDA build of "
        "several GB; on the course's machines pip takes a local CPU wheel. Set "
        "INITLAB_SKIP_REFERENCE=1 to skip, or INITLAB_TORCH_INDEX=https://download.pytorch.org/whl/cpu "
        "to ask PyTorch's index for its CPU-only build.")
    args = ["-r", ROOT / REFERENCE]
    if setting("INITLAB_TORCH_INDEX"):
        args += ["--extra-index-url", setting("INITLAB_TORCH_INDEX")]
    log = env / "pip-install-reference.log"
    log.write_text("")
    if _pip(env, REFERENCE, args, log):
        done.write_text(digest)
        failed.unlink(missing_ok=True)
        return
    failed.write_text(digest)
    say(f"the cross-check tests will be skipped. This install is not retried until "
        f"{REFERENCE} changes (delete {failed.relative_to(ROOT)} to retry now).")


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
    install(TEST_VENV, TESTS)          # the tests' lock holds the learner's versions too
    if not setting("INITLAB_SKIP_REFERENCE"):
        install_reference(TEST_VENV)
    args = [python_of(TEST_VENV), "-m", "pytest", *extra]
    say("running: " + " ".join(str(a) for a in args[1:]))
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=test_environment(TEST_VENV))


#: Where a test run's caches, Jupyter and IPython state and temporary files go, inside the
#: clone (emptied at the start of each run), so that the tests leave nothing outside it.
SCRATCH = ROOT / ".test-scratch"


def test_environment(env: Path) -> dict:
    """:func:`environment`, with every per-user folder the tests' tools write pointed into
    :data:`SCRATCH`. Not when the class tiers run (INITLAB_CLASS_TESTS=1): their Unix
    accounts need a /tmp they can reach, and they create accounts outside the clone anyway."""
    variables = environment(env)
    if setting("INITLAB_CLASS_TESTS"):
        return variables
    shutil.rmtree(SCRATCH, ignore_errors=True)
    folders = {"TMPDIR": "tmp", "XDG_CACHE_HOME": "cache", "XDG_CONFIG_HOME": "config",
               "XDG_DATA_HOME": "data", "MPLCONFIGDIR": "matplotlib", "IPYTHONDIR": "ipython",
               "JUPYTER_CONFIG_DIR": "jupyter/config", "JUPYTER_DATA_DIR": "jupyter/data",
               "JUPYTER_RUNTIME_DIR": "jupyter/runtime", "npm_config_cache": "npm",
               "KERAS_HOME": "keras"}
    for variable, folder in folders.items():
        (SCRATCH / folder).mkdir(parents=True, exist_ok=True)
        variables[variable] = str(SCRATCH / folder)
    return variables


def newest(extra: list[str]) -> int:
    """Run pytest against the newest versions pyproject.toml's ranges allow (not the lock)."""
    ensure_venv(NEWEST_VENV)
    log = NEWEST_VENV / "pip-install.log"
    log.write_text("")
    tool = uv()
    if tool is None:
        return 1
    say(f"installing the newest versions pyproject.toml's ranges allow (extras {NEWEST_EXTRAS})")
    args = [tool, "pip", "install", "--python", python_of(NEWEST_VENV), "--upgrade",
            "-e", f"{ROOT}[{NEWEST_EXTRAS}]"]
    with log.open("a") as out:
        if subprocess.call([str(a) for a in args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT):
            say(f"installing the ranges failed; uv's output is in {log.relative_to(ROOT)}")
            return 1
    if not _pip(NEWEST_VENV, "course_utils", ["--no-deps", "-e", ROOT], log):
        return 1
    subprocess.run([str(python_of(NEWEST_VENV)), "-m", "pip", "list", "--format=freeze"],
                   stdout=(NEWEST_VENV / "versions.txt").open("w"), check=False)
    say(f"versions installed: {(NEWEST_VENV / 'versions.txt').relative_to(ROOT)}")
    args = [python_of(NEWEST_VENV), "-m", "pytest", *extra]
    say("running: " + " ".join(str(a) for a in args[1:]))
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=environment(NEWEST_VENV))


def lock(extra: list[str]) -> int:
    """Write the lock files (LOCKS) from pyproject.toml with uv; ``--upgrade`` to move every pin."""
    if extra not in ([], ["--upgrade"]):
        say("lock takes no arguments but --upgrade")
        return 2
    tool = uv()
    if tool is None:
        return 1
    for out, (extras, reuse) in LOCKS.items():
        (ROOT / out).parent.mkdir(exist_ok=True)
        # --universal: one file for Linux, macOS and Windows, Python 3.11 and newer;
        # --fork-strategy fewest: one version of a package for every Python where possible.
        args = [tool, "pip", "compile", "pyproject.toml", "--quiet",
                "--universal", "--python-version", OLDEST_PYTHON, "--fork-strategy", "fewest",
                "--custom-compile-command", "python3 tasks.py lock", "--output-file", out,
                *[f"--extra={name}" for name in extras], *extra]
        if reuse:
            args += ["--constraint", reuse]
        say(f"locking {out} ({', '.join(extras)})")
        if subprocess.call([str(a) for a in args], cwd=ROOT) != 0:
            return 1
    return 0


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
        wanted = _tree_digest(*(ROOT / f for f in HUB + ["pyproject.toml"]), ROOT / "course_utils",
                              ROOT / "hub")
        stamp = env / ".installed-hub"
        why = foreign(env, HUB_BASE_PYTHON)
        if why or not python_of(env).exists():
            say(f"rebuilding the hub's environment: {why}" if why else
                f"creating the hub's environment {env} from {HUB_BASE_PYTHON}")
            run(HUB_BASE_PYTHON, "-m", "venv", "--clear", env)
        if not (stamp.exists() and stamp.read_text() == wanted):
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


def web(what: str, extra: list[str]) -> int:
    """Build the static book and/or the live edition (web/build.py) with the tools in .venv-web."""
    if extra:
        say(f"{what} takes no arguments")
        return 2
    ensure_venv(WEB_VENV)
    install(WEB_VENV, WEB, package=False)
    return subprocess.call([str(python_of(WEB_VENV)), str(ROOT / "web" / "build.py"), what],
                           cwd=ROOT, env=environment(WEB_VENV), stdin=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    commands = {"lab": lab, "test": test, "hub": hub, "newest": newest, "lock": lock,
                "book": lambda extra: web("book", extra),
                "lite": lambda extra: web("lite", extra),
                "web": lambda extra: web("web", extra)}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
