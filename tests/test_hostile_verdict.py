"""The forged verdict: a student edition that fakes a pass gets no automatic points.

nbgrader runs the hidden tests in the student's own kernel. Before initlab
compared the answers outside it (``course_utils.grading``), a submission could
win the points without the answers: one line of IPython machinery that swallows
every exception, numpy's comparison functions and builtins replaced, or answers
that are objects whose comparisons always succeed. Each case below is a
student edition of a few notebooks, autograded in ONE run by nbgrader's real
``autograde`` with the repository's ``nbgrader_config.py``:

* ``right``: the source's solutions -> every automatic point (the control);
* ``wrong``: every answer wrong (tests/simulated_students.py);
* ``blank``: the student edition untouched;
* ``swallow``: no answers, and the first answer cell registers an IPython
  custom exception handler that hides every error;
* ``patched``: wrong answers, and numpy's ``testing.assert_allclose``,
  ``allclose``, ``array_equal`` and the builtin ``abs`` replaced by
  functions that always agree;
* ``fake``: every name an answer defines is an object that equals, is less
  and greater than everything, and returns itself from any operation;
* ``forged-tolerance`` and ``forged-duplicate``: wrong answers; every assert
  statement removed from later cells (an IPython AST transformer) and
  ``assert_allclose`` replaced, so that every test runs to its end; and
  ``course_utils.grading.submit`` replaced by a function that displays
  payloads of the grader's MIME type with the test's keys: the student's
  values with a tolerance of 1e300, or, for each key, the *right* value
  (which a real forger of a hidden test could not know) followed by the
  student's.

Every case but ``right`` must score 0 on every autograded test of the chosen
notebooks. No Unix accounts are needed: the attack needs no Unix skill, and a
sandbox (the hostile tier) does not stop it either.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is missing: pip install -r requirements-instructor.txt")

from simulated_students import answer_code, bound_names, cell_by_id, exercises, meta, text  # noqa: E402
from test_nbgrader import ASSIGNMENT, SHORT_TIMEOUT, Course, nbformat  # noqa: E402

#: Notebooks the attacks are made on: 00 tests with ``in`` and ``<``, 01 with ``==`` and ``agree``, 03 with
#: ``np.testing.assert_allclose`` (the issue's 5 of 5 points); together they are the quickest.
NOTEBOOKS = ("00_course_index", "01_fan_in_fan_out", "03_random_init")

#: One line: every later cell runs inside ``try: ... except BaseException: pass``. (A bare
#: ``set_custom_exc`` handler is not enough: nbgrader 0.9.6 sees the reply's error status.)
SWALLOW = ('get_ipython().input_transformers_post.append(lambda lines: ["try:\\n"] + '
           '["    " + line for line in lines] + ["\\nexcept BaseException:\\n    pass\\n"])\n')

PATCH = '''import builtins, numpy
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *a, **k: None
numpy.allclose = numpy.array_equal = lambda *a, **k: True
builtins.abs = lambda x: 0
'''

FAKE = '''
class _Yes(tuple):
    """Equal to, less than and greater than everything; every operation gives itself."""
    def __new__(cls):
        return super().__new__(cls, (1, 1))
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = tuple.__hash__
    def __bool__(self): return True
    def _same(self, *args, **kwargs): return self
    __abs__ = __neg__ = __pos__ = __call__ = _same
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __getitem__ = _same
    def __getattr__(self, name): return self
    def __contains__(self, item): return item != "random_normal"
    def __float__(self): return 1.0
    def __int__(self): return 1
    def __index__(self): return 1
    def __array__(self, dtype=None, copy=None):
        import numpy
        return numpy.array(1.0)
'''

FORGE = '''import ast as _ast, numpy as _numpy
import IPython.display as _display
import course_utils.grading as _grading

class _NoAsserts(_ast.NodeTransformer):
    """Every later cell runs without its assert statements, so every submit() in it is reached."""
    def visit_Assert(self, node):
        return _ast.Pass()

get_ipython().ast_transformers.append(_NoAsserts())
_numpy.testing.assert_allclose = lambda *args, **kwargs: None
_RIGHT = {right!r}     # key -> the reference's values, in order (what a forger could not know)

def _forged_submit(key, value, rtol=0.0, atol=0.0):
    """Send this key with {how}."""
    right = _RIGHT[key].pop(0) if _RIGHT.get(key) else None
    for forged in {payloads}:
        _display.display({{_grading.MIME: forged, "text/plain": "forged"}}, raw=True)

_grading.submit = _forged_submit
'''

#: How each forging case sends an answer (``value``: the student's wrong one; ``right``: the reference's).
FORGERIES = {
    "forged-tolerance": ("a huge tolerance of its own",
                         '[{"key": key, "value": _grading.plain(value), "rtol": 1e300, "atol": 1e300}]'),
    "forged-duplicate": ("the right value first, then the student's",
                         '[{"key": key, "value": right}, {"key": key, "value": _grading.plain(value)}]'),
}


def answer_cells(nb):
    """The answer (solution, not graded) code cells of ``nb``, in order."""
    return [c for c in nb.cells if c.cell_type == "code" and meta(c).get("solution")
            and not meta(c).get("grade")]


def reference_values(source_nb) -> dict:
    """``{key: [value, ...]}``: what the source notebook's executed test cells handed over, in order."""
    from course_utils.grading import MIME
    right = {}
    for cell in source_nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if MIME in output.get("data", {}):
                right.setdefault(output["data"][MIME]["key"], []).append(output["data"][MIME]["value"])
    return right


