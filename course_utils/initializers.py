r"""Weight samplers: the constant, the plain random and the fan-scaled schemes.

Every sampler has the signature ``f(shape, *, rng=None, dtype=np.float64, ...)``
and returns a new ``numpy.ndarray`` of that shape. The samplers default to
float64 (the course reproduces the tutorials' printed numbers to the last
digit); the propagation engine draws float32 by default (see
:mod:`course_utils`, "dtypes"). ``rng`` is a
``numpy.random.Generator`` or a non-negative integer seed (``None`` draws
fresh entropy); the course always passes one explicitly so that every number
can be reproduced.

The fan-scaled schemes (Xavier, Glorot, He, LeCun) are all one formula with
different constants, Keras's *variance scaling*:

.. math::
    \operatorname{Var}[w] = \frac{\text{scale}}{n}, \qquad
    n = \begin{cases} \text{fan\_in} & \text{mode = "fan\_in"} \\
                      \text{fan\_out} & \text{mode = "fan\_out"} \\
                      (\text{fan\_in} + \text{fan\_out})/2 & \text{mode = "fan\_avg"}
        \end{cases}

drawn from a uniform :math:`U[-\sqrt{3\,\mathrm{Var}}, \sqrt{3\,\mathrm{Var}}]`,
a plain normal, or a normal truncated at two standard deviations and widened
so that it keeps the target variance. Each named sampler below is
:func:`variance_scaling` with its ``scale``, ``mode`` and ``distribution``
filled in, so there is one piece of sampling code to test.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (check_choice, check_dtype, check_real, check_rng,
                      check_shape)
from .bounds import FAMILIES, MODES
from .fans import fan_in_and_fan_out

__all__ = [
    "TRUNCATED_NORMAL_STD", "MODES", "DISTRIBUTIONS",
    "zeros", "constant", "random_normal", "random_uniform",
    "variance_scaling", "xavier", "normalized_xavier", "glorot_uniform",
    "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
]

DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

# Keras truncates its normal initializers at two standard deviations. Cutting
# the tails removes variance: a standard normal restricted to [-2, 2] has
#   Var = 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2)),
# with phi and Phi the standard normal density and distribution function.
# Keras hard-codes the square root as 0.87962566103423978; we derive it.
_PHI_2 = math.exp(-2.0) / math.sqrt(2.0 * math.pi)
_MASS_2 = math.erf(2.0 / math.sqrt(2.0))
#: Standard deviation of a standard normal truncated to [-2, 2] (~0.8796).
TRUNCATED_NORMAL_STD = math.sqrt(1.0 - 4.0 * _PHI_2 / _MASS_2)

# A standard normal draw from numpy never exceeds ~10 in magnitude (its
# ziggurat tail is fed by 53-bit uniforms); 64 leaves a wide margin when we
# check that a requested spread cannot overflow the chosen dtype.
_MAX_STANDARD_DEVIATES = 64.0


# --------------------------------------------------------------- primitives
def _check_representable(name: str, magnitude: float, dtype: np.dtype) -> None:
    # Compare as Python floats: under numpy 2's promotion rules ``1e300 >= float32_max``
    # would cast 1e300 to float32 first and warn "overflow encountered in cast".
    if magnitude >= float(np.finfo(dtype).max):
        raise ValueError(f"{name} is too large for dtype {dtype.name}: samples would "
                         f"overflow to inf (got a spread of {magnitude!r})")


def _uniform(rng, shape, limit_low, limit_high, dtype):
    if dtype == np.float64:
        return rng.uniform(limit_low, limit_high, size=shape)
    out = rng.random(shape, dtype=dtype)
    out *= dtype.type(limit_high - limit_low)
    out += dtype.type(limit_low)
    return out


def _normal(rng, shape, mean, std, dtype):
    if dtype == np.float64:
        return rng.normal(mean, std, size=shape)
    out = rng.standard_normal(shape, dtype=dtype)
    out *= dtype.type(std)
    if mean != 0.0:
        out += dtype.type(mean)
    return out


#: Elements per block in :func:`_truncated_normal` (512 KiB of float64).
_BLOCK = 1 << 16


def _truncated_normal(rng, shape, scale, dtype, cut=2.0):
    """``scale`` times standard normals conditioned on ``|z| <= cut``, by redrawing the rest."""
    out = rng.standard_normal(shape, dtype=dtype)
    flat = out.reshape(-1)
    scale = dtype.type(scale)
    # One cache-sized block at a time: find the draws outside +-cut, then scale the block
    # while it is still in cache. A whole-array ``np.abs(flat) > cut`` would allocate a
    # temporary as large as the result and cost two more passes over memory.
    found = []
    for start in range(0, flat.size, _BLOCK):
        block = flat[start:start + _BLOCK]
        found.append(np.flatnonzero((block > cut) | (block < -cut)) + start)
        block *= scale
    bad = np.concatenate(found)
    # About 4.6% of draws fall outside +-2; each pass redraws only those,
    # so the loop ends after a handful of short passes.
    while bad.size:
        redraw = rng.standard_normal(bad.size, dtype=dtype)
        keep = (redraw <= cut) & (redraw >= -cut)
        flat[bad[keep]] = redraw[keep] * scale
        bad = bad[~keep]
    return out


# ------------------------------------------------------------ plain schemes
def zeros(shape, *, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Fill an array with zeros.

    .. math:: w = 0

    Every unit of a layer then computes the same function and receives the
    same update: the layer never breaks its symmetry (notebook 02).

    Also known as: Keras ``Zeros``; PyTorch ``torch.nn.init.zeros_``;
    "zero initialization" in the source articles.

    Args:
        shape: shape of the array, a tuple of positive integers.
        rng: not used (a constant needs no randomness). It is accepted, and
            checked, because every sampler shares the signature
            ``f(shape, *, rng, dtype)`` that :func:`~course_utils.draw_weights` and
            :meth:`Scheme.sample <course_utils.schemes.Scheme.sample>` call, so a
            bad ``rng`` fails the same way whichever scheme is chosen.
        dtype: ``numpy.float32`` or ``numpy.float64``.

    Returns:
        A new array of zeros.

    Examples:
        >>> zeros((2, 3))
        array([[0., 0., 0.],
               [0., 0., 0.]])
    """
    shape = check_shape(shape)
    check_rng(rng)
    return np.zeros(shape, dtype=check_dtype(dtype))


