r"""Notebook 06's panel: which variance keeps a deep network's signal alive?

Three schemes side by side, through the same deep MLP
(:data:`~course_utils.panels.he.HE_SCHEMES`):

* ``he_normal``: :math:`\operatorname{Var}[w] = 2/n` (He et al., 2015);
* ``lecun_normal``: :math:`1/n` (LeCun et al., 1998; equal to Glorot's
  :math:`2/(n+m)` when every layer has the same width);
* ``xavier``: the "standard" :math:`U[-1/\sqrt{n}, 1/\sqrt{n}]`, variance :math:`1/(3n)`.

The learner moves the fan-in (the width of every layer), the depth and the
activation, and reads off the std of the activations per layer on a log axis
(markers) beside the mean-field prediction (a thin line of the same colour, as in
notebooks 00 and 03). The numbers come from
:func:`course_utils.panels.he.he_profile`, the caption from
:func:`course_utils.panels.he.caption`.
"""

from __future__ import annotations

import functools

from ..panels import depth_axis_limit, depth_axis_limits
from ..panels.he import HE_SCHEMES, caption, he_profile
from ..plots import panel_figure, scheme_color
from . import FigurePanel, Layout, dropdown, int_slider
from .parts import LayerCurves

__all__ = ["he_panel"]


def he_panel(*, activation: str = "relu", width: int = 120, depth: int = 30,
             max_depth: int = 50, max_width: int = 120, width_step: int = 8, batch: int = 32,
             seed: int = 0, ylim=(1e-12, 1e2)) -> FigurePanel:
    """Sliders for fan-in (width) and depth and a menu of activations, over per-layer stds.

    Each colour is one scheme of :data:`~course_utils.panels.he.HE_SCHEMES`:
    markers for the measured std of the activations, a thin line for the
    mean-field prediction. The caption gives, for each, :math:`n\\operatorname{Var}[w]`,
    the std at the last layer shown, the std ratio per layer and how much
    :math:`\\partial L/\\partial z` grows or shrinks from the top layer down
    to layer 1, each beside its prediction.

    Args:
        activation, width, depth: the initial control values.
        max_depth, max_width, width_step: the slider ranges. Keep ``batch * max_width**2``
            below 2**19 (32 x 128 x 128): OpenBLAS multithreads larger products, which
            measured 3x slower per move here, with spikes above a second on a busy machine.
        batch: input examples per propagation (standard normal).
        seed: seed of the weights, the input and the backward pass.
        ylim: fixed limits of the log axis; values outside are drawn on the edge.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = he_panel(depth=30, width=64)
        >>> panel
        FigurePanel(activation='relu', width=64, depth=30)
        >>> panel.set(activation="tanh")
        >>> "q* ≈ 0.618" in panel.caption.value
        True
    """
    experiment = dict(max_depth=max_depth, max_width=max_width, batch=batch, seed=seed)
    fig, ax = panel_figure(figsize=(7.5, 3.3))
    names = list(HE_SCHEMES)
    series = {}
    # A marker and a dash pattern each, so the schemes differ by more than colour.
    styles = dict(zip(names, ({"marker": "o", "ls": "-"}, {"marker": "s", "ls": "--"},
                              {"marker": "^", "ls": ":"})))
    for name in names:
        series[name] = {"color": scheme_color(name), "label": HE_SCHEMES[name], "ms": 3.5,
                        **styles[name]}
        series[name + ":predicted"] = {"color": scheme_color(name), "marker": None, "lw": 0.9,
                                       "alpha": 0.6, "label": "_nolegend_"}
    curves = LayerCurves(ax, series, ylim=ylim, log=True, ylabel="activation std (log)")
    ax.axhline(1.0, color="0.4", lw=0.8, ls=":")
    ax.legend(handles=[curves.lines[name] for name in names], loc="lower left", fontsize=8)

    controls = {"activation": dropdown("activation", ("relu", "leaky_relu", "tanh"), activation),
                "width": int_slider("fan-in n (width)", width, width_step, max_width, width_step),
                "depth": int_slider("depth", depth, 2, max_depth)}

    def update(activation, width, depth):
        p = he_profile(activation, width, depth, **experiment)
        for i, name in enumerate(p.schemes):
            curves.show(name, p.activation_std[i])
            curves.show(name + ":predicted", p.predicted_std[i])
        return caption(p)

    widths = range(width_step, max_width + 1, width_step)

    def prefetch(activation, width, depth):
        # Every width of the slider for this activation, ahead of the learner's width
        # moves (the model caches each propagation; see FigurePanel's prefetch).
        return [((activation, w), functools.partial(he_profile, activation, w, depth, **experiment))
                for w in widths if w != width]

    return FigurePanel(fig, controls, update, dynamic=[curves], prefetch=prefetch,
                       layout=Layout(key=lambda depth, **_: depth_axis_limit(depth),
                                     apply=curves.set_depth_axis,
                                     warm=depth_axis_limits(max_depth)),
                       title="<b>He vs. LeCun/Glorot vs. xavier</b>: the std of the activations, "
                             "layer by layer, measured and predicted")
