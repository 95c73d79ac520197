r"""A panel for notebook 07: pick a scheme for an activation and compare it with the guide's pick.

The learner chooses any scheme of :data:`~course_utils.SCHEMES`, an activation
the course's decision guide covers (:data:`~course_utils.schemes.GUIDE`), the
fan-in (width of every layer) and the depth. The panel shows, layer by layer,
the std of the activations (left, log axis; thin lines: the mean-field
prediction) and the fraction of units that are saturated (sigmoid, tanh) or
dead (ReLU) (right), for the chosen scheme (solid) and the guide's (dashed),
each in its scheme's colour (the legend's swatches take the same colours). The
numbers come from :func:`course_utils.panels.capstone.capstone_profile`; the
caption (:func:`course_utils.panels.capstone.caption`) adds the gradient and
says why a scheme fails when its std line looks fine.
"""

from __future__ import annotations

import functools

from ..activations import ACTIVATIONS
from ..panels import depth_axis_limit, depth_axis_limits
from ..panels.capstone import caption, capstone_profile
from ..plots import panel_figure, scheme_color
from ..schemes import GUIDE, SCHEMES
from . import FigurePanel, Layout, dropdown, int_slider
from .parts import LayerCurves

__all__ = ["GUIDE", "capstone_panel"]

_STYLES = {"chosen": {"ls": "-"}, "guide": {"ls": "--"}}


def capstone_panel(*, scheme: str = "random_normal", activation: str = "tanh", width: int = 64,
                   depth: int = 20, max_depth: int = 50, max_width: int = 120,
                   width_step: int = 8, batch: int = 32, seed: int = 0,
                   ylim=(1e-8, 1e4)) -> FigurePanel:
    """Menus for scheme and activation, sliders for fan-in and depth, over per-layer statistics.

    Args:
        scheme, activation, width, depth: the initial control values (``activation``
            one the guide covers: a key of :data:`~course_utils.schemes.GUIDE`).
        max_depth, max_width, width_step, batch, seed: the slider ranges and the
            experiment, as in :func:`~course_utils.widgets.he.he_panel`.
        ylim: fixed limits of the std axis (values outside are drawn on its edge).

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = capstone_panel(scheme="xavier", activation="relu", depth=10)
        >>> panel
        FigurePanel(scheme='xavier', activation='relu', width=64, depth=10)
        >>> "the guide recommends he_normal" in panel.caption.value
        True
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    activations = [a for a in ACTIVATIONS if a in GUIDE]
    if activation not in activations:
        raise ValueError(f"activation must be one of {', '.join(activations)}; got {activation!r}")
    experiment = dict(max_depth=max_depth, max_width=max_width, batch=batch, seed=seed)
    fig, (ax_std, ax_frac) = panel_figure(1, 2, figsize=(8.0, 3.2))
    std_curves = LayerCurves(
        ax_std, {**{k: {**v, "label": k} for k, v in _STYLES.items()},
                 **{k + ":predicted": {**v, "lw": 0.9, "marker": None, "alpha": 0.6}
                    for k, v in _STYLES.items()}},
        ylim=ylim, log=True, ylabel="activation std (log)")
    frac_curves = LayerCurves(ax_frac, _STYLES, ylim=(-0.03, 1.03), log=False,
                              ylabel="fraction saturated / dead")
    ax_std.axhline(1.0, color="0.4", lw=0.8, ls=":")
    # The legend, above the plots: static words beside a swatch that takes its line's
    # colour on every move (the schemes' names are in the caption's table).
    swatches = {}
    for ax, role, words in ((ax_std, "chosen", "your scheme (solid)"),
                            (ax_frac, "guide", "the guide's scheme (dashed)")):
        ax.set_title("         " + words, loc="left", fontsize=9)
        (swatches[role],) = ax.plot([0.0, 0.08], [1.06, 1.06], transform=ax.transAxes,
                                    clip_on=False, marker="o", ms=3, markevery=[1],
                                    lw=1.5, **_STYLES[role])

    controls = {"scheme": dropdown("scheme", list(SCHEMES), scheme),
                "activation": dropdown("activation", activations, activation),
                "width": int_slider("fan-in n (width)", width, width_step, max_width, width_step),
                "depth": int_slider("depth", depth, 2, max_depth)}

    def update(scheme, activation, width, depth):
        c = capstone_profile(scheme, activation, width, depth, **experiment)
        p = c.profiles
        for i, (role, name) in enumerate((("chosen", c.scheme), ("guide", c.guide))):
            color = scheme_color(name)
            for curves, key, values in ((std_curves, role, p.activation_std[i]),
                                        (std_curves, role + ":predicted", p.predicted_std[i]),
                                        (frac_curves, role, p.inactive[i])):
                curves.show(key, values)
                curves.lines[key].set_color(color)
            swatches[role].set_color(color)
        return caption(c)

    def set_depth_axis(limit):
        std_curves.set_depth_axis(limit)
        frac_curves.set_depth_axis(limit)

    widths = range(width_step, max_width + 1, width_step)

    def prefetch(scheme, activation, width, depth):
        # What one move of any control away needs: every other scheme, every other
        # activation, every width of the slider (the model caches each propagation;
        # see FigurePanel's prefetch).
        settings = ([(s, activation, width) for s in SCHEMES if s != scheme]
                    + [(scheme, a, width) for a in activations if a != activation]
                    + [(scheme, activation, w) for w in widths if w != width])
        return [(key, functools.partial(capstone_profile, *key, depth, **experiment))
                for key in settings]

    return FigurePanel(fig, controls, update, prefetch=prefetch,
                       dynamic=[std_curves, frac_curves, list(swatches.values())],
                       layout=Layout(key=lambda depth, **_: depth_axis_limit(depth),
                                     apply=set_depth_axis, warm=depth_axis_limits(max_depth)),
                       title="<b>Choose an initializer</b>: your scheme against the decision guide's")
