"""The course as nbgrader assignments: student edition, autograding, feedback, export.

Everything runs in a temporary course directory built from a snapshot of the
real ``notebooks/`` (the instructor source), with the repository's
``nbgrader_config.py`` (see INSTRUCTORS.md). Nothing here guesses what the
notebooks contain: grade cells, points and solutions are read from their
nbgrader metadata, and submissions are built from the source and the student
edition:

* ``instructor``: the source notebooks as they are -> every autograded point;
* ``blank``: the student edition untouched -> no autograded point;
* hostile submissions over one or two notebooks (A, B): a wrong answer, an
  answer that raises, an answer that loops forever (stopped by a short
  timeout), test cells edited to ``pass`` or deleted, extra cells and a
  renamed notebook. Each is graded in ONE autograde run, so a submission that
  breaks cannot stop the next student from being graded.

A "wrong" answer is the source's solution followed by lines that rebind every
name it defines to a wrong value (numbers scaled, functions returning scaled
results, other objects replaced by None). Only the last autograded exercise of
a notebook is made wrong, raising or looping, so no later test can depend on
it; the expected score is the points of the tests whose answer is right.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from simulated_students import answer_code, cell_by_id, exercises, meta, text

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader", reason="nbgrader is missing: pip install -r requirements-instructor.txt")

from nbclient import NotebookClient  # noqa: E402
from nbgrader.api import Gradebook, MissingEntry  # noqa: E402
from nbgrader.validator import Validator  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
se = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(se)

ASSIGNMENT = se.ASSIGNMENT
SHORT_TIMEOUT = 20          # seconds per cell for the hostile run (production: nbgrader_config.py)
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"



# -- reading the source -------------------------------------------------------------------------
def blocks(source: str, begin: str, end: str) -> list[str]:
    """The text between each ``begin`` and ``end`` line of ``source``."""
    found, current = [], None
    for line in source.splitlines():
        if line.strip() == begin:
            current = []
        elif line.strip() == end and current is not None:
            found.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return found


def outside(source: str, begin: str, end: str) -> set[str]:
    """Stripped lines of ``source`` outside the ``begin``/``end`` blocks."""
    lines, inside = set(), False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif not inside:
            lines.add(line.strip())
    return lines








# -- building submissions -------------------------------------------------------------------------
class Course:
    """A temporary nbgrader course directory with the course as assignment ``notebooks``."""

    def __init__(self, root: Path):
        self.root = root
        self.source = root / "source" / ASSIGNMENT
        shutil.copytree(se.NOTEBOOKS, self.source,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        self.names = [p.stem for p in se.course_notebooks(self.source)]
        self.release = None
        self.expected = {}          # student -> {notebook: {test grade_id: points}}

    def config(self, **overrides):
        # This tier grades the course's own solutions and simulated mistakes, no hostile code, on
        # machines without the sandbox's account: it opts out of the sandbox explicitly (autograde
        # would refuse otherwise). The sandbox itself: tests/test_hostile_sandbox.py, tests/test_hub.py.
        overrides.setdefault("GradingSandbox.allow_unsandboxed", True)
        return se.nbgrader_config(self.root, self.root / "source", **overrides)

    def api(self, **overrides):
        return se.nbgrader_api(self.config(**overrides))

    def source_nb(self, name):
        return nbformat.read(self.source / f"{name}.ipynb", as_version=4)

    def student_nb(self, name):
        return nbformat.read(self.release / f"{name}.ipynb", as_version=4)

    def submit(self, student: str, notebooks: dict, expected: dict) -> None:
        folder = self.root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for filename, nb in notebooks.items():
            nbformat.write(nb, folder / filename)
        (folder / "timestamp.txt").write_text("2030-01-01 12:00:00.000000 UTC")
        self.expected[student] = expected

    def scores(self, student: str) -> dict:
        """``{notebook: {test grade_id: autograded score}}`` from the gradebook."""
        out = {}
        with Gradebook(self.config().CourseDirectory.db_url, "initlab") as gb:
            for name in self.names:
                try:
                    sub = gb.find_submission_notebook(name, ASSIGNMENT, student)
                except MissingEntry:
                    continue
                tests = {e["test"] for e in exercises(self.source_nb(name))}
                out[name] = {g.name: g.auto_score for g in sub.grades if g.name in tests}
        return out


def answer_source(course, name, answer_id, how: str) -> str:
    return answer_code(text(cell_by_id(course.source_nb(name), answer_id)), how, answer_id)


def submission(course, name, answers: dict[str, str], default="right"):
    """The student edition of ``name`` with every answer cell filled as ``answers`` says."""
    nb = course.student_nb(name)
    for cell in nb.cells:
        m = meta(cell)
        if m.get("solution") and not m.get("grade"):
            cell.source = answer_source(course, name, m["grade_id"], answers.get(m["grade_id"], default))
    return nb


def expected_points(course, name, answers: dict[str, str], default="right") -> dict:
    return {e["test"]: (e["points"] if answers.get(e["answer"], default) == "right" else 0.0)
            for e in exercises(course.source_nb(name))}


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def course():
    with tempfile.TemporaryDirectory(prefix="initlab-nbgrader-") as tmp:
        c = Course(Path(tmp))
        assert c.names, f"no course notebooks in {se.NOTEBOOKS}"
        assert any(exercises(c.source_nb(n)) for n in c.names), "no notebook has an autograded test"
        result = c.api().generate_assignment(ASSIGNMENT, force=True, create=True)
        assert result["success"], result.get("error", "") + result["log"]
        c.release = c.root / "release" / ASSIGNMENT
        yield c


@pytest.fixture(scope="module")
def student_run(course):
    """Every notebook of the student edition executed from the top with nbclient, errors allowed.

    Two notebooks run at a time. Returns ``{notebook: seconds}``; the executed
    notebooks are in ``<course>/student-run/``.
    """
    out_dir = course.root / "student-run"
    out_dir.mkdir()
    seconds = {}

    async def run(name, slots):
        async with slots:
            nb = course.student_nb(name)
            client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                    resources={"metadata": {"path": str(course.release)}})
            start = time.perf_counter()
            await client.async_execute()
            seconds[name] = time.perf_counter() - start
            nbformat.write(nb, out_dir / f"{name}.ipynb")

    async def run_all():
        slots = asyncio.Semaphore(2)          # two kernels at a time: the machine has 2 cores
        await asyncio.gather(*(run(name, slots) for name in course.names))

    asyncio.run(run_all())
    print("\n" + "\n".join(f"student edition run: {n}: {t:.1f} s" for n, t in seconds.items()))
    return seconds


@pytest.fixture(scope="module")
def hostile(course, student_run):
    """Notebooks A and B for the hostile cases: the two quickest with two or more autograded tests."""
    picked = sorted((n for n in course.names if len(exercises(course.source_nb(n))) >= 2),
                    key=student_run.get)[:2]
    assert len(picked) == 2, "the hostile cases need two notebooks with two or more autograded tests"
    return sorted(picked)


@pytest.fixture(scope="module")
def graded(course, hostile):
    """Submit everything, autograde (two runs), generate feedback and export; return timings."""
    timings = {}
    # Full course: the instructor source and the blank student edition, production timeout.
    course.submit("instructor", {f"{n}.ipynb": course.source_nb(n) for n in course.names},
                  {n: expected_points(course, n, {}) for n in course.names})
    course.submit("blank", {f"{n}.ipynb": course.student_nb(n) for n in course.names},
                  {n: {e["test"]: 0.0 for e in exercises(course.source_nb(n))} for n in course.names})
    start = time.perf_counter()
    api = course.api()
    for student in ("instructor", "blank"):
        result = api.autograde(ASSIGNMENT, student, force=True, create=True)
        assert result["success"], student + ":\n" + result.get("error", "") + result["log"]
    timings["full course, 2 submissions"] = time.perf_counter() - start

    # Hostile submissions over notebooks A and B only, graded in ONE run with a short timeout.
    # In A the last exercise loops forever (h1), raises (h2) or is right among extra cells (h3);
    # in B, some answers are wrong (h1), the tests are tampered with (h2), the file is renamed (h3).
    a, b = hostile
    last_a = exercises(course.source_nb(a))[-1]["answer"]
    ex_b = exercises(course.source_nb(b))
    last_b, first_b = ex_b[-1], ex_b[0]
    zero_b = {e["test"]: 0.0 for e in ex_b}

    extra = submission(course, a, {})
    for i in range(len(extra.cells), 0, -3):
        extra.cells.insert(i, nbformat.v4.new_code_cell("extra = 'a cell the student added'\nprint(extra)"))
    extra.cells.insert(1, nbformat.v4.new_markdown_cell("My notes."))
    # Tampering: the wrong last answer's test edited to `pass`; the right first answer's test deleted.
    tampered = submission(course, b, {last_b["answer"]: "wrong"})
    cell_by_id(tampered, last_b["test"]).source = "pass"
    tampered.cells = [c for c in tampered.cells if meta(c).get("grade_id") != first_b["test"]]

    # Named so that the endless loop is graded first and the others after it, in the same run.
    course.submit("h1-loops-mixed",
                  {f"{a}.ipynb": submission(course, a, {last_a: "loops"}),
                   f"{b}.ipynb": submission(course, b, {last_b["answer"]: "wrong"})},
                  {a: expected_points(course, a, {last_a: "loops"}),
                   b: expected_points(course, b, {last_b["answer"]: "wrong"})})
    course.submit("h2-raises-tampered",
                  {f"{a}.ipynb": submission(course, a, {last_a: "raises"}), f"{b}.ipynb": tampered},
                  {a: expected_points(course, a, {last_a: "raises"}),
                   b: expected_points(course, b, {last_b["answer"]: "wrong"})})
    course.submit("h3-extra-renamed",
                  {f"{a}.ipynb": extra, f"{b}-Copy1.ipynb": submission(course, b, {})},
                  {a: expected_points(course, a, {}), b: zero_b})

    start = time.perf_counter()
    result = course.api(**{"Execute.timeout": SHORT_TIMEOUT}).autograde(ASSIGNMENT, "h*", force=True)
    timings["hostile run"] = time.perf_counter() - start
    course.hostile_log = result["log"]
    assert result["success"], result.get("error", "") + result["log"]

    start = time.perf_counter()
    result = api.generate_feedback(ASSIGNMENT, force=True)
    assert result["success"], result.get("error", "") + result["log"]
    csv_path = course.root / "grades.csv"
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--to={csv_path}",
                           f"--CourseDirectory.root={course.root}",
                           f"--CourseDirectory.source_directory={course.root / 'source'}",
                           f"--CourseDirectory.db_url=sqlite:///{course.root / 'gradebook.db'}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    course.csv = list(csv.DictReader(csv_path.open()))
    timings["feedback + export"] = time.perf_counter() - start
    print("\n" + "\n".join(f"nbgrader timing: {k}: {v:.1f} s" for k, v in timings.items()))
    return timings


# -- the configuration ---------------------------------------------------------------------------
def test_config_resolves_the_source_to_notebooks_and_sets_the_limits():
    from traitlets.config.loader import PyFileConfigLoader
    from nbgrader.coursedir import CourseDirectory

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    coursedir = CourseDirectory(config=config)
    source = Path(coursedir.format_path(coursedir.source_directory, ".", ASSIGNMENT)).resolve()
    assert source == se.NOTEBOOKS
    assert config.CourseDirectory.course_id == "initlab"
    assert config.Execute.timeout >= 60
    assert "timeout" not in config.ExecutePreprocessor      # silently ignored by nbgrader
    assert config.OverwriteCells.add_missing_cells is True


def test_autograde_runs_the_sandboxed_kernel_then_the_verdict():
    # Both settings of nbgrader_config.py write the same list: the sandbox's Execute
    # (hub/initlab_sandbox.py) must survive the verdict's, and the verdict must follow it.
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    steps = [p.__name__ for p in config.Autograde.autograde_preprocessors]
    assert "Execute" not in steps and "SandboxedExecute" in steps
    assert steps[steps.index("SandboxedExecute") + 1] == "CheckAnswers"
    # A student's notebook can neither stop the class's autograde (a schema version nbgrader
    # refuses) nor leave script for the formgrader and feedback pages.
    assert config.Autograde.sanitize_preprocessors[0].__name__ == "PinSchemaVersion"
    assert steps[-1] == "StripActiveContent"


def test_instructor_dependencies_stay_out_of_the_learner_environment():
    learner = (ROOT / "requirements.txt").read_text().lower()
    assert "nbgrader" not in learner
    for path in (ROOT / "binder").glob("*"):
        if path.is_file():
            assert "nbgrader" not in path.read_text(errors="replace").lower(), path
    assert "nbgrader" in (ROOT / "requirements-instructor.txt").read_text()


def test_points_stated_in_exercise_titles_match_the_metadata():
    """An exercise heading that says "(N points)" promises what the grade cells below it give."""
    for path in se.course_notebooks():
        rows = se.grade_cells(json.loads(path.read_text(encoding="utf-8")))
        totals = {}
        for r in rows:
            totals[r["title"]] = totals.get(r["title"], 0.0) + r["points"]
        for title, points in totals.items():
            stated = re.search(r"\((\d+(?:\.\d+)?) points?\b", title)
            if stated:
                assert float(stated.group(1)) == points, f"{path.name}: {title!r} but {points:g} in metadata"


# -- the student edition -------------------------------------------------------------------------
def test_student_edition_has_no_solutions_hidden_tests_or_outputs(course):
    for name in course.names:
        source, student = course.source_nb(name), course.student_nb(name)
        whole = json.dumps(student.cells)
        for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
            assert marker not in whole, f"{name}: {marker!r} left in the student edition"
        for cell in source.cells:
            m = meta(cell)
            if "grade_id" not in m:
                continue
            src, out = text(cell), text(cell_by_id(student, m["grade_id"]))
            out_lines = {line.strip() for line in out.splitlines()}
            for begin, end in ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN)):
                visible = outside(src, begin, end)
                for block in blocks(src, begin, end):
                    assert block.strip() not in out, f"{name} {m['grade_id']}: block leaked"
                    for line in block.splitlines():
                        line = line.strip()
                        if line and not line.startswith("#") and line not in visible:
                            assert line not in out_lines, f"{name} {m['grade_id']}: {line!r} leaked"
            if m.get("solution") and blocks(src, BEGIN_SOLUTION, END_SOLUTION):
                stub = "raise NotImplementedError()" if cell.cell_type == "code" else "YOUR ANSWER HERE"
                assert stub in out, f"{name} {m['grade_id']}: no {stub!r}"
        assert "widgets" not in student.metadata, f"{name}: saved widget state kept"
        for cell in student.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs kept"
            m = meta(cell)
            if m.get("locked") or (m.get("grade") and not m.get("solution")):
                assert m.get("locked") and cell.metadata.get("editable") is False \
                    and cell.metadata.get("deletable") is False, f"{name} {m.get('grade_id')}: not locked"


def test_student_edition_runs_every_demo_and_widget_before_the_exercises(course, student_run):
    """Executed from the top (nbclient, allow_errors), errors appear only from the first exercise on."""
    for name in course.names:
        nb = nbformat.read(course.root / "student-run" / f"{name}.ipynb", as_version=4)
        first = next((i for i, c in enumerate(nb.cells) if meta(c)), len(nb.cells))
        for i, cell in enumerate(nb.cells[:first]):
            if cell.cell_type != "code":
                continue
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, f"{name} cell {i} fails in the student edition: " \
                f"{errors[0].ename}: {errors[0].evalue}"
        widgets = [c for c in nb.cells[:first] if c.cell_type == "code" and any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.outputs)]
        assert widgets, f"{name}: no widget is displayed before the exercises"


def test_visible_tests_fail_when_the_student_edition_is_run_blank(course, student_run):
    """nbgrader's Validator judges the blank run: every autograded test cell must fail.

    The Validator's own execution step is replaced by the nbclient run above
    (same notebook, same kernel, errors allowed), so the course runs once, not twice.
    """
    from nbgrader.preprocessors import CheckCellMetadata

    validator = Validator(config=course.config(**{"Validator.ignore_checksums": True}))
    validator.preprocessors = [CheckCellMetadata]
    for name in course.names:
        tests = {text(cell_by_id(course.student_nb(name), e["test"])).strip()
                 for e in exercises(course.source_nb(name))}
        if not tests:
            continue
        result = validator.validate(str(course.root / "student-run" / f"{name}.ipynb"))
        failed = {f["source"] for f in result.get("failed", [])}
        assert failed == tests, f"{name}: visible tests that pass on a blank notebook: {tests - failed}"


def test_committed_student_folder_and_exercise_table_are_current(course):
    edition = se.edition_from_release(course.release)
    stale = se.stale_files(se.STUDENT, edition)
    assert not stale, "student/ is stale; run: .venv/bin/python tools/student_edition.py: " \
        + ", ".join(stale)
    text_md = se.INSTRUCTORS.read_text(encoding="utf-8")
    assert se.replace_table(text_md, se.exercise_table()) == text_md, \
        "the exercise table in INSTRUCTORS.md is stale; run: .venv/bin/python tools/student_edition.py"


# -- autograding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("student", ["instructor", "blank"])
def test_full_course_autograde(course, graded, student):
    assert course.scores(student) == course.expected[student]


@pytest.mark.parametrize("student", ["h1-loops-mixed", "h2-raises-tampered", "h3-extra-renamed"])
def test_hostile_submissions_are_graded_by_their_answers(course, graded, student):
    expected = course.expected[student]
    scores = course.scores(student)
    assert {n: scores.get(n) for n in expected} == expected


def test_endless_loop_was_stopped_by_the_timeout(course, graded, hostile):
    autograded = nbformat.read(course.root / "autograded" / "h1-loops-mixed" / ASSIGNMENT /
                               f"{hostile[0]}.ipynb", as_version=4)
    names = {o.get("ename") for c in autograded.cells if c.cell_type == "code" for o in c.outputs
             if o.output_type == "error"}
    assert names & {"CellTimeoutError", "KeyboardInterrupt"}, names


def test_renamed_notebook_is_reported_not_fatal(course, graded, hostile):
    assert re.search(rf"Skipping unknown notebook: .*{re.escape(hostile[1])}-Copy1\.ipynb",
                     course.hostile_log)
    assert re.search(rf"No submitted file: .*{re.escape(hostile[1])}\.ipynb", course.hostile_log)


def test_feedback_html_for_every_student_and_notebook(course, graded):
    for student, expected in course.expected.items():
        for name in expected:
            if student == "h3-extra-renamed" and name != next(iter(expected)):
                continue   # the renamed notebook was never graded, so it has no feedback
            html = course.root / "feedback" / student / ASSIGNMENT / f"{name}.html"
            assert html.is_file() and html.stat().st_size > 1000, html


def test_exported_csv_totals_match_the_expected_scores(course, graded):
    rows = {r["student_id"]: r for r in course.csv if r["assignment"] == ASSIGNMENT}
    assert set(rows) == set(course.expected)
    max_auto = sum(e["points"] for n in course.names for e in exercises(course.source_nb(n)))
    for student, expected in course.expected.items():
        total = sum(sum(v.values()) for v in expected.values())
        assert float(rows[student]["raw_score"]) == pytest.approx(total), student
    assert float(rows["instructor"]["raw_score"]) == pytest.approx(max_auto)
    assert float(rows["blank"]["raw_score"]) == 0.0
