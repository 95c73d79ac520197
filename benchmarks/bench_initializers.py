#!/usr/bin/env python3
"""Time the course's samplers against the bare numpy calls that draw the same numbers.

    .venv/bin/python benchmarks/bench_initializers.py [--repeats 15] [--json out.json]

For ``he_normal`` and ``normalized_xavier`` on a 4096 x 4096 array, in float32
and float64, our sampler is timed against the fastest honest bare equivalent:

* float64: ``rng.normal(0, std, size)`` / ``rng.uniform(-L, L, size)``;
* float32: ``rng.standard_normal(size, dtype=float32)`` then ``*= std`` in place /
  ``rng.random(size, dtype=float32)`` then ``*= 2L``, ``-= L`` in place.

Target: ours / bare <= 1.15 (argument checks and fan arithmetic are all we add).
The truncated normal (``he_normal(truncated=True)``, Keras's form) is timed
against our untruncated ``he_normal``; target <= 2.0 (rejection redraws about
4.6% of the values). Finally ``signal_propagation`` with depth 50, width 1024
and batch 256 is timed in both dtypes (no target; the notebooks call it on
every slider move at smaller sizes).

Repetitions are interleaved (A B C D, A B C D, ...) so that a change in the
machine's load hits every contender alike, and the median is reported. Every
ratio in the table is measured in this one run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import course_utils as cu  # noqa: E402

SIZE = (4096, 4096)
FAN_IN, FAN_OUT = SIZE
RATIO_TARGET = 1.15
TRUNCATED_TARGET = 2.0


def contenders(dtype):
    """Return {label: callable} for one dtype; each callable draws one array."""
    std = float(np.sqrt(2.0 / FAN_IN))                       # He normal
    limit = float(np.sqrt(6.0 / (FAN_IN + FAN_OUT)))         # Glorot uniform
    rngs = {name: np.random.default_rng(i) for i, name in enumerate(
        ["he", "he_bare", "he_trunc", "gu", "gu_bare"])}
    if dtype == np.float64:
        def he_bare():
            return rngs["he_bare"].normal(0.0, std, SIZE)

        def gu_bare():
            return rngs["gu_bare"].uniform(-limit, limit, SIZE)
    else:
        std32, width32, limit32 = np.float32(std), np.float32(2 * limit), np.float32(limit)

        def he_bare():
            out = rngs["he_bare"].standard_normal(SIZE, dtype=np.float32)
            out *= std32
            return out

        def gu_bare():
            out = rngs["gu_bare"].random(SIZE, dtype=np.float32)
            out *= width32
            out -= limit32
            return out
    return {
        "he_normal": lambda: cu.he_normal(SIZE, rng=rngs["he"], dtype=dtype),
        "he_normal bare": he_bare,
        "he_normal truncated": lambda: cu.he_normal(SIZE, truncated=True, rng=rngs["he_trunc"],
                                                    dtype=dtype),
        "normalized_xavier": lambda: cu.normalized_xavier(SIZE, rng=rngs["gu"], dtype=dtype),
        "normalized_xavier bare": gu_bare,
    }


def interleaved_medians(functions, repeats):
    """Run every function once per round, ``repeats`` rounds; return median seconds each."""
    times = {name: [] for name in functions}
    names = list(functions)
    for round_ in range(repeats):
        # Rotate the order each round so no contender always runs right after another.
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            start = time.perf_counter()
            result = functions[name]()
            times[name].append(time.perf_counter() - start)
            del result
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--propagation-repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()} {platform.system()}")
    print(f"array {SIZE[0]} x {SIZE[1]}, {args.repeats} interleaved repetitions, medians\n")

    rows, ok = [], True
    header = f"{'sampler':<22}{'dtype':<9}{'ours ms':>9}{'ref ms':>9}  {'reference':<26}{'ratio':>7}{'target':>8}"
    print(header)
    print("-" * len(header))
    for dtype in (np.float32, np.float64):
        medians = interleaved_medians(contenders(dtype), args.repeats)
        for ours, ref, target in (("he_normal", "he_normal bare", RATIO_TARGET),
                                  ("normalized_xavier", "normalized_xavier bare", RATIO_TARGET),
                                  ("he_normal truncated", "he_normal", TRUNCATED_TARGET)):
            ratio = medians[ours] / medians[ref]
            passed = ratio <= target
            ok &= passed
            reference = "bare numpy" if ref.endswith("bare") else "our untruncated he_normal"
            print(f"{ours:<22}{np.dtype(dtype).name:<9}{1e3 * medians[ours]:>9.1f}"
                  f"{1e3 * medians[ref]:>9.1f}  {reference:<26}{ratio:>7.3f}"
                  f"{'<= ' + str(target):>8}{'' if passed else '  MISSED'}")
            rows.append({"sampler": ours, "dtype": np.dtype(dtype).name,
                         "ours_s": medians[ours], "reference": ref,
                         "reference_s": medians[ref], "ratio": ratio, "target": target})

    print(f"\nsignal_propagation(depth=50, width=1024, batch=256), "
          f"median of {args.propagation_repeats}:")
    propagation = {}
    for dtype in (np.float32, np.float64):
        calls = {np.dtype(dtype).name: (lambda d=dtype: cu.signal_propagation(
            "he_normal", "relu", depth=50, width=1024, batch=256, rng=0, dtype=d))}
        cu.signal_propagation("he_normal", "relu", depth=2, width=64, rng=0, dtype=dtype)  # warm
        propagation.update(interleaved_medians(calls, args.propagation_repeats))
    for name, seconds in propagation.items():
        print(f"  {name:<8}{1e3 * seconds:8.0f} ms")

    if args.json:
        args.json.write_text(json.dumps({
            "nproc": len(os.sched_getaffinity(0)), "numpy": np.__version__,
            "loadavg": os.getloadavg(), "repeats": args.repeats, "samplers": rows,
            "signal_propagation_s": propagation}, indent=2) + "\n")
    print("\nall ratios within target" if ok else "\nSOME RATIOS MISSED THEIR TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
