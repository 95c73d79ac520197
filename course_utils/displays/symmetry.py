"""Notebook 02's figures: symmetric starts, what keeps a layer's units identical, and what breaks it.

Each display trains with the course's one training loop
(:func:`course_utils.mlp.fit_many`) and keeps the numbers its figure shows:

- :class:`RingsDisplay`: the two rings the notebook trains on;
- :class:`StartsDisplay`: the (2, 8, 1) network trained from zeros, a constant
  and random weights; its first hidden layer afterwards, one heatmap per start;
- :class:`CurvesDisplay`: their loss and accuracy along the run;
- :class:`DropoutDisplay`: the constant start trained with and without dropout,
  the spread between units along the run;
- :class:`NoiseDisplay`: the constant start plus a little noise
  (:func:`course_utils.panels.symmetry.symmetry_run`), the spread along the run.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from .._checks import check_positive_int, check_real, check_rng
from ..initializers import constant
from ..mlp import MLP, fit_many
from ..panels.symmetry import symmetry_run
from . import Display

__all__ = ["RingsDisplay", "StartsDisplay", "CurvesDisplay", "DropoutDisplay", "NoiseDisplay",
           "START_STYLES", "START_LABELS"]

#: What a figure calls each start: the framework name of the random scheme (PyTorch's
#: ``xavier_uniform_``, Keras's ``GlorotUniform``), not the tutorial's "normalized xavier".
START_LABELS = {"zeros": "zeros", "constant": "constant 0.5",
                "normalized_xavier": "random (Glorot uniform)"}

#: How each start is drawn: the symmetric curves coincide, so one is wide and pale
#: underneath and the other dashed on top.
START_STYLES = {"zeros": {"lw": 5, "alpha": 0.45, "color": "tab:gray"},
                "constant": {"ls": "--", "color": "tab:orange"},
                "normalized_xavier": {"ls": "-", "color": "tab:blue"},
                "no dropout": {"ls": "--", "color": "tab:orange"},
                "dropout": {"ls": "-", "marker": "o", "ms": 3, "color": "tab:green"}}


class RingsDisplay(Display):
    """Two noisy concentric rings (class 0 outside, class 1 inside) as a scatter plot.

    Attributes:
        X, y: the points and labels.
        counts: points per class.

    Examples:
        >>> from course_utils.data import make_circles
        >>> d = RingsDisplay.from_data(*make_circles(40, rng=0))
        >>> d.counts.tolist()
        [20, 20]
    """

    def __init__(self, X, y):
        self.X, self.y = np.asarray(X, dtype=float), np.asarray(y).astype(int)
        self.counts = np.bincount(self.y, minlength=2)

    @classmethod
    def from_data(cls, X, y) -> "RingsDisplay":
        """Keep the data ``X`` (n, 2) and its 0/1 labels ``y``."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
            raise ValueError(f"X must have shape (n, 2) with one label per row, got {X.shape} "
                             f"and {len(y)} labels")
        return cls(X, y)

    def _draw(self, ax) -> None:
        for label, marker, name in ((0, "o", "class 0 (outer ring)"), (1, "^", "class 1 (inner ring)")):
            ax.scatter(*self.X[self.y == label].T, s=12, marker=marker, label=name)
        # Equal scales shrink the box to a square around the data (no empty axis beside the
        # rings); the legend sits in the figure's free width to its right.
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), borderaxespad=0.0)


