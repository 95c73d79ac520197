r"""The numerical engine of the course: signal propagation and a small trainable MLP.

Everything here is plain numpy, written for clarity first and speed second
(a 50-layer, 1024-wide network with a batch of 256 goes forward and back in
well under a second on two cores).

Conventions: a batch ``x`` has shape ``(batch, features)``; a weight matrix
has the Keras layout ``(fan_in, fan_out)`` so that a layer is
``z = x @ W + b`` and ``a = f(z)``.
"""

from __future__ import annotations

import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

import numpy as np

from ._checks import (check_choice, check_dtype, check_positive_int, check_real,
                      check_rng)
from ._wasm import matmul
from .gains import LEAKY_SLOPE
from .schemes import SCHEMES, Scheme

__all__ = ["ACTIVATIONS", "activate", "activation_derivative", "resolve_scheme",
           "draw_weights", "Propagation", "propagate", "signal_propagation", "MLP"]

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu", "selu")
#: SELU's constants (Klambauer et al. 2017, eq. 14): with them a unit-variance,
#: zero-mean input keeps mean 0 and variance 1 under LeCun init (Var[w] = 1/n).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

# erf by Abramowitz & Stegun (1964), formula 7.1.26: |error| < 1.5e-7 for every
# real x. numpy has no erf; this is ~4x faster than math.erf through np.frompyfunc.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_INV_SQRT2 = 0.7071067811865476          # Python floats keep a float32 array float32
_INV_SQRT_2PI = 0.3989422804014327


def _erf(x: np.ndarray) -> np.ndarray:
    """Vectorised erf, absolute error below 1.5e-7, in the dtype of ``x`` (float)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    ftype = x.dtype.type
    ax = np.abs(x)
    t = ax * ftype(_ERF_P)
    t += 1
    np.reciprocal(t, out=t)
    poly = t * ftype(_ERF_A[4])
    for c in _ERF_A[3::-1]:
        poly += ftype(c)
        poly *= t
    e = np.square(ax)
    np.negative(e, out=e)
    np.exp(e, out=e)
    poly *= e
    np.subtract(1, poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(z * _INV_SQRT2))

# A unit counts as saturated when its local derivative has fallen below 5% of
# its largest value: |tanh(z)| > 0.975, or sigmoid(z) outside [0.0128, 0.9872].
_SATURATION = 0.05

SchemeLike = Union[str, Scheme, Callable[..., np.ndarray]]


# ---------------------------------------------------------------- activations
_ACTIVATION_NAMES = frozenset(ACTIVATIONS)


def _activation_name(name) -> str:
    """``name`` if it is one of :data:`ACTIVATIONS`, else the error of ``check_choice``.

    The training loop and the mean-field quadrature call the activations tens of
    thousands of times per notebook; a known name returns at once instead of
    building the error message's list of choices on every call.
    """
    if type(name) is str and name in _ACTIVATION_NAMES:
        return name
    return check_choice("activation", name, ACTIVATIONS)


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation ``name`` (one of :data:`ACTIVATIONS`) to ``z``.

    Examples:
        >>> activate("relu", np.array([-1.0, 2.0]))
        array([0., 2.])
    """
    name = _activation_name(name)
    if name == "linear":
        return z
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        # 0.5 * (1 + tanh(z/2)) is the logistic function without exp overflow.
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "gelu":                        # exact GELU: z * Phi(z) (Hendrycks & Gimpel 2016)
        return z * _normal_cdf(z)
    if name == "silu":                        # SiLU / swish: z * sigmoid(z)
        return z * (0.5 * (1.0 + np.tanh(0.5 * z)))
    # SELU: scale * z for z > 0, scale * alpha * (exp(z) - 1) otherwise
    with np.errstate(over="ignore"):          # exp of a large positive z is discarded
        neg = np.expm1(z) * (SELU_SCALE * SELU_ALPHA)
    return np.where(z > 0, SELU_SCALE * z, neg)


