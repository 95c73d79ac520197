r"""A panel for notebook 03: a fixed weight std in a deep MLP, layer by layer.

Every weight is drawn from :math:`\mathcal{N}(0, s^2)` with one std ``s`` for
all layers, whatever their size. The panel pushes a standard-normal batch
through ``depth`` layers of constant width ``n`` and shows, per layer, the
std of the activations and of the back-propagated gradients (log axis), and
the distribution of the last layer's activations next to the first layer's.

Speed: the standard-normal "base" weights are drawn once per width (layer by
layer, as deep as needed) and kept for the last few widths, so moving the std
slider costs one rescale and one forward and backward pass. The pass runs in
float64: in float32 a vanishing signal crosses into subnormal numbers, which
many CPUs process a hundred times slower.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..nets import propagate
from ..plots import LayerCurves, panel_figure
from . import FigurePanel, Layout, dropdown, int_slider, log_slider

__all__ = ["random_init_panel", "PANEL_ACTIVATIONS", "ratio_per_layer"]

PANEL_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")

# What the histogram shows for each activation: bounded activations on their
# own range; unbounded ones divided by their std (the std plot shows the scale).
_HIST_RANGE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 5.0),
               "linear": (-4.0, 4.0)}
_HIST_LABEL = {"tanh": "activation value (last layer filled, layer 1 outlined)",
               "sigmoid": "activation value (last layer filled, layer 1 outlined)",
               "relu": "activation / its std (last layer filled, layer 1 outlined)",
               "linear": "activation / its std (last layer filled, layer 1 outlined)"}


def _sqrt(values):
    """The histogram's square-root y-scale (matplotlib also maps margins below 0)."""
    return np.sqrt(np.clip(values, 0.0, None))


def ratio_per_layer(activation: str, std: float, width: int) -> float:
    r"""Return the factor by which the pre-activation std changes per layer, for small signals.

    From :math:`\mathrm{Var}[z_{l+1}] = n\,s^2\,\mathbb{E}[a_l^2]`: a linear
    unit (and tanh near 0) passes :math:`\mathbb{E}[a^2] = \mathrm{Var}[z]`,
    so the factor is :math:`\sqrt{n}\,s`; ReLU keeps half of it,
    :math:`\mathbb{E}[a^2] = \mathrm{Var}[z]/2`, so :math:`\sqrt{n/2}\,s`
    (He et al. 2015). Sigmoid has no such factor (its outputs have mean 1/2),
    and saturated tanh does not follow it: ``nan`` for sigmoid.

    Examples:
        >>> round(ratio_per_layer("relu", 0.01, 256), 4)
        0.1131
    """
    if activation == "relu":
        return float(np.sqrt(width / 2.0) * std)
    if activation in ("linear", "tanh"):
        return float(np.sqrt(width) * std)
    return float("nan")


