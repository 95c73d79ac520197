r"""Displays of notebook 05: Glorot (normalized Xavier), :math:`\operatorname{Var}[w] = 2/(n+m)`.

* :func:`torch_trunc_normal`: what ``torch.nn.init.trunc_normal_`` draws, in numpy;
* :class:`TruncationDisplay`: PyTorch's plain Glorot normal against Keras's truncated one;
* :class:`LayerDensitiesDisplay`: Glorot & Bengio's (2010) figs. 6 and 7, per-layer
  activation and error densities, drawn as a ridgeline (one row per layer, each curve
  scaled to its own peak, so the narrowest layers are neither clipped nor hidden);
* :class:`GradientLevelsDisplay`: their fig. 8: errors ``dL/dz`` shrink toward the input
  while weight gradients ``dL/dW`` stay level; bias gradients follow the errors.

Weight matrices use the Keras layout ``(fan_in, fan_out)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import mean_field as mf
from .._checks import check_positive_int, check_rng
from ..bounds import glorot_std
from ..initializers import TRUNCATED_NORMAL_STD, glorot_normal
from ..propagation import signal_propagation
from ..schemes import SCHEMES
from . import Display

__all__ = ["torch_trunc_normal", "TruncationDisplay", "LayerDensitiesDisplay", "GradientLevelsDisplay",
           "SCHEME_LABELS", "WEIGHT_VARS"]

#: How the figures name the two schemes (Glorot & Bengio's words).
SCHEME_LABELS = {"xavier": "standard (eq. 1)", "normalized_xavier": "normalized (eq. 16)"}
#: n Var[w] of each at equal widths: 1/3 for the 1/√n uniform, 2n/(n+n) = 1 for Glorot.
WEIGHT_VARS = {"xavier": 1.0 / 3.0, "normalized_xavier": 1.0}


def torch_trunc_normal(shape, std: float, a: float, b: float, *, rng=None) -> np.ndarray:
    r"""Draw what ``torch.nn.init.trunc_normal_(w, mean=0, std=std, a=a, b=b)`` draws:
    :math:`\mathcal{N}(0, \text{std}^2)` conditioned on :math:`[a, b]`.

    ``a`` and ``b`` are absolute cut-offs (not multiples of ``std``) and the std is
    not corrected, as in PyTorch; values outside are redrawn.

    Examples:
        >>> w = torch_trunc_normal((200, 300), 0.1, -0.2, 0.2, rng=0)
        >>> bool(np.abs(w).max() <= 0.2), round(float(w.std() / 0.1), 2)     # 0.8796 of the request
        (True, 0.88)
    """
    if not a < b:
        raise ValueError(f"a must be below b, got a={a!r}, b={b!r}")
    rng = check_rng(rng)
    w = rng.normal(0.0, std, size=shape)
    outside = (w < a) | (w > b)
    while outside.any():
        w[outside] = rng.normal(0.0, std, size=int(outside.sum()))
        outside = (w < a) | (w > b)
    return w


@dataclass
class TruncationDisplay(Display):
    """Glorot normal weights drawn as PyTorch (plain normal) and as Keras (cut at ±2 of a widened std).

    Attributes:
        sigma: √(2/(n+m)); ``cut``: Keras's cut-off 2σ/0.8796.
        plain, truncated: the two samples (flattened).
        beyond_expected: P(|N(0, σ²)| > cut); ``beyond_plain``, ``beyond_truncated``: measured shares.

    Examples:
        >>> d = TruncationDisplay.from_run((200, 300), rng=0)
        >>> round(d.sigma, 4), round(d.beyond_expected, 4), d.beyond_truncated
        (0.0632, 0.023, 0.0)
    """

    shape: tuple
    sigma: float
    cut: float
    plain: np.ndarray
    truncated: np.ndarray
    beyond_expected: float
    beyond_plain: float
    beyond_truncated: float

    preset = "single"

    @classmethod
    def from_run(cls, shape=(200, 300), *, rng=None) -> "TruncationDisplay":
        rng = check_rng(rng)
        sigma = float(glorot_std(*shape))
        plain = glorot_normal(shape, truncated=False, rng=rng).ravel()
        truncated = glorot_normal(shape, truncated=True, rng=rng).ravel()
        cut = 2 * sigma / TRUNCATED_NORMAL_STD
        return cls(tuple(shape), sigma, cut, plain, truncated, math.erfc(cut / sigma / math.sqrt(2)),
                   float(np.mean(np.abs(plain) > cut)), float(np.mean(np.abs(truncated) > cut)))

    def _draw(self, ax) -> None:
        edges = np.linspace(-4.5 * self.sigma, 4.5 * self.sigma, 91)
        ax.hist(self.plain, bins=edges, density=True, histtype="step", lw=1.5,
                color=SCHEMES["glorot_normal"].color, label="PyTorch xavier_normal_ (plain normal)")
        ax.hist(self.truncated, bins=edges, density=True, histtype="stepfilled", alpha=0.45, color="#9467bd",
                label="Keras GlorotNormal (truncated, widened)")
        for x in (-self.cut, self.cut):
            ax.axvline(x, color="#9467bd", ls="--", lw=1.2, label="Keras's cut ±2σ/0.8796" if x < 0 else None)
        n, m = self.shape
        ax.set(xlabel="weight value", ylabel="density",
               title=f"Glorot normal, n = {n}, m = {m}: both have std {self.sigma:.4f}")
        ax.legend(loc="upper left", fontsize=8)


def _density(values: np.ndarray, bins: int = 40):
    """Histogram density of ``values`` on ±4 of their own stds, scaled to a peak of 1."""
    spread = float(np.std(values)) or 1.0
    heights, edges = np.histogram(values, bins=bins, range=(-4 * spread, 4 * spread), density=True)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return centres, heights / heights.max()


@dataclass
class LayerDensitiesDisplay(Display):
    """Glorot & Bengio's figs. 6 and 7: each layer's activations and errors, for both schemes.

    Attributes:
        runs: ``scheme -> Propagation`` (tanh, equal widths, zero biases; the same input and top
            gradient for both, from the same seed).
        predicted: ``scheme -> LayerProfile`` at the scheme's ``WEIGHT_VARS``.
        gradient_spread, gradient_spread_predicted: ``scheme ->`` max/min over layers of the std of dL/dz.

    Examples:
        >>> d = LayerDensitiesDisplay.from_run(depth=4, width=64, batch=64, rng=0)
        >>> bool(d.gradient_spread["xavier"] > d.gradient_spread["normalized_xavier"])
        True
    """

    runs: dict
    predicted: dict
    gradient_spread: dict
    gradient_spread_predicted: dict

    preset = "grid"
    layout = (2, 2)
    subplots_kwargs = {"sharey": True}

    @classmethod
    def from_run(cls, *, depth: int = 8, width: int = 256, batch: int = 256, rng=None) -> "LayerDensitiesDisplay":
        depth = check_positive_int("depth", depth)
        seed = int(check_rng(rng).integers(2**31))
        runs = {s: signal_propagation(s, "tanh", depth=depth, width=width, batch=batch, rng=seed,
                                      weight_gradients=False) for s in WEIGHT_VARS}
        predicted = {s: mf.layer_profile("tanh", v, depth, batch=batch) for s, v in WEIGHT_VARS.items()}

        def spread(a):
            return float(a.max() / a.min())
        return cls(runs, predicted, {s: spread(p.gradient_std) for s, p in runs.items()},
                   {s: spread(p.gradient_std) for s, p in predicted.items()})

    def _draw(self, axes) -> None:
        limits = {"activations": 1.05, "gradients": 2.6}
        for col, (scheme, p) in enumerate(self.runs.items()):
            color = SCHEMES[scheme].color
            for row, field in enumerate(("activations", "gradients")):
                ax = axes[row, col]
                for layer, values in enumerate(getattr(p, field)):
                    x, height = _density(values)
                    keep = np.abs(x) <= limits[field]
                    ax.fill_between(x[keep], layer, layer + 0.85 * height[keep], color=color, alpha=0.35, lw=0)
                    ax.plot(x[keep], layer + 0.85 * height[keep], color=color, lw=1.2)
                    std = float(np.std(values))
                    ax.text(limits[field] * 0.98, layer + 0.3, f"std {std:.2g}", ha="right", fontsize=7,
                            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0})
                ax.set_xlim(-limits[field], limits[field])
                what = "activations tanh(z)" if field == "activations" else "errors dL/dz"
                ax.set_title(f"{what}, {SCHEME_LABELS[scheme]}", fontsize=10)
                ax.set_xlabel("tanh(z)" if field == "activations" else "dL/dz")
        depth = len(next(iter(self.runs.values())).std)
        for ax in axes[:, 0]:
            ax.set_yticks(np.arange(depth) + 0.3, [f"layer {l + 1}" for l in range(depth)])
            ax.set_ylim(-0.1, depth)
        for ax in axes.flat:
            ax.grid(False)


@dataclass
class GradientLevelsDisplay(Display):
    """Glorot & Bengio's fig. 8: per layer, the std of dL/dz, dL/dW and dL/db for both schemes.

    Attributes:
        runs: ``scheme -> Propagation`` (tanh, equal widths, zero biases).
        predicted: ``scheme -> LayerProfile``.
        error_drop: ``scheme ->`` std of dL/dz at layer 1 over the top layer's.
        weight_spread: ``scheme ->`` max/min over layers of the weight gradients' std.
        standard_over_normalized: mean weight-gradient std, standard over normalized (and ``_predicted``).

    Examples:
        >>> d = GradientLevelsDisplay.from_run(depth=10, width=128, batch=128, rng=0)
        >>> bool(d.error_drop["xavier"] < 1e-2 and d.weight_spread["xavier"] < 1.5)
        True
    """

    runs: dict
    predicted: dict
    error_drop: dict
    weight_spread: dict
    standard_over_normalized: float
    standard_over_normalized_predicted: float

    preset = "row3"
    layout = (1, 3)

    @classmethod
    def from_run(cls, *, depth: int = 20, width: int = 256, batch: int = 256, rng=None) -> "GradientLevelsDisplay":
        seed = int(check_rng(rng).integers(2**31))
        runs = {s: signal_propagation(s, "tanh", depth=depth, width=width, batch=batch, rng=seed)
                for s in WEIGHT_VARS}
        predicted = {s: mf.layer_profile("tanh", v, depth, batch=batch) for s, v in WEIGHT_VARS.items()}
        ratio = (runs["xavier"].weight_gradient_std.mean() / runs["normalized_xavier"].weight_gradient_std.mean())
        ratio_p = (predicted["xavier"].weight_gradient_std.mean()
                   / predicted["normalized_xavier"].weight_gradient_std.mean())
        return cls(runs, predicted,
                   {s: float(p.gradient_std[0] / p.gradient_std[-1]) for s, p in runs.items()},
                   {s: float(p.weight_gradient_std.max() / p.weight_gradient_std.min()) for s, p in runs.items()},
                   float(ratio), float(ratio_p))

    def _draw(self, axes) -> None:
        fields = (("gradient_std", "back-propagated error dL/dz"), ("weight_gradient_std", "weight gradient dL/dW"),
                  ("bias_gradient_std", "bias gradient dL/db"))
        markers = {"xavier": "o", "normalized_xavier": "^"}
        for scheme, p in self.runs.items():
            color = SCHEMES[scheme].color
            layers = np.arange(1, p.depth + 1)
            for ax, (field, _) in zip(axes, fields):
                ax.semilogy(layers, getattr(p, field), markers[scheme], ms=4, color=color,
                            label=f"{SCHEME_LABELS[scheme]}, measured")
                ax.semilogy(layers, getattr(self.predicted[scheme], field), "-", lw=1, color=color,
                            label=f"{SCHEME_LABELS[scheme]}, mean field")
        for ax, (_, title) in zip(axes, fields):
            ax.set(title=title, xlabel="layer")
        axes[0].set_ylabel("std")
        axes[0].legend(fontsize=7, loc="lower right")
