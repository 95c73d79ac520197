#!/usr/bin/env python3
"""Measure the wall time nbgrader takes to autograde one complete submission of the whole course.

In a temporary course directory made from ``notebooks/`` (with the repository's
``nbgrader_config.py``), it runs ``generate_assignment``, submits the instructor
source as one student's complete submission (every answer filled in) and times
``autograde`` for that student: sanitizing, restoring the locked cells, and
executing every notebook top to bottom in a fresh kernel, as for each student of
a class. The target is 60 s or less of wall time on a 2-core machine. The CPU
time (this process and the kernels) is printed too: on a machine busy with other
work the wall time grows, the CPU time much less.

    .venv/bin/python benchmarks/bench_autograde.py            # one run
    .venv/bin/python benchmarks/bench_autograde.py --repeat 3 # best and median of 3

It exits 1 if the autograde fails or the submission does not get every
autograded point (a timing of a broken run would mean nothing).
"""

from __future__ import annotations

import argparse
import resource
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
se = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(se)

TARGET_SECONDS = 60.0


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the kernels nbgrader started)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def autograde_once(root: Path, student: str) -> tuple[float, float]:
    """Submit the source as ``student`` and autograde it; return (wall, CPU) seconds."""
    folder = root / "submitted" / student / se.ASSIGNMENT
    shutil.copytree(root / "source" / se.ASSIGNMENT, folder,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    api = se.nbgrader_api(se.nbgrader_config(root, root / "source"))
    cpu, start = cpu_seconds(), time.perf_counter()
    result = api.autograde(se.ASSIGNMENT, student, force=True, create=True)
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if not result["success"]:
        raise RuntimeError(result.get("error", "") + result["log"])
    return elapsed, cpu


def check_full_marks(root: Path, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook
    db = "sqlite:///" + str(root / "gradebook.db")
    with Gradebook(db, "initlab") as gb:
        sub = gb.find_submission(se.ASSIGNMENT, student)
        return sub.code_score, sub.max_code_score


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="autograde this many students")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="initlab-bench-") as tmp:
        root = Path(tmp)
        shutil.copytree(se.NOTEBOOKS, root / "source" / se.ASSIGNMENT,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        notebooks = se.course_notebooks(root / "source" / se.ASSIGNMENT)
        start = time.perf_counter()
        result = se.nbgrader_api(se.nbgrader_config(root, root / "source")).generate_assignment(
            se.ASSIGNMENT, force=True, create=True)
        if not result["success"]:
            print(result.get("error", "") + result["log"], file=sys.stderr)
            return 1
        print(f"generate_assignment ({len(notebooks)} notebooks): "
              f"{time.perf_counter() - start:.1f} s")
        times = []
        for i in range(args.repeat):
            student = f"student{i + 1}"
            seconds, cpu = autograde_once(root, student)
            score, maximum = check_full_marks(root, student)
            print(f"autograde one complete submission ({len(notebooks)} notebooks): {seconds:.1f} s "
                  f"wall, {cpu:.1f} s CPU (autograded score {score:g} of {maximum:g})")
            if score != maximum:
                print("the instructor source did not get every autograded point", file=sys.stderr)
                return 1
            times.append(seconds)
    best, median = min(times), statistics.median(times)
    verdict = "within" if median <= TARGET_SECONDS else "OVER"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"best {best:.1f} s, median {median:.1f} s wall over {len(times)} run(s): "
          f"{verdict} the {TARGET_SECONDS:.0f} s target (load average {load} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
