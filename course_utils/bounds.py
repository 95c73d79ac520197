r"""Analytic limits and standard deviations of the schemes, as functions of the fans.

Each helper accepts a number or a numpy array of fans (the error-bar plots
need :math:`n = 1, \dots, 100` at once) and returns a float or an array of the
same shape. The expressions are written the way the MachineLearningMastery
tutorial computes them, so that the values it printed are reproduced to the
last digit (``1 / sqrt(10) = 0.31622776601683794``,
``sqrt(6) / sqrt(30) = 0.44721359549995787``, ``sqrt(2 / 10) = 0.4472135954999579``).

For a uniform :math:`U[-L, L]` the standard deviation is :math:`L/\sqrt{3}`:
a *limit* bounds every weight, a *std* does not (about 32% of a normal's
draws fall outside one std).
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from ._checks import check_choice, check_fans, check_real

__all__ = ["FAMILIES", "scaled_std", "scaled_limit",
           "xavier_limit", "xavier_std", "glorot_limit", "glorot_std",
           "he_limit", "he_std", "lecun_limit", "lecun_std"]

#: ``scale`` and ``mode`` of each fan-scaled family in the sense of
#: :func:`~course_utils.variance_scaling`, :math:`\operatorname{Var}[w] = \text{scale}/n_\text{mode}`:
#: Xavier is Glorot & Bengio (2010) eq. 1, Glorot their eq. 16, He et al. (2015)
#: eq. 10 (ReLU), LeCun et al. (1998). The samplers, the helpers below and
#: :data:`~course_utils.SCHEMES` all read their constants from here.
FAMILIES = MappingProxyType({
    "xavier": MappingProxyType({"scale": 1.0 / 3.0, "mode": "fan_in"}),
    "glorot": MappingProxyType({"scale": 1.0, "mode": "fan_avg"}),
    "he": MappingProxyType({"scale": 2.0, "mode": "fan_in"}),
    "lecun": MappingProxyType({"scale": 1.0, "mode": "fan_in"}),
})


#: The fans :func:`~course_utils.variance_scaling` can divide by.
MODES = ("fan_in", "fan_out", "fan_avg")


def _mode_fan(mode, n, m):
    """Return ``(d, d * n_mode)`` with ``d * n_mode`` an integer sum of fans (d = 2 for fan_avg)."""
    if mode == "fan_in":
        return 1.0, n
    if mode == "fan_out":
        return 1.0, m
    return 2.0, n + m


def _scaled(fan_in, fan_out, scale, mode, formula):
    scale = check_real("scale", scale, min_value=0.0, allow_equal=False)
    mode = check_choice("mode", mode, MODES)
    if mode == "fan_in" and fan_out is None:
        n, scalar = check_fans("fan_in", fan_in)
        return _finish(formula(scale, *_mode_fan(mode, n, None)), scalar)
    n, n_scalar = check_fans("fan_in", fan_in)
    m, m_scalar = check_fans("fan_out", fan_out)
    try:
        n, m = np.broadcast_arrays(n, m)
    except ValueError:
        raise ValueError(f"fan_in and fan_out must have broadcastable shapes, "
                         f"got {np.shape(fan_in)} and {np.shape(fan_out)}") from None
    return _finish(formula(scale, *_mode_fan(mode, n, m)), n_scalar and m_scalar)


def _finish(out, scalar):
    return float(out) if scalar else out


def scaled_std(fan_in, fan_out=None, *, scale, mode):
    r"""Return the std :math:`\sqrt{\text{scale}/n_\text{mode}}` of :func:`~course_utils.variance_scaling`.

    The same for its uniform and normal forms (the truncated normal is widened
    to keep it). ``fan_out`` may be left out when ``mode="fan_in"``.

    Examples:
        >>> scaled_std(10, 20, scale=1.0, mode="fan_avg") == glorot_std(10, 20)
        True
    """
    return _scaled(fan_in, fan_out, scale, mode, lambda c, d, nd: np.sqrt(c * d / nd))


def scaled_limit(fan_in, fan_out=None, *, scale, mode):
    r"""Return the half-width :math:`L = \sqrt{3\,\text{scale}/n_\text{mode}}` of the uniform form.

    Written :math:`\sqrt{3\,\text{scale}\,d}/\sqrt{d\,n_\text{mode}}` (``d = 2`` for
    ``fan_avg``), the MachineLearningMastery tutorial's expressions, so that its
    printed values come out to the last digit.

    Examples:
        >>> scaled_limit(10, 20, scale=1.0, mode="fan_avg")
        0.44721359549995787
    """
    return _scaled(fan_in, fan_out, scale, mode,
                   lambda c, d, nd: math.sqrt(3.0 * c * d) / np.sqrt(nd))


def xavier_limit(fan_in):
    r"""Return the limit :math:`L = 1/\sqrt{n}` of :func:`~course_utils.xavier`.

    Examples:
        >>> xavier_limit(10)
        0.31622776601683794
        >>> xavier_limit([1, 4, 100])
        array([1. , 0.5, 0.1])
    """
    return scaled_limit(fan_in, **FAMILIES["xavier"])


def xavier_std(fan_in):
    r"""Return the std :math:`1/\sqrt{3n}` of :func:`~course_utils.xavier`.

    Examples:
        >>> round(xavier_std(10), 4)
        0.1826
    """
    return scaled_std(fan_in, **FAMILIES["xavier"])


def glorot_limit(fan_in, fan_out):
    r"""Return the Glorot uniform limit :math:`L = \sqrt{6}/\sqrt{n + m}`.

    Examples:
        >>> glorot_limit(10, 20)
        0.44721359549995787
    """
    return scaled_limit(fan_in, fan_out, **FAMILIES["glorot"])


def glorot_std(fan_in, fan_out):
    r"""Return the Glorot std :math:`\sqrt{2/(n + m)}` (uniform and normal forms alike).

    Examples:
        >>> round(glorot_std(10, 20), 4)
        0.2582
    """
    return scaled_std(fan_in, fan_out, **FAMILIES["glorot"])


def he_limit(fan_in):
    r"""Return the He uniform limit :math:`L = \sqrt{6/n}` (ReLU, fan-in mode).

    Examples:
        >>> round(he_limit(10), 4)
        0.7746
    """
    return scaled_limit(fan_in, **FAMILIES["he"])


def he_std(fan_in):
    r"""Return the He std :math:`\sqrt{2/n}` (ReLU, fan-in mode).

    This is a standard deviation, not a bound: a normal weight lies outside
    :math:`\pm\sigma` about 32% of the time.

    Examples:
        >>> he_std(10)
        0.4472135954999579
    """
    return scaled_std(fan_in, **FAMILIES["he"])


def lecun_limit(fan_in):
    r"""Return the LeCun uniform limit :math:`L = \sqrt{3/n}`.

    Examples:
        >>> round(lecun_limit(3), 4)
        1.0
    """
    return scaled_limit(fan_in, **FAMILIES["lecun"])


def lecun_std(fan_in):
    r"""Return the LeCun std :math:`\sqrt{1/n}`.

    Examples:
        >>> lecun_std(100)
        0.1
    """
    return scaled_std(fan_in, **FAMILIES["lecun"])
