#!/usr/bin/env python3
"""Run strict nbval and the doctests once per CPU code path this machine can emulate.

A stored output must not depend on which CPU computed it. Two things differ between
CPUs: the OpenBLAS kernel numpy's bundled BLAS picks (its matrix products sum in
another order on Haswell, Zen, SkylakeX, ...), and numpy's own SIMD loops (exp, tanh,
sums) chosen at run time from the CPU's features. This script forces each in turn,
with ``OPENBLAS_CORETYPE`` and ``NPY_DISABLE_CPU_FEATURES``, and runs the notebooks
(strict nbval) and the package's doctests under it:

    .venv/bin/python tools/cpu_matrix.py                 # every path this CPU supports
    .venv/bin/python tools/cpu_matrix.py Haswell Zen     # only these

It prints one line per path: the kernel threadpoolctl reports, numpy's disabled
features, and the failing tests. Slow (about a minute a path): a maintainer's
check before committing re-executed notebooks, not part of the test suite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# numpy's run-time dispatch targets (numpy 2.4 names its x86 groups X86_V3, X86_V4, AVX512_ICL,
# AVX512_SPR; older releases name single features). Names this numpy does not dispatch are dropped.
AVX512 = "AVX512_SPR AVX512_ICL X86_V4 AVX512_CNL AVX512_CLX AVX512_SKX AVX512F"
AVX2 = "X86_V3 AVX2 FMA3"
AVX = "AVX F16C"

#: name -> (OPENBLAS_CORETYPE, features numpy must not use): the paths of common x86 CPUs.
PATHS = {
    "native": (None, ""),                                  # what this CPU picks by itself
    "SkylakeX": ("SkylakeX", ""),                          # Intel with AVX-512
    "Haswell": ("Haswell", AVX512),                        # Intel/AMD with AVX2, no AVX-512
    "Zen": ("Zen", AVX512),                                # AMD EPYC/Ryzen before Zen 4
    "Sandybridge": ("Sandybridge", f"{AVX512} {AVX2}"),    # AVX only
    "Nehalem": ("Nehalem", f"{AVX512} {AVX2} {AVX}"),      # SSE4.2 only (numpy's x86-64-v2 floor)
}

PROBE = ("import json, threadpoolctl\n"
         "from numpy._core._multiarray_umath import __cpu_features__ as f, __cpu_dispatch__ as d\n"
         "print(json.dumps([threadpoolctl.threadpool_info()[0].get('architecture'),"
         " [k for k in d if f.get(k)]]))")


def environment(coretype: str | None, disabled: str) -> dict:
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    if disabled:
        supported = json.loads(subprocess.run(
            [sys.executable, "-c", "import json\nfrom numpy._core._multiarray_umath import "
             "__cpu_features__ as f, __cpu_dispatch__ as d\nprint(json.dumps([k for k in d if f.get(k)]))"],
            capture_output=True, text=True, check=True).stdout)
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(x for x in disabled.split() if x in supported)
    return env


def run_path(name: str) -> tuple[str, list[str]]:
    coretype, disabled = PATHS[name]
    env = environment(coretype, disabled)
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    if probe.returncode:
        return f"{name}: cannot run ({probe.stderr.strip().splitlines()[-1]})", []
    kernel, features = json.loads(probe.stdout)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-o", "addopts=", "--nbval", "--nbval-current-env",
                             "--nbval-sanitize-with", "tools/nbval_sanitize.cfg",
                             "--doctest-modules", "notebooks", "course_utils"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    failed = sorted(set(re.findall(r"^FAILED (.+?)(?: - .*)?$", result.stdout, re.M)))
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    head = f"{name}: OpenBLAS {kernel}, numpy loops {'+'.join(features) or 'baseline'}: {summary}"
    return head, failed


def main(names: list[str]) -> int:
    bad = 0
    for name in names or list(PATHS):
        if name not in PATHS:
            print(f"unknown path {name!r}; choose from {', '.join(PATHS)}")
            return 2
        head, failed = run_path(name)
        print(head, flush=True)
        for test in failed:
            print(f"    {test}", flush=True)
        bad += bool(failed)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
