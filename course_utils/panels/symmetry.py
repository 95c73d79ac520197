"""Model of notebook 02's panel: train a small MLP from a constant and measure its hidden units.

Numpy only. Every weight of a (2, width, 1) MLP starts at the constant ``c``
plus optional ``N(0, noise^2)`` noise, biases at 0; the net is trained with
full-batch gradient descent on the circles data. The model returns the first
hidden layer after training, each unit's weight from ``x1`` along the run, and
the spread between units (:meth:`course_utils.MLP.hidden_unit_spread`) before
and after. Without noise the spread is exactly 0 at every step, whatever
``c``, the width or the activation: gradient descent keeps identical units
identical. With noise, training amplifies the initial differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .._checks import check_choice, check_positive_int, check_real
from ..data import make_circles
from ..initializers import random_normal
from ..mlp import MLP
from .shared import Caption, child_seeds, fmt

__all__ = ["NOISE_LEVELS", "SymmetryRun", "symmetry_run", "symmetry_caption"]

#: The noise options of the panel: (label, std of the noise added to the constant).
#: 0.001 barely moves in 40 steps (width 8, tanh: spread 0.0027 -> 0.027, invisible on the
#: deviation axis); 0.01 and 0.1 visibly split (0.027 -> 0.29 and 0.27 -> 1.9).
NOISE_LEVELS = (("none (pure constant)", 0.0), ("0.001", 1e-3), ("0.01", 1e-2), ("0.1", 0.1))

#: Fixed scales of the panel, so that settings compare: heatmap colours; the
#: deviation axis (symmetric log, linear within ±DEVIATION_LINEAR).
HEATMAP_VMAX, DEVIATION_YLIM, DEVIATION_LINEAR = 1.5, 2.0, 1e-3


@dataclass(frozen=True)
class SymmetryRun:
    """What notebook 02's panel shows.

    Attributes:
        value, width, noise, activation, steps: the setting.
        first_layer: the first hidden layer after training, shape ``(3, width)``
            (rows: weights from x1, from x2, the bias).
        checkpoints: the steps at which ``path`` was recorded.
        path: each unit's weight from x1 at the checkpoints, shape ``(len(checkpoints), width)``.
        deviation: ``path`` minus its mean over the units (exactly 0 while the units are identical).
        spread_start, spread_end: :meth:`~course_utils.MLP.hidden_unit_spread` of
            the first hidden layer before and after training.
        moved: the largest change of a weight from x1 over the run.
        accuracy: the training accuracy after the run.
    """

    value: float
    width: int
    noise: float
    activation: str
    steps: int
    first_layer: np.ndarray
    checkpoints: np.ndarray
    path: np.ndarray
    deviation: np.ndarray
    spread_start: float
    spread_end: float
    moved: float
    accuracy: float

    @property
    def symmetric(self) -> bool:
        """Whether every hidden unit is still the same function (spread exactly 0)."""
        return self.spread_end == 0.0


def symmetry_run(value: float = 0.5, width: int = 8, noise: float = 0.0,
                 activation: str = "tanh", *, steps: int = 40, record_every: int = 4,
                 learning_rate: float = 3.0, n_samples: int = 64, seed: int = 0) -> SymmetryRun:
    """Train the (2, width, 1) MLP from the constant ``value`` (+ noise) and record its units.

    Examples:
        >>> r = symmetry_run(0.5, 8, 0.0)
        >>> r.spread_start, r.spread_end, r.first_layer.shape
        (0.0, 0.0, (3, 8))
        >>> noisy = symmetry_run(0.5, 8, 0.1)
        >>> bool(noisy.spread_end > 5 * noisy.spread_start > 0)
        True
    """
    value = check_real("value", value)
    width = check_positive_int("width", width)
    noise = check_real("noise", noise, min_value=0.0)
    activation = check_choice("activation", activation, ("tanh", "sigmoid"))
    steps, record_every = check_positive_int("steps", steps), check_positive_int("record_every", record_every)
    if steps % record_every:
        raise ValueError(f"steps must be a multiple of record_every, got {steps} and {record_every}")
    data_seed, weight_seed = child_seeds(seed, "data", "weights")
    X, y = make_circles(n_samples, rng=data_seed)
    net = MLP((2, width, 1), scheme=partial(random_normal, mean=value, std=noise),
              activation=activation, rng=weight_seed)
    spread_start = net.hidden_unit_spread(0)
    path = [net.weights[0][0].copy()]
    for _ in range(steps // record_every):
        history = net.fit(X, y, epochs=record_every, learning_rate=learning_rate,
                          record_every=record_every)
        path.append(net.weights[0][0].copy())
    path = np.array(path)
    return SymmetryRun(
        value=value, width=width, noise=noise, activation=activation, steps=steps,
        first_layer=np.vstack([net.weights[0], net.biases[0][None, :]]),
        checkpoints=np.arange(0, steps + 1, record_every), path=path,
        deviation=path - path.mean(axis=1, keepdims=True),
        spread_start=spread_start, spread_end=net.hidden_unit_spread(0),
        moved=float(np.max(np.abs(path[-1] - path[0]))), accuracy=float(history["accuracy"][-1]))


def symmetry_caption(r: SymmetryRun) -> Caption:
    """The caption of notebook 02's panel.

    Examples:
        >>> print(symmetry_caption(symmetry_run(0.5, 8, 0.0)).text())   # doctest: +ELLIPSIS
        After 40 steps (tanh, c = 0.5, noise std 0): spread between units 0 -> 0. Every unit ...
    """
    if r.symmetric:
        verdict = (f"Every unit is still the same function: the {r.width} lines lie on top of "
                   f"each other at 0 and the layer acts like one unit.")
    else:
        verdict = (f"The units differ: training amplified the initial spread "
                   f"{fmt(r.spread_end / r.spread_start) if r.spread_start else '∞'} times.")
    return Caption(
        f"After {r.steps} steps ({r.activation}, c = {r.value:g}, noise std {r.noise:g}): "
        f"spread between units {fmt(r.spread_start)} -> {fmt(r.spread_end)}",
        (verdict, f"Weights from x₁ moved by up to {fmt(r.moved)}; training accuracy "
                  f"{r.accuracy:.2f}."),
        notes=(f"Fixed scales so that settings compare: colours ±{HEATMAP_VMAX:g}; right, each "
               f"unit's weight from x₁ minus the mean over units on a symmetric log axis "
               f"(linear within ±{DEVIATION_LINEAR:g}, up to ±{DEVIATION_YLIM:g}). Spread: the "
               f"largest difference between a unit's incoming weights (and bias) and the "
               f"first unit's.",))