def edition(course, name: str, case: str):
    """The student edition of notebook ``name`` as the student of ``case`` fills it."""
    source = course.source_nb(name)
    nb = course.student_nb(name)
    answers = answer_cells(nb)
    for i, cell in enumerate(answers):
        solution = text(cell_by_id(source, meta(cell)["grade_id"]))
        if case in ("right", "a-page"):
            cell.source = answer_code(solution, "right")
            if case == "a-page" and i == 0:
                # One student's notebook against the instructor's side, with right answers: a
                # schema version nbgrader refuses (it stopped autograde for every student sorted
                # after her), script in the formgrader and feedback pages, and an output flood.
                meta(cell)["schema_version"] = 99
                cell.source += PAGE_ATTACK
        elif case in ("wrong", "patched"):
            cell.source = answer_code(solution, "wrong", meta(cell)["grade_id"])
        elif case == "fake":
            cell.source = solution + "\n" + FAKE + "\n" + "\n".join(
                f"{n} = (lambda *a, **k: _Yes()) if callable({n}) else _Yes()"
                for n in bound_names(solution)) + "\n"
        elif case in FORGERIES:
            how, payloads = FORGERIES[case]
            cell.source = answer_code(solution, "wrong", meta(cell)["grade_id"])
            if i == 0:
                cell.source = FORGE.format(right=reference_values(source), how=how,
                                           payloads=payloads) + text(cell)
        if i == 0 and case == "swallow":
            cell.source = SWALLOW + text(cell)
        if i == 0 and case == "patched":
            cell.source = PATCH + text(cell)
    if case == "a-page":
        for cell in nb.cells:
            if cell.cell_type == "markdown" and meta(cell).get("solution"):
                cell.source = '<img src=x onerror="alert(4)"> My answer, with <b>markup</b>.'
    return nb


CASES = ("right", "wrong", "blank", "swallow", "patched", "fake", "forged-tolerance", "forged-duplicate",
         "a-page")     # "v-a-page" sorts before every other student

PAGE_ATTACK = """
from IPython.display import HTML, Javascript, display as _display
_display(HTML("<img src=x onerror=alert(1)><script>alert(2)</script>"))
_display(Javascript("alert(3)"))
"""


@pytest.fixture(scope="module")
def verdicts():
    """Autograde every case over :data:`NOTEBOOKS` in one run; ``{case: {nb: {test: score}}}``."""
    with tempfile.TemporaryDirectory(prefix="initlab-verdict-") as tmp:
        course = Course(Path(tmp))
        result = course.api().generate_assignment(ASSIGNMENT, force=True, create=True)
        assert result["success"], result.get("error", "") + result["log"]
        course.release = course.root / "release" / ASSIGNMENT
        for case in CASES:
            course.submit(f"v-{case}", {f"{n}.ipynb": edition(course, n, case) for n in NOTEBOOKS},
                          {n: {e["test"]: (e["points"] if case in ("right", "a-page") else 0.0)
                               for e in exercises(course.source_nb(n))} for n in NOTEBOOKS})
        start = time.perf_counter()
        result = course.api(**{"Execute.timeout": SHORT_TIMEOUT}).autograde(ASSIGNMENT, "v-*", force=True)
        print(f"\nverdict tier: autograde of {len(CASES)} x {len(NOTEBOOKS)} notebooks: "
              f"{time.perf_counter() - start:.1f} s")
        assert result["success"], result.get("error", "") + result["log"]
        course.autograded = {case: {n: nbformat.read(course.root / "autograded" / f"v-{case}" / ASSIGNMENT
                                                     / f"{n}.ipynb", as_version=4) for n in NOTEBOOKS}
                             for case in CASES}
        yield course


