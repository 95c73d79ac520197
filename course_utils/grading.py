"""Answers handed to the grader, and the verdict on them, reached outside the student's kernel.

nbgrader runs a notebook's hidden tests in the same kernel as the student's
code, so anything that kernel decides (an ``assert``, numpy's
``assert_allclose``, whether a cell raised) the student's code can decide too:
by replacing numpy's functions or builtins, by IPython machinery that swallows
errors, or by answers whose comparisons always succeed. So an autograded test
cell of this course does not decide; it *hands the answers over*:

* :func:`submit` converts what the student's code returned on the test's
  inputs to plain data (None, bools, ints, floats, strings and lists of them)
  and displays it as an output of its own MIME type, :data:`MIME`;
* the instructor's executed source notebook holds, in the same test cell's
  stored outputs, what the reference solution handed over, with the
  tolerance of each comparison;
* after nbgrader has executed the submission, the preprocessor
  ``CheckAnswers`` (``nbgrader_config.py``), in nbgrader's own process,
  compares the two with :func:`verdict` and replaces the test cell's outputs
  by the verdict: a line on stdout when every answer agrees, an error output
  (which nbgrader scores 0) otherwise.

The expected values never enter the kernel, and a student's payload counts
only as data: its own tolerance is ignored, a missing, repeated, extra or
malformed answer fails. Visible tests still assert in the kernel, for
immediate feedback in a learner's own notebook; such an assert can only cost
points (a cell with an error output fails), never win them.

This module is imported by the kernel (:func:`submit`) and by nbgrader
(:func:`payloads`, :func:`verdict`); it needs numpy only (IPython's display
when :func:`submit` runs).

Examples:
    >>> plain((1, 2.5, "relu", None))
    [1, 2.5, 'relu', None]
    >>> ref = [{"key": "std", "value": [1.0, 2.0], "rtol": 1e-9, "atol": 0.0}]
    >>> verdict(ref, [{"key": "std", "value": [1.0, 2.0000000000001]}]) is None
    True
    >>> verdict(ref, [{"key": "std", "value": [1.0, 2.1], "rtol": 1.0}])
    "answer 'std' differs from the reference"
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: The MIME type of an answer handed to the grader (a JSON object: key, value, rtol, atol).
MIME = "application/vnd.initlab.answer+json"

_NON_FINITE = {"nan", "inf", "-inf"}


def plain(value, _depth: int = 0):
    """``value`` as plain JSON data: None, bool, int, float, str, and lists and dicts of them.

    numpy scalars and arrays become Python numbers and nested lists; a tuple
    becomes a list (a test that cares about the type submits
    ``type(x).__name__`` as a string). A float that is not finite becomes the
    string ``"nan"``, ``"inf"`` or ``"-inf"`` (JSON has no such numbers), so it
    never agrees with a finite reference.

    >>> plain(np.array([[1, 2], [3, 4]]))
    [[1, 2], [3, 4]]
    >>> plain({"w": np.float64(0.5), "ok": np.bool_(True)})
    {'w': 0.5, 'ok': True}
    >>> plain(float("nan"))
    'nan'
    >>> plain(object())
    Traceback (most recent call last):
    ...
    TypeError: cannot hand an object of type object to the grader: give numbers, strings, None, or lists, tuples, dicts or arrays of them
    """
    if _depth > 20:
        raise ValueError("cannot hand the grader values nested more than 20 deep")
    if value is None or type(value) in (bool, np.bool_):
        return None if value is None else bool(value)
    if type(value) is str:
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot hand an array of dtype {value.dtype} to the grader: "
                            "give bool, int or float arrays")
        return plain(value.tolist(), _depth + 1) if value.ndim else plain(value.item(), _depth + 1)
    if isinstance(value, (list, tuple)):
        return [plain(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, _depth + 1) for k, v in value.items()}
    raise TypeError(f"cannot hand an object of type {type(value).__name__} to the grader: "
                    "give numbers, strings, None, or lists, tuples, dicts or arrays of them")


def _check_tolerance(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def submit(key: str, value, *, rtol: float = 0.0, atol: float = 0.0) -> None:
    """Hand ``value`` (what the student's code gave on the test's inputs) to the grader as ``key``.

    ``rtol`` and ``atol`` say how close a number must be to the reference's
    (``|x - ref| <= atol + rtol * |ref|``; both 0: exactly equal); they are
    read from the reference solution's run only. Strings, bools and None
    always compare exactly. Displays one output of MIME type :data:`MIME`,
    with a plain-text line for people.
    """
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"key must be a non-empty string, got {key!r}")
    payload = {"key": key, "value": plain(value), "rtol": _check_tolerance("rtol", rtol),
               "atol": _check_tolerance("atol", atol)}
    from IPython.display import display      # only in a kernel: keeps `import course_utils` light
    display({MIME: payload, "text/plain": f"answer {key!r} recorded (in a graded class the autograder "
                                          "compares it with the reference)"}, raw=True)


def payloads(outputs) -> list:
    """The answers (the :data:`MIME` data) among a cell's ``outputs``, in order, as they are."""
    return [o["data"][MIME] for o in outputs
            if o.get("output_type") in ("display_data", "execute_result") and MIME in o.get("data", {})]


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def agree(reference, answer, rtol: float, atol: float) -> bool:
    """Whether ``answer`` agrees with ``reference`` (both plain data; tolerances for numbers only).

    >>> agree([1, "a", None], [1.0, "a", None], 0.0, 0.0)
    True
    >>> agree(True, 1, 0.0, 0.0), agree(2.0, 2.01, 0.01, 0.0), agree(2.0, 2.03, 0.01, 0.0)
    (False, True, False)
    """
    if reference is None or isinstance(reference, (bool, str)):
        return type(answer) is type(reference) and answer == reference
    if _number(reference):
        if not _number(answer) or not math.isfinite(answer):
            return False
        return abs(answer - reference) <= atol + rtol * abs(reference)
    if isinstance(reference, list):
        return isinstance(answer, list) and len(answer) == len(reference) and all(
            agree(r, a, rtol, atol) for r, a in zip(reference, answer))
    if isinstance(reference, dict):
        return isinstance(answer, dict) and set(answer) == set(reference) and all(
            agree(reference[k], answer[k], rtol, atol) for k in reference)
    raise TypeError(f"a reference value must be plain data, got {type(reference).__name__}")