def constant(shape, value, *, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Fill an array with one constant value.

    .. math:: w = c

    Like :func:`zeros` this keeps every unit of a layer identical.

    Also known as: Keras ``Constant``; PyTorch ``torch.nn.init.constant_``.

    Args:
        shape: shape of the array, a tuple of positive integers.
        value: the constant :math:`c`, a finite real number.
        rng, dtype: as for :func:`zeros` (``rng`` is checked, never used).

    Returns:
        A new array filled with ``value``.

    Examples:
        >>> constant((2, 2), 0.5)
        array([[0.5, 0.5],
               [0.5, 0.5]])
    """
    shape = check_shape(shape)
    value = check_real("value", value)
    check_rng(rng)
    dtype = check_dtype(dtype)
    _check_representable("value", abs(value), dtype)
    return np.full(shape, value, dtype=dtype)


def random_normal(shape, *, mean=0.0, std=1.0, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw weights from a normal distribution with a fixed mean and std.

    .. math:: w \sim \mathcal{N}(\text{mean}, \text{std}^2)

    The default ``std = 1`` is what the source articles use; Keras's
    ``RandomNormal`` defaults to ``stddev=0.05``. Neither depends on the layer's
    size, which is exactly the problem the fan-scaled schemes solve.

    Also known as: Keras ``RandomNormal``; PyTorch ``torch.nn.init.normal_``;
    ``np.random.randn`` in the articles.

    Args:
        shape: shape of the array, a tuple of positive integers.
        mean: mean of the distribution, a finite real number.
        std: standard deviation, a finite real number ``>= 0``.
        rng: a ``numpy.random.Generator`` or an integer seed.
        dtype: ``numpy.float32`` or ``numpy.float64``.

    Returns:
        A new array of independent normal draws.

    Examples:
        >>> w = random_normal((1000, 100), std=0.05, rng=0)
        >>> round(float(w.std()), 3)
        0.05
    """
    shape = check_shape(shape)
    mean = check_real("mean", mean)
    std = check_real("std", std, min_value=0.0)
    rng = check_rng(rng)
    dtype = check_dtype(dtype)
    _check_representable("std", abs(mean) + _MAX_STANDARD_DEVIATES * std, dtype)
    return _normal(rng, shape, mean, std, dtype)


def random_uniform(shape, *, low=0.0, high=1.0, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw weights uniformly from the interval ``[low, high]``.

    .. math:: w \sim U[\text{low}, \text{high}], \qquad
              \operatorname{Var}[w] = \frac{(\text{high} - \text{low})^2}{12}

    The default ``[0, 1]`` is the source articles' (note that it is not centred
    on zero); Keras's ``RandomUniform`` defaults to ``[-0.05, 0.05]``.

    Also known as: Keras ``RandomUniform``; PyTorch ``torch.nn.init.uniform_``;
    ``np.random.rand`` in the articles.

    Args:
        shape: shape of the array, a tuple of positive integers.
        low: lower end, a finite real number.
        high: upper end, a finite real number ``> low``.
        rng: a ``numpy.random.Generator`` or an integer seed.
        dtype: ``numpy.float32`` or ``numpy.float64``.

    Returns:
        A new array of independent uniform draws.

    Examples:
        >>> w = random_uniform((1000, 100), rng=0)
        >>> bool(w.min() >= 0.0 and w.max() <= 1.0), round(float(w.mean()), 2)
        (True, 0.5)
    """
    shape = check_shape(shape)
    low = check_real("low", low)
    high = check_real("high", high)
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low!r}, high={high!r}")
    rng = check_rng(rng)
    dtype = check_dtype(dtype)
    _check_representable("high - low", max(abs(low), abs(high), high - low), dtype)
    return _uniform(rng, shape, low, high, dtype)


# ------------------------------------------------------- variance scaling
def _fan_for_mode(shape, mode):
    fan_in, fan_out = fan_in_and_fan_out(shape)
    if mode == "fan_in":
        return float(fan_in)
    if mode == "fan_out":
        return float(fan_out)
    return (fan_in + fan_out) / 2.0


def variance_scaling(shape, *, scale=1.0, mode="fan_in", distribution="truncated_normal",
                     rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw weights whose variance is ``scale`` divided by a fan of the layer.

    The general form of every fan-scaled scheme (as Keras defines it):

    .. math::
        \sigma^2 = \frac{\text{scale}}{n},\qquad
        n \in \{\text{fan\_in},\ \text{fan\_out},\ (\text{fan\_in}+\text{fan\_out})/2\}

    * ``"uniform"``: :math:`U[-L, L]` with :math:`L = \sqrt{3\sigma^2}`;
    * ``"untruncated_normal"``: :math:`\mathcal{N}(0, \sigma^2)`;
    * ``"truncated_normal"``: a normal with std :math:`\sigma / 0.8796` cut at
      :math:`\pm 2` of *its* standard deviations, which brings the std back to
      :math:`\sigma` (the constant is :data:`TRUNCATED_NORMAL_STD`).

    Also known as: Keras ``VarianceScaling``; in PyTorch, ``xavier_*_`` and
    ``kaiming_*_`` are special cases (``gain**2`` plays the role of ``scale``).

    Args:
        shape: weight shape in Keras layout, at least 2 dimensions
            (see :func:`~course_utils.fans.fan_in_and_fan_out`).
        scale: the numerator, a finite real number ``> 0``.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"``, ``"untruncated_normal"`` or ``"uniform"``.
        rng: a ``numpy.random.Generator`` or an integer seed.
        dtype: ``numpy.float32`` or ``numpy.float64``.

    Returns:
        A new array of independent draws.

    Examples:
        >>> w = variance_scaling((400, 600), scale=2.0, mode="fan_avg",
        ...                      distribution="uniform", rng=0)
        >>> round(float(w.var() * 500), 2)     # Var = scale / fan_avg
        2.0
    """
    shape = check_shape(shape, min_ndim=2)
    scale = check_real("scale", scale, min_value=0.0, allow_equal=False)
    mode = check_choice("mode", mode, MODES)
    distribution = check_choice("distribution", distribution, DISTRIBUTIONS)
    rng = check_rng(rng)
    dtype = check_dtype(dtype)
    variance = scale / _fan_for_mode(shape, mode)
    if distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        _check_representable("scale", 2.0 * limit, dtype)
        return _uniform(rng, shape, -limit, limit, dtype)
    std = math.sqrt(variance)
    _check_representable("scale", _MAX_STANDARD_DEVIATES * std, dtype)
    if distribution == "untruncated_normal":
        return _normal(rng, shape, 0.0, std, dtype)
    return _truncated_normal(rng, shape, std / TRUNCATED_NORMAL_STD, dtype)


def _normal_distribution(truncated) -> str:
    if not isinstance(truncated, (bool, np.bool_)):
        raise TypeError(f"truncated must be True or False, got {truncated!r}")
    return "truncated_normal" if truncated else "untruncated_normal"


def _relu_family_scale(negative_slope) -> float:
    slope = check_real("negative_slope", negative_slope)
    scale = FAMILIES["he"]["scale"] / (1.0 + slope * slope)
    if scale == 0.0:   # slope**2 overflowed: blame the argument the caller gave
        raise ValueError(f"negative_slope is too large: 2 / (1 + negative_slope**2) "
                         f"underflows to 0, got {negative_slope!r}")
    return scale


# ------------------------------------------------------------ named schemes
def xavier(shape, *, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw from the "standard" uniform :math:`U[-1/\sqrt{n}, 1/\sqrt{n}]`.

    Glorot & Bengio (2010), "Understanding the difficulty of training deep
    feedforward neural networks", eq. 1 (the heuristic they *compare against*):

    .. math::
        w \sim U\left[-\frac{1}{\sqrt{n}}, \frac{1}{\sqrt{n}}\right],\qquad
        \operatorname{Var}[w] = \frac{1}{3n}

    with :math:`n` the fan-in. It is :func:`variance_scaling` with
    ``scale=1/3, mode="fan_in", distribution="uniform"``.

    Also known as: "xavier" in the MachineLearningMastery tutorial (Keras and
    PyTorch give that name to :func:`normalized_xavier` instead); PyTorch's
    default for ``nn.Linear`` and ``nn.Conv*`` weights
    (``kaiming_uniform_(a=sqrt(5))``) is exactly this distribution; close to
    Keras ``LecunUniform``, whose limit is :math:`\sqrt{3/n}`.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).

    Returns:
        A new array of independent uniform draws.

    Examples:
        >>> w = xavier((10, 1000), rng=0)     # fan_in = 10
        >>> bool(abs(w).max() <= 1 / 10 ** 0.5), round(float(w.std()), 3)  # 1/sqrt(30)
        (True, 0.183)
    """
    return variance_scaling(shape, **FAMILIES["xavier"], distribution="uniform", rng=rng,
                            dtype=dtype)


def normalized_xavier(shape, *, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw from the Glorot ("normalized") uniform distribution.

    Glorot & Bengio (2010), eq. 16: the compromise between keeping the
    forward variance (:math:`n_\text{in}\operatorname{Var}[w] = 1`) and the
    backward variance (:math:`n_\text{out}\operatorname{Var}[w] = 1`):

    .. math::
        w \sim U[-L, L],\qquad L = \sqrt{\frac{6}{n_\text{in} + n_\text{out}}},\qquad
        \operatorname{Var}[w] = \frac{2}{n_\text{in} + n_\text{out}}

    It is :func:`variance_scaling` with ``scale=1, mode="fan_avg",
    distribution="uniform"``.

    Also known as: :func:`glorot_uniform`; Keras ``GlorotUniform``; PyTorch
    ``torch.nn.init.xavier_uniform_``; "normalized xavier" in the
    MachineLearningMastery tutorial.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).

    Returns:
        A new array of independent uniform draws.

    Examples:
        >>> w = normalized_xavier((10, 20), rng=0)   # L = sqrt(6/30) = 0.447
        >>> w.shape, bool(abs(w).max() <= 0.4473)
        ((10, 20), True)
    """
    return variance_scaling(shape, **FAMILIES["glorot"], distribution="uniform", rng=rng,
                            dtype=dtype)


#: The name Keras and PyTorch use for :func:`normalized_xavier`.
glorot_uniform = normalized_xavier


def glorot_normal(shape, *, truncated=False, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw from the Glorot normal distribution.

    Glorot & Bengio (2010): the normal form of eq. 16's variance,

    .. math::
        w \sim \mathcal{N}\left(0, \sigma^2\right),\qquad
        \sigma = \sqrt{\frac{2}{n_\text{in} + n_\text{out}}}

    PyTorch draws a plain normal (``truncated=False``). Keras truncates it at
    two standard deviations and divides its std by 0.8796 first, so that the
    result still has std :math:`\sigma` (``truncated=True``).

    Also known as: Keras ``GlorotNormal`` (truncated); PyTorch
    ``torch.nn.init.xavier_normal_`` (untruncated). The GeeksforGeeks article
    calls it "normalized Xavier" with the wrong std :math:`\sqrt{6/(n+m)}`.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).
        truncated: ``True`` for Keras's ``GlorotNormal`` (cut at 2 std, std rescaled);
            ``False`` for PyTorch's ``xavier_normal_``.

    Returns:
        A new array of independent draws.

    Examples:
        >>> w = glorot_normal((300, 500), truncated=True, rng=0)  # sigma = sqrt(2/800)
        >>> round(float(w.std()), 3), bool(abs(w).max() <= 2 * 0.05 / 0.8796)
        (0.05, True)
    """
    return variance_scaling(shape, **FAMILIES["glorot"],
                            distribution=_normal_distribution(truncated), rng=rng, dtype=dtype)


def he_uniform(shape, *, mode="fan_in", negative_slope=0.0, rng=None,
               dtype=np.float64) -> np.ndarray:
    r"""Draw from the He (Kaiming) uniform distribution.

    He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers": a ReLU zeroes
    half of its inputs, so the variance needs a factor 2 to survive a layer.
    For a leaky ReLU with slope :math:`a` the factor is :math:`2/(1+a^2)`:

    .. math::
        w \sim U[-L, L],\qquad L = \sqrt{\frac{6}{(1 + a^2)\,n}}

    with :math:`n` the fan-in (or the fan-out with ``mode="fan_out"``, which
    preserves the backward pass instead).

    Also known as: Keras ``HeUniform``; PyTorch
    ``torch.nn.init.kaiming_uniform_(nonlinearity="leaky_relu", a=negative_slope)``.
    With ``negative_slope=sqrt(5)`` it is PyTorch's default ``nn.Linear`` init,
    which equals :func:`xavier`.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).
        mode: ``"fan_in"`` (default) or ``"fan_out"``.
        negative_slope: slope :math:`a` of the leaky ReLU (0 for a ReLU).

    Returns:
        A new array of independent uniform draws.

    Examples:
        >>> w = he_uniform((10, 1000), rng=0)      # L = sqrt(6/10) = 0.775
        >>> bool(abs(w).max() <= 0.6 ** 0.5), round(float(w.std()), 2)
        (True, 0.45)
    """
    mode = check_choice("mode", mode, ("fan_in", "fan_out"))
    return variance_scaling(shape, scale=_relu_family_scale(negative_slope), mode=mode,
                            distribution="uniform", rng=rng, dtype=dtype)


def he_normal(shape, *, truncated=False, mode="fan_in", negative_slope=0.0, rng=None,
              dtype=np.float64) -> np.ndarray:
    r"""Draw from the He (Kaiming) normal distribution.

    He, Zhang, Ren & Sun (2015), eq. 10:

    .. math::
        w \sim \mathcal{N}(0, \sigma^2),\qquad \sigma = \sqrt{\frac{2}{(1 + a^2)\,n}}

    with :math:`n` the fan-in (or fan-out with ``mode="fan_out"``) and
    :math:`a` the leaky-ReLU slope (0 for a ReLU). PyTorch draws a plain
    normal; Keras truncates at two standard deviations (``truncated=True``).

    Also known as: Keras ``HeNormal`` (truncated); PyTorch
    ``torch.nn.init.kaiming_normal_`` (untruncated); "He" in the
    MachineLearningMastery tutorial and the Analytics Vidhya article.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).
        truncated: ``True`` for Keras's ``HeNormal`` (cut at 2 std, std rescaled);
            ``False`` for PyTorch's ``kaiming_normal_``.
        mode: ``"fan_in"`` (default) or ``"fan_out"``.
        negative_slope: slope :math:`a` of the leaky ReLU (0 for a ReLU).

    Returns:
        A new array of independent draws.

    Examples:
        >>> w = he_normal((10, 1000), rng=0)        # sigma = sqrt(2/10) = 0.447
        >>> round(float(w.std()), 2)
        0.45
    """
    mode = check_choice("mode", mode, ("fan_in", "fan_out"))
    return variance_scaling(shape, scale=_relu_family_scale(negative_slope), mode=mode,
                            distribution=_normal_distribution(truncated), rng=rng, dtype=dtype)


def lecun_uniform(shape, *, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw from the LeCun uniform distribution.

    LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp": unit variance
    through a linear (or SELU) layer needs :math:`\operatorname{Var}[w] = 1/n`:

    .. math:: w \sim U[-L, L],\qquad L = \sqrt{3/n}

    Also known as: Keras ``LecunUniform``.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).

    Returns:
        A new array of independent uniform draws.

    Examples:
        >>> w = lecun_uniform((100, 1000), rng=0)   # std = sqrt(1/100)
        >>> round(float(w.std()), 3)
        0.1
    """
    return variance_scaling(shape, **FAMILIES["lecun"], distribution="uniform", rng=rng,
                            dtype=dtype)


