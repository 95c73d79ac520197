"""A panel for notebook 01: a layer's connections, its fans, and the stds the fans set.

Left: the layer drawn as a bipartite graph, inputs on the left, outputs on the
right, every connection an edge (at most ``max_nodes`` nodes per side; a
vertical ellipsis marks the ones left out). Right: the weight std that four
fan-scaled schemes prescribe at the current fans, on a fixed log axis.

For a convolution the graph shows the dense layer with the same fans: one
node per input value that a single output value reads (``in_channels`` times
the kernel area: the fan-in) and one per output value that a single input
value feeds (``out_channels`` times the kernel area: the fan-out). Every
scheme of the course sees a layer only through these two numbers, so for
initialization the two layers are the same.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..fans import fan_in_and_fan_out
from ..plots import panel_figure, scheme_color
from ..schemes import SCHEMES
from . import FigurePanel, dropdown, int_slider

__all__ = ["FAN_SCHEMES", "fans_panel", "layer_shape", "node_positions"]

#: The fan-scaled schemes whose std the panel compares.
FAN_SCHEMES = ("xavier", "normalized_xavier", "he_normal", "lecun_normal")

_LAYERS = ("dense", "conv2d")


def layer_shape(layer: str, inputs: int, outputs: int, kernel: int) -> tuple[int, ...]:
    """Return the Keras-layout weight shape of the panel's layer.

    Examples:
        >>> layer_shape("dense", 3, 2, 5)
        (3, 2)
        >>> layer_shape("conv2d", 16, 32, 3)
        (3, 3, 16, 32)
    """
    if layer == "dense":
        return (inputs, outputs)
    if layer == "conv2d":
        return (kernel, kernel, inputs, outputs)
    raise ValueError(f"layer must be one of {', '.join(_LAYERS)}; got {layer!r}")


def node_positions(count: int, max_nodes: int = 12) -> tuple[np.ndarray, bool]:
    """Return the y-positions (in [0, 1]) of the drawn nodes of a column of ``count`` units.

    At most ``max_nodes`` are drawn; when ``count`` is larger the last slot is
    left empty for an ellipsis and the second flag is ``True``.

    Examples:
        >>> ys, cut = node_positions(3)
        >>> ys.round(2).tolist(), cut
        ([1.0, 0.5, 0.0], False)
        >>> ys, cut = node_positions(40, max_nodes=5)
        >>> len(ys), cut
        (4, True)
    """
    slots = min(count, max_nodes)
    if slots == 1:
        return np.array([0.5]), False
    ys = np.linspace(1.0, 0.0, slots)
    if count > max_nodes:
        return ys[:-1], True
    return ys, False


def fans_panel(*, layer: str = "dense", inputs: int = 3, outputs: int = 2, kernel: int = 3,
               max_channels: int = 64, max_kernel: int = 7, max_nodes: int = 12,
               ylim=(0.005, 2.0)) -> FigurePanel:
    """Sliders for a layer's sizes over its connection graph and its schemes' stds.

    Args:
        layer: ``"dense"`` or ``"conv2d"`` (a square ``kernel`` x ``kernel`` kernel).
        inputs, outputs: inputs and outputs of a dense layer, or the
            convolution's in and out channels.
        kernel: the convolution's kernel size (ignored for a dense layer).
        max_channels, max_kernel: the slider ranges.
        max_nodes: the most nodes drawn per side of the graph.
        ylim: fixed limits of the std axis (log scale); they cover every std
            the slider ranges can produce.

    Returns:
        A :class:`~course_utils.widgets.FigurePanel`.

    Examples:
        >>> panel = fans_panel()
        >>> panel
        FigurePanel(layer='dense', inputs=3, outputs=2, kernel=3)
        >>> "fan-in 3, fan-out 2" in panel.caption.value
        True
        >>> panel.set(layer="conv2d", inputs=16, outputs=32)
        >>> "fan-in 144, fan-out 288" in panel.caption.value
        True
    """
    fig, (ax_graph, ax_std) = panel_figure(1, 2, figsize=(8.0, 3.3),
                                           gridspec_kw={"width_ratios": [1.0, 1.2]})
    # ---- static parts: the graph's frame and the std axis
    ax_graph.set_xlim(-0.35, 1.35)
    ax_graph.set_ylim(-0.12, 1.12)
    ax_graph.axis("off")
    ax_graph.text(0.0, 1.1, "inputs", ha="center", va="bottom")
    ax_graph.text(1.0, 1.1, "outputs", ha="center", va="bottom")
    edges = LineCollection([], colors="#1f77b4", linewidths=0.7, alpha=0.5, animated=True)
    ax_graph.add_collection(edges)
    (left_nodes,) = ax_graph.plot([], [], "o", ms=7, color="#2ca02c", animated=True)
    (right_nodes,) = ax_graph.plot([], [], "o", ms=7, color="#d62728", animated=True)
    left_more = ax_graph.text(0.0, -0.06, "\u22ee", ha="center", va="center", fontsize=14,
                              animated=True)
    right_more = ax_graph.text(1.0, -0.06, "\u22ee", ha="center", va="center", fontsize=14,
                               animated=True)

    x = np.arange(len(FAN_SCHEMES))
    bars = ax_std.bar(x, np.ones(len(FAN_SCHEMES)) * ylim[0], bottom=ylim[0],
                      color=[scheme_color(s) for s in FAN_SCHEMES], animated=True)
    ax_std.set_yscale("log")
    ax_std.set_ylim(*ylim)
    ax_std.set_xlim(-0.6, len(FAN_SCHEMES) - 0.4)
    ax_std.set_xticks(x, [s.replace("_", "\n") for s in FAN_SCHEMES])
    ax_std.set_ylabel("weight std (log scale)")
    ax_std.grid(axis="x", visible=False)

    controls = {"layer": dropdown("layer", _LAYERS, layer),
                "inputs": int_slider("inputs / in channels", inputs, 1, max_channels),
                "outputs": int_slider("outputs / out channels", outputs, 1, max_channels),
                "kernel": int_slider("kernel size (conv)", kernel, 1, max_kernel)}

    def draw_column(line, more, x0, count):
        ys, cut = node_positions(count, max_nodes)
        line.set_data(np.full(len(ys), x0), ys)
        more.set_visible(cut)
        return ys

    def update(layer, inputs, outputs, kernel):
        shape = layer_shape(layer, inputs, outputs, kernel)
        fan_in, fan_out = fan_in_and_fan_out(shape)
        left = draw_column(left_nodes, left_more, 0.0, fan_in)
        right = draw_column(right_nodes, right_more, 1.0, fan_out)
        yl, yr = np.meshgrid(left, right, indexing="ij")
        segments = np.stack([np.stack([np.zeros(yl.size), yl.ravel()], axis=1),
                             np.stack([np.ones(yr.size), yr.ravel()], axis=1)], axis=1)
        edges.set_segments(segments)
        stds = [SCHEMES[s].std(fan_in, fan_out) for s in FAN_SCHEMES]
        for bar, std in zip(bars, stds):
            bar.set_height(max(std, ylim[0]) - ylim[0])
        if layer == "dense":
            what = f"Dense layer, Keras shape {shape}: {inputs} inputs, {outputs} outputs"
        else:
            what = (f"Conv2d, Keras shape {shape}: {inputs} in-channels x {kernel}x{kernel} "
                    f"kernel, {outputs} out-channels (drawn as the dense layer with the same fans)")
        values = ", ".join(f"{s} {v:.4f}" for s, v in zip(FAN_SCHEMES, stds))
        return (f"{what}. <b>fan-in {fan_in}, fan-out {fan_out}</b>; "
                f"{int(np.prod(shape))} weights; {len(left)} x {len(right)} nodes drawn. "
                f"Weight std: {values}.")

    return FigurePanel(fig, controls, update,
                       title="<b>Fans of a layer</b>: move the sizes and watch the stds")
