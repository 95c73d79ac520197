r"""Model of notebook 05's panel: Glorot weights in three forms, and the two factors they balance.

Numpy only. :func:`glorot_histogram` returns what the panel shows for one
layer: the sample's histogram and the form's theoretical density, both in
units of the scheme's std :math:`\sigma = \sqrt{2/(n+m)}` (so every fan
setting fills the same axes and the three forms compare at a glance), the
form's limits or cut-offs, and the variance factors
:math:`n\operatorname{Var}[w] = 2n/(n+m)` (forward) and
:math:`m\operatorname{Var}[w] = 2m/(n+m)` (backward), in theory and measured.

The truncated form is Keras's ``GlorotNormal``: a normal of std
:math:`\sigma/0.8796` cut at :math:`\pm 2` of *its* stds, which brings the
std back to :math:`\sigma`. PyTorch's ``trunc_normal_(w, std=s, a=-2, b=2)``
takes absolute cut-offs ``a`` and ``b`` and does not correct the std: cut at
:math:`\pm 2\sigma` (``a=-2*s, b=2*s``) it leaves :math:`0.8796\sigma`, and
left at its defaults ``a=-2, b=2`` it cuts at :math:`\pm 2/\sigma` stds, which
for a Glorot :math:`\sigma` hardly cuts at all. The model carries that
density too, so the view can show the two side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import bounds
from .._checks import check_choice, check_positive_int
from ..initializers import TRUNCATED_NORMAL_STD, glorot_normal, glorot_uniform
from .shared import Caption, Table, bin_heights, fmt

__all__ = ["FORMS", "GlorotHistogram", "glorot_histogram", "caption", "X_RANGE"]

#: The three forms of Glorot initialization (``form`` argument).
FORMS = ("uniform", "normal", "truncated")

#: Half-width of the x range, in units of sigma, on which the densities are given.
X_RANGE = 3.5

_X = np.linspace(-X_RANGE, X_RANGE, 701)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _cut_normal_density(x: np.ndarray, scale: float, cut: float) -> np.ndarray:
    """Density of N(0, scale^2) conditioned on |w| <= cut (x, scale, cut in the same unit)."""
    mass = math.erf(cut / (scale * math.sqrt(2.0)))
    inside = np.abs(x) <= cut
    return np.where(inside, np.exp(-0.5 * (x / scale) ** 2) / (scale * _SQRT_2PI * mass), 0.0)


@dataclass(frozen=True)
class GlorotHistogram:
    """What notebook 05's panel shows for one (form, fan-in, fan-out).

    Attributes:
        form: one of :data:`FORMS`.
        fan_in, fan_out: :math:`n` and :math:`m`.
        variance, std: :math:`2/(n+m)` and :math:`\\sigma` (:func:`~course_utils.glorot_std`).
        limit: the uniform form's limit :math:`\\sqrt{6/(n+m)} = \\sqrt{3}\\sigma`.
        draw_std: std of the normal the form draws from before any cut
            (:math:`\\sigma/0.8796` for Keras's truncated form, else :math:`\\sigma`).
        cutoff: where the form's weights stop (``limit`` for the uniform form,
            :math:`2\\,\\text{draw\\_std}` for the truncated one), ``None`` for the plain normal.
        x: grid, in units of :math:`\\sigma`, of the densities below.
        theory: the form's density on ``x`` (per unit of :math:`w/\\sigma`).
        torch_trunc: for the truncated form, the density of PyTorch's
            ``trunc_normal_(std=sigma, a=-2*sigma, b=2*sigma)`` on ``x``; else ``None``.
        torch_trunc_std: the std that call leaves, :math:`0.8796\\sigma`.
        torch_default_cut: PyTorch's default cut-offs ``a=-2, b=2`` in units of :math:`\\sigma`.
        edges, heights: the sample's histogram in units of :math:`\\sigma` (area 1).
        forward, backward: :math:`n\\operatorname{Var}[w]` and :math:`m\\operatorname{Var}[w]`.
        sample_std, sample_forward, sample_backward: the same from the sample.
        sample_max: the largest :math:`|w|` in the sample.
        n_weights: the sample size (whole layers of shape ``(n, m)``).
    """

    form: str
    fan_in: int
    fan_out: int
    variance: float
    std: float
    limit: float
    draw_std: float
    cutoff: Optional[float]
    x: np.ndarray
    theory: np.ndarray
    torch_trunc: Optional[np.ndarray]
    torch_trunc_std: float
    torch_default_cut: float
    edges: np.ndarray
    heights: np.ndarray
    forward: float
    backward: float
    sample_std: float
    sample_forward: float
    sample_backward: float
    sample_max: float
    n_weights: int


def _sample(form: str, fan_in: int, fan_out: int, n_weights: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    layers = -(-n_weights // (fan_in * fan_out))
    if form == "uniform":
        draws = [glorot_uniform((fan_in, fan_out), rng=rng) for _ in range(layers)]
    else:
        draws = [glorot_normal((fan_in, fan_out), truncated=(form == "truncated"), rng=rng)
                 for _ in range(layers)]
    return np.concatenate([d.ravel() for d in draws])


def glorot_histogram(form: str, fan_in: int, fan_out: int, *, n_weights: int = 3000,
                     seed: int = 0, bins: int = 40) -> GlorotHistogram:
    r"""Draw Glorot weights of one ``form`` for an ``(fan_in, fan_out)`` layer and describe them.

    .. math::
        \operatorname{Var}[w] = \frac{2}{n+m},\qquad
        n\operatorname{Var}[w] = \frac{2n}{n+m},\qquad m\operatorname{Var}[w] = \frac{2m}{n+m}

    The two factors average exactly 1 and are both 1 only when :math:`n = m`.

    Args:
        form: ``"uniform"`` (Keras ``GlorotUniform``, torch ``xavier_uniform_``),
            ``"normal"`` (torch ``xavier_normal_``) or ``"truncated"`` (Keras ``GlorotNormal``).
        fan_in, fan_out: positive integers.
        n_weights: at least this many weights are drawn, as whole independent layers.
        seed: seed of the draw (same arguments, same sample).
        bins: histogram bins over the form's range.

    Returns:
        A :class:`GlorotHistogram`.

    Examples:
        >>> h = glorot_histogram("truncated", 10, 20)
        >>> round(h.std, 4), round(h.draw_std, 4), round(h.cutoff, 4)
        (0.2582, 0.2935, 0.5871)
        >>> round(h.forward, 3), round(h.backward, 3)
        (0.667, 1.333)
        >>> bool(h.sample_max <= h.cutoff), round(h.torch_trunc_std / h.std, 4)
        (True, 0.8796)
    """
    form = check_choice("form", form, FORMS)
    fan_in = check_positive_int("fan_in", fan_in)
    fan_out = check_positive_int("fan_out", fan_out)
    n_weights = check_positive_int("n_weights", n_weights)
    bins = check_positive_int("bins", bins)
    std = bounds.glorot_std(fan_in, fan_out)
    variance = std * std
    limit = bounds.glorot_limit(fan_in, fan_out)
    draw_std = std / TRUNCATED_NORMAL_STD if form == "truncated" else std
    cutoff = {"uniform": limit, "normal": None, "truncated": 2.0 * draw_std}[form]
    if form == "uniform":
        theory = np.where(np.abs(_X) <= math.sqrt(3.0), 0.5 / math.sqrt(3.0), 0.0)
    elif form == "normal":
        theory = np.exp(-0.5 * _X ** 2) / _SQRT_2PI
    else:
        theory = _cut_normal_density(_X, 1.0 / TRUNCATED_NORMAL_STD, 2.0 / TRUNCATED_NORMAL_STD)
    torch_trunc = _cut_normal_density(_X, 1.0, 2.0) if form == "truncated" else None

    w = _sample(form, fan_in, fan_out, n_weights, seed)
    half = X_RANGE if cutoff is None else cutoff / std
    edges = np.linspace(-half, half, bins + 1)
    sample_var = float(w.var())
    return GlorotHistogram(
        form=form, fan_in=fan_in, fan_out=fan_out, variance=variance, std=std, limit=limit,
        draw_std=draw_std, cutoff=cutoff, x=_X, theory=theory, torch_trunc=torch_trunc,
        torch_trunc_std=TRUNCATED_NORMAL_STD * std, torch_default_cut=2.0 / std,
        edges=edges, heights=bin_heights(w / std, edges),
        forward=fan_in * variance, backward=fan_out * variance,
        sample_std=math.sqrt(sample_var), sample_forward=fan_in * sample_var,
        sample_backward=fan_out * sample_var, sample_max=float(np.abs(w).max()),
        n_weights=int(w.size))


def caption(h: GlorotHistogram) -> Caption:
    """The caption of notebook 05's panel: the fans' numbers, each form's cut, the two factors.

    Examples:
        >>> print(caption(glorot_histogram("uniform", 10, 10)).table.text())
        factor                     theory  sample
        forward n·Var[w]           1       1
        backward m·Var[w]          1       1
        std of w (σ = √(2/(n+m)))  0.316   0.317
    """
    sentences = [f"Var[w] = 2/(n+m) = {h.variance:.5f}, σ = {h.std:.4f}, "
                 f"uniform limit L = √3 σ = {h.limit:.4f}."]
    if h.form == "truncated":
        sentences.append(
            f"Keras draws with std σ/0.8796 = {h.draw_std:.4f} and cuts at ±2 of those, "
            f"±{h.cutoff:.4f}, which brings the std back to σ. PyTorch's "
            f"trunc_normal_(w, std=σ, a=-2σ, b=2σ) cuts at ±{2 * h.std:.4f} and does not "
            f"correct: std 0.8796 σ = {h.torch_trunc_std:.4f} (dotted). Its default cut-offs "
            f"a=-2, b=2 are absolute values, ±{h.torch_default_cut:.1f} σ here: they barely cut.")
    sentences.append(f"The forward factor n·Var[w] = {h.forward:.3f} and the backward factor "
                     f"m·Var[w] = {h.backward:.3f} average exactly 1; both are 1 only when n = m.")
    table = Table(("factor", "theory", "sample"),
                  (("forward n·Var[w]", fmt(h.forward), fmt(h.sample_forward)),
                   ("backward m·Var[w]", fmt(h.backward), fmt(h.sample_backward)),
                   ("std of w (σ = √(2/(n+m)))", fmt(h.std), fmt(h.sample_std))))
    notes = (f"Sample: {h.n_weights:,} weights, largest |w| {h.sample_max:.4f}. The histogram's "
             f"x axis is w/σ, fixed so that every fan setting fills it (σ is given above).",)
    return Caption(f"Glorot {h.form}, n = {h.fan_in}, m = {h.fan_out}", tuple(sentences), table, notes)
