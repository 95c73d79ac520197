r"""The activations of the course's networks: values, derivatives, and when a unit is saturated or dead.

Plain numpy. GELU uses an erf approximation (numpy has none) whose error is
below 1.5e-7, so :mod:`course_utils.mean_field` and the networks agree.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._checks import check_choice
from .gains import LEAKY_SLOPE

__all__ = ["ACTIVATIONS", "SELU_ALPHA", "SELU_SCALE", "SATURATION_THRESHOLD", "activate",
           "activation_derivative", "saturation_slope", "saturated_fraction", "dead_fraction",
           "normal_cdf"]

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu", "selu")
#: SELU's constants (Klambauer et al. 2017, eq. 14): with them a unit-variance,
#: zero-mean input keeps mean 0 and variance 1 under LeCun init (Var[w] = 1/n).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

# erf by Abramowitz & Stegun (1964), formula 7.1.26: |error| < 1.5e-7 for every
# real x. numpy has no erf; this is ~4x faster than math.erf through np.frompyfunc.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_INV_SQRT2 = 0.7071067811865476          # Python floats keep a float32 array float32
_INV_SQRT_2PI = 0.3989422804014327


def _erf(x: np.ndarray) -> np.ndarray:
    """Vectorised erf, absolute error below 1.5e-7, in the dtype of ``x`` (float)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    ftype = x.dtype.type
    ax = np.abs(x)
    t = ax * ftype(_ERF_P)
    t += 1
    np.reciprocal(t, out=t)
    poly = t * ftype(_ERF_A[4])
    for c in _ERF_A[3::-1]:
        poly += ftype(c)
        poly *= t
    e = np.square(ax)
    np.negative(e, out=e)
    np.exp(e, out=e)
    poly *= e
    np.subtract(1, poly, out=poly)
    return np.copysign(poly, x, out=poly)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """The standard normal CDF :math:`\\Phi(z)`, through the erf approximation above."""
    return 0.5 * (1.0 + _erf(z * _INV_SQRT2))

#: A unit counts as saturated when its local derivative has fallen below this
#: share of its largest value: |tanh(z)| > 0.975, or sigmoid(z) outside
#: [0.0127, 0.9873].
SATURATION_THRESHOLD = 0.05

_ACTIVATION_NAMES = frozenset(ACTIVATIONS)


def _activation_name(name) -> str:
    """``name`` if it is one of :data:`ACTIVATIONS`, else the error of ``check_choice``.

    The training loop and the mean-field quadrature call the activations tens of
    thousands of times per notebook; a known name returns at once instead of
    building the error message's list of choices on every call.
    """
    if type(name) is str and name in _ACTIVATION_NAMES:
        return name
    return check_choice("activation", name, ACTIVATIONS)


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation ``name`` (one of :data:`ACTIVATIONS`) to ``z``.

    Examples:
        >>> activate("relu", np.array([-1.0, 2.0]))
        array([0., 2.])
    """
    name = _activation_name(name)
    if name == "linear":
        return z
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        # 0.5 * (1 + tanh(z/2)) is the logistic function without exp overflow.
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "gelu":                        # exact GELU: z * Phi(z) (Hendrycks & Gimpel 2016)
        return z * normal_cdf(z)
    if name == "silu":                        # SiLU / swish: z * sigmoid(z)
        return z * (0.5 * (1.0 + np.tanh(0.5 * z)))
    # SELU: scale * z for z > 0, scale * alpha * (exp(z) - 1) otherwise
    with np.errstate(over="ignore"):          # exp of a large positive z is discarded
        neg = np.expm1(z) * (SELU_SCALE * SELU_ALPHA)
    return np.where(z > 0, SELU_SCALE * z, neg)


def activation_derivative(name: str, z: np.ndarray, a: Optional[np.ndarray] = None) -> np.ndarray:
    """Return ``f'(z)``; ``a = f(z)`` may be passed to save recomputing it.

    Examples:
        >>> activation_derivative("tanh", np.array([0.0]))
        array([1.])
    """
    name = _activation_name(name)
    if name == "linear":
        return np.ones_like(z)
    if a is None:
        a = activate(name, z)
    if name == "tanh":
        return 1.0 - a * a
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)
    if name == "gelu":                        # Phi(z) + z * phi(z)
        pdf = np.exp(-0.5 * np.square(z)) * _INV_SQRT_2PI
        return normal_cdf(z) + z * pdf
    if name == "silu":                        # s + z s (1 - s), s = sigmoid(z)
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s * (1.0 + z * (1.0 - s))
    # SELU: scale for z > 0, scale * alpha * exp(z) = a + scale * alpha otherwise
    return np.where(z > 0, SELU_SCALE, a + SELU_SCALE * SELU_ALPHA).astype(z.dtype, copy=False)


#: The largest value of each saturating activation's derivative (at z = 0).
_MAX_SLOPE = {"tanh": 1.0, "sigmoid": 0.25}


def saturation_slope(name: str) -> float:
    """The derivative below which a unit of ``name`` counts as saturated (0: it never saturates).

    :data:`SATURATION_THRESHOLD` times the derivative's maximum: 1 for tanh, 1/4 for sigmoid.

    Examples:
        >>> saturation_slope("tanh"), saturation_slope("sigmoid"), saturation_slope("relu")
        (0.05, 0.0125, 0.0)
    """
    return SATURATION_THRESHOLD * _MAX_SLOPE.get(_activation_name(name), 0.0)


def saturated_fraction(name: str, derivative: np.ndarray) -> float:
    """Share of units whose derivative ``f'(z)`` is below :func:`saturation_slope`.

    Only tanh (maximum 1) and sigmoid (maximum 1/4) saturate; every other
    activation gives 0.

    Examples:
        >>> z = np.array([0.0, 1.0, 2.0, 3.0])
        >>> saturated_fraction("tanh", activation_derivative("tanh", z))   # |tanh 3| = 0.995
        0.25
    """
    slope = saturation_slope(name)
    if slope == 0.0:
        return 0.0
    return float(np.mean(np.asarray(derivative) < slope))


def dead_fraction(name: str, z: np.ndarray) -> float:
    """Share of (leaky) ReLU units that are inactive (``z <= 0``) for every row of the batch ``z``.

    ``z`` has shape ``(batch, units)``; other activations give 0.

    Examples:
        >>> dead_fraction("relu", np.array([[1.0, -1.0], [2.0, -3.0]]))
        0.5
    """
    name = _activation_name(name)
    if name not in ("relu", "leaky_relu"):
        return 0.0
    return float(np.mean(~(np.asarray(z) > 0).any(axis=0)))
