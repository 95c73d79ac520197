"""nbgrader configuration for running initlab as graded assignments (see INSTRUCTORS.md).

The course is ONE nbgrader assignment, named ``notebooks``, holding all eight
notebooks. Its instructor source is the repository's own ``notebooks/``
folder, used in place: the course directory is the repository root and the
source step is ``.``, so ``<source>/<assignment_id>/<notebook>.ipynb`` is
exactly ``./notebooks/NN_topic.ipynb``. Nothing is copied by hand, and the
release, submitted, autograded and feedback folders nbgrader writes
(``release/notebooks/``, ``submitted/<student>/notebooks/``, ...) are ignored
by git and by pytest.

Why one assignment and not eight: the notebooks link to each other by
relative paths (the navigation line at the top of each one) and share the
``course_utils`` package, so students receive them together in one folder
that mirrors the repository; one release, one collect and one autograde run
cover the course, and nbgrader still records and reports every notebook's
score separately. (An instructor who wants one deadline per notebook makes
eight assignments in a private fork; INSTRUCTORS.md says how.)

Side effect of using the repository root as the course directory: formgrader's
"Manage Assignments" page lists the repository's other top-level folders
(``course_utils``, ``tests``, ...) as assignments without notebooks. Only
``notebooks`` is an assignment; ignore the others.

Every command runs from the repository root, with the venv's ``bin/`` on PATH
(nbgrader calls ``alembic`` for its database)::

    nbgrader generate_assignment notebooks --force
    nbgrader autograde notebooks
"""

import importlib.util
import os
import sys

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde, GenerateAssignment
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "initlab"
c.CourseDirectory.root = HERE
# The instructor source is notebooks/ itself: <root>/./notebooks/*.ipynb.
c.CourseDirectory.source_directory = "."
# Never ship editor leftovers or caches with the release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# Execution limits while autograding (and validating). nbgrader reads the
# timeout from Execute; ExecutePreprocessor.timeout is silently ignored. The
# slowest cell of the course (training the small MLP) takes a few seconds; 120 s
# per cell leaves room for a loaded server, and a student's endless loop costs
# at most that long before the kernel is interrupted and grading continues.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# A student's notebook must not be able to print megabytes into the gradebook.
c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 100

# Tampering: a deleted test or written-answer cell is put back from the
# gradebook (edited locked cells are always restored from it), so the original
# tests run whatever the submission did to them.
c.OverwriteCells.add_missing_cells = True

# Autograde runs the students' code: in a sandbox (hub/initlab_sandbox.py; INSTRUCTORS.md,
# "What the class kit guarantees: autograde"). Each notebook's kernel runs as the unprivileged
# account c.GradingSandbox.account (default initlab-grader) inside bubblewrap: no network, a
# private /tmp and home, read access to the course's environment only, killed with everything it
# started when the notebook ends, with memory, time and output limits. Where that cannot be had
# (macOS, Windows, no bubblewrap, no account) autograde refuses and says why; to run the
# students' code as yourself anyway, and accept what it may do: c.GradingSandbox.allow_unsandboxed = True


