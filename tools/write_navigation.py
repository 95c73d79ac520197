#!/usr/bin/env python3
"""Write the header cell (title line, Binder badge, navigation) of every course notebook.

Each notebook in ``notebooks/`` named ``NN_topic.ipynb`` gets, as its first
cell, a markdown cell tagged ``course-navigation`` holding a "Launch on
Binder" badge that opens *that* notebook in JupyterLab and a line
``< previous | contents | next >``, and as its last cell a markdown cell
tagged ``course-navigation-footer`` with the same links, so a reader who
finishes a notebook finds the next one by its title. The title and outcome
sentence stay in the notebook's second cell, written by the author.

Safe to rerun: an existing navigation cell is replaced, never duplicated, and
a notebook whose header is already current is not rewritten (so its stored
outputs and execution counts are untouched). Markdown cells are not compared
by nbval, so rewriting the header never breaks the notebook tests.

    python3 tools/write_navigation.py          # rewrite headers
    python3 tools/write_navigation.py --check  # exit 1 if any header is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REPOSITORY = "initlab/initlab"   # GitHub owner/name the Binder badges point at
BRANCH = "HEAD"
TAG = "course-navigation"
FOOTER_TAG = "course-navigation-footer"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"


def binder_url(notebook_name: str) -> str:
    """The mybinder.org URL that opens ``notebooks/<notebook_name>`` in JupyterLab."""
    return (f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}"
            f"?urlpath=lab/tree/notebooks/{notebook_name}")


def course_notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def title_of(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and TAG not in cell.get("metadata", {}).get("tags", []):
            text = "".join(cell["source"])
            match = re.search(r"^#\s+(.+)$", text, flags=re.M)
            if match:
                return match.group(1).strip()
    return path.stem


def header_source(paths: list[Path], index: int) -> str:
    path = paths[index]
    parts = []
    if index > 0:
        parts.append(f"[< {title_of(paths[index - 1])}]({paths[index - 1].name})")
    if index != 0:
        parts.append(f"[Contents]({paths[0].name})")
    if index + 1 < len(paths):
        parts.append(f"[{title_of(paths[index + 1])} >]({paths[index + 1].name})")
    badge = f"[![Launch on Binder]({BADGE_IMAGE})]({binder_url(path.name)})"
    return f"{badge}\n\n" + " | ".join(parts)


def footer_source(paths: list[Path], index: int) -> str:
    parts = []
    if index + 1 < len(paths):
        parts.append(f"**Next:** [{title_of(paths[index + 1])}]({paths[index + 1].name})")
    if index > 0:
        parts.append(f"Previous: [{title_of(paths[index - 1])}]({paths[index - 1].name})")
        parts.append(f"[Contents]({paths[0].name})")
    return " · ".join(parts)


def _nav_cell(tag: str, source: str) -> dict:
    return {"cell_type": "markdown", "id": tag,
            "metadata": {"tags": [tag], "editable": False, "deletable": False},
            "source": source.splitlines(keepends=True)}


def _has_tag(cell: dict, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def update(path: Path, source: str, footer: str) -> bool:
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    before = json.dumps(cells)
    if cells and _has_tag(cells[0], TAG):
        cells[0] = _nav_cell(TAG, source)
    else:
        cells.insert(0, _nav_cell(TAG, source))
    if cells and _has_tag(cells[-1], FOOTER_TAG):
        cells[-1] = _nav_cell(FOOTER_TAG, footer)
    else:
        cells.append(_nav_cell(FOOTER_TAG, footer))
    if json.dumps(cells) == before:
        return False
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


def is_current(path: Path, source: str, footer: str) -> bool:
    cells = json.loads(path.read_text())["cells"]
    return (len(cells) >= 2 and _has_tag(cells[0], TAG) and _has_tag(cells[-1], FOOTER_TAG)
            and "".join(cells[0]["source"]) == source and "".join(cells[-1]["source"]) == footer)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale headers, change nothing")
    args = parser.parse_args(argv)
    paths = course_notebooks()
    stale = []
    for i, path in enumerate(paths):
        source, footer = header_source(paths, i), footer_source(paths, i)
        if args.check:
            if not is_current(path, source, footer):
                stale.append(path.name)
        elif update(path, source, footer):
            print(f"updated {path.relative_to(ROOT)}")
    if stale:
        print("stale navigation: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
