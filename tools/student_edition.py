#!/usr/bin/env python3
"""Write the student edition of the course (nbgrader) and the exercise table of INSTRUCTORS.md.

The notebooks in ``notebooks/`` are the instructor source: they carry the
solutions and hidden tests. This command runs nbgrader's own
``generate_assignment`` on them (with the repository's ``nbgrader_config.py``)
in a temporary course directory, so solutions become ``# YOUR CODE HERE`` /
``raise NotImplementedError()``, written answers become ``YOUR ANSWER HERE``,
hidden tests are removed, outputs cleared and the test cells locked. It then

* writes the result to ``student/`` (the committed student edition that
  self-learners open; its Binder badges are pointed at ``student/``), and
* rewrites the table of exercises and points in ``INSTRUCTORS.md`` (between
  the ``exercise-table`` markers) from the notebooks' nbgrader metadata.

Both are derived from the cells of ``notebooks/`` only: rerun this after any
edit of a notebook's text or code (re-executing a notebook changes nothing here,
since the student edition carries no outputs).
It needs nbgrader (``requirements-instructor.txt``; ``python3 tasks.py test``
installs it into ``.venv``)::

    .venv/bin/python tools/student_edition.py            # write student/ and the table
    .venv/bin/python tools/student_edition.py --check    # exit 1 if either is stale
    .venv/bin/python tools/student_edition.py --table    # print the table only
    .venv/bin/python tools/student_edition.py --out DIR  # student edition into DIR instead

For a class, instructors do not need ``student/``: ``nbgrader
generate_assignment notebooks`` from the repository root produces the same
notebooks in ``release/notebooks/`` (see INSTRUCTORS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = ROOT / "student"
INSTRUCTORS = ROOT / "INSTRUCTORS.md"
ASSIGNMENT = "notebooks"          # the one nbgrader assignment: the folder notebooks/
PATTERN = "[0-9][0-9]_*.ipynb"
TABLE_START = "<!-- exercise-table:start (written by tools/student_edition.py; do not edit) -->"
TABLE_END = "<!-- exercise-table:end -->"
BINDER_FULL = "urlpath=lab/tree/notebooks/"
BINDER_STUDENT = "urlpath=lab/tree/student/"


# -- reading the exercises from the metadata --------------------------------------------------
def course_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks ``NN_topic.ipynb`` of ``folder``, in course order."""
    return sorted(folder.glob(PATTERN))


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_cells(nb: dict) -> list[dict]:
    """Every cell that earns points: ``{"grade_id", "kind", "points", "cell_type", "title"}``.

    ``kind`` is ``"autograded"`` for a test cell (nbgrader grades it by running it)
    and ``"manual"`` for an answer the instructor grades by hand in formgrader
    (a written-answer markdown cell, or a code answer marked for manual grading).
    ``title`` is the last markdown heading above the cell (the exercise's title).
    """
    rows, title = [], ""
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and not meta.get("grade"):
            # A cell may hold the "## Exercises" section heading and the first exercise's own.
            headings = re.findall(r"^#+\s+(.+?)\s*$", source, flags=re.M)
            title = headings[-1] if headings else title
        if not meta.get("grade"):
            continue
        manual = bool(meta.get("solution"))
        rows.append({"grade_id": meta["grade_id"], "cell_type": cell["cell_type"],
                     "kind": "manual" if manual else "autograded", "title": title,
                     "points": float(meta.get("points", 0))})
    return rows


def _points(x: float) -> str:
    return f"{x:g}"


def exercise_table(paths: list[Path] | None = None) -> str:
    """The markdown tables of INSTRUCTORS.md: points per notebook, then every graded cell."""
    paths = course_notebooks() if paths is None else paths
    summary = ["| notebook | autograded tests | autograded points | hand-graded answers "
               "| hand-graded points | total points |",
               "|---|---:|---:|---:|---:|---:|"]
    detail = ["| notebook | exercise | grade_id | graded | points |", "|---|---|---|---|---:|"]
    totals = [0, 0.0, 0, 0.0]
    for path in paths:
        rows = grade_cells(json.loads(path.read_text(encoding="utf-8")))
        auto = [r for r in rows if r["kind"] == "autograded"]
        manual = [r for r in rows if r["kind"] == "manual"]
        a_pts, m_pts = sum(r["points"] for r in auto), sum(r["points"] for r in manual)
        summary.append(f"| `{path.name}` | {len(auto)} | {_points(a_pts)} | {len(manual)} "
                       f"| {_points(m_pts)} | {_points(a_pts + m_pts)} |")
        for i, v in enumerate((len(auto), a_pts, len(manual), m_pts)):
            totals[i] += v
        for r in rows:
            how = "autograded (test cell)" if r["kind"] == "autograded" else \
                f"by hand ({r['cell_type']} answer)"
            title = r["title"].replace("|", "\\|")
            detail.append(f"| `{path.stem[:2]}` | {title} | `{r['grade_id']}` | {how} "
                          f"| {_points(r['points'])} |")
    summary.append(f"| **course** | **{totals[0]}** | **{_points(totals[1])}** | **{totals[2]}** "
                   f"| **{_points(totals[3])}** | **{_points(totals[1] + totals[3])}** |")
    return "\n".join(summary) + "\n\nEvery graded cell:\n\n" + "\n".join(detail) + "\n"


