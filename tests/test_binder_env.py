"""The Binder environment (binder/) builds and runs the whole course, with nothing borrowed.

repo2docker, when ``binder/`` exists, reads only that folder: it installs
``binder/requirements.txt`` with pip on the Python of ``binder/runtime.txt``
and then runs ``binder/postBuild`` from the repository root. The slow test
below does the same in a fresh virtual environment (no system or user site
packages, no PYTHONPATH, its own ``bin/`` first on PATH, temporary Jupyter
folders) and executes every course notebook with that environment's own
kernel and matplotlib's inline backend. It records the environment's size and
install time in ``tests/artifacts/binder_env.json``.

The fast tests check the folder's conventions: exact pins only, no test or
instructor packages, the Python version, the post-build step, and that every
Binder badge opens an existing notebook in JupyterLab.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
ARTIFACTS = ROOT / "tests" / "artifacts"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Packages that belong to the tests or the instructor, never to a learner's Binder.
NOT_FOR_LEARNERS = ["pytest", "nbval", "hypothesis", "nbgrader", "playwright", "scipy",
                    "torch", "keras", "coverage", "notebook", "jupyter-repo2docker"]


def pins() -> dict[str, str]:
    pinned = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"binder/requirements.txt must pin exact versions (name==version); got {line!r}")
        pinned[canonicalize_name(requirement.name)] = specifiers[0].version
    return pinned


def runtime_version() -> str:
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert match, f"binder/runtime.txt must read python-X.Y, got {text!r}"
    return match.group(1)


# --- conventions (fast)

def test_binder_requirements_pin_every_learner_requirement_exactly():
    pinned = pins()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} (requirements.txt) is not pinned in binder/"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"binder pins {name}=={pinned[name]}, outside requirements.txt's {requirement}")
    extra = sorted(set(pinned) & {canonicalize_name(n) for n in NOT_FOR_LEARNERS})
    assert not extra, f"test/instructor packages in binder/requirements.txt: {extra}"
    assert not any(l.strip().startswith(("-e", ".")) for l in
                   (BINDER / "requirements.txt").read_text().splitlines()), \
        "install course_utils in binder/postBuild, not with -e . in the requirements"


def test_binder_runtime_and_post_build_follow_repo2docker():
    assert runtime_version() == "3.11"
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    lines = [l.strip() for l in post_build.read_text().splitlines()
             if l.strip() and not l.strip().startswith("#")]
    assert lines[0] == "set -e", lines
    assert "pip install --no-deps -e ." in lines, lines


def badge_urls() -> list[tuple[str, str]]:
    found = []
    sources = [(p.name, "".join(json.loads(p.read_text())["cells"][0]["source"]))
               for p in NOTEBOOKS]
    if (ROOT / "README.md").exists():
        sources.append(("README.md", (ROOT / "README.md").read_text()))
    for where, text in sources:
        for url in re.findall(r"\((https://mybinder\.org/v2/[^)\s]+)\)", text):
            found.append((where, url))
    return found


def test_binder_badges_open_an_existing_notebook_in_jupyterlab():
    if not NOTEBOOKS:
        pytest.skip("no course notebook yet")
    urls = badge_urls()
    badged = {where for where, _ in urls}
    missing = [p.name for p in NOTEBOOKS if p.name not in badged]
    assert not missing, f"notebooks without a Binder badge in their first cell: {missing}"
    for where, url in urls:
        match = re.fullmatch(r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w./-]+"
                             r"\?urlpath=lab/tree/(\S+)", url)
        assert match, f"{where}: the badge does not open JupyterLab (urlpath=lab/tree/...): {url}"
        target = match.group(1)
        assert (ROOT / target).is_file(), f"{where}: the badge opens {target}, which does not exist"
        if where.endswith(".ipynb"):
            assert target == f"notebooks/{where}", f"{where}: its badge opens {target}"


# --- the environment itself (slow: a full pip install and every notebook)

RUNNER = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import sys, matplotlib, course_utils\n"
    "print(sys.prefix); print(course_utils.__file__); print(matplotlib.get_backend())")])
NotebookClient(probe, kernel_name="python3", timeout=120).execute()
prefix, package, backend = probe.cells[0].outputs[0]["text"].split()
results = {"kernel_prefix": prefix, "kernel_course_utils": package, "kernel_backend": backend,
           "notebooks": {}}
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    try:
        NotebookClient(nb, kernel_name="python3", timeout=600,
                       resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}
                       ).execute()
    except CellExecutionError as exc:
        error = str(exc)[-3000:]
    results["notebooks"][path] = {"seconds": round(time.perf_counter() - start, 1), "error": error}
print("RESULT " + json.dumps(results))
"""


