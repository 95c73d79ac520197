r"""Signal propagation in theory: the mean-field recursion of a deep random network.

A wide MLP with i.i.d. weights of variance ``weight_var / n`` (``n`` = fan-in)
and biases of variance ``bias_var`` has, at every layer, pre-activations that
are close to Gaussian with a variance :math:`q_l` that obeys a one-line
recursion (Poole et al. 2016, "Exponential expressivity in deep neural
networks through transient chaos"; Schoenholz et al. 2017, "Deep information
propagation"):

.. math::
    q_{l+1} = \sigma_w^2 \, \mathbb{E}_{z \sim N(0,1)}\big[f(\sqrt{q_l}\, z)^2\big] + \sigma_b^2,

with :math:`\sigma_w^2` = ``weight_var`` :math:`= n \operatorname{Var}[w]` and
:math:`\sigma_b^2` = ``bias_var``. The variance of the back-propagated gradient
changes from one layer to the one below by the factor

.. math::
    \chi_l = \sigma_w^2 \, \mathbb{E}_{z \sim N(0,1)}\big[f'(\sqrt{q_l}\, z)^2\big]

(> 1: gradients explode with depth, < 1: they vanish, = 1: the "edge of chaos").
This module computes :math:`q^*` (where the recursion settles), :math:`\chi` there,
the weight variance that makes :math:`\chi = 1`, and layer-by-layer predictions
that can be laid over what :func:`course_utils.propagation.propagate` measures.

The expectations are Gaussian integrals computed by quadrature: the real line is
split at 0 and each half :math:`[0, 13]` gets a 200-node Gauss--Legendre rule
(the Gaussian tail beyond 13 is below 1e-37). Splitting at 0 matters for the
activations with a kink there (ReLU, leaky ReLU, SELU: a plain Gauss--Hermite
rule over the kink is about 0.5 % off for SELU's :math:`\chi`), and also for the
smooth ones once :math:`q` is large (then :math:`\tanh(\sqrt{q} z)` is nearly a
step at 0: a 101-node Gauss--Hermite rule is 5 % off for tanh at :math:`q = 100`,
this rule 1e-13). ReLU, leaky ReLU and the linear unit use closed forms.

Every function takes ``activation`` from :data:`course_utils.activations.ACTIVATIONS`
(GELU is computed with the same erf approximation as :mod:`~course_utils.activations`,
absolute error below 1.5e-7).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.legendre import leggauss

from ._checks import check_choice, check_positive_int, check_real
from .activations import ACTIVATIONS, activate, activation_derivative
from .gains import LEAKY_SLOPE

__all__ = ["fixed_point", "backward_gain", "critical_weight_var", "second_moment_weight_var",
           "layer_profile", "LayerProfile"]

# ------------------------------------------------------------ quadrature
_HALF_LINE_END = 13.0
_NODES_PER_HALF = 200


@functools.lru_cache(maxsize=1)
def _half_line_rule():
    # Computed at first use, not at import: leggauss(200) takes ~30 ms (much more in
    # the live edition's WebAssembly), and most notebooks never ask for a prediction.
    t, w = leggauss(_NODES_PER_HALF)
    z = (t + 1.0) * (_HALF_LINE_END / 2.0)
    w = w * (_HALF_LINE_END / 2.0) * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    # Nodes of both halves (negative half mirrored). The weights sum to 1 - 2e-38
    # up to rounding (2e-14); they are normalized so that E[1] is exactly 1.
    w = np.concatenate([w[::-1], w])
    z, w = np.concatenate([-z[::-1], z]), w / w.sum()
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w

# E[f(sqrt(q) z)^2] = _LINEAR_SLOPE2[name] * q and E[f'(.)^2] = _LINEAR_SLOPE2[name]
# for the piecewise-linear units (half the mass on each side of the kink).
_PIECEWISE_LINEAR = {"linear": 1.0, "relu": 0.5, "leaky_relu": 0.5 * (1.0 + LEAKY_SLOPE ** 2)}
_SMALLEST_Q = 1e-300      # q = 0 is read as its limit q -> 0+ (matters at a kink)


def _moments(activation: str, q):
    """Return E[f], E[f^2] and E[f'^2] at sqrt(q) z, z ~ N(0, 1), for an array of q."""
    q = np.asarray(q, dtype=np.float64)
    if activation in _PIECEWISE_LINEAR:
        c = _PIECEWISE_LINEAR[activation]
        if activation == "linear":
            mean = np.zeros_like(q)
        else:   # E[max(x, a x)] = (1 - a) sqrt(q) E[z 1{z>0}] = (1 - a) sqrt(q / (2 pi))
            slope = 0.0 if activation == "relu" else LEAKY_SLOPE
            mean = (1.0 - slope) * np.sqrt(q / (2.0 * math.pi))
        return mean, c * q, np.full_like(q, c)
    nodes, weights = _half_line_rule()
    x = np.sqrt(np.maximum(q, _SMALLEST_Q))[..., None] * nodes
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = activate(activation, x)
        d = activation_derivative(activation, x, f)
        return f @ weights, (f * f) @ weights, (d * d) @ weights


def _second_moment(activation, q):
    """``_moments(activation, q)[1]``, the same numbers, without computing E[f] and E[f'^2]
    (the fixed-point scan and bisection ask for this alone, hundreds of times per call)."""
    if activation in _PIECEWISE_LINEAR:
        return _moments(activation, q)[1]
    q = np.asarray(q, dtype=np.float64)
    nodes, weights = _half_line_rule()
    x = np.sqrt(np.maximum(q, _SMALLEST_Q))[..., None] * nodes
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = activate(activation, x)
        return (f * f) @ weights


# ------------------------------------------------------------ checks
def _check_common(activation, weight_var, bias_var):
    activation = check_choice("activation", activation, ACTIVATIONS)
    weight_var = check_real("weight_var", weight_var, min_value=0.0, allow_equal=False)
    bias_var = check_real("bias_var", bias_var, min_value=0.0)
    return activation, weight_var, bias_var


class _Diverges(ValueError):
    """The variance map grows without bound from the given start."""


# ------------------------------------------------------------ fixed point
_REL_TOL = 1e-12
_NOISE = 1e-11
_SCAN_DECADES = 60          # how far (in factors of 10) the scan looks for a fixed point
_SCAN_PER_DECADE = 10


def _diverge_message(activation, weight_var, bias_var, q0, detail):
    return (f"fixed_point: the variance map of {activation!r} with weight_var={weight_var!r} "
            f"and bias_var={bias_var!r} has no fixed point above q0={q0!r}: q runs off to "
            f"infinity ({detail}), so there is no q* to return")


def _fixed_point(activation, weight_var, bias_var, q0):
    if activation in _PIECEWISE_LINEAR:
        gain = weight_var * _PIECEWISE_LINEAR[activation]     # q -> gain * q + bias_var
        if gain < 1.0:
            return bias_var / (1.0 - gain)
        if bias_var == 0.0 and gain == 1.0:
            return q0                                         # every q is a fixed point
        if gain == 1.0:
            detail = f"q grows by bias_var={bias_var!r} per layer"
        else:
            detail = f"q grows by a factor weight_var * {_PIECEWISE_LINEAR[activation]:g} = " \
                     f"{gain:g} per layer"
        raise _Diverges(_diverge_message(activation, weight_var, bias_var, q0, detail))

    def gap(q):                                   # G(q) = F(q) - q, vectorised
        return weight_var * _second_moment(activation, q) + bias_var - q

    g0 = float(gap(q0))
    if abs(g0) <= _REL_TOL * max(q0, _SMALLEST_Q):
        return q0
    # The map is increasing in q, so from q0 it moves monotonically toward the
    # nearest fixed point in the direction of G(q0) (or to 0 / infinity): scan
    # that way on a log grid for the first sign change of G, then bisect.
    start = max(q0, _SMALLEST_Q)
    # Upward, 60 decades tell a fixed point from a divergence; downward the scan goes on
    # to the smallest q, so a start far above the fixed point still finds it.
    decades = _SCAN_DECADES if g0 > 0 else max(_SCAN_DECADES, math.ceil(math.log10(start) - math.log10(_SMALLEST_Q)))
    steps = np.arange(1, decades * _SCAN_PER_DECADE + 1) / _SCAN_PER_DECADE
    grid = 10.0 ** (math.log10(start) + (steps if g0 > 0 else -steps))
    k = None
    for chunk in range(0, len(grid), 2 * _SCAN_PER_DECADE):     # two decades at a time
        part = grid[chunk:chunk + 2 * _SCAN_PER_DECADE]
        g = gap(part)
        # A crossing must stand out of the quadrature's rounding (about 1e-15 * q):
        # without this, tanh at weight_var 1 would "settle" at q ~ 1e-15, not 0.
        noise = _NOISE * part
        crossed = np.flatnonzero(g >= noise) if g0 < 0 else np.flatnonzero(g <= -noise)
        if crossed.size:
            k = chunk + int(crossed[0])
            break
    if k is None:
        if g0 > 0:
            rate = float(weight_var * _second_moment(activation, grid[-1]) / grid[-1])
            raise _Diverges(_diverge_message(
                activation, weight_var, bias_var, q0,
                f"still growing at q = {grid[-1]:.3g}, by a factor {rate:.4g} per layer"))
        f0 = float(activate(activation, np.zeros(1))[0])
        if bias_var + weight_var * f0 * f0 > 0:   # F(0) > 0: the fixed point is below the grid
            lo, hi = 0.0, float(grid[-1])         # (the grid reaches 1e-300: q* is about F(0))
        else:                                     # q -> 0 (q = 0 is the fixed point reached)
            return 0.0
    else:
        inner = start if k == 0 else float(grid[k - 1])
        lo, hi = sorted((inner, float(grid[k])))
    # Bisection keeps G(lo) and G(hi) of opposite sign (or zero).
    g_lo = float(gap(lo))
    for _ in range(200):
        mid = math.sqrt(lo * hi) if lo > 0 else 0.5 * hi
        if not lo < mid < hi or hi - lo <= 1e-15 * hi:
            break
        g_mid = float(gap(mid))
        if g_mid == 0.0:
            return mid
        if (g_mid > 0) == (g_lo > 0):
            lo, g_lo = mid, g_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def fixed_point(activation: str, weight_var: float, bias_var: float = 0.0,
                q0: float = 1.0) -> float:
    r"""Return the pre-activation variance :math:`q^*` at which the variance map settles.

    The map is

    .. math::
        q \mapsto \sigma_w^2 \, \mathbb{E}_{z \sim N(0,1)}\big[f(\sqrt{q}\, z)^2\big] + \sigma_b^2

    (Poole et al. 2016), started from :math:`q_0`. It is increasing in
    :math:`q`, so its iterates move monotonically to the nearest fixed point in
    the direction they start in; that fixed point is returned (to about 1e-12
    relative), found by a scan and bisection rather than by iterating, so
    slow approaches cost nothing. Two limits are answered as such:

    * the iterates shrink to 0 (for example tanh with ``weight_var <= 1`` and no
      bias, ReLU below 2): ``0.0`` is returned. At ``weight_var = 1`` tanh gets
      there only algebraically, :math:`q_l \approx 1 / (2 l)`, so a network of
      finite depth is still far from 0: use :func:`layer_profile` for that.
    * the iterates grow without bound (ReLU above 2, or at 2 with a bias; GELU,
      SiLU above their unstable fixed point): ``ValueError`` saying so.

    If :math:`q_0` is itself a fixed point (every :math:`q` is, for ReLU at 2
    without bias) it is returned, even when it is unstable.

    Args:
        activation: one of :data:`course_utils.activations.ACTIVATIONS`.
        weight_var: :math:`\sigma_w^2 = n \operatorname{Var}[w]` (2 for He, 1 for
            LeCun, 1/3 for U[-1/sqrt(n), 1/sqrt(n)]), a finite number > 0.
        bias_var: :math:`\sigma_b^2`, the variance of the biases, >= 0.
        q0: the starting pre-activation variance, > 0.

    Returns:
        :math:`q^*` as a float.

    Examples:
        >>> round(fixed_point("tanh", 2.0), 3)        # He init with tanh
        0.618
        >>> round(fixed_point("tanh", 2.78), 2)       # Glorot with gain 5/3
        1.18
        >>> round(fixed_point("selu", 1.0), 3)        # LeCun + SELU: self-normalizing
        1.0
        >>> fixed_point("relu", 2.0, q0=3.0)          # He + ReLU keeps every variance
        3.0
        >>> fixed_point("tanh", 1.0)                  # shrinks (slowly) to 0
        0.0
    """
    activation, weight_var, bias_var = _check_common(activation, weight_var, bias_var)
    q0 = check_real("q0", q0, min_value=0.0, allow_equal=False)
    try:
        return float(_fixed_point(activation, weight_var, bias_var, q0))
    except _Diverges as err:
        raise ValueError(str(err)) from None


def backward_gain(activation: str, weight_var: float, bias_var: float = 0.0,
                  q0: float = 1.0) -> float:
    r"""Return :math:`\chi`, the per-layer factor of the gradient's variance at the fixed point.

    .. math::
        \chi = \sigma_w^2 \, \mathbb{E}_{z \sim N(0,1)}\big[f'(\sqrt{q^*}\, z)^2\big],

    with :math:`q^*` = :func:`fixed_point` ``(activation, weight_var, bias_var, q0)``
    (Schoenholz et al. 2017). Deep in the network the variance of
    :math:`\partial L / \partial z` is multiplied by :math:`\chi` per layer going
    down: > 1 explodes, < 1 vanishes, 1 is critical (the edge of chaos). The
    std changes by :math:`\sqrt{\chi}` per layer. At :math:`q^* = 0` the limit
    :math:`q \to 0^+` is used (for SELU the average of the two one-sided slopes).

    Args:
        activation, weight_var, bias_var, q0: as for :func:`fixed_point`.

    Returns:
        :math:`\chi` as a float. Raises ``ValueError`` where :func:`fixed_point` does.

    Examples:
        >>> round(backward_gain("tanh", 2.0), 3)      # He init with tanh
        1.106
        >>> round(backward_gain("tanh", 2.0) ** 0.5, 3)   # the gradient's std, per layer
        1.051
        >>> backward_gain("relu", 2.0)                # He: exactly critical
        1.0
        >>> round(backward_gain("selu", 1.0), 3)
        1.072
        >>> round(backward_gain("tanh", 2.78), 2)
        1.21
    """
    activation, weight_var, bias_var = _check_common(activation, weight_var, bias_var)
    q0 = check_real("q0", q0, min_value=0.0, allow_equal=False)
    try:
        q_star = _fixed_point(activation, weight_var, bias_var, q0)
    except _Diverges as err:
        raise ValueError(str(err)) from None
    return float(weight_var * _moments(activation, q_star)[2])


def second_moment_weight_var(activation: str) -> float:
    r"""Return :math:`1 / \mathbb{E}[f(z)^2]`, the weight_var that keeps a unit input's second moment.

    With :math:`\sigma_w^2 = 1 / \mathbb{E}_{z \sim N(0,1)}[f(z)^2]` a layer maps
    unit-variance pre-activations to unit-variance pre-activations: :math:`q = 1`
    is a fixed point of the variance map. This is a *forward-only* rule: it says
    nothing about the gradient (:math:`\chi` there is generally not 1), and the
    fixed point need not be stable (for GELU and SiLU without bias it is not: a
    signal slightly smaller shrinks to 0, slightly larger grows without bound).
    It is the rule to use where :func:`critical_weight_var` has no answer.

    Args:
        activation: one of :data:`course_utils.activations.ACTIVATIONS`.

    Examples:
        >>> round(second_moment_weight_var("gelu"), 2)
        2.35
        >>> round(second_moment_weight_var("silu"), 2)
        2.81
        >>> second_moment_weight_var("relu")          # He's 2
        2.0
    """
    activation = check_choice("activation", activation, ACTIVATIONS)
    return float(1.0 / _second_moment(activation, 1.0))


def critical_weight_var(activation: str, bias_var: float = 0.0) -> float:
    r"""Return the weight_var at which :math:`\chi = 1` at a stable fixed point (the edge of chaos).

    Closed forms: 1 for the linear unit, 2 for ReLU (He et al. 2015),
    :math:`2 / (1 + a^2)` for leaky ReLU of slope :math:`a`, and, without bias,
    :math:`1 / f'(0)^2 = 1` for tanh (there :math:`q^* = 0`). Otherwise the
    :math:`\sigma_w^2` with :math:`\chi(\sigma_w^2) = 1` is found by bisection,
    with :math:`q^*` the fixed point reached from :math:`q_0 = 1`.

    Some activations have no such weight variance: with zero bias GELU and SiLU
    act near 0 like a linear unit of slope 1/2 (:math:`\chi = \sigma_w^2 / 4` at
    :math:`q^* = 0`) and far from 0 like ReLU, so every weight variance either
    lets the signal shrink to 0 with :math:`\chi < 1` or lets it grow without
    bound. For those a ``ValueError`` points to :func:`second_moment_weight_var`.
    The piecewise-linear units with a bias have none either (at their critical
    weight variance :math:`q` grows by ``bias_var`` per layer).

    Args:
        activation: one of :data:`course_utils.activations.ACTIVATIONS`.
        bias_var: :math:`\sigma_b^2`, >= 0.

    Examples:
        >>> critical_weight_var("relu")
        2.0
        >>> critical_weight_var("tanh")
        1.0
        >>> round(critical_weight_var("leaky_relu"), 6)
        1.9998
        >>> s = critical_weight_var("tanh", bias_var=0.05)
        >>> round(s, 3), round(backward_gain("tanh", s, bias_var=0.05), 6)
        (1.761, 1.0)
    """
    activation = check_choice("activation", activation, ACTIVATIONS)
    bias_var = check_real("bias_var", bias_var, min_value=0.0)
    if activation in _PIECEWISE_LINEAR:
        if bias_var > 0:
            raise ValueError(
                f"critical_weight_var: {activation!r} with bias_var={bias_var!r} has no stable "
                f"fixed point with chi = 1: at weight_var = "
                f"{1.0 / _PIECEWISE_LINEAR[activation]:g} chi = 1 for every q, but q grows by "
                f"bias_var every layer (use bias_var=0)")
        return 1.0 / _PIECEWISE_LINEAR[activation]
    if activation == "tanh" and bias_var == 0.0:
        return 1.0

    def excess(s):            # chi(s) - 1, or None where the map diverges from q0 = 1
        try:
            q_star = _fixed_point(activation, s, bias_var, 1.0)
        except _Diverges:
            return None
        return float(s * _moments(activation, q_star)[2]) - 1.0

    grid = np.logspace(-2, 3, 41)
    lo = hi = None
    v0 = excess(grid[0])
    for s0, s1 in zip(grid[:-1], grid[1:]):     # the first bracket; later points are not needed
        v1 = excess(s1)
        if v0 is not None and v1 is not None and v0 < 0 <= v1:
            lo, hi = float(s0), float(s1)
            break
        v0 = v1
    if lo is None:
        hint = ("with zero bias it acts near 0 like a linear unit of slope 1/2 and far from 0 "
                "like ReLU, so no single weight_var holds every signal size steady"
                if activation in ("gelu", "silu") and bias_var == 0.0 else
                "chi stays on one side of 1 wherever the variance map has a fixed point")
        raise ValueError(
            f"critical_weight_var: {activation!r} with bias_var={bias_var!r} has no stable "
            f"fixed point with chi = 1 ({hint}); second_moment_weight_var({activation!r}) = "
            f"{second_moment_weight_var(activation):.4g} keeps a unit-variance input's second "
            f"moment instead (a forward-only rule)")
    for _ in range(45):                     # the bracket is a factor 1.33: 45 halvings -> 1e-14
        mid = math.sqrt(lo * hi)
        v = excess(mid)
        if v is not None and v >= 0:
            hi = mid
        else:
            lo = mid
    return float(math.sqrt(lo * hi))


# ------------------------------------------------------------ layer by layer
@dataclass(frozen=True)
class LayerProfile:
    r"""Mean-field predictions per layer, in the conventions of :func:`course_utils.propagation.propagate`.

    Index 0 is the first hidden layer (:math:`z_1 = x W_1`), index ``depth - 1``
    the top. Every array has length ``depth`` and lines up with the field of the
    same name of :class:`~course_utils.propagation.Propagation` (measured on a network
    of constant width with zero biases, as :func:`~course_utils.propagation.signal_propagation`
    draws it).

    Attributes:
        activation, weight_var, bias_var, q0, batch: the arguments.
        preactivation_var: :math:`q_l`, the variance of :math:`z_l`.
        preactivation_std: :math:`\sqrt{q_l}` (``Propagation.preactivation_std``).
        mean: :math:`\mathbb{E}[f(z_l)]` (``Propagation.mean``).
        std: :math:`\sqrt{\mathbb{E}[f(z_l)^2] - \mathbb{E}[f(z_l)]^2}` (``Propagation.std``).
        chi: :math:`\chi_l = \sigma_w^2 \mathbb{E}[f'(z_l)^2]`, the factor by which the
            gradient's variance changes from layer ``l + 1`` down to layer ``l``.
        gradient_std: std of :math:`\partial L / \partial z_l` (``Propagation.gradient_std``):
            :math:`\sqrt{\mathbb{E}[f'(z_L)^2]}` at the top (the loss there is
            :math:`\sum a_L \odot r` with unit-variance :math:`r`), times
            :math:`\sqrt{\chi}` of every layer crossed on the way down.
        weight_gradient_std: std of :math:`\partial L / \partial W_l = a_{l-1}^\top
            \partial L / \partial z_l` summed over a batch of ``batch`` examples,
            :math:`\sqrt{B \, \mathbb{E}[a_{l-1}^2] \operatorname{Var}[\partial L/\partial z_l]}`
            with :math:`a_0 = x` (Glorot & Bengio 2010, eq. 14, with the second moment of
            :math:`a` in place of its variance so that ReLU and sigmoid are covered).
        bias_gradient_std: std of :math:`\partial L / \partial b_l = \sum_{batch}
            \partial L / \partial z_l`, i.e. :math:`\sqrt{B}` times ``gradient_std``.
    """

    activation: str
    weight_var: float
    bias_var: float
    q0: float
    batch: int
    preactivation_var: np.ndarray
    preactivation_std: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    chi: np.ndarray
    gradient_std: np.ndarray
    weight_gradient_std: np.ndarray
    bias_gradient_std: np.ndarray

    @property
    def depth(self) -> int:
        """Number of layers."""
        return len(self.preactivation_var)


def layer_profile(activation: str, weight_var: float, depth: int, *, bias_var: float = 0.0,
                  q0: float = 1.0, batch: int = 256) -> LayerProfile:
    r"""Predict, layer by layer, what :func:`course_utils.propagation.propagate` measures.

    Forward, from an input whose entries have second moment :math:`q_0`
    (:func:`~course_utils.propagation.signal_propagation` draws a standard normal input,
    :math:`q_0 = 1`):

    .. math::
        q_1 = \sigma_w^2 q_0 + \sigma_b^2, \qquad
        q_{l+1} = \sigma_w^2 \, \mathbb{E}\big[f(\sqrt{q_l}\, z)^2\big] + \sigma_b^2.

    Backward, from the top gradient :math:`r \odot f'(z_L)` (``propagate``'s loss
    :math:`L = \sum a_L \odot r`):

    .. math::
        \operatorname{Var}\Big[\frac{\partial L}{\partial z_L}\Big] = \mathbb{E}\big[f'(z_L)^2\big],
        \qquad
        \operatorname{Var}\Big[\frac{\partial L}{\partial z_l}\Big]
        = \chi_l \operatorname{Var}\Big[\frac{\partial L}{\partial z_{l+1}}\Big],

    which assumes constant width (the backward pass scales by fan-out times
    :math:`\operatorname{Var}[w]`) and, as mean-field theory does, that the
    weights seen going back are independent of those seen going forward.
    Finite networks scatter around these lines by about :math:`1/\sqrt{width}`
    per layer; deep in a vanishing or exploding regime the relative scatter grows.
    A profile that runs off past float64's range reads ``inf`` (or ``nan`` once
    ``inf`` meets ``0``); one that shrinks below it reads 0.

    Args:
        activation: one of :data:`course_utils.activations.ACTIVATIONS`.
        weight_var: :math:`\sigma_w^2 = n \operatorname{Var}[w]`, > 0.
        depth: number of layers, a positive integer.
        bias_var: :math:`\sigma_b^2`, >= 0 (``propagate`` itself uses no biases).
        q0: second moment of the input entries, > 0 (this is the input, not a
            pre-activation: :math:`f` is not applied to it).
        batch: examples per batch, for the weight and bias gradients (the
            loss sums over the batch); 256 as in ``signal_propagation``.

    Returns:
        A :class:`LayerProfile`.

    Examples:
        >>> p = layer_profile("tanh", 2.0, 30)             # He init with tanh
        >>> round(float(p.std[-1]), 3), round(float(p.chi[-1]), 3)
        (0.556, 1.106)
        >>> round(float(p.gradient_std[0] / p.gradient_std[-1]), 1)   # grows going down
        2.8
        >>> x = layer_profile("tanh", 1 / 3, 20)           # U[-1/sqrt(n), 1/sqrt(n)]
        >>> float(x.gradient_std[0] / x.gradient_std[-1]) < 1e-4     # dL/dz vanishes...
        True
        >>> w = x.weight_gradient_std                      # ...the weight gradient does not
        >>> bool(w.max() / w.min() < 1.5)
        True
    """
    activation, weight_var, bias_var = _check_common(activation, weight_var, bias_var)
    depth = check_positive_int("depth", depth)
    q0 = check_real("q0", q0, min_value=0.0, allow_equal=False)
    batch = check_positive_int("batch", batch)
    q = np.empty(depth)
    mean, m2, d2 = np.empty(depth), np.empty(depth), np.empty(depth)
    q_l = weight_var * q0 + bias_var
    for l in range(depth):
        q[l] = q_l
        mu, sq, dd = _moments(activation, q_l)
        mean[l], m2[l], d2[l] = float(mu), float(sq), float(dd)
        with np.errstate(over="ignore"):
            q_l = weight_var * m2[l] + bias_var
    chi = weight_var * d2
    grad_var = np.empty(depth)
    grad_var[-1] = d2[-1]
    with np.errstate(over="ignore", under="ignore"):   # a runaway profile reads inf (or 0)
        for l in range(depth - 2, -1, -1):
            grad_var[l] = grad_var[l + 1] * chi[l]
    input_m2 = np.concatenate([[q0], m2[:-1]])        # E[a_{l-1}^2], a_0 = the input
    with np.errstate(over="ignore", invalid="ignore"):
        std = np.sqrt(np.maximum(m2 - mean ** 2, 0.0))
        weight_grad = np.sqrt(batch * input_m2 * grad_var)
        bias_grad = np.sqrt(batch * grad_var)
    return LayerProfile(
        activation=activation, weight_var=weight_var, bias_var=bias_var, q0=q0, batch=batch,
        preactivation_var=q, preactivation_std=np.sqrt(q), mean=mean, std=std, chi=chi,
        gradient_std=np.sqrt(grad_var), weight_gradient_std=weight_grad,
        bias_gradient_std=bias_grad)


# ------------------------------------------------------------ correlations (ReLU)
def relu_cosine_map(c):
    r"""Return the cosine between two examples' ReLU outputs, given the correlation of their pre-activations.

    For jointly Gaussian pre-activations of equal variance and correlation
    :math:`c` (Cho & Saul 2009, the arc-cosine kernel of degree 1):

    .. math::
        k(c) = \frac{\sqrt{1 - c^2} + (\pi - \arccos c)\, c}{\pi}.

    With He weights (:math:`\sigma_w^2 = 2`, no bias) the next layer's
    pre-activations have exactly this correlation, so :math:`c_{l+1} = k(c_l)`:
    the map's only fixed point is :math:`c^* = 1` (every example's
    representation points the same way), approached slowly because
    :math:`k'(1) = 1`.

    Args:
        c: a correlation (or array of them) in [-1, 1].

    Examples:
        >>> round(float(relu_cosine_map(0.0)), 4)          # 1 / pi: independent inputs
        0.3183
        >>> float(relu_cosine_map(1.0))
        1.0
    """
    c = np.asarray(c, dtype=np.float64)
    if np.any(~np.isfinite(c)) or np.any(np.abs(c) > 1.0):
        raise ValueError(f"c must be a correlation in [-1, 1], got {c!r}")
    return (np.sqrt(1.0 - c * c) + (math.pi - np.arccos(c)) * c) / math.pi


def relu_cosine_profile(depth: int, c0: float = 0.0) -> np.ndarray:
    r"""Return the mean cosine between two examples' ReLU outputs at layers 1..depth (He weights, no bias).

    Iterates :func:`relu_cosine_map` from the inputs' correlation ``c0``.

    Examples:
        >>> relu_cosine_profile(15)[[0, 4, 9, 14]].round(2).tolist()
        [0.32, 0.74, 0.87, 0.92]
    """
    depth = check_positive_int("depth", depth)
    c0 = check_real("c0", c0, min_value=-1.0)
    if c0 > 1.0:
        raise ValueError(f"c0 must be a correlation in [-1, 1], got {c0!r}")
    out = np.empty(depth)
    c = c0
    for l in range(depth):
        c = float(relu_cosine_map(c))
        out[l] = c
    return out


__all__ += ["relu_cosine_map", "relu_cosine_profile"]