def activation_derivative(name: str, z: np.ndarray, a: Optional[np.ndarray] = None) -> np.ndarray:
    """Return ``f'(z)``; ``a = f(z)`` may be passed to save recomputing it.

    Examples:
        >>> activation_derivative("tanh", np.array([0.0]))
        array([1.])
    """
    name = _activation_name(name)
    if name == "linear":
        return np.ones_like(z)
    if a is None:
        a = activate(name, z)
    if name == "tanh":
        return 1.0 - a * a
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)
    if name == "gelu":                        # Phi(z) + z * phi(z)
        pdf = np.exp(-0.5 * np.square(z)) * _INV_SQRT_2PI
        return _normal_cdf(z) + z * pdf
    if name == "silu":                        # s + z s (1 - s), s = sigmoid(z)
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s * (1.0 + z * (1.0 - s))
    # SELU: scale for z > 0, scale * alpha * exp(z) = a + scale * alpha otherwise
    return np.where(z > 0, SELU_SCALE, a + SELU_SCALE * SELU_ALPHA).astype(z.dtype, copy=False)


def _saturated_fraction(name, derivative) -> float:
    if name == "tanh":
        return float(np.mean(derivative < _SATURATION))
    if name == "sigmoid":
        return float(np.mean(derivative < 0.25 * _SATURATION))
    return 0.0


# ---------------------------------------------------------------- schemes
def resolve_scheme(scheme: SchemeLike) -> Callable[..., np.ndarray]:
    """Turn a scheme name, a :class:`~course_utils.schemes.Scheme` or a sampler into a sampler.

    A sampler is any callable ``f(shape, *, rng, dtype)``, for example
    ``functools.partial(random_normal, std=0.01)``.
    """
    if isinstance(scheme, str):
        if scheme not in SCHEMES:
            names = ", ".join(repr(n) for n in SCHEMES)
            raise ValueError(f"scheme must be one of {names} (or a Scheme or a sampler); "
                             f"got {scheme!r}")
        return SCHEMES[scheme].sample
    if isinstance(scheme, Scheme):
        return scheme.sample
    if callable(scheme):
        return scheme
    raise TypeError(f"scheme must be a scheme name, a Scheme or a callable sampler, "
                    f"got {scheme!r}")


def _check_widths(widths) -> tuple[int, ...]:
    try:
        widths = tuple(widths)
    except TypeError:
        raise TypeError(f"widths must be a sequence of positive integers, got {widths!r}") from None
    if len(widths) < 2:
        raise ValueError(f"widths must list at least an input and an output width, got {widths!r}")
    return tuple(check_positive_int(f"widths[{i}]", w) for i, w in enumerate(widths))


def draw_weights(widths: Sequence[int], scheme: SchemeLike, *, rng=None,
                 dtype=np.float32) -> list[np.ndarray]:
    """Draw one weight matrix per layer of an MLP with the given ``widths``.

    Layer ``l`` gets a ``(widths[l], widths[l+1])`` matrix. Each layer draws
    from its own child of ``rng`` (``Generator.spawn``), so the result does not
    depend on drawing order and large networks are drawn on two threads.
    ``dtype`` defaults to float32, the propagation engine's dtype (the samplers
    and :class:`MLP` use float64; the package docstring says why).

    Examples:
        >>> ws = draw_weights([4, 8, 2], "he_normal", rng=0)
        >>> [w.shape for w in ws]
        [(4, 8), (8, 2)]
    """
    widths = _check_widths(widths)
    sampler = resolve_scheme(scheme)
    rng = check_rng(rng)
    dtype = check_dtype(dtype)
    children = rng.spawn(len(widths) - 1)
    shapes = list(zip(widths[:-1], widths[1:]))

    def draw(i):
        return np.asarray(sampler(shapes[i], rng=children[i], dtype=dtype), dtype=dtype)

    # Serial below a million weights, and in WebAssembly (the live edition's Pyodide
    # kernel cannot start threads); every layer has its own child generator, so the
    # draws are the same either way.
    if sum(a * b for a, b in shapes) < 1_000_000 or sys.platform == "emscripten":
        return [draw(i) for i in range(len(shapes))]
    # numpy's generators release the GIL while filling large arrays.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(draw, range(len(shapes))))


