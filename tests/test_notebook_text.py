"""No control character hides in the course's text.

A LaTeX command typed into a non-raw Python string loses its backslash: "\\approx" becomes
BEL + "pprox", "\\theta" a tab + "heta", "\\beta" a backspace + "eta". Notebooks written or
edited by a script inherit the bug, and the rendered page shows "pprox" or nothing. Newline
and tab are the only control characters a notebook cell may hold; the package's Python
source may hold only newlines (a tab there is a lost "\\t..." as well).
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "student").glob("**/*.ipynb"))
SOURCES = sorted((ROOT / "course_utils").glob("**/*.py"))

CELL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")      # all but \t (09) and \n (0a)
SOURCE_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")    # all but \n


def control_characters(text: str, pattern: re.Pattern) -> list[str]:
    """Each control character matched by ``pattern`` with 20 characters of context, for the message."""
    return [repr(text[max(m.start() - 20, 0):m.end() + 20]) for m in pattern.finditer(text)]


def test_the_check_finds_a_lost_backslash():
    assert control_characters("$\\sqrt{2} \approx 1.4$", CELL_CONTROL) == ["'$\\\\sqrt{2} \\x07pprox 1.4$'"]
    assert control_characters("a\tb\nc", CELL_CONTROL) == []
    assert control_characters("\theta", SOURCE_CONTROL)


def test_there_are_notebooks_and_sources_to_check():
    assert len(NOTEBOOKS) >= 8 and SOURCES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_control_character_in_a_cell(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = {i: control_characters("".join(c["source"]), CELL_CONTROL) for i, c in enumerate(cells)}
    assert not {i: f for i, f in found.items() if f}, f"control characters in {path.name} (cell: contexts)"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_control_character_in_the_package_source(path):
    assert not control_characters(path.read_text(encoding="utf-8"), SOURCE_CONTROL)
