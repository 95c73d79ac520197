r"""Notebook 05's panel: Glorot's compromise between the forward and the backward pass.

The left plot is a histogram of Glorot weights (uniform, PyTorch's plain
normal or Keras's truncated normal) for a layer with the chosen fan-in and
fan-out, in units of the scheme's std :math:`\sigma` so that every setting
fills the axes and the three forms compare directly; with the truncated form
it also shows PyTorch's ``trunc_normal_`` cut at :math:`\pm 2\sigma`. The
right plot shows the two numbers the scheme trades off:
:math:`n_\text{in}\operatorname{Var}[w]` (how a layer scales the forward
signal's variance) and :math:`n_\text{out}\operatorname{Var}[w]` (how it scales
the back-propagated gradient's variance). With :math:`\operatorname{Var}[w] =
2/(n_\text{in} + n_\text{out})` they are :math:`2n/(n+m)` and :math:`2m/(n+m)`:
their mean is always exactly 1, and both are 1 only when :math:`n = m`.
"""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..panels.glorot import X_RANGE, caption, glorot_histogram
from ..plots import panel_figure, scheme_color
from . import FigurePanel, Layout, dropdown, int_slider
from .parts import Histogram

__all__ = ["FORMS", "glorot_panel", "legend_entries"]

#: The three forms of Glorot initialization: menu label -> the model's ``form``.
FORMS = {
    "uniform (GlorotUniform, xavier_uniform_)": "uniform",
    "normal (PyTorch xavier_normal_)": "normal",
    "truncated normal (Keras GlorotNormal)": "truncated",
}

_COLOR = scheme_color("normalized_xavier")
_DENSITY = {"color": "black", "lw": 1.3}
_TORCH = {"color": "0.35", "lw": 1.3, "ls": ":"}
_LIMITS = {"color": "#d62728", "ls": "--", "lw": 1.2}


def legend_entries(form: str) -> list:
    """The left plot's legend for a form: only the lines that form draws, as (style, label).

    Examples:
        >>> [label for _, label in legend_entries("normal")]
        ['sampled weights', 'theoretical density']
        >>> [label for _, label in legend_entries("truncated")][2:]
        ['torch trunc_normal_(a=-2σ, b=2σ)', "Keras's cut ±2.27σ"]
    """
    entries = [({"patch": True, "facecolor": _COLOR, "alpha": 0.55}, "sampled weights"),
               (_DENSITY, "theoretical density")]
    if form == "uniform":
        entries.append((_LIMITS, "limits ±√3σ"))
    elif form == "truncated":
        entries += [(_TORCH, "torch trunc_normal_(a=-2σ, b=2σ)"), (_LIMITS, "Keras's cut ±2.27σ")]
    return entries