def lecun_normal(shape, *, truncated=False, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw from the LeCun normal distribution.

    LeCun et al. (1998); the initializer SELU networks need (Klambauer et al.,
    2017, "Self-Normalizing Neural Networks"):

    .. math:: w \sim \mathcal{N}(0, \sigma^2),\qquad \sigma = \sqrt{1/n}

    Also known as: Keras ``LecunNormal`` (truncated); in PyTorch
    ``kaiming_normal_(nonlinearity="linear")``. The Analytics Vidhya article
    calls ``randn * sqrt(1/n)`` "Xavier initialization", which it is not.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring).
        truncated: ``True`` for Keras's ``LecunNormal`` (cut at 2 std, std rescaled);
            ``False`` for PyTorch's ``kaiming_normal_(nonlinearity="linear")``.

    Returns:
        A new array of independent draws.

    Examples:
        >>> w = lecun_normal((100, 1000), rng=0)    # sigma = sqrt(1/100)
        >>> round(float(w.std()), 3)
        0.1
    """
    return variance_scaling(shape, **FAMILIES["lecun"],
                            distribution=_normal_distribution(truncated), rng=rng, dtype=dtype)


# ------------------------------------------------ appended by notebook 07
def orthogonal(shape, *, gain=1.0, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Draw a random (semi-)orthogonal matrix, scaled by ``gain``.

    Saxe, McClelland & Ganguli (2014), "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks": every singular value
    of an orthogonal matrix is 1, and so is every singular value of a product
    of them, at any depth (dynamical isometry).

    The recipe is PyTorch's: view the array as a matrix :math:`A` of
    ``shape[0]`` rows and ``prod(shape[1:])`` columns, fill it with standard
    normals (transposed when it is wide), take its QR factorization
    :math:`A = QR`, and multiply each column of :math:`Q` by the sign of
    :math:`R`'s diagonal entry. Without that correction the distribution is
    not uniform over the orthogonal matrices (Mezzadri 2007). For a tall or
    square matrix the columns are orthonormal, for a wide one the rows:

    .. math::
        W^\top W = g^2 I_m \ (n \ge m), \qquad W W^\top = g^2 I_n \ (n < m)

    with :math:`g` the ``gain`` and ``(n, m)`` the matrix's shape.

    Also known as: Keras ``Orthogonal``; PyTorch ``torch.nn.init.orthogonal_``;
    the default ``recurrent_initializer`` of Keras's ``LSTM`` and ``GRU``.

    Args:
        shape, rng, dtype: as for every sampler (see the module docstring);
            ``shape`` has at least two dimensions.
        gain: the multiplier :math:`g`, a finite number > 0.

    Returns:
        A new array of that shape.

    Raises:
        ValueError: for a shape with fewer than two dimensions or a gain that
            is not positive.

    Examples:
        >>> w = orthogonal((4, 3), gain=2.0, rng=0)
        >>> np.allclose(w.T @ w, 4.0 * np.eye(3))        # columns orthogonal, length 2
        True
        >>> np.linalg.svd(w, compute_uv=False).round(6).tolist()
        [2.0, 2.0, 2.0]
    """
    shape = check_shape(shape, min_ndim=2)
    dtype = check_dtype(dtype)
    gain = check_real("gain", gain, min_value=0.0, allow_equal=False)
    rng = check_rng(rng)
    rows = shape[0]
    cols = math.prod(shape[1:])
    a = rng.standard_normal((rows, cols))
    if rows < cols:
        a = a.T
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype, copy=False)


__all__ += ["orthogonal"]
