r"""A panel for notebook 07: pick a scheme for an activation and compare it with the guide's pick.

The learner chooses any scheme of :data:`~course_utils.SCHEMES`, an activation,
the fan-in (width of every layer) and the depth. The panel shows, layer by
layer, the std of the activations (left, log axis) and the fraction of units
that are saturated (sigmoid, tanh) or dead (ReLU) (right), for the chosen
scheme (solid) and for the scheme the course's decision guide recommends for
that activation (dashed, :data:`GUIDE`).

Speed: the forward passes come from
:class:`~course_utils.widgets.he.CornerPropagation` (one weight draw per scheme
at the largest size, each (scheme, activation, width) propagated once through
the full depth and cached); the depth slider only decides how many layers are
shown.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from ..nets import ACTIVATIONS
from ..plots import LayerCurves, panel_figure, scheme_color
from ..schemes import GUIDE, SCHEMES
from . import FigurePanel, dropdown, int_slider
from .he import CornerPropagation

__all__ = ["GUIDE", "capstone_panel"]


def capstone_panel(*, scheme: str = "random_normal", activation: str = "tanh", width: int = 64,
                   depth: int = 20, max_depth: int = 50, max_width: int = 120,
                   width_step: int = 8, batch: int = 32, seed: int = 0,
                   ylim=(1e-8, 1e4)) -> FigurePanel:
    """Menus for scheme and activation, sliders for fan-in and depth, over per-layer statistics.

    Args:
        scheme, activation, width, depth: the initial control values.
        max_depth, max_width, width_step: the slider ranges (``max_width`` 120 keeps each
            product below OpenBLAS's multithreading size; see :func:`~course_utils.widgets.he.he_panel`).
        batch: input examples per propagation (standard normal).
        seed: seed of the weights and of the input.
        ylim: fixed limits of the std axis; values outside are drawn on the edge.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = capstone_panel(scheme="xavier", activation="relu", depth=10)
        >>> panel
        FigurePanel(scheme='xavier', activation='relu', width=64, depth=10)
        >>> "he_normal" in panel.caption.value
        True
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    fig, (ax_std, ax_frac) = panel_figure(1, 2, figsize=(8.0, 3.2))
    std_curves = LayerCurves(ax_std, ["chosen", "guide"], max_depth=max_depth, ylim=ylim,
                             log=True, colors=["#1f77b4", "0.45"], ylabel="activation std (log)")
    frac_curves = LayerCurves(ax_frac, ["chosen", "guide"], max_depth=max_depth,
                              ylim=(-0.03, 1.03), log=False, colors=["#1f77b4", "0.45"],
                              ylabel="fraction saturated / dead")
    for curves in (std_curves, frac_curves):
        curves.lines["guide"].set_linestyle("--")
    ax_std.axhline(1.0, color="0.4", lw=0.8, ls=":")
    # The legend is static (drawn once), so it uses neutral stand-ins: the chosen
    # scheme's line changes colour with the scheme.
    ax_std.legend(handles=[Line2D([], [], color="0.2", marker="o", ms=3, label="your scheme"),
                           Line2D([], [], color="0.45", ls="--", marker="o", ms=3,
                                  label="the guide's scheme")],
                  loc="lower left", fontsize=8)

    master = np.random.default_rng(seed)
    weight_seed, input_seed, grad_seed = (int(s) for s in master.integers(0, 2**31, size=3))
    runs = CornerPropagation(max_depth=max_depth, max_width=max_width, batch=batch,
                             weight_seeds=weight_seed, input_seed=input_seed, grad_seed=grad_seed)

    def stats(name, activation, width):
        p = runs(name, activation, width)
        # Fraction of units that barely pass a gradient: saturated (sigmoid, tanh) or dead (ReLU).
        return p.std, np.maximum(p.saturated, p.dead)

    controls = {"scheme": dropdown("scheme", list(SCHEMES), scheme),
                "activation": dropdown("activation", ACTIVATIONS, activation),
                "width": int_slider("fan-in n (width)", width, width_step, max_width, width_step),
                "depth": int_slider("depth", depth, 2, max_depth)}

    def update(scheme, activation, width, depth):
        guide = GUIDE[activation]
        parts = []
        for label, name in (("chosen", scheme), ("guide", guide)):
            s, frac = stats(name, activation, width)
            s, frac = s[:depth], frac[:depth]
            std_curves.update(label, s)
            frac_curves.update(label, frac)
            parts.append((name, s, frac))
        std_curves.lines["chosen"].set_color(scheme_color(scheme))
        frac_curves.lines["chosen"].set_color(scheme_color(scheme))
        rows = "".join(
            f"<tr><td><b>{name}</b>{' (yours)' if i == 0 else ' (guide)'}</td>"
            f"<td>{s[0]:.3g}</td><td>{s[-1]:.3g}</td><td>{frac[-1]:.0%}</td></tr>"
            for i, (name, s, frac) in enumerate(parts))
        verdict = ("Your pick is the guide's pick." if scheme == guide else
                   f"For {activation} the guide recommends <b>{guide}</b> "
                   f"({SCHEMES[guide].title}).")
        return (f"<b>{activation}</b>, fan-in {width}, {depth} layers. {verdict}"
                f"<table><tr><th>scheme</th><th>std, layer 1</th><th>std, layer {depth}</th>"
                f"<th>saturated/dead, layer {depth}</th></tr>{rows}</table>")

    return FigurePanel(fig, controls, update,
                       title="<b>Choose an initializer</b>: your scheme against the decision guide's")
