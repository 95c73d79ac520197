r"""Model of notebook 03's panel: one fixed weight std for every layer of a deep MLP.

Numpy only. Every weight is drawn from :math:`\mathcal{N}(0, s^2)` with one
std ``s`` for all layers, whatever their size. A standard-normal batch goes
through ``depth`` layers of constant width ``n``; the model returns per layer
the measured std of the activations and of the back-propagated gradient, the
mean-field prediction of both (:func:`course_utils.mean_field.layer_profile`
with :math:`\sigma_w^2 = n s^2`), and the distribution of layer 1's and the
last layer's activations as histogram heights.

Speed: the standard-normal "base" weights are drawn once per width (layer by
layer, as deep as needed) and kept for the last few widths, so moving the std
slider costs one rescale and one forward and backward pass. The pass runs in
float64: in float32 a vanishing signal crosses into subnormal numbers, which
many CPUs process a hundred times slower.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .. import mean_field
from .._checks import check_choice, check_positive_int, check_real
from ..propagation import propagate
from .shared import (Caption, Table, bin_heights, child_seeds, depth_axis_limit, fmt,
                     power_of_ten)

__all__ = ["PANEL_ACTIVATIONS", "HIST_RANGE", "RandomInitProfile", "RandomInit",
           "random_init_caption", "ratio_per_layer"]

PANEL_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")

#: The histogram's x range per activation: bounded activations on their own
#: range; unbounded ones divided by their std (the std plot shows the scale).
HIST_RANGE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 5.0),
              "linear": (-4.0, 4.0)}

#: The std plot's fixed y scale (the caption says so).
STD_YLIM = (1e-8, 1e8)


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


@functools.lru_cache(maxsize=1024)
def _prediction(activation: str, weight_var: float, depth: int):
    return mean_field.layer_profile(activation, weight_var, depth)


@dataclass(frozen=True)
class RandomInitProfile:
    """What notebook 03's panel shows (index 0 = layer 1).

    Attributes:
        std, depth, width, activation: the setting; ``weight_var`` = n s².
        activation_std, gradient_std: measured per layer.
        predicted_std, predicted_gradient_std: the mean-field predictions.
        ratio: the small-signal factor per layer (:func:`ratio_per_layer`).
        saturated_last, dead_last: fraction of saturated (tanh, sigmoid) or dead (ReLU)
            units in the last layer.
        hist_edges: the histogram's bin edges; ``hist_first``, ``hist_last``: the
            fraction of layer 1's and the last layer's activations per bin
            (ReLU and linear activations divided by their std first).
        clipped: some std lies outside :data:`STD_YLIM`.
        depth_limit: the right end of the (fitted) depth axis.
    """

    std: float
    depth: int
    width: int
    activation: str
    weight_var: float
    activation_std: np.ndarray
    gradient_std: np.ndarray
    predicted_std: np.ndarray
    predicted_gradient_std: np.ndarray
    ratio: float
    saturated_last: float
    dead_last: float
    hist_edges: np.ndarray
    hist_first: np.ndarray
    hist_last: np.ndarray
    clipped: bool
    depth_limit: int


class RandomInit:
    """Notebook 03's model: ``RandomInit(...)(std, depth, width, activation)``.

    Args:
        batch: rows of the standard-normal input batch (drawn once per width).
        bins: histogram bins (odd, so that 0 sits in the middle of a bin for tanh).
        seed: the base weights of layer ``l`` at width ``n`` come from the child
            seed ``"layer:n:l"`` of ``seed`` (:func:`~course_utils.panels.child_seeds`),
            so a setting always shows the same network, in whatever order it is reached.
        cache_widths: how many widths' base weights to keep.

    Examples:
        >>> model = RandomInit()
        >>> p = model(0.05, 20, 128, "tanh")
        >>> round(p.ratio, 3), bool(p.activation_std[-1] < 1e-3)   # sqrt(128) * 0.05 < 1
        (0.566, True)
    """

    def __init__(self, *, batch: int = 31, bins: int = 41, seed: int = 0, cache_widths: int = 4):
        self.batch = check_positive_int("batch", batch)
        self.bins = check_positive_int("bins", bins)
        self.seed = seed
        self.cache_widths = check_positive_int("cache_widths", cache_widths)
        self._cache: "OrderedDict[int, dict]" = OrderedDict()
        self.edges = {name: np.linspace(*HIST_RANGE[name], self.bins + 1)
                      for name in PANEL_ACTIVATIONS}

    def _base(self, width: int, depth: int):
        """Standard-normal input and base weights for this width, at least ``depth`` deep."""
        entry = self._cache.pop(width, None)
        if entry is None:
            (input_seed,) = child_seeds(self.seed, f"input:{width}")
            x = np.random.default_rng(input_seed).standard_normal((self.batch, width))
            entry = {"x": x, "weights": []}
        layers = entry["weights"]
        while len(layers) < depth:
            (layer_seed,) = child_seeds(self.seed, f"layer:{width}:{len(layers) + 1}")
            layers.append(np.random.default_rng(layer_seed).standard_normal((width, width)))
        self._cache[width] = entry
        while len(self._cache) > self.cache_widths:
            self._cache.popitem(last=False)
        return entry["x"], layers[:depth]

    def _fractions(self, values, activation):
        values = np.ravel(values)
        if activation in ("relu", "linear"):
            spread = values.std()
            values = values / spread if spread > 0 else values
        return bin_heights(values, self.edges[activation], "fraction")

    def __call__(self, std: float, depth: int, width: int, activation: str) -> RandomInitProfile:
        std = check_real("std", std, min_value=0.0, allow_equal=False)
        depth, width = check_positive_int("depth", depth), check_positive_int("width", width)
        activation = check_choice("activation", activation, PANEL_ACTIVATIONS)
        x, layers = self._base(width, depth)
        p = propagate(x, [std * w for w in layers], activation, rng=child_seeds(self.seed, "gradient")[0],
                      sample_size=self.batch * width)
        weight_var = width * std ** 2
        theory = _prediction(activation, weight_var, depth)
        low, high = STD_YLIM
        shown = np.concatenate([p.std, p.gradient_std])
        return RandomInitProfile(
            std=std, depth=depth, width=width, activation=activation, weight_var=weight_var,
            activation_std=p.std, gradient_std=p.gradient_std, predicted_std=theory.std,
            predicted_gradient_std=theory.gradient_std,
            ratio=ratio_per_layer(activation, std, width),
            saturated_last=float(p.saturated[-1]), dead_last=float(p.dead[-1]),
            hist_edges=self.edges[activation],
            hist_first=self._fractions(p.activations[0], activation),
            hist_last=self._fractions(p.activations[-1], activation),
            clipped=bool(np.any((shown < low) | (shown > high))),
            depth_limit=depth_axis_limit(depth))


def random_init_caption(p: RandomInitProfile) -> Caption:
    """The caption of notebook 03's panel.

    Examples:
        >>> print(random_init_caption(RandomInit()(0.05, 20, 128, "tanh")).text())
        ... # doctest: +ELLIPSIS
        N(0, 0.05²) weights, tanh, width 128, 20 layers (n·s² = 0.32). ...
    """
    d = p.depth
    sentences = []
    if np.isfinite(p.ratio):
        root = "√(n/2)" if p.activation == "relu" else "√n"
        sentences.append(f"Small-signal factor per layer {root}·s = {fmt(p.ratio)}.")
    if p.activation in ("tanh", "sigmoid"):
        sentences.append(f"Saturated units in layer {d}: {p.saturated_last:.0%}.")
    if p.activation == "relu":
        sentences.append(f"Dead units (off for the whole batch) in layer {d}: {p.dead_last:.0%}.")
    table = Table(("", "layer 1", f"layer {d}", "predicted, layer 1", f"predicted, layer {d}"),
                  (("activation std", fmt(p.activation_std[0]), fmt(p.activation_std[-1]),
                    fmt(p.predicted_std[0]), fmt(p.predicted_std[-1])),
                   ("dL/dz std", fmt(p.gradient_std[0]), fmt(p.gradient_std[-1]),
                    fmt(p.predicted_gradient_std[0]), fmt(p.predicted_gradient_std[-1]))))
    scale = "the value" if p.activation in ("tanh", "sigmoid") else "value / its std"
    notes = (f"Left: std per layer, log axis fixed at {power_of_ten(STD_YLIM[0])} to "
             f"{power_of_ten(STD_YLIM[1])} "
             f"so that settings compare"
             + ("; values outside are drawn on its edge" if p.clipped else "")
             + f"; thin lines: the mean-field prediction. Right: {scale} of layer 1's and "
             f"layer {d}'s activations, the share of values per bin on a square-root y axis.")
    title = (f"N(0, {p.std:.3g}²) weights, {p.activation}, width {p.width}, {d} layers "
             f"(n·s² = {fmt(p.weight_var)})")
    return Caption(title, tuple(sentences), table, (notes,))
