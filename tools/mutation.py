"""Mutation testing of course_utils' six core modules (mutmut 3), with a per-module table.

Not part of CI (12 to 25 minutes on 2 cores, with one mutant at a time). mutmut lives in its own venv,
``.venv-mut``, next to the course's test packages (not in the course's requirements);
its configuration is ``[tool.mutmut]`` in pyproject.toml. See tests/MUTATION.md.

Usage (from the repository root)::

    python3 tools/mutation.py            # build .venv-mut if missing, run, print the table
    python3 tools/mutation.py --table    # only print the table of the last run
    python3 tools/mutation.py --children 2

mutmut keeps its results in ``mutants/``: a second run re-tests only the functions whose
code or tests changed. Delete ``mutants/`` for a clean run.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-mut"
MUTMUT_SPEC = "mutmut>=3.8,<4"
# What the six modules' unit tests import; versions pinned by the test lock.
TEST_PACKAGES = ["numpy", "scipy", "hypothesis", "threadpoolctl", "nbval", "pytest"]
MODULES = ("fans", "bounds", "initializers", "gains", "_checks", "mean_field")
STATUSES = ("killed", "survived", "timeout", "suspicious", "no tests", "skipped",
            "segfault", "not checked")


def _bin(name: str) -> Path:
    return VENV / "bin" / name


def ensure_venv() -> None:
    """Create .venv-mut with mutmut and the test lock's versions of what the tests import."""
    if _bin("mutmut").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(_bin("python")), "-m", "pip", "install", "-q", MUTMUT_SPEC,
                    "-c", str(ROOT / "locks" / "test.txt"), *TEST_PACKAGES], check=True)


def run(children: int) -> None:
    """Run mutmut; it is resumable, so an interrupted run continues where it stopped."""
    # Children beyond the cores only queue; the default (cpu_count) would take a shared
    # machine's every core.
    subprocess.run([str(_bin("mutmut")), "run", "--max-children", str(children)],
                   cwd=ROOT, check=True)


def tally() -> dict[str, collections.Counter]:
    """Statuses per module, from ``mutmut results --all true`` (one mutant a line)."""
    out = subprocess.run([str(_bin("mutmut")), "results", "--all", "true"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    counts = {m: collections.Counter() for m in MODULES}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep:
            continue
        module = name.split(".")[1] if name.startswith("course_utils.") else None
        if module not in counts:
            raise SystemExit(f"mutation.py: a mutant outside the six modules: {line!r}")
        counts[module][status] += 1
    return counts


def table(counts: dict[str, collections.Counter]) -> str:
    """A markdown table: killed / survived / timeout / other / total and the score per module.

    The score counts a timeout as killed (mutmut's convention: the mutant made the
    tests hang, so it was detected).
    """
    rows = ["| module | killed | survived | timeout | other | total | score |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    total = collections.Counter()
    for module in MODULES + ("all",):
        c = total if module == "all" else counts[module]
        if module != "all":
            total.update(c)
        n = sum(c.values())
        other = n - c["killed"] - c["survived"] - c["timeout"]
        score = 100.0 * (c["killed"] + c["timeout"]) / n if n else float("nan")
        rows.append(f"| {module} | {c['killed']} | {c['survived']} | {c['timeout']} | "
                    f"{other} | {n} | {score:.1f} % |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="print the last run's table only")
    parser.add_argument("--children", type=int, default=1,
                        help="mutants tested at once (default 1: the machine is shared)")
    args = parser.parse_args(argv)
    if args.children < 1:
        parser.error(f"--children must be a positive integer, got {args.children}")
    os.chdir(ROOT)
    ensure_venv()
    if not args.table:
        run(args.children)
    print(table(tally()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