class StartsDisplay(Display):
    """The (2, width, 1) network trained from several starts; its first hidden layer afterwards.

    Attributes:
        starts: the scheme names, in order.
        nets, histories: the trained :class:`~course_utils.MLP` and its history, per start.
        spread: :meth:`~course_utils.MLP.hidden_unit_spread` of the first hidden layer, per start.
        accuracy, loss: the training accuracy and loss after the run, per start.

    Examples:
        >>> from course_utils.data import make_circles
        >>> X, y = make_circles(60, rng=0)
        >>> d = StartsDisplay.from_run(X, y, epochs=50, rng=0)
        >>> d.spread["zeros"], d.spread["constant"], bool(d.spread["normalized_xavier"] > 0)
        (0.0, 0.0, True)
    """

    preset, layout = "row3", (1, 3)

    def __init__(self, nets, histories):
        self.starts = tuple(nets)
        self.nets, self.histories = dict(nets), dict(histories)
        self.spread = {s: net.hidden_unit_spread(0) for s, net in self.nets.items()}
        self.accuracy = {s: float(h["accuracy"][-1]) for s, h in self.histories.items()}
        self.loss = {s: float(h["loss"][-1]) for s, h in self.histories.items()}

    @classmethod
    def from_run(cls, X, y, *, starts=("zeros", "constant", "normalized_xavier"), width: int = 8,
                 activation: str = "tanh", epochs: int = 300, learning_rate: float = 0.5,
                 record_every: int = 10, rng=None) -> "StartsDisplay":
        """Draw one network per start (biases 0) from ``rng`` and train them side by side."""
        rng = check_rng(rng)
        width = check_positive_int("width", width)
        nets = {s: MLP((2, width, 1), scheme=s, activation=activation, rng=rng) for s in starts}
        histories = fit_many(list(nets.values()), X, y, epochs=epochs, learning_rate=learning_rate,
                             record_every=record_every)
        return cls(nets, dict(zip(starts, histories)))

    def _draw(self, axes) -> None:
        from ..plots import weight_heatmap

        for i, (ax, start) in enumerate(zip(np.ravel(axes), self.starts)):
            net = self.nets[start]
            rows = np.vstack([net.weights[0], net.biases[0][None, :]])
            vmax = float(np.max(np.abs(rows))) or 1.0
            # Each panel has its own colour scale (0 white) and prints its values, so equal
            # columns read as equal numbers, without a colour bar per panel.
            weight_heatmap(ax, net.weights[0], bias=net.biases[0], vmax=vmax, colorbar=False)
            for (r, c), v in np.ndenumerate(rows):
                ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(v) > 0.6 * vmax else "black")
            if i:
                ax.tick_params(labelleft=False)
            ax.set_title(f"{START_LABELS.get(start, start)}: spread {self.spread[start]:.3g}",
                         fontsize=10)


class CurvesDisplay(Display):
    """Loss (left) and accuracy (right) along training runs, with ln 2 (chance) marked.

    Attributes:
        histories: ``label -> {"epoch", "loss", "accuracy"}``.
        final_loss, final_accuracy: the last recorded values, per label.

    Examples:
        >>> h = {"epoch": np.array([0, 10]), "loss": np.array([0.7, 0.5]),
        ...      "accuracy": np.array([0.5, 0.8])}
        >>> CurvesDisplay.from_histories({"run": h}).final_accuracy
        {'run': 0.8}
    """

    preset, layout = "pair", (1, 2)

    def __init__(self, histories):
        self.histories = dict(histories)
        self.final_loss = {k: float(h["loss"][-1]) for k, h in self.histories.items()}
        self.final_accuracy = {k: float(h["accuracy"][-1]) for k, h in self.histories.items()}

    @classmethod
    def from_histories(cls, histories) -> "CurvesDisplay":
        """Keep ``label -> history`` as returned by :meth:`~course_utils.MLP.fit`."""
        if not histories:
            raise ValueError("histories must hold at least one run, got none")
        return cls(histories)

    def _draw(self, axes) -> None:
        ax_loss, ax_acc = np.ravel(axes)
        for label, h in self.histories.items():
            style = START_STYLES.get(label, {})
            name = START_LABELS.get(label, label)
            ax_loss.plot(h["epoch"], h["loss"], label=name, **style)
            ax_acc.plot(h["epoch"], h["accuracy"], label=name, **style)
        ax_loss.axhline(math.log(2), color="black", lw=1.2, ls=":", zorder=5, label="ln 2 (chance)")
        for ax, name in ((ax_loss, "training loss (cross-entropy)"), (ax_acc, "training accuracy")):
            ax.set_xlabel("training step (full-batch gradient descent)")
            ax.set_ylabel(name)
        ax_loss.legend()