def test_every_chosen_notebook_has_autograded_tests(verdicts):
    for name in NOTEBOOKS:
        assert exercises(verdicts.source_nb(name)), name


@pytest.mark.parametrize("case", CASES)
def test_scores(verdicts, case):
    """``right`` earns every automatic point; every forgery, wrong or blank answer none."""
    expected = verdicts.expected[f"v-{case}"]
    scores = {n: s for n, s in verdicts.scores(f"v-{case}").items() if n in expected}
    assert scores == expected, "\n".join(
        f"{n} {t}: {scores.get(n, {}).get(t)} points, expected {p}"
        for n in expected for t, p in expected[n].items() if scores.get(n, {}).get(t) != p)


def test_no_student_notebook_can_run_script_in_the_instructors_pages(verdicts):
    # The autograded notebooks are what formgrader renders and feedback is made from.
    inert = {"text/plain", "image/png", "image/jpeg", "application/vnd.initlab.answer+json"}
    for case, notebooks in verdicts.autograded.items():
        for name, nb in notebooks.items():
            assert "widgets" not in nb.metadata, (case, name)
            for cell in nb.cells:
                for out in cell.get("outputs", []):
                    assert set(out.get("data", {})) <= inert, (case, name, set(out["data"]))
                if cell.cell_type == "markdown" and not cell.metadata.get("nbgrader", {}).get("locked"):
                    assert "<" not in cell.source, (case, name, cell.source[:80])


# -- the rules of the verdict and the stored reference answers (no autograde needed) -------------
from course_utils.grading import payloads, plain, verdict  # noqa: E402
from test_nbgrader import BEGIN_HIDDEN, END_HIDDEN, blocks, se  # noqa: E402

REF = [{"key": "a", "value": [1.0, 2.0], "rtol": 1e-9, "atol": 0.0}, {"key": "b", "value": "relu"}]


@pytest.mark.parametrize("answers, reason", [
    ([{"key": "a", "value": [1.0, 2.0]}, {"key": "b", "value": "relu"}], None),
    ([{"key": "a", "value": [1.0, 2.5], "rtol": 1e300, "atol": 1e300}, {"key": "b", "value": "relu"}],
     "answer 'a' differs from the reference"),
    ([{"key": "a", "value": [1.0, 2.0]}], "no answer handed to the grader for 'b'"),
    ([{"key": "a", "value": [1.0, 2.0]}, {"key": "a", "value": [1.0, 2.0]}, {"key": "b", "value": "relu"}],
     "answers handed over twice or not asked for: a"),
    ([{"key": "b", "value": "relu"}, {"key": "a", "value": [1.0, 2.0]}],
     "answers handed over in another order than the test's"),
    ([{"key": "a", "value": [1.0, "nan"]}, {"key": "b", "value": "relu"}], "answer 'a' differs from the reference"),
    ([{"key": "a", "value": [True, 2.0]}, {"key": "b", "value": "relu"}], "answer 'a' differs from the reference"),
    (["a", {"key": "b", "value": "relu"}], "no answer handed to the grader for 'a'"),
    ([{"key": "a"}, {"key": "b", "value": "relu"}], "answer 'a' differs from the reference"),
])
def test_verdict_rules(answers, reason):
    assert verdict(REF, answers) == reason


def test_plain_refuses_what_is_not_data():
    class Anything:
        def __eq__(self, other):
            return True
    with pytest.raises(TypeError, match="cannot hand an object of type Anything"):
        plain([1.0, Anything()])
    assert plain((np.int64(3), np.array([0.5, np.inf]))) == [3, [0.5, "inf"]]


def source_test_cells():
    """``(notebook, grade_id, cell)`` of every autograded test cell of the committed source."""
    for path in se.course_notebooks():
        nb = nbformat.read(path, as_version=4)
        for e in exercises(nb):
            yield path.stem, e["test"], cell_by_id(nb, e["test"])


def test_every_autograded_test_cell_goes_through_the_checker():
    """Each stored reference cell hands over answers, among them hidden ones; the count is 16."""
    cells = list(source_test_cells())
    assert len(cells) == 17          # 00: 1, 01: 2, 02: 3, 03: 2, 04: 3, 05: 2, 06: 2, 07: 2
    for name, grade_id, cell in cells:
        keys = [p["key"] for p in payloads(cell.outputs)]
        assert keys and len(set(keys)) == len(keys), (name, grade_id, keys)
        hidden = "\n".join(blocks(text(cell), BEGIN_HIDDEN, END_HIDDEN))
        assert "submit(" in hidden, f"{grade_id}: no hidden answer, so the visible values would earn its points"
        assert text(cell).count("submit(") == len(keys), f"{grade_id}: stored answers are stale"


