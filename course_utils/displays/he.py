r"""Notebook 06's figures: He et al.'s thirty ReLU layers, deep ReLU training under SGD and Adam,
and He weights feeding tanh.

Each display computes with the package's tested functions
(:func:`~course_utils.propagation.signal_propagation`,
:func:`~course_utils.mean_field.layer_profile`, :func:`~course_utils.mlp.fit_many`)
and keeps every number its figure shows and the notebook's sentences quote.
Schemes differ by colour *and* by marker or line style, so the figures read in
grey scale and where two curves lie on top of each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
from matplotlib.lines import Line2D

from .. import mean_field
from .._checks import check_choice, check_positive_int, check_rng
from ..activations import SATURATION_THRESHOLD
from ..data import make_circles
from ..mlp import MLP, fit_many
from ..propagation import Propagation, signal_propagation
from ..schemes import SCHEMES
from . import Display

__all__ = ["HE_COMPARED", "DepthStdDisplay", "DeepReluTrainingDisplay", "DecisionMapsDisplay", "HeTanhDisplay"]

#: The three schemes notebook 06 compares, with :math:`s = n\operatorname{Var}[w]` at equal widths.
HE_COMPARED = {"he_normal": 2.0, "lecun_normal": 1.0, "xavier": 1.0 / 3.0}
#: One marker and one line style per scheme, beside its colour.
_MARKERS = {"he_normal": "o", "lecun_normal": "s", "xavier": "^"}
_LINESTYLES = {"he_normal": "-", "lecun_normal": "--", "xavier": ":"}
#: Legend names: the 1/sqrt(n) uniform is not PyTorch's or Keras's "Xavier" (Glorot), so it is not called that.
LABELS = {"he_normal": "he_normal", "lecun_normal": "lecun_normal", "xavier": "1/√n uniform"}


def _color(name: str) -> str:
    return SCHEMES[name].color


@dataclass
class DepthStdDisplay(Display):
    r"""The std of the activations layer by layer in a deep ReLU network, per scheme, with the mean field.

    He et al. (2015), section 2.2: with ReLU each layer multiplies the std by
    :math:`\sqrt{s/2}`, :math:`s = n\operatorname{Var}[w]`.

    Attributes:
        depth, width, batch: the network and the input batch.
        runs: scheme name -> :class:`~course_utils.propagation.Propagation` (measured).
        predicted: scheme name -> :class:`~course_utils.mean_field.LayerProfile`.
        ratio: scheme name -> measured per-layer factor :math:`(\sigma_L/\sigma_1)^{1/(L-1)}`.
        expected_ratio: scheme name -> :math:`\sqrt{s/2}`.
        last_over_predicted: scheme name -> measured std at the top layer / the mean field's.

    Examples:
        >>> d = DepthStdDisplay.from_run(depth=10, width=64, batch=32, rng=0)
        >>> round(d.expected_ratio["lecun_normal"], 4), round(d.expected_ratio["xavier"], 4)
        (0.7071, 0.4082)
        >>> abs(d.ratio["he_normal"] - 1) < 0.1
        True
    """

    depth: int
    width: int
    batch: int
    runs: Mapping[str, Propagation]
    predicted: Mapping[str, mean_field.LayerProfile]
    ratio: dict = field(default_factory=dict)
    expected_ratio: dict = field(default_factory=dict)
    last_over_predicted: dict = field(default_factory=dict)

    preset = "single"
    layout = (1, 1)

    @classmethod
    def from_run(cls, *, depth: int = 30, width: int = 256, batch: int = 64, rng=None):
        """Propagate one batch through a ReLU network per scheme of :data:`HE_COMPARED`."""
        depth = check_positive_int("depth", depth)
        if depth < 2:
            raise ValueError(f"depth must be at least 2 (a factor per layer needs two layers), got {depth}")
        rng = check_rng(rng)
        runs = {name: signal_propagation(name, "relu", depth=depth, width=width, batch=batch, rng=rng,
                                         weight_gradients=False)
                for name in HE_COMPARED}
        predicted = {name: mean_field.layer_profile("relu", s, depth, batch=batch)
                     for name, s in HE_COMPARED.items()}
        d = cls(depth, width, batch, runs, predicted)
        for name, s in HE_COMPARED.items():
            std = runs[name].std
            d.ratio[name] = float((std[-1] / std[0]) ** (1.0 / (depth - 1)))
            d.expected_ratio[name] = math.sqrt(s / 2.0)
            d.last_over_predicted[name] = float(std[-1] / predicted[name].std[-1])
        return d

    def _draw(self, ax):
        layers = np.arange(1, self.depth + 1)
        keys = []
        for name in HE_COMPARED:
            color = _color(name)
            ax.plot(layers, self.runs[name].std, ls="none", marker=_MARKERS[name], ms=4, color=color)
            ax.plot(layers, self.predicted[name].std, ls=_LINESTYLES[name], lw=1.2, color=color)
            keys.append((Line2D([], [], ls=_LINESTYLES[name], marker=_MARKERS[name], ms=4, lw=1.2, color=color),
                         LABELS[name]))
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_xlabel("layer")
        # the title names the quantity: a y label would not fit beside ten-decade tick labels
        ax.set_title(f"activation std per layer: {self.depth}-layer ReLU network, width {self.width}",
                     fontsize=10)
        # one key per scheme: its marker over its own line style, as drawn
        ax.legend(*zip(*keys), loc="lower left", fontsize=8, handlelength=3,
                  title="markers: measured, lines: mean field", title_fontsize=8)


@dataclass
class DeepReluTrainingDisplay(Display):
    r"""A deep, narrow ReLU network trained from each scheme, under plain gradient descent and under Adam.

    Every network sees the same full batch (concentric circles); the two runs
    start from the same weights (the same seed). Left: loss under full-batch
    gradient descent at a fixed learning rate; right: under Adam.

    Attributes:
        widths: the layer widths.
        sgd, adam: scheme name -> history (``{"epoch", "loss", "accuracy"}``).
        sgd_nets: scheme name -> the network after plain gradient descent.
        sgd_lr, adam_lr: the learning rates.
        initial_gradient: scheme name -> mean :math:`|\partial L/\partial W|` of each layer before training.
        logit_ratio: He's logits divided by LeCun's at initialization, one per input.
        initial_proba: scheme name -> predicted probabilities of the inputs at initialization.

    Examples:
        >>> d = DeepReluTrainingDisplay.from_run(depth=4, width=16, n_points=40, sgd_steps=4,
        ...                                      adam_steps=4, data_rng=0, net_rng=0)
        >>> sorted(d.sgd), len(d.adam["he_normal"]["loss"])     # steps 0, 2, 4
        (['he_normal', 'lecun_normal', 'xavier'], 3)
        >>> round(float(d.logit_ratio.min()), 6) == round(2 ** 2.5, 6)   # 5 weight matrices
        True
    """

    widths: tuple
    X: np.ndarray
    y: np.ndarray
    sgd: dict
    adam: dict
    sgd_lr: float
    adam_lr: float
    initial_gradient: dict
    logit_ratio: np.ndarray
    initial_proba: dict
    sgd_nets: dict

    preset = "pair"
    layout = (1, 2)
    subplots_kwargs = {"sharey": True}

    @classmethod
    def from_run(cls, *, depth: int = 20, width: int = 24, n_points: int = 200, sgd_steps: int = 100,
                 adam_steps: int = 400, sgd_lr: float = 0.05, adam_lr: float = 1e-3,
                 data_rng=1, net_rng=7, record_every: int = 2):
        """Train one network per scheme of :data:`HE_COMPARED` twice: SGD, then Adam, from the same weights."""
        depth = check_positive_int("depth", depth)
        X, y = make_circles(n_points, rng=data_rng)
        widths = (2,) + (int(width),) * depth + (1,)

        def nets():
            return [MLP(widths, scheme=name, activation="relu", rng=net_rng) for name in HE_COMPARED]

        start = nets()
        initial_gradient = {name: np.array([np.abs(dw).mean() for dw, _ in net.loss_and_gradients(X, y)[1]])
                            for name, net in zip(HE_COMPARED, start)}
        initial_proba = {name: net.predict_proba(X) for name, net in zip(HE_COMPARED, start)}
        logit_ratio = start[0].logits(X) / start[1].logits(X)
        sgd_nets = dict(zip(HE_COMPARED, nets()))
        sgd = dict(zip(HE_COMPARED, fit_many(list(sgd_nets.values()), X, y, epochs=sgd_steps,
                                             learning_rate=sgd_lr, record_every=record_every)))
        adam = dict(zip(HE_COMPARED, fit_many(nets(), X, y, epochs=adam_steps, learning_rate=adam_lr,
                                              record_every=record_every, optimizer="adam")))
        return cls(widths, X, y, sgd, adam, float(sgd_lr), float(adam_lr), initial_gradient,
                   logit_ratio, initial_proba, sgd_nets)

    def loss_at(self, optimizer: str, name: str, step: int, metric: str = "loss") -> float:
        """The recorded ``metric`` (``"loss"`` or ``"accuracy"``) of ``name`` under ``optimizer``
        (``"sgd"`` or ``"adam"``) at ``step``."""
        optimizer = check_choice("optimizer", optimizer, ("sgd", "adam"))
        metric = check_choice("metric", metric, ("loss", "accuracy"))
        history = {"sgd": self.sgd, "adam": self.adam}[optimizer][name]
        hits = np.flatnonzero(history["epoch"] == step)
        if not hits.size:
            raise ValueError(f"step {step} was not recorded; recorded steps: {history['epoch'].tolist()}")
        return float(history[metric][hits[0]])

    def _draw(self, axes):
        left, right = axes
        panels = ((left, self.sgd, f"plain gradient descent, lr {self.sgd_lr:g}"),
                  (right, self.adam, f"Adam, lr {self.adam_lr:g}"))
        for ax, runs, title in panels:
            for k, (name, history) in enumerate(runs.items()):
                # markers staggered, so that curves lying on top of each other still show each marker
                every = max(len(history["epoch"]) // 8, 3)
                ax.plot(history["epoch"], history["loss"], color=_color(name), ls=_LINESTYLES[name],
                        lw=1.6, marker=_MARKERS[name], ms=5, markevery=(k * every // 3, every),
                        label=LABELS[name])
            ax.axhline(math.log(2), color="0.5", lw=0.8, ls="-.", label="ln 2 (answers 50/50)")
            ax.set_yscale("log")
            ax.set_ylim(1e-7, 2.0)
            ax.set_xlabel("training step (full batch)")
            ax.set_title(title, fontsize=10)
        left.set_ylabel("training loss (cross-entropy)")
        left.text(0.62, 0.42, "lecun_normal and the 1/√n uniform:\nboth at ln 2, on top of each other",
                  transform=left.transAxes, ha="center", va="center", fontsize=8)
        left.legend(loc="lower left", fontsize=8)


@dataclass
class DecisionMapsDisplay(Display):
    r"""Each network's probability of class 1 over the plane, with the data and one colour bar.

    Class 0 as white circles, class 1 as black crosses, so that the points read on
    any fill; the black contour is :math:`p = 0.5`.

    Attributes:
        grids: scheme name -> ``(xx, yy, proba)`` from :func:`course_utils.training.decision_grid`.
        accuracy: scheme name -> training accuracy.
        proba_range: scheme name -> (min, max) of the probability over the plane.

    Examples:
        >>> t = DeepReluTrainingDisplay.from_run(depth=3, width=16, n_points=40, sgd_steps=2,
        ...                                      adam_steps=2, data_rng=0, net_rng=0)
        >>> d = DecisionMapsDisplay.from_nets(t.sgd_nets, t.X, t.y, resolution=20)
        >>> all(0 <= lo <= hi <= 1 for lo, hi in d.proba_range.values())
        True
    """

    X: np.ndarray
    y: np.ndarray
    grids: dict
    accuracy: dict
    proba_range: dict

    preset = "row4"
    layout = (1, 4)
    subplots_kwargs = {"width_ratios": [1, 1, 1, 0.07]}

    @classmethod
    def from_nets(cls, nets: Mapping[str, MLP], X, y, *, resolution: int = 80):
        from ..training import decision_grid

        grids = {name: decision_grid(net, X, resolution=resolution) for name, net in nets.items()}
        accuracy = {name: net.accuracy(X, y) for name, net in nets.items()}
        proba_range = {name: (float(g[2].min()), float(g[2].max())) for name, g in grids.items()}
        return cls(np.asarray(X), np.asarray(y), grids, accuracy, proba_range)

    def _draw(self, axes):
        *maps, bar = axes
        filled = None
        for ax, (name, (xx, yy, proba)) in zip(maps, self.grids.items()):
            filled = ax.contourf(xx, yy, proba, levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r",
                                 vmin=0.0, vmax=1.0)
            ax.contour(xx, yy, proba, levels=[0.5], colors="black", linewidths=1.0)
            for label, style in ((0, dict(marker="o", facecolor="white", edgecolor="black", linewidths=0.5)),
                                 (1, dict(marker="x", color="black", linewidths=0.8))):
                pts = self.X[self.y == label]
                ax.scatter(pts[:, 0], pts[:, 1], s=12, label=f"class {label}", **style)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.set_title(f"{LABELS[name]}: accuracy {self.accuracy[name]:.2f}", fontsize=9)
        maps[0].legend(loc="lower left", fontsize=7, framealpha=0.8, frameon=True)
        colorbar = bar.figure.colorbar(filled, cax=bar)
        # ticks and label on the left, in the gap between the maps: the figure's right margin is narrow
        bar.yaxis.set_ticks_position("left")
        bar.yaxis.set_label_position("left")
        colorbar.set_label("p(class 1)")


@dataclass
class HeTanhDisplay(Display):
    r"""He's :math:`\operatorname{Var}[w] = 2/n` feeding tanh: the activations settle, the error grows going down.

    The variance map of notebook 03 has the fixed point :math:`q^*`
    (``mean_field.fixed_point("tanh", 2)``) and there the gain
    :math:`\chi = 2\,\mathbb{E}[\tanh'(z)^2]` (``mean_field.backward_gain``).

    Attributes:
        run: the measured :class:`~course_utils.propagation.Propagation`.
        predicted: the mean field's :class:`~course_utils.mean_field.LayerProfile`.
        q_star, chi: the fixed point and the gain there.
        settled_std, predicted_std: mean activation std from layer ``settle`` on, measured and predicted.
        saturated, predicted_saturated: fraction of saturated units from layer ``settle`` on,
            measured and at :math:`z \sim N(0, q^*)`.
        chi_measured: geometric mean of the per-layer growth of the error's variance, from layer ``settle`` on.

    Examples:
        >>> d = HeTanhDisplay.from_run(depth=12, width=64, batch=32, settle=6, rng=0)
        >>> round(d.q_star, 3), round(d.chi, 3)
        (0.618, 1.106)
    """

    depth: int
    width: int
    settle: int
    run: Propagation
    predicted: mean_field.LayerProfile
    q_star: float
    chi: float
    settled_std: float
    predicted_std: float
    saturated: float
    predicted_saturated: float
    chi_measured: float

    preset = "pair"
    layout = (1, 2)

    @classmethod
    def from_run(cls, *, depth: int = 30, width: int = 256, batch: int = 128, settle: int = 10, rng=None):
        depth = check_positive_int("depth", depth)
        settle = check_positive_int("settle", settle)
        if settle >= depth - 1:
            raise ValueError(f"settle must be below depth - 1 = {depth - 1}, got {settle}")
        rng = check_rng(rng)
        run = signal_propagation("he_normal", "tanh", depth=depth, width=width, batch=batch, rng=rng,
                                 weight_gradients=False)
        predicted = mean_field.layer_profile("tanh", 2.0, depth, batch=batch)
        q_star = mean_field.fixed_point("tanh", 2.0)
        chi = mean_field.backward_gain("tanh", 2.0)
        # saturated: tanh'(z) = 1 - tanh(z)^2 below the threshold, i.e. |z| > z_s; P(|z| > z_s) at z ~ N(0, q*)
        z_s = math.atanh(math.sqrt(1.0 - SATURATION_THRESHOLD))
        predicted_saturated = math.erfc(z_s / math.sqrt(2.0 * q_star))
        g = run.gradient_std
        growth = (g[settle - 1:-1] / g[settle:]) ** 2        # error variance, layer l+1 -> l
        return cls(depth, width, settle, run, predicted, q_star, chi,
                   float(run.std[settle - 1:].mean()), float(predicted.std[settle - 1:].mean()),
                   float(run.saturated[settle - 1:].mean()), predicted_saturated,
                   float(np.exp(np.log(growth).mean())))

    def _draw(self, axes):
        left, right = axes
        layers = np.arange(1, self.depth + 1)
        color = _color("he_normal")
        left.plot(layers, self.run.std, ls="none", marker="o", ms=4, color=color, label="measured")
        left.plot(layers, self.predicted.std, color="black", lw=1.2, ls="--", label="mean field")
        left.set_ylim(0.0, 1.0)
        left.set_ylabel("activation std")
        left.set_title("forward: settles at the fixed point q*", fontsize=10)
        right.plot(layers, self.run.gradient_std, ls="none", marker="o", ms=4, color=color, label="measured")
        right.plot(layers, self.predicted.gradient_std, color="black", lw=1.2, ls="--", label="mean field")
        right.set_ylim(0.0, None)
        right.set_ylabel("error std (dL/dz)")
        right.set_title(f"backward: grows going down (χ = {self.chi:.3f} at q*)", fontsize=10)
        for ax in axes:
            ax.set_xlabel("layer")
            ax.legend(loc="upper right", fontsize=8)