def _sandbox_module():
    """hub/initlab_sandbox.py: installed in the class's environment, else next to this file."""
    try:
        import initlab_sandbox
        return initlab_sandbox
    except ImportError:
        path = os.path.join(HERE, "hub", "initlab_sandbox.py")
        if not os.path.exists(path):
            raise ImportError(f"the autograde sandbox (initlab_sandbox) is neither installed nor at {path}: "
                              "install the class kit (python3 tasks.py hub) or keep this file in the repository")
        spec = importlib.util.spec_from_file_location("initlab_sandbox", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["initlab_sandbox"] = module    # traitlets finds the classes by module name
        spec.loader.exec_module(module)
        return module


# Off Linux the sandboxed preprocessor refuses (no bubblewrap there), with the ways out.
c.Autograde.autograde_preprocessors = _sandbox_module().autograde_preprocessors()

# Students that are not yet in the gradebook are created when graded.
c.Autograde.create_student = True

# What replaces a solution in the student edition (nbgrader's defaults, stated
# here because INSTRUCTORS.md and the tests rely on them).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The instructor source is committed executed, with the slider panels' saved
# widget state (models and PNG frames) in the notebook metadata. nbgrader clears
# the cells' outputs but not that state, which no output refers to any more:
# drop it too, so that the student edition depends on the cells only (and is a
# third of the size).


class DropWidgetState(NbGraderPreprocessor):   # enabled by default, unlike nbconvert's base
    """Remove the notebook's saved ipywidgets state (``metadata.widgets``)."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return nb, resources


c.GenerateAssignment.preprocessors = (
    GenerateAssignment.class_traits()["preprocessors"].default() + [DropWidgetState])



# The verdict, outside the student's kernel (course_utils/grading.py; INSTRUCTORS.md, "What the
# class kit guarantees: the verdict"). nbgrader would score a test cell by its outputs, which the
# student's code in the same kernel controls; CheckAnswers replaces them by a verdict reached here.


class CheckAnswers(NbGraderPreprocessor):
    """Score every autograded test cell by its answers against the reference solution's.

    The reference answers are the ``course_utils.grading.MIME`` outputs that
    the same test cell stored in the instructor's executed source notebook.
    Runs right after nbgrader's Execute step: a test cell whose answers all
    agree keeps one stdout line; any other cell gets an error output, so
    nbgrader's own scoring gives it 0.
    """

    def preprocess(self, nb, resources):
        from course_utils.grading import payloads, verdict

        info = resources["nbgrader"]
        reference = self._reference(info["assignment"], info["notebook"])
        released = self._released(info["db_url"], info["assignment"], info["notebook"])
        for cell in nb.cells:
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not grading.get("grade") or grading.get("solution"):
                continue
            grade_id = grading["grade_id"]
            expected = reference.get(grade_id)
            if expected is None or expected[0] != released.get(grade_id):
                raise RuntimeError(
                    f"{info['notebook']}.ipynb: the source notebook's test cell {grade_id} "
                    + ("has no reference answers" if expected is None else "differs from the released one")
                    + ": execute the source notebook (tools/execute_notebooks.py) and generate the assignment again")
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            reason = verdict(expected[1], payloads(cell.outputs))
            if reason is None and errors:
                reason = f"the test cell raised {errors[0].get('ename', 'an error')}"
            if reason is None:
                cell.outputs = [nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"passed: {len(expected[1])} answers agree with the reference solution's\n")]
            else:
                cell.outputs = errors + [nbformat.v4.new_output(
                    "error", ename="WrongAnswer", evalue=reason, traceback=[f"WrongAnswer: {reason}"])]
        return nb, resources

    @staticmethod
    def _released(db_url: str, assignment: str, notebook: str) -> dict:
        """``{grade_id: source}`` of the cells as released (the gradebook's copy, hidden tests included)."""
        with Gradebook(db_url) as gb:
            return {c.name: c.source for c in gb.find_notebook(notebook, assignment).source_cells}

    def _reference(self, assignment: str, notebook: str) -> dict:
        """``{grade_id: (test cell source, reference payloads)}`` of the source notebook."""
        from course_utils.grading import payloads

        coursedir = CourseDirectory(config=self.config)
        path = os.path.join(coursedir.format_path(coursedir.source_directory, ".", assignment),
                            f"{notebook}.ipynb")
        source = nbformat.read(path, as_version=4)
        return {c.metadata["nbgrader"]["grade_id"]: (c.source, payloads(c.outputs))
                for c in source.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                and not c.metadata["nbgrader"].get("solution") and payloads(c.outputs)}


def with_verdict(preprocessors: list) -> list:
    """``preprocessors`` (Autograde's) with CheckAnswers right after the Execute step (or its subclass)."""
    at = next(i for i, p in enumerate(preprocessors) if isinstance(p, type) and issubclass(p, Execute))
    return [p for p in preprocessors[:at + 1]] + [CheckAnswers] + [
        p for p in preprocessors[at + 1:] if p is not CheckAnswers]


# After the sandboxed Execute set above: the verdict is reached outside the kernel and its sandbox.
c.Autograde.autograde_preprocessors = with_verdict(c.Autograde.autograde_preprocessors)


# What a student's notebook may not do to the instructor's side (INSTRUCTORS.md, "What the class
# kit guarantees: autograde"): stop the whole class's autograde, or run script in the formgrader
# and feedback pages.


class PinSchemaVersion(NbGraderPreprocessor):
    """Reset every cell's nbgrader ``schema_version`` to the one this nbgrader writes.

    The submission's copy came from the released notebook, so any other value is the
    student's edit. nbgrader treats a too-new or too-old schema as an instructor's set-up
    error and stops autograde for every student after this one; the checksum does not
    cover the field, so one student could stop the class's grading.
    """

    def preprocess(self, nb, resources):
        from nbgrader.nbgraderformat import MetadataValidator
        version = MetadataValidator().schema_version
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if isinstance(meta, dict) and meta.get("schema_version") != version:
                self.log.warning("%s: cell %s had nbgrader schema_version %r; reset to %s",
                                 resources.get("nbgrader", {}).get("student", "?"),
                                 meta.get("grade_id", "?"), meta.get("schema_version"), version)
                meta["schema_version"] = version
        return nb, resources


#: Output types the formgrader and the feedback show as they are; everything else a student's
#: code produced (HTML, JavaScript, SVG, Markdown, widgets) could run script in those pages.
INERT_OUTPUTS = ("text/plain", "image/png", "image/jpeg", "application/vnd.initlab.answer+json")


class StripActiveContent(NbGraderPreprocessor):
    """Keep only inert outputs, escape HTML in cells the student wrote, drop widget state.

    The autograded notebook is what formgrader renders in the instructor's browser and what
    the feedback HTML is made from; nbgrader's templates render Markdown and HTML outputs
    unsanitized. A student-written Markdown cell (an answer cell, or one the student added)
    keeps its text, Markdown and math; only its ``<`` and ``>`` are escaped.
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code":
                for out in cell.get("outputs", []):
                    if "data" in out:
                        out["data"] = {k: v for k, v in out["data"].items() if k in INERT_OUTPUTS}
                        if not out["data"]:
                            out["data"] = {"text/plain": "[initlab autograde: output not shown]"}
            elif cell.cell_type == "markdown" and not cell.metadata.get("nbgrader", {}).get("locked"):
                cell.source = cell.source.replace("<", "&lt;").replace(">", "&gt;")
            cell.metadata.pop("attachments", None)
            cell.pop("attachments", None)
        nb.metadata.pop("widgets", None)
        return nb, resources


c.Autograde.sanitize_preprocessors = (
    [PinSchemaVersion] + Autograde.class_traits()["sanitize_preprocessors"].default())
c.Autograde.autograde_preprocessors = (
    [p for p in c.Autograde.autograde_preprocessors if p is not StripActiveContent]
    + [StripActiveContent])