def glorot_panel(*, fan_in: int = 10, fan_out: int = 20, min_fan: int = 4, max_fan: int = 256,
                 n_weights: int = 3000, seed: int = 0) -> FigurePanel:
    r"""Sliders for fan-in, fan-out and the form of Glorot initialization.

    The numbers come from :func:`course_utils.panels.glorot.glorot_histogram`
    (at least ``n_weights`` weights, whole independent layers of shape
    ``(fan_in, fan_out)``, seeded with ``seed``: the same position always
    shows the same picture). Left: the sample and the form's density in units
    of :math:`\sigma = \sqrt{2/(n+m)}`. Right: the theoretical
    :math:`n_\text{in}\operatorname{Var}[w]` and
    :math:`n_\text{out}\operatorname{Var}[w]` (bars) and the same products
    with the sample's variance (black diamonds).

    Args:
        fan_in, fan_out: initial slider values.
        min_fan, max_fan: slider range of both fans.
        n_weights: minimum number of weights drawn per move.
        seed: seed of every draw.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel` with controls ``form``, ``fan_in``, ``fan_out``.

    Examples:
        >>> panel = glorot_panel(fan_in=10, fan_out=20)
        >>> panel
        FigurePanel(form='uniform', fan_in=10, fan_out=20)
        >>> panel.set(fan_out=10)
        >>> "n·Var[w] = 1.000" in panel.caption.value
        True
    """
    fig, (ax, ax_bar) = panel_figure(1, 2, figsize=(8.0, 3.0),
                                     gridspec_kw={"width_ratios": [1.6, 1]})
    start = glorot_histogram("uniform", fan_in, fan_out, n_weights=1, seed=seed)
    hist = Histogram(ax, 40, color=_COLOR, alpha=0.55, label="sampled weights")
    (density,) = ax.plot(start.x, start.theory, **_DENSITY)
    (torch_line,) = ax.plot(start.x, start.theory, **_TORCH)
    limit_lines = [ax.axvline(0.0, **_LIMITS) for _ in range(2)]
    ax.set_xlim(-X_RANGE, X_RANGE)
    ax.set_ylim(0.0, 0.7)        # the tallest density, torch's cut normal, peaks at 0.418; room for the legend
    ax.set_xlabel("weight / σ")
    ax.set_ylabel("density (per unit of w/σ)")

    def show_legend(form):
        # Static, so a Layout per form: the legend names only the lines this form draws.
        handles = [Patch(**{k: v for k, v in style.items() if k != "patch"}) if "patch" in style
                   else Line2D([], [], **style) for style, _ in legend_entries(form)]
        ax.legend(handles, [label for _, label in legend_entries(form)], loc="upper left",
                  fontsize=7)

    # Right: the two variance factors; 1 means "this pass keeps its scale".
    ax_bar.axhline(1.0, color="0.3", lw=1.0, ls="--")
    theory_bars = ax_bar.bar([0, 1], [1.0, 1.0], width=0.6, color=["#1f77b4", "#2ca02c"],
                             alpha=0.75)
    (sample_marks,) = ax_bar.plot([0, 1], [1.0, 1.0], "kD", ms=6, label="from the sample")
    ax_bar.set_xticks([0, 1], ["forward\nn·Var[w]", "backward\nm·Var[w]"])
    ax_bar.set_xlim(-0.6, 1.6)
    ax_bar.set_ylim(0.0, 2.1)    # 2n/(n+m) < 2 for every pair of fans
    ax_bar.set_ylabel("variance factor per layer")
    # A framed legend with the bars' key too: a bare diamond at the top read as a data point.
    # The key is unfilled: the bars are blue and green, and a grey swatch matched neither.
    ax_bar.legend(handles=[Patch(facecolor="none", edgecolor="0.2", label="theory (bars)"), sample_marks],
                  loc="upper right", fontsize=8, frameon=True)

    controls = {"form": dropdown("form", list(FORMS.items()), value="uniform"),
                "fan_in": int_slider("fan-in n", fan_in, min_fan, max_fan),
                "fan_out": int_slider("fan-out m", fan_out, min_fan, max_fan)}
    def update(form, fan_in, fan_out):
        h = glorot_histogram(form, fan_in, fan_out, n_weights=n_weights, seed=seed)
        hist.show(h.heights, h.edges)
        density.set_ydata(h.theory)
        torch_line.set_visible(h.torch_trunc is not None)
        if h.torch_trunc is not None:
            torch_line.set_ydata(h.torch_trunc)
        for line, sign in zip(limit_lines, (-1.0, 1.0)):
            line.set_visible(h.cutoff is not None)
            if h.cutoff is not None:
                line.set_xdata([sign * h.cutoff / h.std] * 2)
        for bar, height in zip(theory_bars, (h.forward, h.backward)):
            bar.set_height(height)
        sample_marks.set_ydata([h.sample_forward, h.sample_backward])
        return caption(h)

    return FigurePanel(fig, controls, update,
                       dynamic=[hist, density, torch_line, limit_lines, theory_bars, sample_marks],
                       layout=Layout(key=lambda form, **_: form, apply=show_legend,
                                     warm=tuple(FORMS.values())),
                       title="<b>Glorot (normalized Xavier)</b>: Var[w] = 2/(n+m) "
                             "splits the difference between the forward and the backward pass")