def random_init_panel(*, std: float = 0.05, depth: int = 20, width: int = 128,
                      activation: str = "tanh", batch: int = 32, max_depth: int = 30,
                      max_width: int = 256, seed: int = 0, ylim=(1e-8, 1e8),
                      bins: int = 41, cache_widths: int = 4) -> FigurePanel:
    """Sliders for the weight std (log), the depth, the width (fan-in) and the activation.

    Args:
        std, depth, width, activation: the controls' starting values.
        batch: rows of the standard-normal input batch (drawn once per width).
        max_depth, max_width: the sliders' upper ends.
        seed: the base weights of layer ``l`` at width ``n`` come from
            ``numpy.random.default_rng([seed, n, l])``, so a slider position
            always shows the same network, in whatever order it is reached.
        ylim: fixed limits of the std plot (values outside are drawn at the edge
            and the caption says so).
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
    cache: "OrderedDict[int, dict]" = OrderedDict()

    def base(width_, depth_):
        """Standard-normal input and base weights for this width, at least ``depth_`` deep."""
        entry = cache.pop(width_, None)
        if entry is None:
            x = np.random.default_rng([seed, width_]).standard_normal((batch, width_))
            entry = {"x": x, "weights": []}
        layers = entry["weights"]
        while len(layers) < depth_:
            layer_rng = np.random.default_rng([seed, width_, len(layers) + 1])
            layers.append(layer_rng.standard_normal((width_, width_)))
        cache[width_] = entry
        while len(cache) > cache_widths:
            cache.popitem(last=False)
        return entry["x"], layers[:depth_]

    fig, (ax_std, ax_hist) = panel_figure(1, 2, figsize=(8.6, 3.2))
    curves = LayerCurves(ax_std, ["activation std", "gradient std"], max_depth=max_depth,
                         ylim=ylim, colors=["#1f77b4", "#d62728"], ylabel="std (log scale)")
    ax_std.axhline(1.0, color="0.5", lw=0.8, ls=":")
    ax_std.legend(handles=list(curves.lines.values()), loc="lower left")

    edges_of = {name: np.linspace(*_HIST_RANGE[name], bins + 1) for name in PANEL_ACTIVATIONS}
    last = ax_hist.stairs(np.zeros(bins), edges_of[activation], fill=True, alpha=0.6,
                          color="#1f77b4", label="last layer", animated=True)
    first = ax_hist.stairs(np.zeros(bins), edges_of[activation], fill=False, lw=1.3,
                           color="black", label="layer 1", animated=True)
    ax_hist.set_yscale("function", functions=(_sqrt, np.square))
    ax_hist.set_ylim(0.0, 1.0)
    ax_hist.set_yticks([0.01, 0.05, 0.1, 0.25, 0.5, 1.0])
    ax_hist.set_ylabel("fraction of values per bin")
    ax_hist.set_xlim(*_HIST_RANGE[activation])
    ax_hist.set_xlabel(_HIST_LABEL[activation])
    ax_hist.legend(handles=[last, first], loc="upper right")

    def fractions(values, name):
        values = np.ravel(values)
        if name in ("relu", "linear"):
            spread = values.std()
            values = values / spread if spread > 0 else values
        counts, _ = np.histogram(values, bins=edges_of[name])
        return counts / max(values.size, 1)

    controls = {"std": log_slider("weight std s", std, -3.0, 1.0, 0.1),
                "depth": int_slider("depth", depth, 1, max_depth),
                "width": int_slider("fan-in n (width)", width, 8, max_width, step=8),
                "activation": dropdown("activation", PANEL_ACTIVATIONS, value=activation)}

    def update(std, depth, width, activation):
        x, layers = base(width, depth)
        weights = [std * w for w in layers]
        prop = propagate(x, weights, activation, rng=seed, sample_size=batch * width)
        curves.update("activation std", prop.std)
        curves.update("gradient std", prop.gradient_std)
        edges = edges_of[activation]
        last.set_data(fractions(prop.activations[-1], activation), edges)
        first.set_data(fractions(prop.activations[0], activation), edges)

        low, high = ylim
        clipped = np.any((prop.std < low) | (prop.std > high) |
                         (prop.gradient_std < low) | (prop.gradient_std > high))
        factor = ratio_per_layer(activation, std, width)
        parts = [f"Layer {depth}: activation std <b>{prop.std[-1]:.3g}</b> "
                 f"(layer 1: {prop.std[0]:.3g}); gradient std at layer 1: "
                 f"<b>{prop.gradient_std[0]:.3g}</b>."]
        if np.isfinite(factor):
            parts.append(f"Small-signal factor per layer &radic;{'(n/2)' if activation == 'relu' else 'n'}"
                         f"&middot;s = {factor:.3g}.")
        if activation in ("tanh", "sigmoid"):
            parts.append(f"Saturated units in layer {depth}: {prop.saturated[-1]:.0%}.")
        if activation == "relu":
            parts.append(f"Dead units (off for the whole batch) in layer {depth}: {prop.dead[-1]:.0%}.")
        if clipped:
            parts.append("(Some stds lie outside the plot and are drawn at its edge.)")
        return " ".join(parts)

    def apply(activation):
        ax_hist.set_xlim(*_HIST_RANGE[activation])
        ax_hist.set_xlabel(_HIST_LABEL[activation])

    # Each activation has its own histogram limits: each background is drawn
    # once at build time, so switching activation is a blit.
    return FigurePanel(fig, controls, update,
                       layout=Layout(key=lambda activation, **_: activation, apply=apply,
                                     warm=PANEL_ACTIVATIONS),
                       title="<b>One fixed weight std for every layer: where does the signal go?</b>")