# ------------------------------------------------------------ propagation
def _std(values: np.ndarray) -> float:
    """Std of an array: fast in its own dtype when that is safe, rescaled otherwise.

    Squaring very large float32 values overflows and squaring very small ones
    underflows to 0 (a float32 std below ~1e-19 is computed from squares below
    float32's smallest normal number). In both cases the std is recomputed in
    float64 on values divided by their largest magnitude, so an activation std
    of 1e-28 is reported as 1e-28, not 0.
    """
    result = float(values.std())
    tiny = np.sqrt(np.finfo(values.dtype).tiny) * 1e3
    if np.isfinite(result) and result > tiny:
        return result
    scale = float(np.abs(values).max())
    if scale == 0.0 or not np.isfinite(scale):
        return 0.0 if scale == 0.0 else float("inf")
    return float((values / scale).std(dtype=np.float64)) * scale


def _weight_gradient_std(a_prev: np.ndarray, g: np.ndarray) -> float:
    """Std over the entries of ``a_prev.T @ g``, without forming it when that is cheaper.

    With batch ``B`` and widths ``n``, ``m``: the matrix costs ``B n m``
    multiply-adds, the two Gram matrices ``A A^T`` and ``G G^T`` (symmetric,
    so BLAS computes half of each) about ``B^2 (n + m) / 2``, and
    ``||A^T G||_F^2 = sum((A A^T) * (G G^T))``. Both are scaled to a largest
    magnitude of 1 first, so float32 squares neither overflow nor underflow.
    """
    batch, n = a_prev.shape
    m = g.shape[1]
    sa, sg = float(np.abs(a_prev).max()), float(np.abs(g).max())
    if sa == 0.0 or sg == 0.0:
        return 0.0
    if not (np.isfinite(sa) and np.isfinite(sg)):
        return float("inf")
    ah = a_prev / a_prev.dtype.type(sa)
    gh = g / g.dtype.type(sg)
    total = float(ah.sum(axis=1, dtype=np.float64) @ gh.sum(axis=1, dtype=np.float64))
    if batch * (n + m) < 2 * n * m:
        gram_a, gram_g = matmul(ah, ah.T), matmul(gh, gh.T)
        square = float(np.dot(gram_a.ravel().astype(np.float64), gram_g.ravel().astype(np.float64)))
    else:
        dw = matmul(ah.T, gh)
        square = float(np.square(dw, dtype=np.float64).sum())
    mean = total / (n * m)
    return math.sqrt(max(square / (n * m) - mean * mean, 0.0)) * sa * sg


@dataclass(frozen=True)
class Propagation:
    """Per-layer statistics of one forward and backward pass (index 0 = first hidden layer).

    Attributes:
        activation: the activation used in every layer.
        widths: the layer widths, input first.
        mean, std: mean and std of each layer's activations ``a = f(z)``.
        preactivation_std: std of each layer's pre-activations ``z``.
        saturated: fraction of sigmoid/tanh units whose derivative is below
            5% of its maximum (0 for other activations).
        dead: fraction of (leaky) ReLU units that are inactive for every
            example of the batch (0 for other activations).
        gradient_std: std of the back-propagated gradient ``dL/dz`` at each layer.
        weight_gradient_std: std over the entries of each layer's weight gradient
            ``dL/dW_l = a_{l-1}^T dL/dz_l`` (summed over the batch; ``a_0`` is the
            input). Glorot & Bengio (2010, eq. 14): it can stay level across layers
            while ``gradient_std`` shrinks, because ``a_{l-1}`` grows as ``dL/dz_l`` shrinks.
            All NaN if :func:`propagate` was asked not to measure it.
        bias_gradient_std: std over units of ``dL/db_l``, the batch sum of ``dL/dz_l``
            (the biases are zero, but their gradient is defined): it follows
            ``gradient_std`` (about ``sqrt(batch)`` times it).
        preactivations, activations, gradients: a fixed sample (the first
            values) of ``z``, ``a`` and ``dL/dz`` per layer, for histograms.
        overflow_layer: ``None``, or the first layer whose activations no
            longer fit the dtype; the arrays then stop before it.
    """

    activation: str
    widths: tuple
    mean: np.ndarray
    std: np.ndarray
    preactivation_std: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    gradient_std: np.ndarray
    weight_gradient_std: np.ndarray
    bias_gradient_std: np.ndarray
    preactivations: list
    activations: list
    gradients: list
    overflow_layer: Optional[int]

    @property
    def depth(self) -> int:
        """Number of layers with statistics (fewer than requested after an overflow)."""
        return len(self.std)


