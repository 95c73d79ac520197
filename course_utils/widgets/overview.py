"""A panel for the course index: how the std of the signal evolves through a deep MLP.

The learner picks a scheme, an activation, the depth and the width (the fan-in
of every layer) and sees the std of the activations (forward pass) and of the
back-propagated gradients (backward pass) layer by layer, on a log axis.

Speed: the weights of one scheme are drawn once, at the largest width and
depth, with the scheme's own sampler (:meth:`course_utils.schemes.Scheme.sample`).
A narrower network uses the top-left corner of each matrix, rescaled by the
ratio of the scheme's theoretical stds (``Scheme.std``) at the two widths: for
a fan-scaled scheme the std is the only thing that depends on the width, so
the corner is an exact sample of the scheme at the new width. A move then
costs one forward and backward pass (:func:`course_utils.nets.propagate`).
"""

from __future__ import annotations

import numpy as np

from ..nets import ACTIVATIONS, draw_weights, propagate
from ..plots import LayerCurves, panel_figure
from ..schemes import SCHEMES
from . import FigurePanel, dropdown, int_slider

__all__ = ["signal_overview_panel"]

_FORWARD = "activations (forward)"
_BACKWARD = "gradients (backward)"


def signal_overview_panel(*, scheme: str = "he_normal", activation: str = "relu",
                          depth: int = 30, width: int = 128, max_depth: int = 50,
                          max_width: int = 256, width_step: int = 16, batch: int = 32,
                          seed: int = 0, ylim=(1e-10, 1e10)) -> FigurePanel:
    """Dropdowns for scheme and activation, sliders for depth and width, over per-layer stds.

    The input batch is standard normal (std 1, dashed reference line). Every
    position of the controls always shows the same picture: the weights and
    the input come from Generators seeded with ``seed``.

    Args:
        scheme, activation, depth, width: the initial control values.
        max_depth, max_width: the slider ranges (and the cached weights' size).
        width_step: the width slider's step.
        batch: number of input examples pushed through.
        seed: seed of the weights, the input and the backward pass's top gradient.
        ylim: the fixed y-limits of the log axis; stds outside are drawn on the edge.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = signal_overview_panel(depth=10, width=64)
        >>> panel
        FigurePanel(scheme='he_normal', activation='relu', depth=10, width=64)
        >>> panel.set(scheme="xavier")
        >>> "xavier" in panel.caption.value
        True
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    fig, ax = panel_figure(figsize=(7.5, 3.2))
    curves = LayerCurves(ax, [_FORWARD, _BACKWARD], max_depth=max_depth, ylim=ylim, log=True,
                         colors=["#1f77b4", "#d62728"], ylabel="std (log scale)")
    curves.lines[_BACKWARD].set_linestyle("--")
    ax.axhline(1.0, color="0.4", lw=0.8, ls=":", label="input std = 1")
    ax.legend(loc="lower left", ncols=3)

    master = np.random.default_rng(seed)
    weight_seed, input_seed, grad_seed = (int(s) for s in master.integers(0, 2**31, size=3))
    x_full = np.random.default_rng(input_seed).standard_normal((batch, max_width),
                                                               dtype=np.float32)
    cache: dict = {}

    def base_weights(name):
        # One draw per scheme at the largest size; reused for every depth and width.
        if name not in cache:
            cache[name] = draw_weights([max_width] * (max_depth + 1), name, rng=weight_seed,
                                       dtype=np.float32)
        return cache[name]

    def weights_for(name, depth, width):
        s = SCHEMES[name]
        full = base_weights(name)
        ratio = 1.0
        if s.fan_scaled:
            ratio = s.std(width, width) / s.std(max_width, max_width)
        return [w[:width, :width] * np.float32(ratio) for w in full[:depth]]

    controls = {"scheme": dropdown("scheme", list(SCHEMES), scheme),
                "activation": dropdown("activation", ACTIVATIONS, activation),
                "depth": int_slider("depth", depth, 2, max_depth),
                "width": int_slider("width = fan-in", width, width_step, max_width, width_step)}

    def update(scheme, activation, depth, width):
        p = propagate(x_full[:, :width], weights_for(scheme, depth, width), activation,
                      rng=grad_seed, sample_size=1)
        curves.update(_FORWARD, p.std)
        curves.update(_BACKWARD, p.gradient_std)
        s = SCHEMES[scheme]
        var_n = s.std(width, width) ** 2 * width
        text = (f"<b>{scheme}</b> ({s.title}) + {activation}, width {width}, {depth} layers "
                f"(Var[w]&middot;n = {var_n:.3g}). ")
        if p.depth and p.std[0] == 0:
            text += "Every activation is exactly 0: no signal reaches the deeper layers."
        elif p.depth:
            ratio = p.std[-1] / p.std[0]
            text += (f"Activation std: layer 1 {p.std[0]:.3g}, layer {p.depth} "
                     f"{p.std[-1]:.3g} (ratio {ratio:.3g}); gradient std at layer 1: "
                     f"{p.gradient_std[0]:.3g}.")
        shown = np.concatenate([p.std, p.gradient_std])
        if np.any((shown < ylim[0]) | (shown > ylim[1])):
            text += f" Values outside [{ylim[0]:.0e}, {ylim[1]:.0e}] are drawn on the edge."
        if p.overflow_layer is not None:
            text += (f" <b>The activations overflowed float32 at layer "
                     f"{p.overflow_layer + 1}</b>: the curves stop there.")
        return text

    return FigurePanel(fig, controls, update,
                       title="<b>Signal through a deep MLP</b>: pick a scheme and an activation")
