r"""A panel for notebook 06: which variance keeps a deep network's signal alive?

Three schemes side by side, through the same deep MLP:

* ``he_normal``: :math:`\operatorname{Var}[w] = 2/n` (He et al., 2015);
* ``lecun_normal``: :math:`1/n` (LeCun et al., 1998; equal to Glorot's
  :math:`2/(n+m)` when every layer has the same width);
* ``xavier``: the "standard" :math:`U[-1/\sqrt{n}, 1/\sqrt{n}]`, variance :math:`1/(3n)`.

The learner moves the fan-in (the width of every layer), the depth and the
activation, and reads off the std of the activations per layer on a log axis.

Speed: each scheme's weights are drawn once with its own sampler, at the
largest width and depth (:class:`CornerWeights`). A narrower layer uses the
top-left corner of each matrix, rescaled by the ratio of the scheme's
theoretical stds at the two widths: the std is the only thing about a
fan-scaled scheme that depends on the width, so the corner is an exact sample
of the scheme at the new width. The forward pass of a network is a prefix of
the forward pass of a deeper one, so each (activation, width) pair is
propagated once through the full depth and cached; the depth slider only
decides how many layers are shown.
"""

from __future__ import annotations

import math
from typing import Mapping, Union

import numpy as np

from ..nets import LEAKY_SLOPE, draw_weights, propagate
from ..plots import LayerCurves, panel_figure, scheme_color
from ..schemes import SCHEMES
from . import FigurePanel, dropdown, int_slider

__all__ = ["CornerWeights", "CornerPropagation", "he_panel", "HE_PANEL_SCHEMES"]

#: The schemes the panel compares, with the label shown in its legend.
HE_PANEL_SCHEMES = {
    "he_normal": "he_normal  (Var = 2/n)",
    "lecun_normal": "lecun_normal = Glorot at equal widths  (Var = 1/n)",
    "xavier": "xavier U[±1/√n]  (Var = 1/(3n))",
}


class CornerWeights:
    """Weights of one scheme for any (depth, width) up to a maximum, drawn once.

    Args:
        scheme: a name in :data:`~course_utils.SCHEMES`.
        max_depth, max_width: the largest network served.
        seed: the seed of the one draw.

    Examples:
        >>> cw = CornerWeights("he_normal", max_depth=4, max_width=64, seed=0)
        >>> ws = cw.weights(depth=3, width=16)
        >>> len(ws), ws[0].shape
        (3, (16, 16))
        >>> round(float(np.std(cw.weights(4, 64)[0])) * 8, 1)   # std sqrt(2/64) = 1/(4 sqrt 2)
        1.4
    """

    def __init__(self, scheme: str, *, max_depth: int, max_width: int, seed: int):
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
        self.scheme = SCHEMES[scheme]
        self.max_depth, self.max_width = int(max_depth), int(max_width)
        self._full = draw_weights([self.max_width] * (self.max_depth + 1), scheme, rng=seed,
                                  dtype=np.float32)

    def weights(self, depth: int, width: int) -> list:
        """The first ``depth`` matrices, as a sample of the scheme at fan-in = fan-out = ``width``."""
        if not (1 <= depth <= self.max_depth and 1 <= width <= self.max_width):
            raise ValueError(f"depth and width must be within 1..{self.max_depth} and "
                             f"1..{self.max_width}; got {depth} and {width}")
        s = self.scheme
        ratio = 1.0
        if s.fan_scaled:
            ratio = s.std(width, width) / s.std(self.max_width, self.max_width)
        return [w[:width, :width] * np.float32(ratio) for w in self._full[:depth]]


class CornerPropagation:
    """Forward passes through :class:`CornerWeights` on one fixed input batch, cached.

    The forward pass of a network is a prefix of the forward pass of a deeper
    one, so each (scheme, activation, width) is propagated once through
    ``max_depth`` layers; a panel's depth slider only decides how many layers
    it shows. Each scheme's weights are drawn at its first use.

    Args:
        max_depth, max_width: the largest network served.
        batch: input examples (standard normal, float32).
        weight_seeds: seed of each scheme's one weight draw: a mapping from
            scheme name to seed, or one int for every scheme.
        input_seed: seed of the input batch.
        grad_seed: seed of the backward pass (see :func:`course_utils.propagate`).

    Examples:
        >>> runs = CornerPropagation(max_depth=10, max_width=64, batch=16,
        ...                          weight_seeds=0, input_seed=1, grad_seed=2)
        >>> p = runs("he_normal", "relu", 32)
        >>> p.depth, p.widths[:2], runs("he_normal", "relu", 32) is p
        (10, (32, 32), True)
    """

    def __init__(self, *, max_depth: int, max_width: int, batch: int,
                 weight_seeds: Union[int, Mapping[str, int]], input_seed: int, grad_seed: int):
        self.max_depth, self.max_width = int(max_depth), int(max_width)
        self._weight_seeds = weight_seeds
        self._grad_seed = grad_seed
        self._x = np.random.default_rng(input_seed).standard_normal((batch, self.max_width),
                                                                   dtype=np.float32)
        self._weights: dict = {}
        self._runs: dict = {}

    def __call__(self, scheme: str, activation: str, width: int):
        """The :class:`~course_utils.Propagation` through all ``max_depth`` layers at this width."""
        key = (scheme, activation, width)
        if key not in self._runs:
            if scheme not in self._weights:
                seeds = self._weight_seeds
                seed = seeds[scheme] if isinstance(seeds, Mapping) else seeds
                self._weights[scheme] = CornerWeights(scheme, max_depth=self.max_depth,
                                                      max_width=self.max_width, seed=seed)
            weights = self._weights[scheme].weights(self.max_depth, width)
            self._runs[key] = propagate(self._x[:, :width], weights, activation,
                                        rng=self._grad_seed, sample_size=1)
        return self._runs[key]


