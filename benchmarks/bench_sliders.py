#!/usr/bin/env python3
"""Measure how long one slider move takes, for every slider of every course notebook.

Each notebook runs top to bottom in a live kernel with matplotlib's default
inline backend (MPLBACKEND is removed from the environment: under Agg,
``plt.show()`` draws nothing and the numbers would flatter us). Then, in that
same kernel, every control of every ``FigurePanel`` the notebook left in its
namespace (a variable, an item of a list or dict variable, or an ``Out[n]``) is moved
through a series of positions; a move is timed from setting the control's
value to the return of its observer, which is exactly what a learner's slider
move triggers (recompute, redraw, encode, send the picture to the front end).
Between the last cell and the first move the kernel idles for ``--idle``
seconds (3 by default), as it does while a learner reads the panel: that is
when a panel draws its warm layouts (see :mod:`course_utils.widgets`).

    .venv/bin/python benchmarks/bench_sliders.py [notebooks/NN_x.ipynb ...] [--moves 15] [--idle 3]

Prints one line per control (median and worst move, and the median CPU time of
the kernel per move, which other load on the machine disturbs less) and the
overall figures:
the median over all moves (target <= 50 ms) and the worst control's median
(target <= 100 ms). Writes the same to benchmarks/results/sliders.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

MEASURE = r'''
import json as _json, time as _time
import numpy as _np
from ipywidgets import Dropdown as _Dropdown
from course_utils.widgets import FigurePanel as _FigurePanel

def _all_panels():
    """Every FigurePanel the notebook left in its namespace (variables and Out[n]), in order."""
    _seen, _found = set(), []
    _ns = get_ipython().user_ns
    _values = list(_ns.values()) + list(_ns.get("Out", {}).values())
    for _v in _values:
        for _p in (_v if isinstance(_v, (list, tuple)) else
                   _v.values() if isinstance(_v, dict) else [_v]):
            if isinstance(_p, _FigurePanel) and id(_p) not in _seen:
                _seen.add(id(_p))
                _found.append(_p)
    return _found

def _positions(control, moves):
    if isinstance(control, _Dropdown):
        values = [value for _, value in control.options] if control.options and isinstance(control.options[0], tuple) else list(control.options)
        return (values * moves)[: max(moves, len(values))]
    lo, hi = control.min, control.max
    if type(control).__name__ == "FloatLogSlider":
        grid = list(control.base ** _np.linspace(lo, hi, moves))
    elif isinstance(control.value, int):
        grid = sorted({int(round(v)) for v in _np.linspace(lo, hi, moves)})
    else:
        grid = list(_np.linspace(lo, hi, moves))
    return grid

_report = []
for _panel in _all_panels():
    for _name, _control in _panel.controls.items():
        _start_value = _control.value
        _times, _cpu = [], []
        for _v in _positions(_control, __MOVES__):
            if _v == _control.value:
                continue
            _t0, _c0 = _time.perf_counter(), _time.process_time()
            _control.value = _v
            _times.append(_time.perf_counter() - _t0)
            _cpu.append(_time.process_time() - _c0)
        _control.value = _start_value
        _report.append({"panel": repr(_panel), "control": _name, "moves": len(_times),
                        "median_ms": 1000 * float(_np.median(_times)),
                        "worst_ms": 1000 * float(_np.max(_times)),
                        "median_cpu_ms": 1000 * float(_np.median(_cpu)),
                        "all_ms": [1000 * t for t in _times]})
print(_json.dumps(_report))
'''


def measure(path: Path, moves: int, idle: float) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(MEASURE.replace("__MOVES__", str(moves))))
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells[:-1]):
            client.execute_cell(cell, index)
        time.sleep(idle)               # the kernel idles, as while a learner reads the panel
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    out = nb.cells[-1].outputs
    text = "".join(o.get("text", "") for o in out if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--moves", type=int, default=15, help="positions per control")
    parser.add_argument("--idle", type=float, default=3.0,
                        help="seconds the kernel idles between Run All and the first move")
    args = parser.parse_args(argv)
    os.environ.pop("MPLBACKEND", None)
    paths = args.paths or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    rows, all_moves = [], []
    print(f"{'notebook':34} {'control':22} {'moves':>5} {'median ms':>10} {'worst ms':>9} "
          f"{'median cpu ms':>13}")
    for path in paths:
        start = time.perf_counter()
        for row in measure(path.resolve(), args.moves, args.idle):
            row["notebook"] = path.name
            rows.append(row)
            all_moves += row["all_ms"]
            print(f"{path.name:34} {row['control']:22} {row['moves']:5d} "
                  f"{row['median_ms']:10.1f} {row['worst_ms']:9.1f} {row['median_cpu_ms']:13.1f}")
        print(f"  ({path.name}: {time.perf_counter() - start:.1f} s including execution)")
    if not rows:
        print("no FigurePanel controls found")
        return 1
    overall = statistics.median(all_moves)
    worst_control = max(rows, key=lambda r: r["median_ms"])
    print(f"\ncontrols: {len(rows)}, moves: {len(all_moves)}")
    print(f"median of all moves: {overall:.1f} ms (target <= 50)")
    print(f"worst control's median: {worst_control['median_ms']:.1f} ms "
          f"({worst_control['notebook']} / {worst_control['control']}; target <= 100)")
    print(f"slowest single move: {max(all_moves):.1f} ms")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sliders.json").write_text(json.dumps(
        {"median_ms": overall, "worst_control_median_ms": worst_control["median_ms"],
         "controls": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
