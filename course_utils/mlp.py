r"""A small multilayer perceptron for binary classification, and the course's one training loop.

Weights have the Keras layout ``(fan_in, fan_out)``: a layer is
``z = a @ W + b``. :func:`fit_many` trains several networks side by side
(plain gradient descent or Adam, optional dropout); :meth:`MLP.fit` is it for
one network.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ._checks import check_choice, check_positive_int, check_real, check_rng
from ._wasm import matmul
from .activations import ACTIVATIONS, activate, activation_derivative
from .propagation import SchemeLike, check_widths, resolve_scheme

__all__ = ["MLP", "fit_many", "OPTIMIZERS", "ADAM_BETAS", "ADAM_EPS"]


def _logit_loss(s: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Mean binary cross-entropy from logits, :math:`\operatorname{softplus}(s) - y s`, over the last axis.

    ``softplus(s) = log(1 + e^s)`` is computed as ``logaddexp(0, s)``, so it never overflows.
    """
    return np.mean(np.logaddexp(0.0, s) - y * s, axis=-1)


def _forward_stack(W, B, X, activation):
    """Forward pass of ``k`` stacked networks: ``W[l]`` is ``(k, n, m)``, ``B[l]`` ``(k, 1, m)``.

    Returns the cache ``[(z, a), ...]`` per layer (``(None, X)`` first); the last
    ``a`` is the logit, shape ``(k, n_samples, 1)``.
    """
    cache = [(None, X)]
    a = X
    last = len(W) - 1
    for i, (w, b) in enumerate(zip(W, B)):
        z = matmul(a, w) + b
        a = z if i == last else activate(activation, z)
        cache.append((z, a))
    return cache


def _backward_stack(W, cache, y, activation):
    """Backpropagation of :func:`_logit_loss` through ``k`` stacked networks.

    Returns ``[(dW, dB), ...]`` per layer, shaped like ``W[l]`` and ``B[l]``.
    """
    s = cache[-1][1][..., 0]
    delta = ((activate("sigmoid", s) - y) / y.shape[-1])[..., None]       # dL/ds
    grads = []
    for i in range(len(W) - 1, -1, -1):
        a_prev = cache[i][1]
        grads.append((matmul(np.swapaxes(a_prev, -1, -2), delta), delta.sum(axis=-2, keepdims=True)))
        if i:
            w_t = np.swapaxes(W[i], -1, -2)
            # One output unit (the logit layer): the product sums a single term, so the
            # broadcast product is the same numbers, without matmul's slow path for k = 1.
            back = delta * w_t if w_t.shape[-2] == 1 else matmul(delta, w_t)
            delta = back * activation_derivative(activation, cache[i][0], a_prev)
    return grads[::-1]


#: The optimizers of :func:`fit_many`: full-batch gradient descent and Adam.
OPTIMIZERS = ("sgd", "adam")
#: Adam's constants (Kingma & Ba 2015, Algorithm 1), as PyTorch's and Keras's defaults.
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def _stacked(nets):
    """The weights ``(k, n, m)`` and biases ``(k, 1, m)`` of ``k`` networks, stacked (copies)."""
    W = [np.stack([net.weights[i] for net in nets]) for i in range(len(nets[0].weights))]
    B = [np.stack([net.biases[i] for net in nets])[:, None, :] for i in range(len(W))]
    return W, B


def _dropout_forward(W, B, X, activation, keep, rng):
    """Forward pass with inverted dropout on every hidden layer (each unit kept with probability ``keep``)."""
    cache = [(None, X)]
    a = X
    last = len(W) - 1
    for i, (w, b) in enumerate(zip(W, B)):
        z = matmul(a, w) + b
        if i == last:
            a = z
        else:
            mask = (rng.random(z.shape) < keep) / keep
            a = activate(activation, z) * mask
            # The derivative of the masked unit carries the mask: keep it in z's slot.
            z = (z, mask)
        cache.append((z, a))
    return cache