def propagate(x: np.ndarray, weights: Sequence[np.ndarray], activation: str, *,
              rng=None, sample_size: int = 2000, weight_gradients: bool = True) -> Propagation:
    r"""Push the batch ``x`` through ``weights`` and back, and measure every layer.

    Forward: :math:`z_l = a_{l-1} W_l`, :math:`a_l = f(z_l)`, with zero biases.
    Backward: the loss is :math:`L = \sum a_L \odot r` for a fixed standard
    normal :math:`r` (drawn from ``rng``), so the gradient entering the top is
    unit-variance noise and :math:`\partial L / \partial z_l =
    (\partial L / \partial z_{l+1} W_{l+1}^\top) \odot f'(z_l)` shows how the
    backward pass alone grows or shrinks it, as in Glorot & Bengio (2010), fig. 7.
    The parameter gradients follow: :math:`\partial L / \partial W_l =
    a_{l-1}^\top \, \partial L / \partial z_l` (:math:`a_0 = x`) and
    :math:`\partial L / \partial b_l = \sum_{batch} \partial L / \partial z_l`.
    The weight gradient's std is computed without forming the matrix when the
    batch is small: :math:`\lVert A^\top G \rVert_F^2 = \sum (A A^\top) \odot (G G^\top)`.

    Args:
        x: input batch, shape ``(batch, widths[0])``.
        weights: matrices ``(widths[l], widths[l+1])``, e.g. from :func:`draw_weights`.
        activation: one of :data:`ACTIVATIONS`.
        rng: Generator or seed for the top gradient :math:`r`.
        sample_size: how many values per layer to keep for histograms.
        weight_gradients: measure ``weight_gradient_std`` (else it is all NaN).
            It costs about one more matrix product per layer when the batch is
            as wide as the layers (+50 % time), much less for a small batch; a
            slider that does not show it can pass ``False``.

    Returns:
        A :class:`Propagation`.

    Examples:
        >>> ws = draw_weights([256] * 21, "xavier", rng=0)   # U[-1/sqrt(n), 1/sqrt(n)]
        >>> x = np.random.default_rng(1).standard_normal((256, 256), dtype=np.float32)
        >>> p = propagate(x, ws, "tanh", rng=2)
        >>> bool(p.gradient_std[0] / p.gradient_std[-1] < 1e-4)    # dL/dz vanishes...
        True
        >>> w = p.weight_gradient_std                               # ...dL/dW stays level
        >>> bool(w.max() / w.min() < 1.2)
        True
    """
    activation = check_choice("activation", activation, ACTIVATIONS)
    if not isinstance(weight_gradients, (bool, np.bool_)):
        raise TypeError(f"weight_gradients must be True or False, got {weight_gradients!r}")
    sample_size = check_positive_int("sample_size", sample_size)
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a 2-D float array (batch, features), got shape "
                         f"{x.shape} and dtype {x.dtype}")
    weights = list(weights)
    if not weights:
        raise ValueError("weights must hold at least one matrix, got none")
    width = x.shape[1]
    for i, w in enumerate(weights):
        if np.ndim(w) != 2 or w.shape[0] != width:
            raise ValueError(f"weights[{i}] must have shape ({width}, n), got {np.shape(w)}")
        width = w.shape[1]
    rng = check_rng(rng)

    a = x
    derivs, stats, inputs = [], [], []
    overflow = None
    for i, w in enumerate(weights):
        inputs.append(a)                          # a_{l-1}, for the weight gradient
        with np.errstate(over="ignore", invalid="ignore"):
            z = matmul(a, w)
            a = activate(activation, z)
            z_std, a_std = _std(z), _std(a)
        # A finite std means every value is finite: no separate isfinite pass.
        if not (np.isfinite(z_std) and np.isfinite(a_std)):
            overflow = i
            break
        d = activation_derivative(activation, z, a)
        derivs.append(d)
        dead = float(np.mean(~(z > 0).any(axis=0))) if activation in ("relu", "leaky_relu") else 0.0
        stats.append((float(a.mean(dtype=np.float64)), a_std, z_std,
                      _saturated_fraction(activation, d), dead,
                      z.reshape(-1)[:sample_size].copy(), a.reshape(-1)[:sample_size].copy()))

    depth = len(stats)
    grad_std = np.zeros(depth)
    weight_grad_std = np.zeros(depth) if weight_gradients else np.full(depth, np.nan)
    bias_grad_std = np.zeros(depth)
    grads: list = [None] * depth
    if depth:
        g = rng.standard_normal(derivs[-1].shape).astype(derivs[-1].dtype) * derivs[-1]
        for i in range(depth - 1, -1, -1):
            if i < depth - 1:
                with np.errstate(over="ignore", invalid="ignore"):
                    g = matmul(g, weights[i + 1].T) * derivs[i]
            with np.errstate(over="ignore", invalid="ignore"):
                grad_std[i] = _std(g)
                bias_grad_std[i] = _std(g.sum(axis=0, dtype=np.float64))
                if weight_gradients:
                    weight_grad_std[i] = _weight_gradient_std(inputs[i], g)
            if not (np.isfinite(grad_std[i]) and np.isfinite(bias_grad_std[i])
                    and (np.isfinite(weight_grad_std[i]) or not weight_gradients)):
                # The backward pass overflowed: report the largest float from here down.
                for arr in (grad_std, bias_grad_std) + ((weight_grad_std,) if weight_gradients else ()):
                    arr[: i + 1] = np.finfo(np.float64).max
                for j in range(i + 1):
                    grads[j] = np.full(min(sample_size, g.size), np.finfo(g.dtype).max)
                break
            grads[i] = g.reshape(-1)[:sample_size].copy()

    col = list(zip(*stats)) if stats else [()] * 7
    return Propagation(
        activation=activation,
        widths=(x.shape[1],) + tuple(w.shape[1] for w in weights),
        mean=np.array(col[0], dtype=float), std=np.array(col[1], dtype=float),
        preactivation_std=np.array(col[2], dtype=float),
        saturated=np.array(col[3], dtype=float), dead=np.array(col[4], dtype=float),
        gradient_std=grad_std, weight_gradient_std=weight_grad_std,
        bias_gradient_std=bias_grad_std, preactivations=list(col[5]), activations=list(col[6]),
        gradients=grads, overflow_layer=overflow)