def _spread_along(nets, X, y, *, steps, chunk, learning_rate, dropout, rng):
    """Train ``nets`` in chunks of ``chunk`` steps; the spread and accuracy of each after every chunk."""
    spreads = [[net.hidden_unit_spread(0) for net in nets]]
    accuracy = [[net.accuracy(X, y) for net in nets]]
    for _ in range(steps // chunk):
        fit_many(nets, X, y, epochs=chunk, learning_rate=learning_rate, record_every=chunk,
                 dropout=dropout, rng=rng)
        spreads.append([net.hidden_unit_spread(0) for net in nets])
        accuracy.append([net.accuracy(X, y) for net in nets])
    return np.array(spreads), np.array(accuracy)


class DropoutDisplay(Display):
    """The constant start trained with and without dropout: the spread between units along the run.

    Both networks start from the same constant ``value`` (biases 0) and take the
    same full-batch gradient-descent steps; one of them drops each hidden unit
    with probability ``dropout`` at every step (a different random mask per unit
    and example), which treats the units differently.

    Attributes:
        checkpoints: the steps at which the spread was measured.
        spread, accuracy: ``{"no dropout": array, "dropout": array}`` along the run
            (the accuracy of the whole network, without dropout).

    Examples:
        >>> from course_utils.data import make_circles
        >>> X, y = make_circles(60, rng=0)
        >>> d = DropoutDisplay.from_run(X, y, steps=100, chunk=50, rng=0)
        >>> float(d.spread["no dropout"][-1]), bool(d.spread["dropout"][-1] > 0.01)
        (0.0, True)
    """

    preset, layout = "pair", (1, 2)

    def __init__(self, checkpoints, spread, accuracy):
        self.checkpoints, self.spread, self.accuracy = checkpoints, spread, accuracy

    @classmethod
    def from_run(cls, X, y, *, value: float = 0.5, width: int = 8, activation: str = "tanh",
                 steps: int = 1000, chunk: int = 50, learning_rate: float = 1.0,
                 dropout: float = 0.5, rng=None) -> "DropoutDisplay":
        """Train the two (2, width, 1) networks from ``value`` for ``steps`` steps; ``rng`` draws the masks."""
        value = check_real("value", value)
        steps, chunk = check_positive_int("steps", steps), check_positive_int("chunk", chunk)
        if steps % chunk:
            raise ValueError(f"steps must be a multiple of chunk, got {steps} and {chunk}")
        rng = check_rng(rng)
        spread, accuracy = {}, {}
        for label, p in (("no dropout", 0.0), ("dropout", dropout)):
            net = MLP((2, width, 1), scheme=partial(constant, value=value), activation=activation)
            s, a = _spread_along([net], X, y, steps=steps, chunk=chunk,
                                 learning_rate=learning_rate, dropout=p, rng=rng if p else None)
            spread[label], accuracy[label] = s[:, 0], a[:, 0]
        return cls(np.arange(0, steps + 1, chunk), spread, accuracy)

    def _draw(self, axes) -> None:
        ax_spread, ax_acc = np.ravel(axes)
        for label in ("no dropout", "dropout"):
            style = START_STYLES[label]
            ax_spread.plot(self.checkpoints, self.spread[label], label=label, **style)
            ax_acc.plot(self.checkpoints, self.accuracy[label], label=label, **style)
        ax_spread.set_yscale("symlog", linthresh=1e-2)
        ax_spread.set_ylabel("spread between hidden units")
        ax_acc.set_ylabel("training accuracy")
        for ax in (ax_spread, ax_acc):
            ax.set_xlabel("training step")
        ax_spread.legend(loc="upper left")


class NoiseDisplay(Display):
    """The constant start plus Gaussian noise: each noise level's range over units of the weight from x₁.

    Attributes:
        runs: ``noise -> SymmetryRun`` (:func:`~course_utils.panels.symmetry.symmetry_run`).
        spread_start, spread_end, accuracy: per noise level.

    Examples:
        >>> d = NoiseDisplay.from_runs((0.0, 0.1), steps=40, record_every=20)
        >>> d.spread_end[0.0], bool(d.spread_end[0.1] > d.spread_start[0.1])
        (0.0, True)
    """

    markers = ("o", "s", "^", "D")

    def __init__(self, runs):
        self.runs = dict(runs)
        self.spread_start = {n: r.spread_start for n, r in self.runs.items()}
        self.spread_end = {n: r.spread_end for n, r in self.runs.items()}
        self.accuracy = {n: r.accuracy for n, r in self.runs.items()}

    @classmethod
    def from_runs(cls, noises=(0.0, 1e-3, 1e-2, 0.1), *, value: float = 0.5, width: int = 8,
                  steps: int = 300, record_every: int = 10, learning_rate: float = 1.5) -> "NoiseDisplay":
        """One :func:`symmetry_run` per noise level (64 ring points, seed 0)."""
        return cls({n: symmetry_run(value, width, n, steps=steps, record_every=record_every,
                                    learning_rate=learning_rate) for n in noises})

    def _draw(self, ax) -> None:
        noisy = [n for n in self.runs if n > 0]
        for noise, marker in zip(noisy, self.markers):
            r = self.runs[noise]
            ax.semilogy(r.checkpoints, np.ptp(r.path, axis=1), marker=marker, ms=3,
                        label=f"noise std {noise:g}")
        ax.set_xlabel("training step")
        ax.set_ylabel("weight from x₁: range over units")
        ax.legend(loc="lower right")
