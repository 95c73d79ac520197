"""What a simulated student writes, shared by the grading tests (test_nbgrader.py, test_hub.py).

The instructor notebooks carry nbgrader metadata: answer cells (``solution``),
autograded test cells (``grade`` without ``solution``) and their points. A
simulated student answers a cell with the solution itself (``right``), with the
solution followed by a rebinding of every name it defines to a wrong value of
the same kind (``wrong``), with code that raises before it (``raises``), or with
an endless loop (``loops``), so the expected score of every submission follows
from the metadata alone.
"""

from __future__ import annotations

import ast

WRONG_HELPER = '''
def _initlab_wrong(value):
    """A wrong value of the same kind (test helper of the grading tests)."""
    import numbers
    import numpy
    if isinstance(value, bool):
        return not value
    if isinstance(value, numbers.Number):
        return value * 1.5 + 1
    if isinstance(value, numpy.ndarray) and value.dtype.kind in "fciu":
        return value * 1.5 + 1
    if isinstance(value, (tuple, list)):
        return type(value)(_initlab_wrong(v) for v in value)
    if callable(value) and not isinstance(value, type):
        def wrong(*args, **kwargs):
            return _initlab_wrong(value(*args, **kwargs))
        return wrong
    return None
'''

HOW = ("right", "wrong", "raises", "loops")


def meta(cell) -> dict:
    """A cell's nbgrader metadata (empty for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def text(cell) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def exercises(nb) -> list[dict]:
    """The autograded test cells of a notebook, each with the answer cell it belongs to.

    A test belongs to the nearest solution (answer) cell above it, or to itself
    when it is an autograded answer.
    """
    found, answer = [], None
    for cell in nb["cells"]:
        m = meta(cell)
        if m.get("solution") and not m.get("grade"):
            answer = m["grade_id"]
        if m.get("grade") and not m.get("solution") and cell["cell_type"] == "code":
            found.append({"test": m["grade_id"], "answer": answer, "points": float(m["points"])})
    return found


def cell_by_id(nb, grade_id):
    for cell in nb["cells"]:
        if meta(cell).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def bound_names(source: str) -> list[str]:
    """Names a cell binds at top level (assignments, defs, classes)."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def answer_code(solution: str, how: str, label: str = "answer") -> str:
    """The code a student of kind ``how`` (one of :data:`HOW`) writes for this solution."""
    if how == "right":
        return solution
    if how == "wrong":
        names = bound_names(solution)
        assert names, f"{label}: its solution binds no name, so it cannot be made wrong"
        return (solution + "\n" + WRONG_HELPER + "\n"
                + "\n".join(f"{n} = _initlab_wrong({n})" for n in names) + "\n")
    if how == "raises":
        return 'raise ValueError("a bug in the answer")\n' + solution
    if how == "loops":
        return "while True:   # an answer that never ends\n    pass\n" + solution
    raise ValueError(f"how must be one of {HOW}, got {how!r}")
