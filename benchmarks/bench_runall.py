#!/usr/bin/env python3
"""Run All time of each course notebook in a live kernel, against an earlier revision.

Each notebook is copied to a temporary folder and run top to bottom in a fresh
``python3`` kernel with the default inline backend (``MPLBACKEND`` removed), the
way a learner's "Run All" runs it: the figure is the wall time from starting the
kernel to the last cell's reply. The same notebook of ``--against REV`` (checked
out with ``git worktree`` into a temporary folder, its own ``course_utils`` first
on ``PYTHONPATH``) runs right before it, so a change of load hits both sides.
Also reported: the kernel's CPU time summed over the cells (inline figure
rendering included), which a busy machine disturbs far less than wall time.

    .venv/bin/python benchmarks/bench_runall.py [--against d1a06a9] [--rounds 3] [NN ...]

Prints, per notebook, the median over rounds of each side's wall and cell-CPU
time, and writes ``benchmarks/results/runall.json``. No target is asserted here
(timings are too noisy to assert); issue 11 asks for every notebook at or below
the starting revision's time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
HOOK = """import time as _bench_t
_bench_cpu = []
def _bench_pre(info=None):
    global _bench_c0
    _bench_c0 = _bench_t.process_time()
def _bench_post(result=None):
    _bench_cpu.append(_bench_t.process_time() - _bench_c0)
get_ipython().events.register("pre_run_cell", _bench_pre)
get_ipython().events.register("post_run_cell", _bench_post)"""


def run_once(path: Path, pythonpath: str | None) -> tuple[float, float]:
    """(wall seconds from kernel start to the last cell's reply, kernel CPU seconds over the cells)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOOK))          # about a millisecond, both sides
    nb.cells.append(nbformat.v4.new_code_cell("print(repr(sum(_bench_cpu)))"))
    saved = os.environ.copy()
    os.environ.pop("MPLBACKEND", None)
    if pythonpath:
        os.environ["PYTHONPATH"] = pythonpath
    else:
        os.environ.pop("PYTHONPATH", None)
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        wall = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return wall, float(text)


def checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(into), rev],
                   check=True, capture_output=True)
    return into


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="two-digit prefixes (default: all)")
    parser.add_argument("--against", default="d1a06a9", help="revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    names = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                   if not args.notebooks or p.name[:2] in args.notebooks)
    work = Path(tempfile.mkdtemp(prefix="bench-runall-"))
    results: dict = {}
    try:
        base_root = checkout(args.against, work / "base")
        for side, root in (("base", base_root), ("head", ROOT)):
            (work / side).mkdir(exist_ok=True)
            for name in names:
                if (root / "notebooks" / name).exists():
                    shutil.copy(root / "notebooks" / name, work / side / name)
        for name in names:
            results[name] = {"base": [], "head": []}
        for _ in range(args.rounds):
            for name in names:
                for side, pythonpath in (("base", str(base_root)), ("head", str(ROOT))):
                    if (work / side / name).exists():
                        results[name][side].append(run_once(work / side / name, pythonpath))
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "base")],
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}; medians of {args.rounds} rounds; "
          f"{args.against} = base, working tree = head")
    print(f"{'notebook':34s} {'wall base':>9s} {'wall head':>9s} {'cpu base':>9s} {'cpu head':>9s}")
    summary = {}
    for name, sides in results.items():
        med = {side: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for side, runs in sides.items() if runs}
        summary[name] = {side: {"wall_s": round(w, 3), "cells_cpu_s": round(c, 3),
                                "runs": [[round(a, 3), round(b, 3)] for a, b in sides[side]]}
                         for side, (w, c) in med.items()}
        b, h = med.get("base", (float("nan"),) * 2), med["head"]
        print(f"{name:34s} {b[0]:9.2f} {h[0]:9.2f} {b[1]:9.2f} {h[1]:9.2f}")
    out = ROOT / "benchmarks" / "results" / "runall.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"against": args.against, "rounds": args.rounds,
                               "cpus": os.cpu_count(), "notebooks": summary}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
