"""Model of notebook 01's panel: a layer's fans and the weight stds they set.

Numpy only. For a dense layer or a square-kernel convolution the model
returns the Keras weight shape, the fans (:func:`course_utils.fan_in_and_fan_out`),
where the panel draws the nodes of the layer's connection graph, and the
weight std each of :data:`FAN_SCHEMES` prescribes at those fans.

For a convolution the graph is the dense layer with the same fans: one node
per input value that a single output value reads (``in_channels`` times the
kernel area: the fan-in) and one per output value that a single input value
feeds (``out_channels`` times the kernel area, stride 1: the fan-out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_positive_int
from ..fans import fan_in_and_fan_out
from ..schemes import SCHEMES
from .shared import Caption, Table, fmt

__all__ = ["FAN_SCHEMES", "LAYERS", "FanLayer", "fan_layer", "fans_caption", "layer_shape",
           "node_positions"]

#: The fan-scaled schemes whose std the panel compares.
FAN_SCHEMES = ("xavier", "normalized_xavier", "he_normal", "lecun_normal")

#: The layer kinds of the panel.
LAYERS = ("dense", "conv2d")

#: The fixed std axis of the panel: it covers every std the sliders can produce.
STD_YLIM = (0.005, 2.0)


def layer_shape(layer: str, inputs: int, outputs: int, kernel: int) -> tuple[int, ...]:
    """Return the Keras-layout weight shape of the panel's layer.

    Examples:
        >>> layer_shape("dense", 3, 2, 5)
        (3, 2)
        >>> layer_shape("conv2d", 16, 32, 3)
        (3, 3, 16, 32)
    """
    layer = check_choice("layer", layer, LAYERS)
    if layer == "dense":
        return (inputs, outputs)
    return (kernel, kernel, inputs, outputs)


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


@dataclass(frozen=True)
class FanLayer:
    """What notebook 01's panel shows.

    Attributes:
        layer, inputs, outputs, kernel: the setting.
        shape: the Keras weight shape; ``n_weights``: its number of entries.
        fan_in, fan_out: the fans.
        left, right: y-positions of the drawn input and output nodes.
        left_cut, right_cut: whether some nodes are left out (an ellipsis is drawn).
        schemes: the schemes compared; ``stds``: their weight std at these fans.
        formulas: each scheme's std formula, as text.
    """

    layer: str
    inputs: int
    outputs: int
    kernel: int
    shape: tuple
    n_weights: int
    fan_in: int
    fan_out: int
    left: np.ndarray
    right: np.ndarray
    left_cut: bool
    right_cut: bool
    schemes: tuple
    stds: np.ndarray
    formulas: tuple

    @property
    def edges(self) -> np.ndarray:
        """The drawn connections: segments ``((0, y_in), (1, y_out))``, shape ``(k, 2, 2)``."""
        yl, yr = np.meshgrid(self.left, self.right, indexing="ij")
        return np.stack([np.stack([np.zeros(yl.size), yl.ravel()], axis=1),
                         np.stack([np.ones(yr.size), yr.ravel()], axis=1)], axis=1)


_FORMULAS = {"xavier": "1/√(3·fan_in)", "normalized_xavier": "√(2/(fan_in+fan_out))",
             "he_normal": "√(2/fan_in)", "lecun_normal": "√(1/fan_in)"}


def fan_layer(layer: str = "dense", inputs: int = 3, outputs: int = 2, kernel: int = 3, *,
              max_nodes: int = 12) -> FanLayer:
    """Compute notebook 01's panel for one setting.

    Examples:
        >>> f = fan_layer("conv2d", 16, 32, 3)
        >>> f.shape, f.fan_in, f.fan_out
        ((3, 3, 16, 32), 144, 288)
        >>> round(float(f.stds[2]), 4)      # he_normal: sqrt(2/144)
        0.1179
    """
    inputs, outputs = check_positive_int("inputs", inputs), check_positive_int("outputs", outputs)
    kernel = check_positive_int("kernel", kernel)
    shape = layer_shape(layer, inputs, outputs, kernel)
    fan_in, fan_out = fan_in_and_fan_out(shape)
    left, left_cut = node_positions(fan_in, max_nodes)
    right, right_cut = node_positions(fan_out, max_nodes)
    stds = np.array([SCHEMES[s].std(fan_in, fan_out) for s in FAN_SCHEMES])
    return FanLayer(layer=layer, inputs=inputs, outputs=outputs, kernel=kernel, shape=shape,
                    n_weights=int(np.prod(shape)), fan_in=fan_in, fan_out=fan_out, left=left,
                    right=right, left_cut=left_cut, right_cut=right_cut, schemes=FAN_SCHEMES,
                    stds=stds, formulas=tuple(_FORMULAS[s] for s in FAN_SCHEMES))


def fans_caption(f: FanLayer) -> Caption:
    """The caption of notebook 01's panel.

    Examples:
        >>> print(fans_caption(fan_layer()).text())   # doctest: +NORMALIZE_WHITESPACE
        Dense layer, Keras shape (3, 2): fan-in 3, fan-out 2. 3 inputs, 2 outputs; 6 weights; 3 x 2 nodes drawn.
        scheme             std formula            std at these fans
        xavier             1/√(3·fan_in)          0.333
        normalized_xavier  √(2/(fan_in+fan_out))  0.632
        he_normal          √(2/fan_in)            0.816
        lecun_normal       √(1/fan_in)            0.577
        The std axis is logarithmic and fixed from 0.005 to 2, so that settings compare.
    """
    if f.layer == "dense":
        title = f"Dense layer, Keras shape {f.shape}: fan-in {f.fan_in}, fan-out {f.fan_out}"
        what = f"{f.inputs} inputs, {f.outputs} outputs"
    else:
        title = f"Conv2d, Keras shape {f.shape}: fan-in {f.fan_in}, fan-out {f.fan_out}"
        what = (f"{f.inputs} in-channels x {f.kernel}x{f.kernel} kernel, {f.outputs} "
                f"out-channels (stride 1), drawn as the dense layer with the same fans")
    drawn = f"{len(f.left)} x {len(f.right)} nodes drawn"
    if f.left_cut or f.right_cut:
        drawn += " (⋮ marks the ones left out)"
    table = Table(("scheme", "std formula", "std at these fans"),
                  tuple((s, form, fmt(v)) for s, form, v in zip(f.schemes, f.formulas, f.stds)))
    note = (f"The std axis is logarithmic and fixed from {STD_YLIM[0]:g} to {STD_YLIM[1]:g}, "
            f"so that settings compare.")
    return Caption(title, (f"{what}; {f.n_weights} weights; {drawn}.",), table, (note,))
