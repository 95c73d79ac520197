r"""Model of notebook 06's panel (and, through :func:`depth_profiles`, 07's): schemes in one deep MLP.

Numpy only. :func:`depth_profiles` pushes one fixed batch of standard-normal
inputs through a deep MLP of constant ``width`` for each scheme, with the
activation chosen, and returns per layer what the panels show: the measured
std of the activations, how much the back-propagated gradient
:math:`\partial L/\partial z` grows or shrinks from the top layer shown down
to each layer, the fraction of units that barely pass a gradient (saturated
sigmoid/tanh, dead ReLU), and beside them the mean-field prediction
(:func:`course_utils.mean_field.layer_profile`) where the theory applies
(zero-mean weights of variance :math:`s/n`).

Speed: the passes come from a :class:`~course_utils.panels.CornerPropagation`
kept per ``(max_depth, max_width, batch, seed)``: each (scheme, activation,
width) is propagated once through ``max_depth`` layers. The forward
statistics of a shallower network are a prefix of these. So are its backward
*gains*: from layer ``depth`` down, the gradient is multiplied by the same
:math:`W_l^\top` and :math:`f'(z_l)` whatever enters layer ``depth`` from above, so
the ratio of gradient stds between layer ``l`` and layer ``depth`` is read off
the deep run. A depth move only slices arrays.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import mean_field
from .._checks import check_choice, check_positive_int
from ..activations import ACTIVATIONS
from ..gains import LEAKY_SLOPE
from ..schemes import SCHEMES
from .corner import CornerPropagation
from .shared import Caption, Table, fmt

__all__ = ["HE_SCHEMES", "DepthProfiles", "depth_profiles", "he_profile", "weight_var",
           "caption"]

#: The schemes notebook 06's panel compares, with the label its legend shows.
HE_SCHEMES = {
    "he_normal": "he_normal  (Var = 2/n)",
    "lecun_normal": "lecun_normal = Glorot at equal widths  (Var = 1/n)",
    "xavier": "1/√n uniform, U[±1/√n]  (Var = 1/(3n))",
}


def weight_var(scheme: str, width: int) -> float:
    r"""Return :math:`s = n\operatorname{Var}[w]` of ``scheme`` in a layer of fan-in = fan-out = ``width``.

    :meth:`~course_utils.schemes.Scheme.weight_var`, or ``nan`` for a scheme whose weights
    are not centred on zero (``constant``, ``random_uniform``): the mean-field recursion
    assumes zero-mean weights. (``zeros`` gives 0, for which it predicts nothing either.)

    Examples:
        >>> [round(weight_var(name, 64), 4) for name in ("he_normal", "lecun_normal", "xavier")]
        [2.0, 1.0, 0.3333]
        >>> weight_var("random_normal", 64), weight_var("random_uniform", 64)
        (64.0, nan)
    """
    s = SCHEMES[scheme]
    return s.weight_var(width) if s.mean == 0.0 else float("nan")


@dataclass(frozen=True)
class DepthProfiles:
    """Per-layer statistics of each scheme (rows) in one deep MLP (columns: layers 1..depth).

    Attributes:
        activation, width, depth: the network (every layer ``width`` wide).
        schemes: the scheme of each row.
        weight_var: :math:`s = n\\operatorname{Var}[w]` per scheme (``nan``: not zero-mean).
        activation_std: measured std of each layer's activations (``inf`` past an overflow).
        gradient_gain: measured std of :math:`\\partial L/\\partial z` at each layer divided
            by its std at layer ``depth`` (``nan`` past an overflow).
        inactive: fraction of units saturated (sigmoid, tanh: derivative below 5 %
            of its maximum) or dead (ReLU: zero for every example).
        predicted_std: mean-field activation std per layer (``nan`` where no prediction).
        predicted_gain: mean-field :math:`\\sqrt{\\prod_{k=l}^{L-1} \\chi_k}`, the same
            ratio as ``gradient_gain`` (``nan`` where no prediction).
        chi: mean-field :math:`\\chi` at the last layer shown, the factor by which the
            gradient's *variance* changes per layer there (``nan`` where no prediction).
    """

    activation: str
    width: int
    depth: int
    schemes: tuple
    weight_var: np.ndarray
    activation_std: np.ndarray
    gradient_gain: np.ndarray
    inactive: np.ndarray
    predicted_std: np.ndarray
    predicted_gain: np.ndarray
    chi: np.ndarray

    @property
    def layers(self) -> np.ndarray:
        """Layer numbers 1..depth."""
        return np.arange(1, self.depth + 1)

    @property
    def signal_ratio(self) -> np.ndarray:
        """Measured activation std at layer ``depth`` over layer 1, per scheme."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.activation_std[:, -1] / self.activation_std[:, 0]

    @property
    def predicted_signal_ratio(self) -> np.ndarray:
        """The same ratio, predicted."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.predicted_std[:, -1] / self.predicted_std[:, 0]


@functools.lru_cache(maxsize=4)
def _runs(max_depth: int, max_width: int, batch: int, seed: int) -> CornerPropagation:
    return CornerPropagation(max_depth=max_depth, max_width=max_width, batch=batch, seed=seed)


@functools.lru_cache(maxsize=256)
def _prediction(activation: str, s: float, max_depth: int):
    """Mean-field activation std and chi per layer (read-only), or ``None`` where none applies."""
    if not (math.isfinite(s) and s > 0.0):
        return None
    p = mean_field.layer_profile(activation, s, max_depth)
    std, chi = np.array(p.std, dtype=float), np.array(p.chi, dtype=float)
    std.setflags(write=False)
    chi.setflags(write=False)
    return std, chi


def _fit(rows, n_rows: int, depth: int, fill: float) -> np.ndarray:
    """Stack per-layer arrays cut to ``depth``; a run that stopped early gets ``fill``."""
    out = np.full((n_rows, depth), fill)
    for i, r in enumerate(rows):
        r = np.asarray(r, dtype=float)[:depth]
        out[i, :len(r)] = r
    return out


def depth_profiles(schemes, activation: str, width: int, depth: int, *, max_depth: int = 50,
                   max_width: int = 120, batch: int = 32, seed: int = 0) -> DepthProfiles:
    r"""Measure and predict each scheme's per-layer statistics in one deep MLP.

    Forward :math:`z_l = a_{l-1} W_l`, :math:`a_l = f(z_l)` from standard-normal
    inputs; backward from unit-variance noise at the top (see
    :func:`course_utils.propagate`). The prediction follows the variance map

    .. math::
        q_l = s\,\mathbb{E}_{z\sim\mathcal N(0,1)}\big[f(\sqrt{q_{l-1}}\,z)^2\big],\qquad
        \chi_l = s\,\mathbb{E}\big[f'(\sqrt{q_l}\,z)^2\big]

    (Poole et al. 2016; Schoenholz et al. 2017), with :math:`q_1 = s` for a
    unit-variance input. Finite networks scatter around it by about
    :math:`1/\sqrt{\text{width}}` per layer.

    Args:
        schemes: names in :data:`~course_utils.SCHEMES`.
        activation: one of :data:`~course_utils.ACTIVATIONS`.
        width, depth: the network shown (``1 <= width <= max_width``, ``1 <= depth <= max_depth``).
        max_depth, max_width, batch, seed: the cached experiment the network is cut from
            (``seed`` fixes the weights, the input and the top gradient).

    Returns:
        A :class:`DepthProfiles`.

    Examples:
        >>> p = depth_profiles(["he_normal", "xavier"], "relu", width=64, depth=20)
        >>> p.weight_var.round(4).tolist(), p.activation_std.shape
        ([2.0, 0.3333], (2, 20))
        >>> p.predicted_signal_ratio.round(6).tolist()           # sqrt(s/2)**19
        [1.0, 0.0]
    """
    schemes = tuple(check_choice("schemes[i]", s, SCHEMES) for s in schemes)
    activation = check_choice("activation", activation, ACTIVATIONS)
    max_depth = check_positive_int("max_depth", max_depth)
    max_width = check_positive_int("max_width", max_width)
    width, depth = check_positive_int("width", width), check_positive_int("depth", depth)
    if width > max_width or depth > max_depth:
        raise ValueError(f"width and depth must be at most max_width={max_width} and "
                         f"max_depth={max_depth}, got {width} and {depth}")
    runs = _runs(max_depth, max_width, check_positive_int("batch", batch), int(seed))
    # Exactly ``depth`` layers: the top gradient enters at the last layer shown. (Through all
    # max_depth layers a chaotic network, chi > 1, would amplify rounding by sqrt(chi) per layer
    # for 50 layers, and the numbers shown would depend on the CPU's BLAS kernel.)
    measured = [runs(name, activation, width, depth) for name in schemes]
    s = np.array([weight_var(name, width) for name in schemes])
    predictions = [_prediction(activation, float(v), max_depth) for v in s]
    nan = np.full(max_depth, np.nan)
    k = len(schemes)

    gradient = _fit((p.gradient_std for p in measured), k, depth, np.nan)
    chi = _fit((nan if p is None else p[1] for p in predictions), k, depth, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gain = gradient / gradient[:, -1:]
        # Var ratio between layer l and layer depth: chi_l * ... * chi_{depth-1}.
        log_chi = np.log(chi[:, :-1])
        tail = np.concatenate([np.cumsum(log_chi[:, ::-1], axis=1)[:, ::-1],
                               np.zeros((k, 1))], axis=1)
        predicted_gain = np.exp(0.5 * tail)
    return DepthProfiles(
        activation=activation, width=width, depth=depth, schemes=schemes, weight_var=s,
        activation_std=_fit((p.std for p in measured), k, depth, np.inf),
        gradient_gain=gain,
        inactive=_fit((np.maximum(p.saturated, p.dead) for p in measured), k, depth, np.nan),
        predicted_std=_fit((nan if p is None else p[0] for p in predictions), k, depth, np.nan),
        predicted_gain=predicted_gain, chi=chi[:, -1])


def he_profile(activation: str = "relu", width: int = 120, depth: int = 30,
               **experiment) -> DepthProfiles:
    r"""Notebook 06's picture: :data:`HE_SCHEMES` through one deep MLP (see :func:`depth_profiles`).

    With ReLU the std changes by :math:`\sqrt{s/2}` per layer (:math:`s = 2, 1, 1/3`:
    He keeps it, the others shrink it by :math:`\sqrt 2` and :math:`\sqrt 6`); with tanh
    He's signal settles at the fixed point :math:`q^* \approx 0.618` (activation std
    :math:`\approx 0.556`) while its gradients grow going down by :math:`\chi \approx 1.106`
    in variance per layer.

    Args:
        activation, width, depth: the network shown.
        **experiment: ``max_depth``, ``max_width``, ``batch``, ``seed`` of :func:`depth_profiles`.

    Examples:
        >>> p = he_profile("tanh", width=120, depth=30)
        >>> p.schemes[0], round(float(p.predicted_std[0, -1]), 3), round(float(p.chi[0]), 3)
        ('he_normal', 0.556, 1.106)
    """
    return depth_profiles(tuple(HE_SCHEMES), activation, width, depth, **experiment)


def _inactive_word(activation: str) -> str:
    return {"sigmoid": "saturated", "tanh": "saturated", "relu": "dead",
            "leaky_relu": "dead"}.get(activation, "saturated or dead")


@functools.lru_cache(maxsize=1)
def _tanh_at_two():
    """Mean-field q*, activation std and chi of tanh at s = 2 (He's weights)."""
    q = mean_field.fixed_point("tanh", 2.0)
    std = float(mean_field.layer_profile("tanh", 2.0, 1, q0=q / 2.0).std[0])   # q_1 = 2 q0 = q*
    return q, std, mean_field.backward_gain("tanh", 2.0)


#: What the "dead" column of a (leaky) ReLU table means, and where the dead units come from.
_DEAD = ("Dead: a unit that is off (z ≤ 0) for every example of the batch. Their share grows "
         "with depth because (leaky) ReLU makes the examples’ activations more and more "
         "correlated from layer to layer, so a unit that is off for one example tends to be off "
         "for all.")


def _theory_sentence(p: DepthProfiles) -> str:
    """What the mean-field theory says for this activation, with the panel's numbers."""
    d = p.depth
    if p.activation in ("relu", "leaky_relu"):
        a = 0.0 if p.activation == "relu" else LEAKY_SLOPE
        return (f"With {p.activation} (negative slope a = {a:g}) each layer multiplies the "
                f"activation std by √(s(1+a²)/2), and the gradient's variance going down by "
                f"χ = s(1+a²)/2: s = 2 keeps both, s = 1 and 1/3 shrink the stds by √2 and √6 "
                f"per layer (He et al. 2015).")
    if p.activation == "tanh":
        q, std, chi = _tanh_at_two()
        return (f"With tanh the signal follows the variance map: for s = 2 it settles at "
                f"q* ≈ {q:.3f} (activation std ≈ {std:.3f}: it does not grow toward "
                f"saturation), but there χ ≈ {chi:.3f} > 1, so the gradient's variance grows "
                f"×{chi:.3f} per layer going down (its std ×{fmt(chi ** ((d - 1) / 2))} over "
                f"{d} layers once settled); s = 1 is critical (the signal fades slowly, χ → 1); "
                f"s = 1/3 shrinks both by about √3 per layer.")
    return "The thin lines are the mean-field prediction for this activation."


def caption(p: DepthProfiles) -> Caption:
    """The caption of a depth panel: per scheme, measured beside predicted.

    Examples:
        >>> print(caption(he_profile("relu", width=120, depth=30)).table.text())  # doctest: +NORMALIZE_WHITESPACE
        scheme        n·Var[w]  std, layer 1  std, layer 30 (predicted)  std ratio per layer (predicted)  dL/dz std, layer 1 ÷ layer 30 (predicted)  dead, layer 30
        he_normal     2         0.847         0.783 (0.826)              0.997 (1)                        1 (1)                                       39%
        lecun_normal  1         0.594         1.66e-05 (2.52e-05)        0.697 (0.707)                    2.99e-05 (4.32e-05)                         41%
        xavier        0.333     0.337         1.54e-12 (1.76e-12)        0.406 (0.408)                    4.13e-12 (5.21e-12)                         34%
    """
    d = p.depth
    per_layer = p.signal_ratio ** (1.0 / max(d - 1, 1))
    per_layer_pred = p.predicted_signal_ratio ** (1.0 / max(d - 1, 1))
    rows = []
    for i, name in enumerate(p.schemes):
        rows.append((name, fmt(p.weight_var[i]), fmt(p.activation_std[i, 0]),
                     f"{fmt(p.activation_std[i, -1])} ({fmt(p.predicted_std[i, -1])})",
                     f"{fmt(per_layer[i])} ({fmt(per_layer_pred[i])})",
                     f"{fmt(p.gradient_gain[i, 0])} ({fmt(p.predicted_gain[i, 0])})",
                     f"{p.inactive[i, -1]:.0%}"))
    word = _inactive_word(p.activation)
    table = Table(("scheme", "n·Var[w]", "std, layer 1", f"std, layer {d} (predicted)",
                   "std ratio per layer (predicted)",
                   f"dL/dz std, layer 1 ÷ layer {d} (predicted)",
                   f"{word}, layer {d}"), tuple(rows),
                  colors=tuple(SCHEMES[n].color for n in p.schemes))
    sentences = (_theory_sentence(p),)
    if p.activation in ("relu", "leaky_relu"):
        sentences += (_DEAD,)
    return Caption(f"{p.activation}, fan-in {p.width}, {d} layers", sentences, table,
                   ("Measured: markers; mean-field prediction (Poole et al. 2016; Schoenholz et "
                    "al. 2017): thin line, same colour. A finite network scatters around it by "
                    "about 1/√width per layer. The log y axis is fixed so that settings compare "
                    "(values beyond it are drawn on its edge); the x axis fits the depth shown.",))