def signal_propagation(scheme: SchemeLike, activation: str, *, depth: int = 10,
                       width: int = 256, batch: int = 256, rng=None,
                       dtype=np.float32, sample_size: int = 2000,
                       weight_gradients: bool = True) -> Propagation:
    """Draw a ``depth``-layer MLP of constant ``width`` with ``scheme`` and propagate a batch.

    The input is standard normal, shape ``(batch, width)``. ``dtype`` defaults
    to float32 (as :func:`draw_weights`); pass ``numpy.float64`` for runs whose
    activations leave float32's range (about 1e-38 to 3e38).

    Examples:
        >>> p = signal_propagation("he_normal", "relu", depth=30, width=500, rng=0)
        >>> bool(0.5 < p.std[-1] / p.std[0] < 2)         # He keeps the scale
        True
        >>> q = signal_propagation("lecun_normal", "relu", depth=30, width=500, rng=0)
        >>> bool(q.std[-1] / q.std[0] < 1e-3)            # Var 1/n halves each layer
        True
    """
    depth = check_positive_int("depth", depth)
    width = check_positive_int("width", width)
    batch = check_positive_int("batch", batch)
    rng = check_rng(rng)
    dtype = check_dtype(dtype)
    weights = draw_weights([width] * (depth + 1), scheme, rng=rng, dtype=dtype)
    x = rng.standard_normal((batch, width), dtype=dtype)
    return propagate(x, weights, activation, rng=rng, sample_size=sample_size,
                     weight_gradients=weight_gradients)


