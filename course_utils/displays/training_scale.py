r"""Notebook 03's training figure: one deep network trained from three weight scales, under two optimizers.

Every network has weights :math:`\mathcal N(0, s/n)` (``n`` = fan-in, so
:math:`n \operatorname{Var}[w] = s` in every layer) drawn from the same seed,
so the networks differ only in :math:`s`; all train full-batch with
:func:`course_utils.mlp.fit_many` on the same ring data
(:func:`course_utils.data.make_circles`) and are scored on held-out points.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .._checks import check_choice, check_positive_int, check_real
from ..activations import ACTIVATIONS
from ..data import make_circles
from ..initializers import variance_scaling
from ..mlp import MLP, OPTIMIZERS, fit_many
from . import Display

__all__ = ["TrainingScaleDisplay", "DEFAULT_SCALES", "DEFAULT_OPTIMIZERS", "train_at_scales",
           "initial_weight_gradient_rms"]

#: label -> s = n Var[w]: below tanh's edge of chaos, on it, far above it.
DEFAULT_SCALES = {"too small, s = 0.25": 0.25, "right, s = 1": 1.0, "too large, s = 25": 25.0}
#: label -> (optimizer, learning rate).
DEFAULT_OPTIMIZERS = {"plain SGD, lr 0.3": ("sgd", 0.3), "Adam, lr 0.003": ("adam", 0.003)}
_STYLES = ("o-", "s--", "^:")


def _sampler(weight_var):
    return partial(variance_scaling, scale=weight_var, mode="fan_in", distribution="untruncated_normal")


def train_at_scales(activation: str, weight_vars, *, optimizer: str = "sgd", learning_rate: float = 0.3,
                    depth: int = 10, width: int = 32, epochs: int = 200, seeds=(0,), n_train: int = 200,
                    n_test: int = 400, data_seed: int = 0, record_every: int = 5):
    r"""Train one network per (seed, weight variance) side by side; return their histories and scores.

    Every network has ``depth`` hidden layers of ``width`` and weights :math:`\mathcal N(0, s/n)`
    drawn from its seed (the networks of one seed differ only in :math:`s`). All train in one
    :func:`~course_utils.mlp.fit_many` call, full batch, on ``n_train`` ring points and are scored
    on ``n_test`` held-out ones.

    Returns:
        ``(histories, final_loss, test_accuracy)``: a list (seed-major, then weight variance) of
        histories, and two arrays of shape ``(len(seeds), len(weight_vars))``.

    Examples:
        >>> _, loss, acc = train_at_scales("tanh", (0.25, 1.0), depth=3, width=8, epochs=5,
        ...                                seeds=(0, 1), n_train=40, n_test=40)
        >>> loss.shape, acc.shape
        ((2, 2), (2, 2))
    """
    activation = check_choice("activation", activation, ACTIVATIONS)
    weight_vars = [check_real("weight_vars", s, min_value=0.0, allow_equal=False) for s in weight_vars]
    seeds = list(seeds)
    if not seeds or not weight_vars:
        raise ValueError("seeds and weight_vars must each hold at least one value")
    X, y = make_circles(n_train, rng=data_seed)
    X_test, y_test = make_circles(n_test, rng=data_seed + 1)
    widths = (2,) + (check_positive_int("width", width),) * check_positive_int("depth", depth) + (1,)
    nets = [MLP(widths, scheme=_sampler(s), activation=activation, rng=seed)
            for seed in seeds for s in weight_vars]
    with np.errstate(over="ignore", invalid="ignore"):
        histories = fit_many(nets, X, y, epochs=epochs, learning_rate=learning_rate,
                             optimizer=optimizer, record_every=record_every)
    shape = (len(seeds), len(weight_vars))
    final = np.array([h["loss"][-1] for h in histories]).reshape(shape)
    accuracy = np.array([net.accuracy(X_test, y_test) for net in nets]).reshape(shape)
    return histories, final, accuracy


def initial_weight_gradient_rms(activation: str, weight_var: float, *, depth: int = 10, width: int = 32,
                                seed=0, n_train: int = 200, data_seed: int = 0) -> np.ndarray:
    """Return, per hidden layer, the RMS of the weight gradient of a fresh network (before any step).

    Examples:
        >>> initial_weight_gradient_rms("tanh", 1.0, depth=3, width=8, n_train=40).shape
        (3,)
    """
    X, y = make_circles(n_train, rng=data_seed)
    widths = (2,) + (check_positive_int("width", width),) * check_positive_int("depth", depth) + (1,)
    net = MLP(widths, scheme=_sampler(weight_var), activation=activation, rng=seed)
    _, grads = net.loss_and_gradients(X, y)
    return np.array([np.sqrt(np.mean(dw ** 2)) for dw, _ in grads[:-1]])


class TrainingScaleDisplay(Display):
    r"""Loss curves of a deep MLP trained from a too-small, a right and a too-large weight scale.

    Attributes (set by :meth:`from_run`):
        scales: ``label -> s``; optimizers: ``label -> (optimizer, learning rate)``.
        histories: ``(optimizer label, scale label) ->`` the history of :func:`~course_utils.mlp.fit_many`.
        final_loss, test_accuracy: the same keys -> the training loss after the last step and the
            accuracy on ``n_test`` held-out points.
        weight_gradient_rms: ``scale label ->`` per layer, the RMS of the weight gradient at
            initialization (before any step): level across layers or not, and how small.

    Examples:
        >>> d = TrainingScaleDisplay.from_run(depth=3, width=8, epochs=20, n_train=50, n_test=50)
        >>> sorted(d.final_loss) == sorted(d.histories)
        True
    """

    preset = "pair"
    layout = (1, 2)
    subplots_kwargs = {"sharey": True}

    @classmethod
    def from_run(cls, activation: str = "tanh", *, scales=None, optimizers=None, depth: int = 10,
                 width: int = 32, epochs: int = 200, n_train: int = 200, n_test: int = 400,
                 seed=0, data_seed: int = 0):
        """Train one network per scale and optimizer; score each on held-out ring points."""
        self = cls()
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.scales = dict(DEFAULT_SCALES if scales is None else scales)
        self.optimizers = dict(DEFAULT_OPTIMIZERS if optimizers is None else optimizers)
        for label, s in self.scales.items():
            check_real(f"scales[{label!r}]", s, min_value=0.0, allow_equal=False)
        for label, (opt, lr) in self.optimizers.items():
            check_choice(f"optimizers[{label!r}]", opt, OPTIMIZERS)
            check_real(f"optimizers[{label!r}] learning rate", lr, min_value=0.0, allow_equal=False)
        depth, width = check_positive_int("depth", depth), check_positive_int("width", width)
        self.depth, self.width, self.epochs = depth, width, check_positive_int("epochs", epochs)
        self.histories, self.final_loss, self.test_accuracy = {}, {}, {}
        self.weight_gradient_rms = {
            label: initial_weight_gradient_rms(self.activation, s, depth=depth, width=width, seed=seed,
                                               n_train=n_train, data_seed=data_seed)
            for label, s in self.scales.items()}
        for opt_label, (opt, lr) in self.optimizers.items():
            runs, final, accuracy = train_at_scales(
                self.activation, self.scales.values(), optimizer=opt, learning_rate=lr, depth=depth,
                width=width, epochs=self.epochs, seeds=(seed,), n_train=n_train, n_test=n_test,
                data_seed=data_seed)
            for k, label in enumerate(self.scales):
                key = (opt_label, label)
                self.histories[key] = runs[k]
                self.final_loss[key] = float(final[0, k])
                self.test_accuracy[key] = float(accuracy[0, k])
        return self

    def _draw(self, axes):
        for ax, opt_label in zip(np.ravel(axes), self.optimizers):
            for k, label in enumerate(self.scales):
                h = self.histories[opt_label, label]
                ax.plot(h["epoch"], h["loss"], _STYLES[k % 3], color=f"C{k}", ms=3, markevery=4,
                        label=f"{label}: held-out accuracy {self.test_accuracy[opt_label, label]:.2f}")
            ax.set_title(f"{opt_label}, {self.activation}, {self.depth} layers of {self.width}",
                         fontsize=10)
            ax.set_xlabel("training step (full batch)")
            ax.set_ylim(0, 2.4)      # the too-large scale starts near 2.3
            ax.legend(fontsize=8, loc="upper right")
        np.ravel(axes)[0].set_ylabel("training loss (cross-entropy)")