def _dropout_backward(W, cache, y, activation):
    """:func:`_backward_stack` through the masks that :func:`_dropout_forward` drew."""
    s = cache[-1][1][..., 0]
    delta = ((activate("sigmoid", s) - y) / y.shape[-1])[..., None]
    grads = []
    for i in range(len(W) - 1, -1, -1):
        a_prev = cache[i][1]
        grads.append((matmul(np.swapaxes(a_prev, -1, -2), delta), delta.sum(axis=-2, keepdims=True)))
        if i:
            z, mask = cache[i][0]
            delta = matmul(delta, np.swapaxes(W[i], -1, -2)) * activation_derivative(activation, z) * mask
    return grads[::-1]


def fit_many(nets: Sequence["MLP"], X, y, *, epochs: int = 300, learning_rate: float = 0.5,
             record_every: int = 1, optimizer: str = "sgd", dropout: float = 0.0,
             rng=None) -> list[dict]:
    r"""Train several networks of the same shape side by side, in place, on one batch ``(X, y)``.

    The one training loop of the course: :meth:`MLP.fit` calls it with one
    network. All networks see the same full batch every step (one stacked
    product per layer, so ten networks cost little more than one).

    Steps, for every parameter :math:`\theta` with gradient :math:`g_t`:

    - ``"sgd"``: :math:`\theta \leftarrow \theta - \eta g_t`.
    - ``"adam"`` (Kingma & Ba 2015): :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
      :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
      :math:`\theta \leftarrow \theta - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)` with
      the bias-corrected :math:`\hat m_t = m_t / (1-\beta_1^t)`, :math:`\hat v_t = v_t / (1-\beta_2^t)`;
      :math:`\beta = (0.9, 0.999)`, :math:`\epsilon = 10^{-8}`. Each parameter's step is
      about :math:`\eta` whatever the size of its gradient.

    ``dropout = p > 0`` zeroes each hidden unit with probability ``p`` at every
    training step and scales the kept ones by :math:`1/(1-p)` (inverted
    dropout); the recorded loss and accuracy are those of the whole network.

    Args:
        nets: :class:`MLP` instances with the same ``widths`` and ``activation``.
        X, y: training data and 0/1 labels.
        epochs: number of steps.
        learning_rate: step size :math:`\eta`, a finite number > 0.
        record_every: record loss and accuracy every this many steps.
        optimizer: one of :data:`OPTIMIZERS`.
        dropout: probability of dropping a hidden unit, in [0, 1).
        rng: Generator or seed for the dropout masks (required when ``dropout > 0``).

    Returns:
        One history per network: ``{"epoch", "loss", "accuracy"}`` arrays, the
        values before each recorded step and after the last one.

    Examples:
        >>> from course_utils.data import make_circles
        >>> X, y = make_circles(100, rng=0)
        >>> nets = [MLP((2, 8, 1), scheme=s, activation="tanh", rng=0)
        ...         for s in ("zeros", "he_normal")]
        >>> histories = fit_many(nets, X, y, epochs=50, learning_rate=0.5)
        >>> [round(float(h["loss"][-1]), 3) for h in histories]   # zeros: stuck at log 2
        [0.693, 0.64]
        >>> adam = fit_many([MLP((2, 8, 1), rng=0)], X, y, epochs=50, learning_rate=0.01,
        ...                 optimizer="adam")
        >>> bool(adam[0]["loss"][-1] < adam[0]["loss"][0])
        True
    """
    nets = list(nets)
    if not nets:
        raise ValueError("nets must hold at least one MLP, got none")
    first = nets[0]
    for net in nets:
        if not isinstance(net, MLP):
            raise TypeError(f"nets must be MLP instances, got {net!r}")
        if net.widths != first.widths or net.activation != first.activation:
            raise ValueError("every net must have the same widths and activation; got "
                             f"{first.widths}/{first.activation} and {net.widths}/{net.activation}")
    X, y = first._check_xy(X, y)
    epochs = check_positive_int("epochs", epochs)
    learning_rate = check_real("learning_rate", learning_rate, min_value=0.0, allow_equal=False)
    record_every = check_positive_int("record_every", record_every)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    dropout = check_real("dropout", dropout, min_value=0.0)
    if dropout >= 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if dropout > 0.0:
        if rng is None:
            raise ValueError("rng must be given (a seed or a Generator) when dropout > 0: "
                             "the dropout masks are random draws")
        rng = check_rng(rng)

    activation = first.activation
    W, B = _stacked(nets)
    params = [p for pair in zip(W, B) for p in pair]
    if optimizer == "adam":
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        (beta1, beta2), eps = ADAM_BETAS, ADAM_EPS
    records = {"epoch": [], "loss": [], "accuracy": []}
    for epoch in range(epochs + 1):
        recording = epoch % record_every == 0 or epoch == epochs
        cache = None
        if recording or dropout == 0.0:
            cache = _forward_stack(W, B, X, activation)
        if recording:
            s = cache[-1][1][..., 0]                                      # (k, n_samples)
            records["epoch"].append(epoch)
            records["loss"].append(_logit_loss(s, y))
            records["accuracy"].append(np.mean((s > 0) == (y > 0.5), axis=-1))
        if epoch == epochs:
            break
        if dropout > 0.0:
            grads = _dropout_backward(W, _dropout_forward(W, B, X, activation, 1.0 - dropout, rng),
                                      y, activation)
        else:
            grads = _backward_stack(W, cache, y, activation)
        flat = [g for pair in grads for g in pair]
        if optimizer == "sgd":
            for p, g in zip(params, flat):
                p -= learning_rate * g
        else:
            t = epoch + 1
            step = learning_rate * math.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
            for p, g, (m, v) in zip(params, flat, moments):
                m *= beta1
                m += (1.0 - beta1) * g
                v *= beta2
                v += (1.0 - beta2) * np.square(g)
                # Kingma & Ba's efficient form of the bias correction (Sec. 2, last paragraph).
                p -= step * m / (np.sqrt(v) + eps * math.sqrt(1.0 - beta2 ** t))
    for j, net in enumerate(nets):
        for i in range(len(W)):
            net.weights[i][...] = W[i][j]
            net.biases[i][...] = B[i][j, 0]
    epochs_seen = np.asarray(records["epoch"])
    losses, accuracies = np.asarray(records["loss"]), np.asarray(records["accuracy"])
    return [{"epoch": epochs_seen.copy(), "loss": losses[:, j].copy(),
             "accuracy": accuracies[:, j].copy()} for j in range(len(nets))]


