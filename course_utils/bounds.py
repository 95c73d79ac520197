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

import numpy as np

from ._checks import check_fans

__all__ = ["xavier_limit", "xavier_std", "glorot_limit", "glorot_std",
           "he_limit", "he_std", "lecun_limit", "lecun_std"]


def _one(name, fan, formula):
    values, scalar = check_fans(name, fan)
    out = formula(values)
    return float(out) if scalar else out


def _two(fan_in, fan_out, formula):
    n, n_scalar = check_fans("fan_in", fan_in)
    m, m_scalar = check_fans("fan_out", fan_out)
    try:
        n, m = np.broadcast_arrays(n, m)
    except ValueError:
        raise ValueError(f"fan_in and fan_out must have broadcastable shapes, "
                         f"got {np.shape(fan_in)} and {np.shape(fan_out)}") from None
    out = formula(n, m)
    return float(out) if (n_scalar and m_scalar) else out


def xavier_limit(fan_in):
    r"""Return the limit :math:`L = 1/\sqrt{n}` of :func:`~course_utils.xavier`.

    Examples:
        >>> xavier_limit(10)
        0.31622776601683794
        >>> xavier_limit([1, 4, 100])
        array([1. , 0.5, 0.1])
    """
    return _one("fan_in", fan_in, lambda n: 1.0 / np.sqrt(n))


def xavier_std(fan_in):
    r"""Return the std :math:`1/\sqrt{3n}` of :func:`~course_utils.xavier`.

    Examples:
        >>> round(xavier_std(10), 4)
        0.1826
    """
    return _one("fan_in", fan_in, lambda n: 1.0 / np.sqrt(3.0 * n))


def glorot_limit(fan_in, fan_out):
    r"""Return the Glorot uniform limit :math:`L = \sqrt{6}/\sqrt{n + m}`.

    Examples:
        >>> glorot_limit(10, 20)
        0.44721359549995787
    """
    return _two(fan_in, fan_out, lambda n, m: math.sqrt(6.0) / np.sqrt(n + m))


def glorot_std(fan_in, fan_out):
    r"""Return the Glorot std :math:`\sqrt{2/(n + m)}` (uniform and normal forms alike).

    Examples:
        >>> round(glorot_std(10, 20), 4)
        0.2582
    """
    return _two(fan_in, fan_out, lambda n, m: np.sqrt(2.0 / (n + m)))


def he_limit(fan_in):
    r"""Return the He uniform limit :math:`L = \sqrt{6/n}` (ReLU, fan-in mode).

    Examples:
        >>> round(he_limit(10), 4)
        0.7746
    """
    return _one("fan_in", fan_in, lambda n: np.sqrt(6.0 / n))


def he_std(fan_in):
    r"""Return the He std :math:`\sqrt{2/n}` (ReLU, fan-in mode).

    This is a standard deviation, not a bound: a normal weight lies outside
    :math:`\pm\sigma` about 32% of the time.

    Examples:
        >>> he_std(10)
        0.4472135954999579
    """
    return _one("fan_in", fan_in, lambda n: np.sqrt(2.0 / n))


def lecun_limit(fan_in):
    r"""Return the LeCun uniform limit :math:`L = \sqrt{3/n}`.

    Examples:
        >>> round(lecun_limit(3), 4)
        1.0
    """
    return _one("fan_in", fan_in, lambda n: np.sqrt(3.0 / n))


def lecun_std(fan_in):
    r"""Return the LeCun std :math:`\sqrt{1/n}`.

    Examples:
        >>> lecun_std(100)
        0.1
    """
    return _one("fan_in", fan_in, lambda n: np.sqrt(1.0 / n))
