"""Notebook 01's panel (view): a layer's connection graph, its fans, and the stds they set.

The model is :func:`course_utils.panels.fans.fan_layer`. Left: the layer as a
bipartite graph (inputs left, outputs right, at most ``max_nodes`` per side,
an ellipsis for the rest); the snapshot labels it with the fans (the live
panel's caption starts with them, and a label would cost each move ~1 ms). Right: the weight std each
scheme prescribes at those fans, one dot each (named below it, its value
above it in the snapshot and in the caption's table), on a fixed log axis.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..panels.fans import (FAN_SCHEMES, LAYERS, STD_YLIM, fan_layer, fans_caption, layer_shape,
                           node_positions)
from ..plots import panel_figure, scheme_color
from . import FigurePanel, dropdown, int_slider

__all__ = ["FAN_SCHEMES", "fans_panel", "layer_shape", "node_positions"]


def fans_panel(*, layer: str = "dense", inputs: int = 3, outputs: int = 2, kernel: int = 3,
               max_channels: int = 64, max_kernel: int = 7, max_nodes: int = 12) -> FigurePanel:
    """Sliders for a layer's sizes over its connection graph and its schemes' stds.

    Args:
        layer: ``"dense"`` or ``"conv2d"`` (a square ``kernel`` x ``kernel`` kernel).
        inputs, outputs: inputs and outputs of a dense layer, or the
            convolution's in and out channels.
        kernel: the convolution's kernel size (ignored for a dense layer).
        max_channels, max_kernel: the slider ranges.
        max_nodes: the most nodes drawn per side of the graph.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = fans_panel()
        >>> panel
        FigurePanel(layer='dense', inputs=3, outputs=2, kernel=3)
        >>> panel.last_caption.title
        'Dense layer, Keras shape (3, 2): fan-in 3, fan-out 2'
        >>> panel.set(layer="conv2d", inputs=16, outputs=32)
        >>> "fan-in 144, fan-out 288" in panel.caption.value
        True
    """
    fig, (ax_graph, ax_std) = panel_figure(1, 2, figsize=(8.0, 3.3),
                                           gridspec_kw={"width_ratios": [1.0, 1.2]})
    ax_graph.set_xlim(-0.35, 1.35)
    ax_graph.set_ylim(-0.2, 1.12)
    ax_graph.axis("off")
    ax_graph.text(0.0, 1.1, "inputs", ha="center", va="bottom")
    ax_graph.text(1.0, 1.1, "outputs", ha="center", va="bottom")
    edges = LineCollection([], colors="#1f77b4", linewidths=0.7, alpha=0.5)
    ax_graph.add_collection(edges)
    (left_nodes,) = ax_graph.plot([], [], "o", ms=7, color="#2ca02c")
    (right_nodes,) = ax_graph.plot([], [], "o", ms=7, color="#d62728")
    more = [ax_graph.text(x, -0.06, "\u22ee", ha="center", va="center", fontsize=14)
            for x in (0.0, 1.0)]
    fans = ax_graph.text(0.5, -0.17, "", ha="center", va="center", fontsize=9)

    x = np.arange(len(FAN_SCHEMES))
    # Dots, not bars: a bar's length on a log axis depends on where the axis starts.
    dots = [ax_std.plot([i], [STD_YLIM[0]], "o", ms=9, color=scheme_color(s))[0]
            for i, s in zip(x, FAN_SCHEMES)]
    values = [ax_std.text(i, STD_YLIM[0], "", ha="center", va="bottom", fontsize=8) for i in x]
    ax_std.set_yscale("log")
    ax_std.set_ylim(*STD_YLIM)
    ax_std.set_xlim(-0.6, len(FAN_SCHEMES) - 0.4)
    ax_std.set_xticks(x, [s.replace("_", "\n") for s in FAN_SCHEMES])
    ax_std.set_ylabel("weight std (log scale, fixed)")
    ax_std.grid(axis="x", visible=False)

    controls = {"layer": dropdown("layer", LAYERS, layer),
                "inputs": int_slider("inputs / in channels", inputs, 1, max_channels),
                "outputs": int_slider("outputs / out channels", outputs, 1, max_channels),
                "kernel": int_slider("kernel size (conv)", kernel, 1, max_kernel)}

    def update(layer, inputs, outputs, kernel):
        f = fan_layer(layer, inputs, outputs, kernel, max_nodes=max_nodes)
        edges.set_segments(f.edges)
        left_nodes.set_data(np.zeros(len(f.left)), f.left)
        right_nodes.set_data(np.ones(len(f.right)), f.right)
        for text, cut in zip(more, (f.left_cut, f.right_cut)):
            text.set_visible(cut)
        fans.set_text(f"fan-in {f.fan_in}  \u2192  fan-out {f.fan_out}")
        for dot, text, std in zip(dots, values, f.stds):
            top = max(std, STD_YLIM[0])
            dot.set_ydata([top])
            text.set_position((text.get_position()[0], top * 1.25))
            text.set_text(f"{std:.3g}")
        return fans_caption(f)

    return FigurePanel(fig, controls, update,
                       dynamic=[edges, left_nodes, right_nodes, more, dots], snapshot_only=[fans, values],
                       title="<b>Fans of a layer</b>: move the sizes and watch the stds")
