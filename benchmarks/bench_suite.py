#!/usr/bin/env python3
"""Time strict ``pytest --nbval`` over the course notebooks against as many trivial notebooks.

Kernel start-up (about a second each) is the floor of any nbval run, so the
honest figure is a ratio measured in one run on one machine: the wall time of
the course notebooks divided by the wall time of the same command over the
same number of one-cell notebooks (``1 + 1``). Target: at most 2.0.

    .venv/bin/python benchmarks/bench_suite.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
           "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", str(ROOT / "tools" / "nbval_sanitize.cfg")]


def trivial_notebooks(folder: Path, count: int) -> None:
    from nbclient import NotebookClient
    for i in range(count):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        NotebookClient(nb, kernel_name="python3").execute()
        nbformat.write(nb, folder / f"trivial_{i:02d}.ipynb")


def timed(paths) -> float:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    start = time.perf_counter()
    result = subprocess.run(COMMAND + [str(p) for p in paths], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-3000:])
        raise SystemExit(f"pytest failed on {paths}")
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    course = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        trivial_notebooks(Path(tmp), len(course))
        trivial = sorted(Path(tmp).glob("*.ipynb"))
        course_times, trivial_times = [], []
        for _ in range(args.repeat):          # interleaved, so drift hits both alike
            trivial_times.append(timed(trivial))
            course_times.append(timed(course))
    c, t = min(course_times), min(trivial_times)
    print(f"{len(course)} course notebooks: {c:.1f} s (runs: {', '.join(f'{x:.1f}' for x in course_times)})")
    print(f"{len(trivial)} trivial notebooks: {t:.1f} s (runs: {', '.join(f'{x:.1f}' for x in trivial_times)})")
    print(f"ratio: {c / t:.2f} (target <= 2.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
