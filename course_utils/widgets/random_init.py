r"""Notebook 03's panel (view): a fixed weight std in a deep MLP, layer by layer.

The model is :class:`course_utils.panels.random_init.RandomInit`. Left: the
std of the activations and of the back-propagated gradients per layer (log
axis, fixed; thin lines the mean-field prediction). Right: the distribution
of layer 1's and the last layer's activations, the share of values per bin
on a square-root y axis (the axis label says so).
"""

from __future__ import annotations

import numpy as np

from ..panels.random_init import (HIST_RANGE, PANEL_ACTIVATIONS, STD_YLIM, RandomInit,
                                  random_init_caption, ratio_per_layer)
from ..panels.shared import depth_axis_limit, depth_axis_limits
from ..plots import panel_figure
from . import FigurePanel, Layout, dropdown, int_slider, log_slider
from .parts import Histogram, signal_curves

__all__ = ["random_init_panel", "PANEL_ACTIVATIONS", "ratio_per_layer"]

_HIST_LABEL = {"tanh": "activation value", "sigmoid": "activation value",
               "relu": "activation / its std", "linear": "activation / its std"}
_ACT = "#1f77b4"


def _sqrt(values):
    """The histogram's square-root y scale (matplotlib also maps margins below 0)."""
    return np.sqrt(np.clip(values, 0.0, None))


def random_init_panel(*, std: float = 0.05, depth: int = 20, width: int = 128,
                      activation: str = "tanh", batch: int = 31, max_depth: int = 30,
                      max_width: int = 128, seed: int = 0, bins: int = 41,
                      cache_widths: int = 4) -> FigurePanel:
    """Sliders for the weight std (log), the depth, the width (fan-in) and the activation.

    Args:
        std, depth, width, activation: the controls' starting values.
        batch: rows of the standard-normal input batch (drawn once per width). Keep
            ``batch * max_width**2`` below 2**19 (hence 31 rows at width 128): OpenBLAS
            multithreads larger products, which here cost a pass 200 ms of CPU instead of 7.
        max_depth, max_width: the sliders' upper ends.
        seed: every draw derives from it (see :class:`~course_utils.panels.random_init.RandomInit`).
        bins: histogram bins (odd, so that 0 sits in the middle of a bin for tanh).
        cache_widths: how many widths' base weights to keep.

    Examples:
        >>> panel = random_init_panel(std=0.05, depth=10, width=64)
        >>> panel
        FigurePanel(std=0.05, depth=10, width=64, activation='tanh')
        >>> panel.set(std=1.0, activation="relu")
        >>> "Dead units" in panel.caption.value
        True
    """
    model = RandomInit(batch=batch, bins=bins, seed=seed, cache_widths=cache_widths)
    fig, (ax_std, ax_hist) = panel_figure(1, 2, figsize=(8.6, 3.2))
    curves = signal_curves(ax_std, ylim=STD_YLIM, ylabel="std (log scale, fixed)")
    ax_std.axhline(1.0, color="0.5", lw=0.8, ls=":")
    # Above the plots, in two columns (measured over mean field): inside the std plot it
    # would cover curves.
    fig.legend(handles=curves.artists, loc="outside upper left", ncol=2, fontsize=7,
               frameon=False)

    last = Histogram(ax_hist, bins, color=_ACT, label="last layer")
    first = Histogram(ax_hist, bins, fill=False, lw=1.3, color="black", label="layer 1")
    ax_hist.set_yscale("function", functions=(_sqrt, np.square))
    ax_hist.set_ylim(0.0, 1.0)
    ax_hist.set_yticks([0.01, 0.05, 0.1, 0.25, 0.5, 1.0])
    ax_hist.set_ylabel("share of values per bin\n(square-root scale)")
    ax_hist.legend(loc="upper right", fontsize=8)

    controls = {"std": log_slider("weight std s", std, -3.0, 1.0, 0.1),
                "depth": int_slider("depth", depth, 1, max_depth),
                "width": int_slider("fan-in n (width)", width, 8, max_width, step=8),
                "activation": dropdown("activation", PANEL_ACTIVATIONS, value=activation)}

    def update(std, depth, width, activation):
        p = model(std, depth, width, activation)
        curves.show_profile(p)
        last.show(p.hist_last, p.hist_edges)
        first.show(p.hist_first, p.hist_edges)
        return random_init_caption(p)

    def apply(key):
        activation, limit = key
        curves.set_depth_axis(limit)
        ax_hist.set_xlim(*HIST_RANGE[activation])
        ax_hist.set_xticks(np.linspace(*HIST_RANGE[activation], 5))
        ax_hist.set_xlabel(_HIST_LABEL[activation])

    # Each activation has its own histogram limits and each depth step its own
    # axis: the layouts one control away from the start are warmed (drawn in the
    # kernel's idle time), so that moving any one control is a blit.
    start = depth_axis_limit(depth)
    warm = [(a, start) for a in PANEL_ACTIVATIONS]
    warm += [(activation, limit) for limit in depth_axis_limits(max_depth) if limit != start]
    return FigurePanel(fig, controls, update, dynamic=[curves, last, first],
                       layout=Layout(key=lambda depth, activation, **_: (activation,
                                                                        depth_axis_limit(depth)),
                                     apply=apply, warm=warm),
                       title="<b>One fixed weight std for every layer: where does the signal go?</b>")
