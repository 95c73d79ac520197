"""course_utils.settings: one table of every INITLAB_* variable, read in one place."""

import re
import subprocess
from pathlib import Path

import pytest

from course_utils.settings import SETTINGS, markdown_table, setting

ROOT = Path(__file__).resolve().parents[1]


def _tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in names:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".cfg", ".toml", ".txt", "") and path.is_file():
            yield name, path.read_text(errors="replace")


def test_every_variable_the_project_names_is_a_setting():
    named = {}
    for name, text in _tracked_text_files():
        if name == "tests/test_settings.py":           # names a made-up variable on purpose
            continue
        for var in re.findall(r"\bINITLAB_[A-Z][A-Z_]*[A-Z]\b", text):
            named.setdefault(var, name)
    unknown = {var: where for var, where in named.items() if var not in SETTINGS}
    assert not unknown, f"INITLAB_* variables missing from course_utils/settings.py: {unknown}"


def test_no_variable_is_read_around_the_settings():
    """Defaults live in SETTINGS only: nothing reads an INITLAB_* variable from os.environ itself."""
    direct = re.compile(r"(environ\.get|getenv|environ\[)\(?\s*[\"']INITLAB_")
    offenders = [name for name, text in _tracked_text_files()
                 if name.endswith(".py") and name != "course_utils/settings.py" and direct.search(text)]
    assert not offenders, offenders


def test_readme_shows_the_table():
    assert markdown_table() in (ROOT / "README.md").read_text(), (
        "README.md's Settings table is stale: paste the output of python3 course_utils/settings.py")


@pytest.mark.parametrize("name, raw, message", [
    ("INITLAB_HUB_PORT", "0", "INITLAB_HUB_PORT must be a positive integer, got '0'"),
    ("INITLAB_BLAS_THREADS", "two", "INITLAB_BLAS_THREADS must be a positive integer, got 'two'"),
    ("INITLAB_CLASS_TESTS", "yes", "INITLAB_CLASS_TESTS must be 1 (on) or 0 (off), got 'yes'"),
    ("INITLAB_LIVE_RUNALL_RATIO", "-3", "INITLAB_LIVE_RUNALL_RATIO must be a positive number, got '-3'"),
    ("INITLAB_LIVE_SLIDER_MS", "nan", "INITLAB_LIVE_SLIDER_MS must be a positive number, got 'nan'"),
])
def test_a_bad_value_names_the_variable_and_what_it_must_be(name, raw, message):
    with pytest.raises(ValueError) as info:
        setting(name, {name: raw})
    assert str(info.value) == message


def test_values_parse_and_defaults_apply():
    assert setting("INITLAB_CLASS_TESTS", {}) is False
    assert setting("INITLAB_CLASS_TESTS", {"INITLAB_CLASS_TESTS": "1"}) is True
    assert setting("INITLAB_CLASS_TESTS", {"INITLAB_CLASS_TESTS": ""}) is False   # empty = unset
    assert setting("INITLAB_HUB_PREFIX", {}) == Path("/opt/initlab-hub")
    assert setting("INITLAB_LIVE_RUNALL_RATIO", {"INITLAB_LIVE_RUNALL_RATIO": "2.5"}) == 2.5
    assert setting("INITLAB_HUB_PROXY_API_PORT", {"INITLAB_HUB_PORT": "9100"}) == 9102
    assert setting("INITLAB_HUB_PROXY_API_PORT", {"INITLAB_HUB_PORT": "9100",
                                                  "INITLAB_HUB_PROXY_API_PORT": "7000"}) == 7000
    assert setting("INITLAB_NOTEBOOKS_DIR", {}) == ROOT / "notebooks"
    with pytest.raises(KeyError, match="INITLAB_NOPE is not one of the project's settings"):
        setting("INITLAB_NOPE", {})