class MLP:
    """A small multilayer perceptron for binary classification, trained by gradient descent.

    Hidden layers use ``activation``; the output is one logit, turned into a
    probability by the logistic function and scored with the binary
    cross-entropy (computed from the logit, so it never overflows).

    Args:
        widths: layer widths, input first and 1 last, e.g. ``(2, 16, 16, 1)``.
        scheme: how to draw the weights (name, Scheme or sampler).
        activation: hidden activation, one of :data:`ACTIVATIONS`.
        rng: Generator or seed for the weights.
        bias: the constant every bias starts at.

    Examples:
        >>> from course_utils.data import make_circles
        >>> X, y = make_circles(200, rng=0)
        >>> net = MLP((2, 16, 16, 1), scheme="he_normal", activation="relu", rng=0)
        >>> history = net.fit(X, y, epochs=300, learning_rate=0.5)
        >>> bool(history["accuracy"][-1] > 0.95)
        True
    """

    def __init__(self, widths, *, scheme: SchemeLike = "normalized_xavier",
                 activation: str = "tanh", rng=None, bias: float = 0.0):
        widths = check_widths(widths)
        if widths[-1] != 1:
            raise ValueError(f"widths must end with 1 (one output logit), got {widths!r}")
        self.widths = widths
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        rng = check_rng(rng)
        bias = check_real("bias", bias)
        sampler = resolve_scheme(scheme)
        self.weights = [np.asarray(sampler((n, m), rng=rng, dtype=np.float64), dtype=np.float64)
                        for n, m in zip(widths[:-1], widths[1:])]
        self.biases = [np.full(m, bias) for m in widths[1:]]

    # -- forward and backward
    def _check_xy(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.widths[0]:
            raise ValueError(f"X must have shape (n_samples, {self.widths[0]}), got {X.shape}")
        if y is None:
            return X
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if y.shape[0] != X.shape[0] or not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"y must hold {X.shape[0]} labels, each 0 or 1")
        return X, y

    def _stack(self):
        """This network's weights and biases as a stack of one (views, not copies)."""
        return [w[None] for w in self.weights], [b[None, None] for b in self.biases]

    def _forward(self, X):
        return _forward_stack(*self._stack(), X, self.activation)

    def logits(self, X) -> np.ndarray:
        """Return the output logit for each row of ``X``."""
        return self._forward(self._check_xy(X))[-1][1][0, :, 0]

    def predict_proba(self, X) -> np.ndarray:
        """Return the probability of class 1 for each row of ``X``."""
        return activate("sigmoid", self.logits(X))

    def predict(self, X) -> np.ndarray:
        """Return the predicted class (0 or 1) for each row of ``X``."""
        return (self.logits(X) > 0).astype(int)

    def accuracy(self, X, y) -> float:
        """Return the fraction of rows of ``X`` classified as ``y``."""
        X, y = self._check_xy(X, y)
        return float(np.mean(self.predict(X) == y))

    def loss(self, X, y) -> float:
        r"""Return the mean binary cross-entropy :math:`\operatorname{softplus}(s) - y s`."""
        X, y = self._check_xy(X, y)
        return float(_logit_loss(self.logits(X), y))

    def loss_and_gradients(self, X, y):
        """Return the loss and its gradients ``[(dW, db), ...]`` for every layer."""
        X, y = self._check_xy(X, y)
        W, B = self._stack()
        cache = _forward_stack(W, B, X, self.activation)
        loss = float(_logit_loss(cache[-1][1][0, :, 0], y))
        grads = _backward_stack(W, cache, y, self.activation)
        return loss, [(dw[0], db[0, 0]) for dw, db in grads]

    def fit(self, X, y, *, epochs: int = 500, learning_rate: float = 0.5,
            record_every: int = 1, optimizer: str = "sgd", dropout: float = 0.0,
            rng=None) -> dict:
        """Train on the full batch; return the loss and accuracy history.

        The step is the one :func:`fit_many` takes for several networks at once
        (one implementation, applied to a stack of one).

        Args:
            X, y: training data and 0/1 labels.
            epochs: number of steps.
            learning_rate: step size, a finite number > 0.
            record_every: record loss and accuracy every this many steps.
            optimizer: ``"sgd"`` (plain gradient descent) or ``"adam"``.
            dropout: probability of dropping a hidden unit at each step, in [0, 1).
            rng: Generator or seed for the dropout masks (needed when ``dropout > 0``).

        Returns:
            ``{"epoch": [...], "loss": [...], "accuracy": [...]}`` (the loss and
            accuracy before each recorded step, and after the last one).
        """
        return fit_many([self], X, y, epochs=epochs, learning_rate=learning_rate,
                        record_every=record_every, optimizer=optimizer, dropout=dropout,
                        rng=rng)[0]

    def hidden_unit_spread(self, layer: int = 0) -> float:
        r"""Return the largest difference between any two units of a hidden layer.

        Each unit ``j`` of the layer is its column of incoming weights ``W[:, j]``
        and its bias ``b[j]``; the spread is the largest gap between two units in
        any one of these numbers, i.e. the largest range over units:

        .. math::
            \text{spread} = \max_i \big(\max_j W_{ij} - \min_j W_{ij}\big)
            = \max_{i,\,j,\,k} |W_{ij} - W_{ik}|

        (the bias as one more row ``i``). It is exactly 0 when every unit of the
        layer computes the same function, so symmetry is unbroken.

        Examples:
            >>> net = MLP((2, 3, 1), scheme="constant", rng=0)
            >>> net.hidden_unit_spread(0)
            0.0
            >>> net.weights[0][:] = [[0.5, 0.1, 0.9], [0.2, 0.2, 0.2]]
            >>> round(net.hidden_unit_spread(0), 3)       # 0.9 - 0.1, units 2 and 1
            0.8
        """
        layer = int(layer)
        if not 0 <= layer < len(self.weights) - 1:
            raise ValueError(f"layer must be a hidden layer index in 0..{len(self.weights) - 2}, "
                             f"got {layer}")
        w = np.vstack([self.weights[layer], self.biases[layer][None, :]])
        return float(np.max(np.ptp(w, axis=1)))
