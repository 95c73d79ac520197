#!/usr/bin/env python3
"""Time showing one figure of the kind the course draws most (std against layer, log y).

Three axes side by side, each with a measured and a predicted curve over ten
layers spanning about seven decades, shown the way the inline backend shows a
figure (laid out, drawn, encoded to PNG). Compared in the same run:
matplotlib's own log scale (eight minor ticks per decade, mathtext labels) and
the course's :class:`course_utils.plots.CourseLogScale` (minor ticks at 2 and 5,
plain-text labels). Repetitions
alternate between the two, so a change of load hits both; medians are printed.

    .venv/bin/python benchmarks/bench_figures.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import io
import os
import time

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import scale as mscale  # noqa: E402

from course_utils.plots import CourseLogScale, use_course_style  # noqa: E402


def show_one(rng) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharey=True)
    layers = np.arange(1, 11)
    for ax in axes:
        ax.semilogy(layers, np.exp(-layers * rng.uniform(1.4, 1.8)), "o", label="measured")
        ax.semilogy(layers, np.exp(-1.6 * layers), "-", label="predicted")
        ax.set(xlabel="layer", title="pre-activations z")
    axes[0].set_ylabel("std")
    axes[0].legend(loc="lower left")
    fig.canvas.print_figure(io.BytesIO(), format="png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    use_course_style()
    rng = np.random.default_rng(0)
    scales = {"matplotlib LogScale": mscale.LogScale, "CourseLogScale": CourseLogScale}
    times = {name: [] for name in scales}
    for name, cls in scales.items():          # warm-up: fonts, caches
        mscale.register_scale(cls)
        show_one(rng)
    for _ in range(args.repeats):
        for name, cls in scales.items():
            mscale.register_scale(cls)
            start = time.perf_counter()
            show_one(rng)
            times[name].append(time.perf_counter() - start)
    mscale.register_scale(CourseLogScale)
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, matplotlib {matplotlib.__version__}")
    for name, ts in times.items():
        print(f"{name:22s} median {np.median(ts) * 1e3:6.1f} ms  (of {len(ts)})")
    ratio = np.median(times["CourseLogScale"]) / np.median(times["matplotlib LogScale"])
    print(f"ratio course / matplotlib: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
