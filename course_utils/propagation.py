r"""Signal propagation: draw a deep network's weights, push a batch through it and back, measure every layer.

Plain numpy, written for clarity first and speed second (a 50-layer,
1024-wide network with a batch of 256 goes forward and back in well under a
second on two cores).

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

from ._checks import check_choice, check_dtype, check_positive_int, check_real, check_rng
from ._wasm import matmul
from .activations import (ACTIVATIONS, activate, activation_derivative, dead_fraction,
                          saturated_fraction)
from .schemes import SCHEMES, Scheme

__all__ = ["SchemeLike", "resolve_scheme", "check_widths", "draw_weights", "Propagation",
           "propagate", "signal_propagation", "input_dependent_std"]

#: A scheme name of :data:`~course_utils.schemes.SCHEMES`, a Scheme, or a sampler ``f(shape, *, rng, dtype)``.
SchemeLike = Union[str, Scheme, Callable[..., np.ndarray]]


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


def check_widths(widths) -> tuple[int, ...]:
    """``widths`` as a tuple of positive integers (input first), or a clear error."""
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
    widths = check_widths(widths)
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
              biases: Optional[Sequence[np.ndarray]] = None, rng=None, sample_size: int = 2000,
              weight_gradients: bool = True) -> Propagation:
    r"""Push the batch ``x`` through ``weights`` and back, and measure every layer.

    Forward: :math:`z_l = a_{l-1} W_l + b_l`, :math:`a_l = f(z_l)` (zero biases
    unless ``biases`` are given).
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
        biases: optional vectors ``(widths[l+1],)``, one per layer.
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
    if biases is not None:
        biases = [np.asarray(b, dtype=x.dtype) for b in biases]
        if len(biases) != len(weights) or any(b.shape != (w.shape[1],) for b, w in zip(biases, weights)):
            raise ValueError("biases must hold one vector per layer, shaped "
                             f"{[(w.shape[1],) for w in weights]}, got {[np.shape(b) for b in biases]}")
    rng = check_rng(rng)

    a = x
    derivs, stats, inputs = [], [], []
    overflow = None
    for i, w in enumerate(weights):
        inputs.append(a)                          # a_{l-1}, for the weight gradient
        with np.errstate(over="ignore", invalid="ignore"):
            z = matmul(a, w)
            if biases is not None:
                z += biases[i]
            a = activate(activation, z)
            z_std, a_std = _std(z), _std(a)
        # A finite std means every value is finite: no separate isfinite pass.
        if not (np.isfinite(z_std) and np.isfinite(a_std)):
            overflow = i
            break
        d = activation_derivative(activation, z, a)
        derivs.append(d)
        dead = dead_fraction(activation, z)
        stats.append((float(a.mean(dtype=np.float64)), a_std, z_std,
                      saturated_fraction(activation, d), dead,
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
                       weight_gradients: bool = True, bias_var: float = 0.0) -> Propagation:
    """Draw a ``depth``-layer MLP of constant ``width`` with ``scheme`` and propagate a batch.

    The input is standard normal, shape ``(batch, width)``. With ``bias_var > 0``
    every bias is drawn from :math:`N(0, \\sigma_b^2)`, ``bias_var`` :math:`= \\sigma_b^2`
    (the mean-field setting of :mod:`course_utils.mean_field`). ``dtype`` defaults
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
    bias_var = check_real("bias_var", bias_var, min_value=0.0)
    weights = draw_weights([width] * (depth + 1), scheme, rng=rng, dtype=dtype)
    x = rng.standard_normal((batch, width), dtype=dtype)
    biases = None
    if bias_var > 0:
        biases = [(math.sqrt(bias_var) * rng.standard_normal(width)).astype(dtype) for _ in range(depth)]
    return propagate(x, weights, activation, biases=biases, rng=rng, sample_size=sample_size,
                     weight_gradients=weight_gradients)


def input_dependent_std(a: np.ndarray) -> float:
    r"""Std of the part of a layer's values ``a`` (examples, units) that changes with the input.

    Each unit's fixed offset (its mean over the examples) is removed; what is left is
    :math:`\sqrt{\operatorname{mean}_j \operatorname{Var}_i[a_{ij}]}`, so that
    total² = offset² + input-dependent² (the split of notebooks 01, 03 and 04).

    Examples:
        >>> z = np.array([[1.0, 5.0], [3.0, 5.0]])     # unit 1 varies by ±1, unit 2 not at all
        >>> input_dependent_std(z)
        0.7071067811865476
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"a must be a 2-D array (examples, units), got shape {a.shape}")
    return float(np.sqrt(a.var(axis=0).mean()))
