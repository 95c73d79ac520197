r"""Notebook 05's panel: Glorot's compromise between the forward and the backward pass.

The left plot is a histogram of Glorot weights (uniform, PyTorch's plain
normal or Keras's truncated normal) for a layer with the chosen fan-in and
fan-out. The right plot shows the two numbers the scheme trades off:
:math:`n_\text{in}\operatorname{Var}[w]` (how a layer scales the forward
signal's variance) and :math:`n_\text{out}\operatorname{Var}[w]` (how it scales
the back-propagated gradient's variance). With :math:`\operatorname{Var}[w] =
2/(n_\text{in} + n_\text{out})` they are :math:`2n/(n+m)` and :math:`2m/(n+m)`:
their mean is always exactly 1, and both are 1 only when :math:`n = m`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import bounds
from ..initializers import TRUNCATED_NORMAL_STD, glorot_normal, normalized_xavier
from ..plots import panel_figure, scheme_color
from . import FigurePanel, dropdown, int_slider

__all__ = ["FORMS", "glorot_panel"]

#: The three forms of Glorot initialization: menu label -> (sampler keyword, colour key).
FORMS = {
    "uniform (GlorotUniform, xavier_uniform_)": "uniform",
    "normal (PyTorch xavier_normal_)": "normal",
    "truncated normal (Keras GlorotNormal)": "truncated",
}

_COLORS = {"uniform": scheme_color("normalized_xavier"), "normal": scheme_color("glorot_normal"),
           "truncated": "#9467bd"}
_MASS_2 = math.erf(2.0 / math.sqrt(2.0))     # P(|Z| <= 2) for a standard normal Z


def _draw(form: str, fan_in: int, fan_out: int, rng) -> np.ndarray:
    if form == "uniform":
        return normalized_xavier((fan_in, fan_out), rng=rng)
    return glorot_normal((fan_in, fan_out), truncated=(form == "truncated"), rng=rng)


def _glorot_sample(form: str, fan_in: int, fan_out: int, n_weights: int, seed: int) -> np.ndarray:
    """At least ``n_weights`` weights: as many independent (fan_in, fan_out) layers as needed."""
    rng = np.random.default_rng(seed)
    layers = -(-n_weights // (fan_in * fan_out))
    return np.concatenate([_draw(form, fan_in, fan_out, rng).ravel() for _ in range(layers)])


def _density(form: str, x: np.ndarray, std: float) -> np.ndarray:
    """Theoretical density of the weights (the truncated form: Keras's widened, cut normal)."""
    if form == "uniform":
        limit = math.sqrt(3.0) * std
        return np.where(np.abs(x) <= limit, 0.5 / limit, 0.0)
    if form == "normal":
        return np.exp(-0.5 * (x / std) ** 2) / (std * math.sqrt(2.0 * math.pi))
    wide = std / TRUNCATED_NORMAL_STD
    inside = np.abs(x) <= 2.0 * wide
    return np.where(inside, np.exp(-0.5 * (x / wide) ** 2) / (wide * math.sqrt(2.0 * math.pi) * _MASS_2),
                    0.0)


def glorot_panel(*, fan_in: int = 10, fan_out: int = 20, min_fan: int = 4, max_fan: int = 256,
                 n_weights: int = 3000, seed: int = 0) -> FigurePanel:
    r"""Sliders for fan-in, fan-out and the form of Glorot initialization.

    Each move draws at least ``n_weights`` weights (whole independent layers
    of shape ``(fan_in, fan_out)``) from a Generator seeded with ``seed``, so
    the same position always shows the same picture. The bars on the right
    are the theoretical :math:`n_\text{in}\operatorname{Var}[w]` and
    :math:`n_\text{out}\operatorname{Var}[w]`; the black diamonds are the same
    products with the sample's variance.

    Args:
        fan_in, fan_out: initial slider values.
        min_fan, max_fan: slider range of both fans (the axes are fixed to fit it).
        n_weights: minimum number of weights drawn per move.
        seed: seed of every draw.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel` with controls ``form``, ``fan_in``, ``fan_out``.

    Examples:
        >>> panel = glorot_panel(fan_in=10, fan_out=20)
        >>> panel
        FigurePanel(form='uniform', fan_in=10, fan_out=20)
        >>> panel.set(fan_out=10)
        >>> "forward n·Var[w] = 1.000" in panel.caption.value
        True
    """
    fig, (ax, ax_bar) = panel_figure(1, 2, figsize=(8.0, 3.0),
                                     gridspec_kw={"width_ratios": [1.6, 1]})

    # Fixed limits for every slider position: the widest spread is at n = m = min_fan
    # (L = sqrt(6 / (2 min_fan))); the tallest peak, the truncated normal's, at n = m = max_fan.
    widest = math.sqrt(6.0 / (2 * min_fan))
    sigma_min = math.sqrt(2.0 / (2 * max_fan))
    peak = 1.0 / (sigma_min / TRUNCATED_NORMAL_STD * math.sqrt(2.0 * math.pi) * _MASS_2)
    x = np.linspace(-1.5 * widest, 1.5 * widest, 800)
    bars = ax.stairs(np.zeros(40), np.linspace(-1, 1, 41), fill=True, alpha=0.55,
                     color=_COLORS["uniform"], label="sampled weights", animated=True)
    (density,) = ax.plot(x, np.zeros_like(x), color="black", lw=1.3, label="theoretical density",
                         animated=True)
    limit_lines = [ax.axvline(0.0, color="#d62728", ls="--", lw=1.2, animated=True,
                              label="uniform limits ±√(6/(n+m))" if k == 0 else None) for k in range(2)]
    ax.set_xlim(-1.5 * widest, 1.5 * widest)
    ax.set_ylim(0.0, 1.3 * peak)
    ax.set_xlabel("weight value")
    ax.set_ylabel("density")
    ax.legend(loc="upper left", fontsize=8)

    # Right: the two variance factors; 1 means "this pass keeps its scale".
    ax_bar.axhline(1.0, color="0.3", lw=1.0, ls="--")
    theory_bars = ax_bar.bar([0, 1], [1.0, 1.0], width=0.6, color=["#1f77b4", "#2ca02c"],
                             alpha=0.75, animated=True)
    (sample_marks,) = ax_bar.plot([0, 1], [1.0, 1.0], "kD", ms=6, label="from the sample",
                                  animated=True)
    ax_bar.set_xticks([0, 1], ["forward\nn·Var[w]", "backward\nm·Var[w]"])
    ax_bar.set_xlim(-0.6, 1.6)
    ax_bar.set_ylim(0.0, 2.1)
    ax_bar.set_ylabel("variance factor per layer")
    ax_bar.legend(handles=[sample_marks], loc="upper center", fontsize=8)

    controls = {"form": dropdown("form", list(FORMS.items()), value="uniform"),
                "fan_in": int_slider("fan-in n", fan_in, min_fan, max_fan),
                "fan_out": int_slider("fan-out m", fan_out, min_fan, max_fan)}

    def update(form, fan_in, fan_out):
        std = bounds.glorot_std(fan_in, fan_out)
        w = _glorot_sample(form, fan_in, fan_out, n_weights, seed)
        half = math.sqrt(3.0) * std if form == "uniform" else 3.0 * std
        if form == "truncated":
            half = 2.0 * std / TRUNCATED_NORMAL_STD
        edges = np.linspace(-half, half, 41)
        counts, _ = np.histogram(w, bins=edges)
        bars.set_data(counts / (w.size * (edges[1] - edges[0])), edges)
        bars.set_color(_COLORS[form])
        density.set_ydata(_density(form, x, std))
        limit = bounds.glorot_limit(fan_in, fan_out)
        for line, value in zip(limit_lines, (-limit, limit)):
            line.set_xdata([value, value])
        variance = std ** 2
        forward, backward = fan_in * variance, fan_out * variance
        for bar, height in zip(theory_bars, (forward, backward)):
            bar.set_height(height)
        sample_var = float(w.var())
        sample_marks.set_ydata([fan_in * sample_var, fan_out * sample_var])
        extra = (f"; Keras draws std {std:.4f}/0.8796 = {std / TRUNCATED_NORMAL_STD:.4f} "
                 f"and cuts at ±{2 * std / TRUNCATED_NORMAL_STD:.4f}") if form == "truncated" else ""
        return (f"n = {fan_in}, m = {fan_out}: Var[w] = 2/(n+m) = {variance:.5f}, "
                f"std {std:.4f}, uniform limit L = {limit:.4f}{extra}.<br>"
                f"forward n·Var[w] = {forward:.3f}, backward m·Var[w] = {backward:.3f} "
                f"(their mean is exactly 1; both are 1 only when n = m). "
                f"Sample of {w.size:,}: std {np.sqrt(sample_var):.4f}, "
                f"n·Var {fan_in * sample_var:.3f}, m·Var {fan_out * sample_var:.3f}.")

    return FigurePanel(fig, controls, update,
                       title="<b>Glorot (normalized Xavier)</b>: Var[w] = 2/(n+m) "
                             "splits the difference between the forward and the backward pass")
