"""Notebook 00's panel (view): the std of the signal and of the gradient through a deep MLP.

The model is :class:`course_utils.panels.overview.SignalOverview`; this module
only draws it: measured stds as markers joined by lines, the mean-field
prediction as a thin line of the same colour, a fixed log y scale (the
caption says so) and a depth axis fitted to the layers shown.
"""

from __future__ import annotations

from ..activations import ACTIVATIONS
from ..panels.overview import OVERVIEW_YLIM, SignalOverview, overview_caption
from ..panels.shared import depth_axis_limit, depth_axis_limits
from ..plots import panel_figure
from ..schemes import SCHEMES
from . import FigurePanel, Layout, dropdown, int_slider
from .parts import signal_curves

__all__ = ["signal_overview_panel", "overview_panel"]


def signal_overview_panel(*, scheme: str = "xavier", activation: str = "relu",
                          depth: int = 20, width: int = 128, max_depth: int = 50,
                          max_width: int = 128, width_step: int = 16, batch: int = 31,
                          seed: int = 0) -> FigurePanel:
    """Dropdowns for scheme and activation, sliders for depth and width, over per-layer stds.

    It opens on a failing combination: the course's "xavier" U[-1/sqrt(n),
    1/sqrt(n)] with ReLU, where the signal shrinks by sqrt(1/6) per layer.

    Args:
        scheme, activation, depth, width: the initial control values.
        max_depth, max_width: the slider ranges (and the cached weights' size).
        width_step: the width slider's step.
        batch: number of input examples pushed through. Keep ``batch * max_width**2``
            below 2**19 (hence 31 rows at width 128): OpenBLAS multithreads larger
            products, which on this 2-core machine cost a pass 130 ms of CPU instead of 5.
        seed: every draw derives from it (:func:`course_utils.panels.child_seeds`).

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = signal_overview_panel(depth=10, width=64)
        >>> panel
        FigurePanel(scheme='xavier', activation='relu', depth=10, width=64)
        >>> panel.set(scheme="he_normal")
        >>> panel.last_caption.title
        'he_normal + relu, width 64, 10 layers (n·Var[w] = 2)'
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    model = SignalOverview(max_depth=max_depth, max_width=max_width, batch=batch, seed=seed)
    fig, ax = panel_figure(figsize=(8.2, 3.2))
    curves = signal_curves(ax, ylim=OVERVIEW_YLIM, ylabel="std (log scale, fixed)")
    ax.axhline(1.0, color="0.4", lw=0.8, ls=":", label="input std = 1")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)

    controls = {"scheme": dropdown("scheme", list(SCHEMES), scheme),
                "activation": dropdown("activation", ACTIVATIONS, activation),
                "depth": int_slider("depth", depth, 2, max_depth),
                "width": int_slider("width = fan-in", width, width_step, max_width, width_step)}

    def update(scheme, activation, depth, width):
        p = model(scheme, activation, depth, width)
        curves.show_profile(p)
        return overview_caption(p)

    return FigurePanel(fig, controls, update, dynamic=[curves],
                       layout=Layout(key=lambda depth, **_: depth_axis_limit(depth),
                                     apply=curves.set_depth_axis,
                                     warm=depth_axis_limits(max_depth)),
                       title="<b>Signal through a deep MLP</b>: pick a scheme and an activation")


#: The name issue 12 and API.md use for notebook 00's panel.
overview_panel = signal_overview_panel
