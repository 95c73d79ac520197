"""Every course notebook carries the header and footer that tools/write_navigation.py writes.

The links are by title (the footer's "Next:" names the next notebook's title), and no
notebook shows the tool's bookkeeping to the reader.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_navigation_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "write_navigation.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_visible_tool_notes(path):
    cells = json.loads(path.read_text())["cells"]
    texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    assert not [t for t in texts if "written by tools/" in t]


@pytest.mark.parametrize("index", range(len(NOTEBOOKS) - 1))
def test_footer_names_the_next_notebook_by_title(index):
    footer = "".join(json.loads(NOTEBOOKS[index].read_text())["cells"][-1]["source"])
    nxt = json.loads(NOTEBOOKS[index + 1].read_text())["cells"]
    title = next("".join(c["source"]).split("\n")[0].lstrip("# ").strip()
                 for c in nxt if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("# "))
    assert f"**Next:** [{title}]({NOTEBOOKS[index + 1].name})" in footer