def disk_usage(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            total += st.st_blocks * 512
    return total


def base_python(version: str) -> str:
    """An interpreter of runtime.txt's version: this one if it matches, else pythonX.Y on PATH."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return getattr(sys, "_base_executable", sys.executable)
    found = shutil.which(f"python{version}")
    if not found:
        pytest.skip(f"binder/runtime.txt asks for Python {version}; no python{version} here")
    return found


@pytest.fixture
def binder_env():
    tmp = Path(tempfile.mkdtemp(prefix="initlab-binder-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_binder_environment_builds_and_runs_every_notebook(binder_env):
    if not NOTEBOOKS:
        pytest.skip("no course notebook yet")
    venv_dir = binder_env / "venv"
    bin_dir = venv_dir / "bin"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "MPLBACKEND", "VIRTUAL_ENV", "JUPYTER_PATH",
                        "JUPYTER_CONFIG_PATH", "PYTHONSTARTUP")}
    env.update(PATH=str(bin_dir) + os.pathsep + env.get("PATH", ""), VIRTUAL_ENV=str(venv_dir),
               PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_DATA_DIR=str(binder_env / "data"),
               JUPYTER_CONFIG_DIR=str(binder_env / "config"),
               JUPYTER_RUNTIME_DIR=str(binder_env / "runtime"),
               IPYTHONDIR=str(binder_env / "ipython"), MPLCONFIGDIR=str(binder_env / "mpl"))

    def run(*args, cwd=binder_env, timeout=1200):
        done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, (f"{' '.join(map(str, args))} failed ({done.returncode}):\n"
                                      f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    version = runtime_version()
    started = time.perf_counter()
    run(base_python(version), "-m", "venv", venv_dir)
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "-r", BINDER / "requirements.txt")
    requirements_s = time.perf_counter() - started
    started = time.perf_counter()
    run(BINDER / "postBuild", cwd=ROOT)                       # as repo2docker: from the root
    post_build_s = time.perf_counter() - started
    size = disk_usage(venv_dir)

    python = bin_dir / "python"
    found = json.loads(run(python, "-c", (
        "import importlib.util, json, sys, course_utils\n"
        f"names = {NOT_FOR_LEARNERS!r}\n"
        "print(json.dumps({'version': '%d.%d' % sys.version_info[:2],\n"
        "  'course_utils': course_utils.__file__,\n"
        "  'importable': [n for n in names if importlib.util.find_spec(n.replace('-', '_'))]}))")))
    assert found["version"] == version
    assert Path(found["course_utils"]).resolve().is_relative_to(ROOT / "course_utils"), found
    assert not found["importable"], f"borrowed or instructor packages importable: {found}"

    started = time.perf_counter()
    output = run(python, "-c", RUNNER, *NOTEBOOKS, timeout=3600)
    notebooks_s = time.perf_counter() - started
    result = json.loads(output.split("RESULT ", 1)[1])

    record = {
        "python": version,
        "packages_pinned": len(pins()),
        "install_requirements_s": round(requirements_s, 1),
        "post_build_s": round(post_build_s, 1),
        "venv_size_mb": round(size / 2**20, 1),
        "execute_notebooks_s": round(notebooks_s, 1),
        "notebooks": {Path(k).name: v for k, v in result["notebooks"].items()},
        "kernel_backend": result["kernel_backend"],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "binder_env.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"Binder env: {record['packages_pinned']} pins, install {requirements_s:.0f} s "
          f"+ postBuild {post_build_s:.0f} s, {record['venv_size_mb']} MB; "
          f"{len(NOTEBOOKS)} notebooks executed in {notebooks_s:.0f} s")

    assert Path(result["kernel_prefix"]).resolve() == venv_dir.resolve(), (
        f"the kernel ran in {result['kernel_prefix']}, not in the Binder environment")
    assert Path(result["kernel_course_utils"]).resolve().is_relative_to(ROOT), result
    assert "inline" in result["kernel_backend"], result["kernel_backend"]
    failures = {Path(k).name: v["error"] for k, v in result["notebooks"].items() if v["error"]}
    assert not failures, "notebooks that fail in the Binder environment:\n" + "\n".join(
        f"--- {k}\n{v}" for k, v in failures.items())