# ------------------------------------------------------------- small MLP
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


def _fit_stack(nets, X, y, epochs, learning_rate, record_every) -> list[dict]:
    """Full-batch gradient descent on ``nets`` (same widths and activation), all at once, in place.

    The one implementation of the training step: :meth:`MLP.fit` calls it with
    one network, :func:`course_utils.training.fit_many` with several.
    """
    activation = nets[0].activation
    W = [np.stack([net.weights[i] for net in nets]) for i in range(len(nets[0].weights))]
    B = [np.stack([net.biases[i] for net in nets])[:, None, :] for i in range(len(W))]
    records = {"epoch": [], "loss": [], "accuracy": []}
    for epoch in range(epochs + 1):
        cache = _forward_stack(W, B, X, activation)
        if epoch % record_every == 0 or epoch == epochs:
            s = cache[-1][1][..., 0]                                      # (k, n_samples)
            records["epoch"].append(epoch)
            records["loss"].append(_logit_loss(s, y))
            records["accuracy"].append(np.mean((s > 0) == (y > 0.5), axis=-1))
        if epoch == epochs:
            break
        for (w, b), (dw, db) in zip(zip(W, B), _backward_stack(W, cache, y, activation)):
            w -= learning_rate * dw
            b -= learning_rate * db
    for j, net in enumerate(nets):
        for i in range(len(W)):
            net.weights[i][...] = W[i][j]
            net.biases[i][...] = B[i][j, 0]
    epochs_seen = np.asarray(records["epoch"])
    losses, accuracies = np.asarray(records["loss"]), np.asarray(records["accuracy"])
    return [{"epoch": epochs_seen.copy(), "loss": losses[:, j].copy(),
             "accuracy": accuracies[:, j].copy()} for j in range(len(nets))]


def _check_fit_args(epochs, learning_rate, record_every):
    return (check_positive_int("epochs", epochs),
            check_real("learning_rate", learning_rate, min_value=0.0, allow_equal=False),
            check_positive_int("record_every", record_every))


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
        widths = _check_widths(widths)
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
            record_every: int = 1) -> dict:
        """Train with full-batch gradient descent; return the loss and accuracy history.

        The step is the one :func:`course_utils.training.fit_many` takes for
        several networks at once (one implementation, applied to a stack of one).

        Args:
            X, y: training data and 0/1 labels.
            epochs: number of gradient steps.
            learning_rate: step size, a finite number > 0.
            record_every: record loss and accuracy every this many steps.

        Returns:
            ``{"epoch": [...], "loss": [...], "accuracy": [...]}`` (the loss and
            accuracy before each recorded step, and after the last one).
        """
        X, y = self._check_xy(X, y)
        epochs, learning_rate, record_every = _check_fit_args(epochs, learning_rate, record_every)
        return _fit_stack([self], X, y, epochs, learning_rate, record_every)[0]

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
