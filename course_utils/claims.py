r"""One line per claim: what a run measured beside what theory predicts, checked.

A notebook's sentence such as "the std halves at every layer" stands next to
a cell that ends in one call::

    agree("std ratio per layer", measured, 0.5 ** 0.5, rtol=0.05)

which prints ``std ratio per layer: measured 0.703 · predicted 0.707`` and
raises an ``AssertionError`` when the run disagrees with the prediction by
more than the tolerance. The tolerance is the notebook's one run's; how the
claim holds over many seeds is re-measured in ``tests/claims/``.
"""

from __future__ import annotations


import numpy as np

from ._checks import check_positive_int, check_real

__all__ = ["agree", "fmt_number"]


def fmt_number(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits (``format(value, ".3g")``).

    Examples:
        >>> fmt_number(0.55231), fmt_number(3.5e-17), fmt_number(1234.5)
        ('0.552', '3.5e-17', '1.23e+03')
    """
    digits = check_positive_int("digits", digits)
    return f"{float(value):.{digits}g}"


def agree(label: str, measured, predicted, *, rtol: float | None = None, atol: float | None = None,
          factor: float | None = None, digits: int = 3) -> None:
    r"""Print ``label: measured m · predicted p`` and check that the two agree.

    Exactly one tolerance is given:

    - ``rtol``: :math:`|m - p| \le \text{rtol}\,|p|`;
    - ``atol``: :math:`|m - p| \le \text{atol}`;
    - ``factor``: :math:`1/\text{factor} \le m / p \le \text{factor}`, for
      quantities that span orders of magnitude (a gradient after 30 layers).

    ``measured`` and ``predicted`` may be arrays of the same shape (every entry
    is checked; the line shows the first and last). Only ``digits``
    significant digits are printed: the digits any CPU reproduces.

    Raises:
        AssertionError: naming the label, both values and the tolerance.

    Examples:
        >>> agree("std ratio per layer", 0.7031, 0.5 ** 0.5, rtol=0.05)
        std ratio per layer: measured 0.703 · predicted 0.707
        >>> agree("gradient at layer 1", 3.1e-9, 1e-9, factor=2)
        Traceback (most recent call last):
        ...
        AssertionError: gradient at layer 1: measured 3.1e-09 is not within a factor 2 of predicted 1e-09
    """
    given = [t is not None for t in (rtol, atol, factor)]
    if sum(given) != 1:
        raise ValueError("give exactly one of rtol, atol or factor, got "
                         f"rtol={rtol!r}, atol={atol!r}, factor={factor!r}")
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if m.shape != p.shape and p.ndim != 0:
        raise ValueError(f"measured and predicted must have the same shape, got {m.shape} and {p.shape}")
    p = np.broadcast_to(p, m.shape)

    def show(a):
        flat = a.ravel()
        if flat.size == 1:
            return fmt_number(flat[0], digits)
        return f"{fmt_number(flat[0], digits)} … {fmt_number(flat[-1], digits)}"

    if rtol is not None:
        rtol = check_real("rtol", rtol, min_value=0.0, allow_equal=False)
        ok = np.abs(m - p) <= rtol * np.abs(p)
        why = f"is more than {rtol:g} (relative) from"
    elif atol is not None:
        atol = check_real("atol", atol, min_value=0.0, allow_equal=False)
        ok = np.abs(m - p) <= atol
        why = f"is more than {atol:g} from"
    else:
        factor = check_real("factor", factor, min_value=1.0, allow_equal=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = m / p
        ok = (ratio >= 1.0 / factor) & (ratio <= factor)
        why = f"is not within a factor {factor:g} of"
    if not np.all(ok):
        raise AssertionError(f"{label}: measured {show(m)} {why} predicted {show(p)}")
    print(f"{label}: measured {show(m)} · predicted {show(p)}")
