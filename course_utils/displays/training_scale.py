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

__all__ = ["TrainingScaleDisplay", "DEFAULT_SCALES", "DEFAULT_OPTIMIZERS"]

#: label -> s = n Var[w]: below tanh's edge of chaos, on it, far above it.
DEFAULT_SCALES = {"too small, s = 0.25": 0.25, "right, s = 1": 1.0, "too large, s = 25": 25.0}
#: label -> (optimizer, learning rate).
DEFAULT_OPTIMIZERS = {"plain SGD, lr 0.3": ("sgd", 0.3), "Adam, lr 0.003": ("adam", 0.003)}
_STYLES = ("o-", "s--", "^:")


def _sampler(weight_var):
    return partial(variance_scaling, scale=weight_var, mode="fan_in", distribution="untruncated_normal")


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
        data_seed = check_positive_int("data_seed", data_seed + 1) - 1
        X, y = make_circles(n_train, rng=data_seed)
        X_test, y_test = make_circles(n_test, rng=data_seed + 1)
        widths = (2,) + (width,) * depth + (1,)
        self.histories, self.final_loss, self.test_accuracy = {}, {}, {}
        self.weight_gradient_rms = {}
        for label, s in self.scales.items():
            net = MLP(widths, scheme=_sampler(s), activation=self.activation, rng=seed)
            _, grads = net.loss_and_gradients(X, y)
            self.weight_gradient_rms[label] = np.array([np.sqrt(np.mean(dw ** 2)) for dw, _ in grads[:-1]])
        for opt_label, (opt, lr) in self.optimizers.items():
            nets = [MLP(widths, scheme=_sampler(s), activation=self.activation, rng=seed)
                    for s in self.scales.values()]
            with np.errstate(over="ignore", invalid="ignore"):
                runs = fit_many(nets, X, y, epochs=self.epochs, learning_rate=lr, optimizer=opt,
                                record_every=5)
            for label, net, history in zip(self.scales, nets, runs):
                key = (opt_label, label)
                self.histories[key] = history
                self.final_loss[key] = float(history["loss"][-1])
                self.test_accuracy[key] = net.accuracy(X_test, y_test)
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
            ax.set_ylim(0, 1.2)
            ax.legend(fontsize=8, loc="upper right")
        np.ravel(axes)[0].set_ylabel("training loss (cross-entropy)")
