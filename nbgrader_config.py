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

from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import NbGraderPreprocessor

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

