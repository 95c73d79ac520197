r"""Notebook 04's panel: how the "xavier" limit :math:`1/\sqrt{n}` follows the fan-in.

The left plot is a histogram of weights drawn with :func:`course_utils.xavier`
for a layer with the chosen fan-in, with the limits :math:`\pm 1/\sqrt{n}` and,
in grey, the limits the *normalized* scheme (notebook 05) would use for the
same layer, which also depend on the fan-out. The right plot is the
MachineLearningMastery tutorial's error-bar figure with the current fan-in
highlighted.
"""

from __future__ import annotations

import numpy as np

from .. import bounds
from ..panels.xavier import caption, xavier_histogram
from ..plots import bound_errorbars, panel_figure, scheme_color, scheme_label
from . import FigurePanel, int_slider
from .parts import Histogram

__all__ = ["xavier_panel"]


def xavier_panel(*, fan_in: int = 10, fan_out: int = 20, max_fan_in: int = 100,
                 max_fan_out: int = 256, n_weights: int = 5000, seed: int = 0) -> FigurePanel:
    r"""Sliders for fan-in and fan-out over a histogram of "xavier" weights.

    The numbers come from :func:`course_utils.panels.xavier.xavier_histogram`
    (``n_weights`` draws seeded with ``seed``: the same slider position always
    shows the same picture, binned into 40 bins spanning :math:`[-L, L]`). The
    fan-out slider moves only the grey Glorot limits :math:`\sqrt{6/(n+m)}`:
    the "xavier" range ignores the fan-out. The axes are fixed to fit every
    slider position, so that positions compare; the caption says so and gives
    the sample's numbers beside the theory.

    Args:
        fan_in, fan_out: initial slider values.
        max_fan_in: top of the fan-in slider (100, as in the tutorial's figure).
        max_fan_out: top of the fan-out slider.
        n_weights: weights drawn per move.
        seed: seed of every draw.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel` with controls ``fan_in`` and ``fan_out``.

    Examples:
        >>> panel = xavier_panel(fan_in=10)
        >>> panel
        FigurePanel(fan_in=10, fan_out=20)
        >>> panel.set(fan_in=100)
        >>> "L = 1/√n = 0.1000" in panel.caption.value
        True
    """
    color = scheme_color("xavier")
    fig, (ax, ax_bar) = panel_figure(1, 2, figsize=(8.0, 3.0), gridspec_kw={"width_ratios": [1.35, 1]})

    # Left: fixed limits that fit every slider position (L <= 1 at n = 1; the
    # density 1/(2L) = sqrt(n)/2 is tallest at max_fan_in), with room for the legend.
    hist = Histogram(ax, 40, color=color, alpha=0.55, label="sampled weights")
    (density,) = ax.plot([], [], color="black", lw=1.5, label="density 1/(2L)")
    # Legends use the framework-true names: a bare "xavier" reads as PyTorch's xavier_uniform_.
    limit_label = f"{scheme_label('xavier')} ±1/√n"
    glorot_label = f"{scheme_label('normalized_xavier')} ±√(6/(n+m))"
    limit_lines = [ax.axvline(0.0, color="#d62728", ls="--", lw=1.2,
                              label=limit_label if k == 0 else None) for k in range(2)]
    glorot_lines = [ax.axvline(0.0, color="0.45", ls=":", lw=1.4,
                               label=glorot_label if k == 0 else None) for k in range(2)]
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(0.0, 0.5 * np.sqrt(max_fan_in) * 1.3)
    ax.set_xlabel("weight value")
    ax.set_ylabel("density")
    ax.legend(loc="upper left", fontsize=8)

    # Right: the tutorial's error bars (static) and the current fan-in (animated).
    n_all = np.arange(1, max_fan_in + 1)
    bound_errorbars(ax_bar, n_all, bounds.xavier_limit(n_all), color=color, elinewidth=0.8,
                    capsize=1)
    (current,) = ax_bar.plot([], [], color="#d62728", lw=3.0, solid_capstyle="butt")
    ax_bar.set_xlim(0, max_fan_in + 1)
    ax_bar.set_ylim(-1.05, 1.05)
    ax_bar.set_ylabel("limit ±1/√n")

    controls = {"fan_in": int_slider("fan-in n", fan_in, 1, max_fan_in),
                "fan_out": int_slider("fan-out m", fan_out, 1, max_fan_out)}

    def update(fan_in, fan_out):
        h = xavier_histogram(fan_in, fan_out, n_weights=n_weights, seed=seed)
        hist.show(h.heights, h.edges)
        density.set_data([-h.limit, -h.limit, h.limit, h.limit], [0.0, h.density, h.density, 0.0])
        for lines, x in ((limit_lines, h.limit), (glorot_lines, h.glorot_limit)):
            lines[0].set_xdata([-x, -x])
            lines[1].set_xdata([x, x])
        current.set_data([fan_in, fan_in], [-h.limit, h.limit])
        return caption(h)

    return FigurePanel(fig, controls, update,
                       dynamic=[hist, density, limit_lines, glorot_lines, current],
                       title="<b>Xavier U[-1/√n, 1/√n]</b>: move the fan-in, then the fan-out")