def table_block(table: str) -> str:
    return f"{TABLE_START}\n\n{table}\n{TABLE_END}"


def replace_table(text: str, table: str) -> str:
    """``text`` (INSTRUCTORS.md) with the block between the markers replaced by ``table``."""
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"{INSTRUCTORS.name} lacks the markers {TABLE_START!r} ... {TABLE_END!r}")
    return text[:start] + table_block(table) + text[end + len(TABLE_END):]


# -- nbgrader -----------------------------------------------------------------------------------
def nbgrader_config(course_root: Path, source_parent: Path = ROOT, **overrides):
    """The repository's nbgrader_config.py, moved to a course directory ``course_root``.

    The source step becomes ``source_parent`` (absolute), so the assignment
    ``notebooks`` resolves to ``<source_parent>/notebooks/*.ipynb``; the gradebook
    and every other step live under ``course_root``. ``overrides`` maps
    ``"Class.trait"`` to a value (``{"Execute.timeout": 20}``).
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    extra = Config()
    extra.CourseDirectory.root = str(course_root)
    extra.CourseDirectory.source_directory = str(source_parent)
    extra.CourseDirectory.db_url = "sqlite:///" + str(Path(course_root) / "gradebook.db")
    for key, value in overrides.items():
        section, trait = key.split(".")
        extra[section][trait] = value
    config.merge(extra)
    return config


def nbgrader_api(config):
    """An ``NbGraderAPI`` for ``config``, with this Python's ``bin/`` on PATH (nbgrader calls alembic)."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def generate_release(course_root: Path, source_parent: Path = ROOT) -> Path:
    """Run nbgrader's generate_assignment; return the folder of released notebooks."""
    api = nbgrader_api(nbgrader_config(course_root, source_parent))
    result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise RuntimeError("nbgrader generate_assignment failed:\n"
                           + result.get("error", "") + result.get("log", ""))
    return Path(course_root) / "release" / ASSIGNMENT


def student_notebooks(source_parent: Path = ROOT) -> dict[str, str]:
    """The student edition, as ``{file name: notebook JSON text}``, built by nbgrader."""
    with tempfile.TemporaryDirectory(prefix="initlab-student-") as tmp:
        return edition_from_release(generate_release(Path(tmp), source_parent))


def edition_from_release(release: Path) -> dict[str, str]:
    """nbgrader's released notebooks, with their Binder badges opening ``student/``.

    (The release carries no saved widget state: ``nbgrader_config.py`` adds a
    preprocessor that drops it, for this edition and for a class's release alike.)
    """
    return {path.name: path.read_text(encoding="utf-8").replace(BINDER_FULL, BINDER_STUDENT)
            for path in course_notebooks(release)}


def stale_files(target: Path, edition: dict[str, str]) -> list[str]:
    """Names that differ between ``edition`` and the notebooks in ``target`` (missing/extra too)."""
    have = {p.name: p for p in course_notebooks(target)} if target.exists() else {}
    stale = sorted(n for n in edition if n not in have
                   or json.loads(have[n].read_text(encoding="utf-8")) != json.loads(edition[n]))
    return stale + sorted(f"{n} (not in notebooks/)" for n in have if n not in edition)


def write_edition(target: Path, edition: dict[str, str]) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in stale_files(target, edition):
        if name.endswith("(not in notebooks/)"):
            (target / name.split(" ")[0]).unlink()
            written.append("removed " + name.split(" ")[0])
        else:
            (target / name).write_text(edition[name], encoding="utf-8")
            written.append("wrote " + name)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="report a stale student/ or exercise table; change nothing")
    parser.add_argument("--table", action="store_true", help="print the exercise table and stop")
    parser.add_argument("--out", type=Path, help="write the student edition here instead of student/")
    args = parser.parse_args(argv)

    table = exercise_table()
    if args.table:
        print(table)
        return 0
    try:
        edition = student_notebooks()
    except ImportError:
        print("nbgrader is missing: pip install -r requirements-instructor.txt", file=sys.stderr)
        return 2
    target = (args.out or STUDENT).resolve()
    text = INSTRUCTORS.read_text(encoding="utf-8")
    if args.check:
        problems = [f"{target.name}/{n}" for n in stale_files(target, edition)]
        if replace_table(text, table) != text:
            problems.append(f"{INSTRUCTORS.name} exercise table")
        if problems:
            print("stale: " + ", ".join(problems)
                  + "\nrun: .venv/bin/python tools/student_edition.py")
            return 1
        print(f"{target.name}/ and the exercise table are current ({len(edition)} notebooks)")
        return 0
    for line in write_edition(target, edition):
        print(f"{target.name}/: {line}")
    if args.out is None and replace_table(text, table) != text:
        INSTRUCTORS.write_text(replace_table(text, table), encoding="utf-8")
        print(f"updated the exercise table in {INSTRUCTORS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