def _relu_family_ratio(var_n: float, activation: str) -> float:
    """Theoretical per-layer std ratio of a (leaky) ReLU layer: sqrt(n Var[w] (1 + a^2) / 2)."""
    slope = 0.0 if activation == "relu" else LEAKY_SLOPE
    return math.sqrt(var_n * (1.0 + slope ** 2) / 2.0)


def he_panel(*, activation: str = "relu", width: int = 120, depth: int = 30,
             max_depth: int = 50, max_width: int = 120, width_step: int = 8, batch: int = 32,
             seed: int = 0, ylim=(1e-12, 1e2)) -> FigurePanel:
    """Sliders for fan-in (width) and depth and a menu of activations, over per-layer stds.

    Each line is one scheme of :data:`HE_PANEL_SCHEMES`; the caption gives, for
    each, :math:`n\\operatorname{Var}[w]`, the std at the last layer shown and
    the measured std ratio per layer (geometric mean) beside its theoretical
    value for (leaky) ReLU, :math:`\\sqrt{n\\operatorname{Var}[w](1+a^2)/2}`.

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
        >>> "tanh" in panel.caption.value
        True
    """
    fig, ax = panel_figure(figsize=(7.5, 3.3))
    names = list(HE_PANEL_SCHEMES)
    curves = LayerCurves(ax, names, max_depth=max_depth, ylim=ylim, log=True,
                         colors=[scheme_color(n) for n in names], ylabel="activation std (log)")
    for name in names:
        curves.lines[name].set_label(HE_PANEL_SCHEMES[name])
    ax.axhline(1.0, color="0.4", lw=0.8, ls=":")
    ax.legend(loc="lower left", fontsize=8)

    master = np.random.default_rng(seed)
    weight_seeds = [int(s) for s in master.integers(0, 2**31, size=len(names))]
    input_seed, grad_seed = (int(s) for s in master.integers(0, 2**31, size=2))
    runs = CornerPropagation(max_depth=max_depth, max_width=max_width, batch=batch,
                             weight_seeds=dict(zip(names, weight_seeds)),
                             input_seed=input_seed, grad_seed=grad_seed)

    controls = {"activation": dropdown("activation", ("relu", "leaky_relu", "tanh"), activation),
                "width": int_slider("fan-in n (width)", width, width_step, max_width, width_step),
                "depth": int_slider("depth", depth, 2, max_depth)}

    def update(activation, width, depth):
        rows = []
        for name in names:
            s = runs(name, activation, width).std[:depth]
            curves.update(name, s)
            var_n = SCHEMES[name].std(width, width) ** 2 * width
            measured = (s[-1] / s[0]) ** (1.0 / (len(s) - 1)) if len(s) > 1 and s[0] > 0 else float("nan")
            theory = ("&ndash;" if activation == "tanh"
                      else f"{_relu_family_ratio(var_n, activation):.3f}")
            keeps = 0.5 <= s[-1] / s[0] <= 2.0
            rows.append(f"<tr><td style='color:{scheme_color(name)}'><b>{name}</b></td>"
                        f"<td>{var_n:.3g}</td><td>{s[-1]:.3g}</td><td>{measured:.3f}</td>"
                        f"<td>{theory}</td><td>{'yes' if keeps else 'no'}</td></tr>")
        head = ("<tr><th>scheme</th><th>n&middot;Var[w]</th><th>std at layer "
                f"{depth}</th><th>ratio per layer</th><th>theory (ReLU family)</th>"
                "<th>std within ×2 of layer 1?</th></tr>")
        return (f"<b>{activation}</b>, fan-in {width}, {depth} layers."
                f"<table>{head}{''.join(rows)}</table>")

    return FigurePanel(fig, controls, update,
                       title="<b>He vs. LeCun/Glorot vs. xavier</b>: the std of the activations, layer by layer")
