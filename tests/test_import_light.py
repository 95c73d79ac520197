"""``import course_utils`` stays light: numpy only, no plotting or widget stack.

The numerical core is used from scripts, tests and nbgrader's autograder, where
matplotlib and ipywidgets cost seconds to import (and may not be installed).
The check runs in a fresh interpreter, since this test process has usually
imported them already through other tests.
"""

import json
import subprocess
import sys

HEAVY = ["matplotlib", "ipywidgets", "IPython", "scipy", "torch", "keras"]


def test_import_course_utils_does_not_import_plotting_or_widgets():
    code = (
        "import json, sys\n"
        "import course_utils\n"
        "course_utils.SCHEMES['he_normal'].sample((3, 4), rng=0)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"import course_utils pulled in {loaded}"