def answers_of(grade_id: str) -> dict:
    found = {g: {p["key"]: p["value"] for p in payloads(c.outputs)} for _, g, c in source_test_cells()}
    return found[grade_id]


def test_stored_reference_answers_are_right():
    """The checks the hidden tests made in the kernel before, now on the stored reference answers."""
    import math
    import course_utils as cu
    from course_utils import mean_field as mf
    predict = answers_of("nb00-ex1-tests")
    assert predict["prediction"] == 0.09          # 256 * 0.09**2 / 2 = 1.04 per layer
    small, keeper, large = predict["shown"]
    assert small < 1e-6 and 0.5 < keeper < 2 and large > 1e6
    leaky = answers_of("nb01-ex2-tests")
    np.testing.assert_allclose(leaky["leaky_factor"], [(1 + a * a) / 2 for a in (0.01, 0.2, 0.5, 0.8)],
                               rtol=1e-12)
    np.testing.assert_allclose(leaky["leaky_std"], [math.sqrt(2 / (n * (1 + a * a))) for n, a in
                                                    ((100, 0.0), (256, 0.01), (1000, 0.5), (64, 1.0))],
                               rtol=1e-12)
    assert answers_of("nb01-ex1-tests")["fans"][-1] == [16, 48]
    tanh_q = answers_of("nb03-ex1-tests")["tanh_map_iterates"]
    assert tanh_q[0][0] == 1.55 and tanh_q[1][0] == 3.0                     # q_1 = s * 1 + bias_var
    assert abs(tanh_q[1][1] - 3.0 * mf.layer_profile("tanh", 1.0, 1, q0=3.0).std[0] ** 2) < 1e-4
    assert answers_of("nb03-ex1-tests")["above"] is True
    np.testing.assert_allclose(answers_of("nb03-ex2-tests")["predicted_q"],
                               mf.layer_profile("gelu", 2.0, 6).preactivation_var, rtol=1e-9)
    assert abs(answers_of("nb03-ex2-tests")["s_keep"] - mf.second_moment_weight_var("gelu")) < 1e-9
    np.testing.assert_allclose(answers_of("nb04-ex1-tests")["torch_default_limit"],   # PyTorch layout (out, in, *k)
                               [1 / math.sqrt(f) for f in (100, 16 * 9, 3 * 49, 200, 4 * 5)], rtol=1e-12)
    assert answers_of("nb04-ex2-tests")["predicted"] == 6 ** -4.5
    np.testing.assert_allclose(answers_of("nb04-ex3-tests")["q_star_formula"], [1 / 128, 1 / 1024, 1 / 8192],
                               rtol=1e-12)
    assert answers_of("nb05-ex1-tests")["matching_fan_out"] == [5, 50, 3920]
    np.testing.assert_allclose(answers_of("nb05-ex2-tests")["truncated_std"],
                               [0.5395600937548969, 0.9865783925581086, 1.0, 0.1 / math.sqrt(3)], rtol=2e-3)
    he = answers_of("nb06-ex1-tests")
    assert abs(he["predicted_plain"] - math.sqrt(1.25)) < 1e-12     # s (1 + a^2) / 2 = 1.25 per layer
    right, plain = he["measured_right and measured_plain"]
    assert abs(right - 1) < 0.05 and abs(plain - math.sqrt(1.25)) < 0.05
    bug = answers_of("nb06-ex2-tests")
    assert abs(bug["s_measured"] - 2 / 3) < 0.05                    # limit sqrt(2/n): Var = 2/(3n)
    n_var, reach = bug["fixed sampler: n Var[w], largest |w| / sqrt(6/n)"]
    assert abs(n_var - 2) < 0.02 and 0.99 < reach <= 1
    planted = answers_of("nb07-ex1-tests")
    assert planted["the planted bug and its fix"] == ["C", "lecun_normal"]   # SELU wants Var = 1/n
    q_bug, q_fix = planted["q_bug and q_fix"]
    assert q_bug > 10 and abs(q_fix - 1) < 0.1                      # SELU's fixed point is q = 1
    critical = answers_of("nb07-ex2-tests")
    chi_glorot, s_crit = critical["chi_glorot and s_crit"]
    assert abs(chi_glorot - mf.backward_gain("tanh", 1.0, bias_var=0.2)) < 1e-9 and chi_glorot < 1
    assert abs(mf.backward_gain("tanh", s_crit, bias_var=0.2) - 1) < 1e-6
    np.testing.assert_allclose(critical["z_std"], critical["z_pred"], rtol=0.1)
