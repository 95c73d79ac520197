r"""Train many small networks side by side and compare initialization schemes on toy data.

:func:`~course_utils.mlp.fit_many` (re-exported here) trains several MLPs
of the same shape side by side, one stacked product per layer.

:func:`compare_schemes` uses it to train one network per (scheme, activation)
pair; :func:`course_utils.tables.accuracy_table_markdown` turns the results into a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from ._checks import check_nonnegative_int, check_positive_int, check_real
from .mlp import MLP, fit_many

__all__ = ["Run", "Comparison", "fit_many", "compare_schemes", "decision_grid"]


@dataclass(frozen=True)
class Run:
    """One trained network of a comparison.

    Attributes:
        scheme: the scheme's name in :data:`~course_utils.SCHEMES`.
        activation: the hidden activation.
        net: the trained :class:`~course_utils.MLP`.
        history: ``{"epoch", "loss", "accuracy"}`` arrays from training.
        initial_spread: ``net.hidden_unit_spread(0)`` before training.
    """

    scheme: str
    activation: str
    net: MLP
    history: Mapping[str, np.ndarray]
    initial_spread: float

    @property
    def final_loss(self) -> float:
        """Training loss after the last step."""
        return float(self.history["loss"][-1])

    @property
    def final_accuracy(self) -> float:
        """Training accuracy after the last step."""
        return float(self.history["accuracy"][-1])

    @property
    def final_spread(self) -> float:
        """Largest difference between two units of the first hidden layer after training."""
        return self.net.hidden_unit_spread(0)


@dataclass(frozen=True)
class Comparison:
    """The runs of :func:`compare_schemes`, by ``(scheme, activation)``.

    Attributes:
        schemes, activations: the names, in the order they were given.
        runs: mapping ``(scheme, activation) -> Run``.
        widths, epochs, learning_rate: the training set-up shared by every run.
    """

    schemes: tuple
    activations: tuple
    runs: Mapping[tuple, Run]
    widths: tuple
    epochs: int
    learning_rate: float

    def __getitem__(self, key) -> Run:
        return self.runs[key]

    def final_accuracy(self) -> np.ndarray:
        """Array ``(len(schemes), len(activations))`` of final training accuracies."""
        return np.array([[self.runs[s, a].final_accuracy for a in self.activations]
                         for s in self.schemes])

    def final_loss(self) -> np.ndarray:
        """Array ``(len(schemes), len(activations))`` of final training losses."""
        return np.array([[self.runs[s, a].final_loss for a in self.activations]
                         for s in self.schemes])


def compare_schemes(schemes: Iterable[str], activations: Iterable[str], X, y, *,
                    widths=(2, 16, 16, 1), epochs: int = 300, learning_rate: float = 0.5,
                    record_every: int = 5, seed: int = 0) -> Comparison:
    """Train the same network once per (scheme, activation) pair and collect the results.

    Every network is built by :class:`~course_utils.MLP` with its weights
    drawn from a Generator seeded with ``seed`` (biases zero), so two schemes
    differ only in how their weights are drawn. The networks of one activation
    are trained together by :func:`fit_many`.

    Args:
        schemes: names from :data:`~course_utils.SCHEMES`.
        activations: hidden activations, from :data:`~course_utils.ACTIVATIONS`.
        X, y: training data and 0/1 labels.
        widths: layer widths, input first and 1 last.
        epochs, learning_rate, record_every: as for :meth:`MLP.fit`.
        seed: the integer seed of every network's weights.

    Returns:
        A :class:`Comparison`.

    Examples:
        >>> from course_utils import make_circles
        >>> X, y = make_circles(200, rng=0)
        >>> c = compare_schemes(["zeros", "he_normal"], ["relu"], X, y, epochs=200)
        >>> c["zeros", "relu"].final_spread, c["zeros", "relu"].final_accuracy
        (0.0, 0.5)
        >>> c["he_normal", "relu"].final_accuracy > 0.9
        True
    """
    schemes, activations = tuple(schemes), tuple(activations)
    if not schemes or not activations:
        raise ValueError("schemes and activations must each name at least one entry")
    seed = check_nonnegative_int("seed", seed)
    runs = {}
    for activation in activations:
        nets = [MLP(widths, scheme=s, activation=activation, rng=seed) for s in schemes]
        spreads = [net.hidden_unit_spread(0) for net in nets]
        histories = fit_many(nets, X, y, epochs=epochs, learning_rate=learning_rate,
                             record_every=record_every)
        for s, net, history, spread in zip(schemes, nets, histories, spreads):
            runs[s, activation] = Run(s, activation, net, history, spread)
    return Comparison(schemes, activations, runs, tuple(widths), int(epochs), float(learning_rate))


def decision_grid(net: MLP, X, *, resolution: int = 100, margin: float = 0.3):
    """Evaluate a trained network's class-1 probability on a grid covering ``X``.

    Args:
        net: a trained MLP with two inputs.
        X: the data, shape ``(n, 2)``, whose extent (plus ``margin``) the grid covers.
        resolution: grid points per axis.
        margin: how far beyond the data the grid extends.

    Returns:
        ``(xx, yy, proba)``, each of shape ``(resolution, resolution)``, ready
        for ``ax.contourf(xx, yy, proba)``.

    Examples:
        >>> from course_utils import MLP, make_circles
        >>> X, y = make_circles(50, rng=0)
        >>> xx, yy, p = decision_grid(MLP((2, 4, 1), rng=0), X, resolution=20)
        >>> p.shape, bool(((p >= 0) & (p <= 1)).all())
        ((20, 20), True)
    """
    X = np.asarray(X, dtype=float)
    resolution = check_positive_int("resolution", resolution)
    margin = check_real("margin", margin, min_value=0.0)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    proba = net.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))
    return xx, yy, proba.reshape(xx.shape)