def verdict(reference: list, answers: list) -> str | None:
    """None when ``answers`` hand over exactly the reference's keys, in order, each agreeing.

    Otherwise the first reason for failing, naming keys but never a reference
    value (the feedback a student sees must not reveal a hidden test's answer).
    ``reference`` is the reference solution's payloads (their ``rtol`` and
    ``atol`` decide); ``answers`` the student's, trusted for nothing but
    ``key`` and ``value``.
    """
    if not reference:
        raise ValueError("reference must hold at least one answer")
    keys = [r["key"] for r in reference]
    if len(set(keys)) != len(keys):
        raise ValueError(f"the reference hands over a key twice: {keys}")
    got = [a.get("key") if isinstance(a, dict) else None for a in answers]
    if got != keys:
        missing = [k for k in keys if k not in got]
        extra = sorted({str(k) for k in got if got.count(k) > 1 or k not in keys})
        if missing:
            return "no answer handed to the grader for " + ", ".join(map(repr, missing))
        if extra:
            return "answers handed over twice or not asked for: " + ", ".join(extra)
        return "answers handed over in another order than the test's"
    for ref, answer in zip(reference, answers):
        if "value" not in answer or not agree(ref["value"], answer["value"],
                                              float(ref.get("rtol", 0.0)), float(ref.get("atol", 0.0))):
            return f"answer {ref['key']!r} differs from the reference"
    return None
