"""Tests of course_utils.initializers: every sampler against its theory.

Statistical tests and their tolerances
--------------------------------------
Each sampler draws N >= 1.35e5 weights with a fixed seed. Every tolerance is
derived from N and the distribution's moments, never picked by hand:

* sample mean: within Z = 5 standard errors, SE = sigma / sqrt(N);
* sample std: within Z = 5 standard errors, SE = sigma * sqrt((kappa + 2) / (4N))
  (delta method on the sample variance; kappa is the excess kurtosis:
  0 for a normal, -6/5 for a uniform, computed with scipy for the truncated normal);
* bounded distributions: no draw outside the bound, and the extreme draws
  come within the distribution's 14/N tail quantile of the bound
  (P(no draw that close) = (1 - 14/N)**N ~ e**-14 < 1e-6);
* untruncated normals: the fraction of draws beyond +-2 sigma (4.55%) within
  5 binomial standard errors; a truncated normal has none;
* Kolmogorov-Smirnov test against the exact distribution (scipy.stats): the
  p-value must exceed KS_ALPHA = 1e-4.

For a correct sampler, 5 standard errors fail with probability < 6e-7 per
check (two-sided normal tail), and the KS threshold with probability 1e-4 per
test; the seeds are fixed, so the outcome is deterministic anyway and a
failure means the distribution is wrong (for instance a truncated normal that
forgot the 1/0.8796 widening is off by 12% in std, about 180 standard errors).
"""

import functools
import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course_utils import (DISTRIBUTIONS, MODES, TRUNCATED_NORMAL_STD, constant, glorot_normal,
                          glorot_uniform, he_normal, he_uniform, lecun_normal, lecun_uniform,
                          normalized_xavier, random_normal, random_uniform, variance_scaling,
                          xavier, zeros)

SEED = 20240615
Z = 5.0                     # standard errors allowed for means and stds
KS_ALPHA = 1e-4             # significance threshold of the Kolmogorov-Smirnov tests
EDGE_TAIL = 14.0            # extremes must reach the 14/N tail quantile (miss prob e**-14)
DTYPES = [np.float32, np.float64]

SHAPE = (400, 600)          # 240,000 draws; fan_in 400, fan_out 600, fan_avg 500
CONV = (3, 3, 100, 150)     # 135,000 draws; fan_in 900, fan_out 1350, fan_avg 1125

# Derived independently of the package: std of N(0, 1) restricted to [-2, 2].
TN_STD = float(stats.truncnorm(-2, 2).std())
TN_KURTOSIS = float(stats.truncnorm(-2, 2).stats(moments="k"))
KERAS_TRUNCATED_STD = 0.87962566103423978     # the literal in keras/src/initializers


# ------------------------------------------------------------ expected laws
@dataclass(frozen=True)
class Law:
    """The exact distribution a sampler should follow."""
    kind: str                 # "normal", "truncnorm" (cut at +-2 of its own std) or "uniform"
    mean: float
    std: float
    low: float = None         # uniform only
    high: float = None

    @property
    def dist(self):
        if self.kind == "normal":
            return stats.norm(self.mean, self.std)
        if self.kind == "truncnorm":
            return stats.truncnorm(-2, 2, loc=self.mean, scale=self.std / TN_STD)
        return stats.uniform(self.low, self.high - self.low)

    @property
    def excess_kurtosis(self):
        return {"normal": 0.0, "truncnorm": TN_KURTOSIS, "uniform": -1.2}[self.kind]

    @property
    def bounds(self):
        if self.kind == "uniform":
            return self.low, self.high
        if self.kind == "truncnorm":
            half = 2.0 * self.std / TN_STD
            return self.mean - half, self.mean + half
        return None


def normal(std, mean=0.0):
    return Law("normal", mean, std)


def truncnorm(std):
    return Law("truncnorm", 0.0, std)


def symmetric_uniform(limit):
    return Law("uniform", 0.0, limit / math.sqrt(3.0), -limit, limit)


def uniform(low, high):
    return Law("uniform", (low + high) / 2.0, (high - low) / math.sqrt(12.0), low, high)


def assert_follows(w, law, dtype):
    """Check moments, bounds, tails and the KS statistic of the sample ``w``."""
    x = np.asarray(w, dtype=np.float64).ravel()
    n = x.size
    assert n >= 100_000
    mean, std = x.mean(), x.std()
    se_mean = law.std / math.sqrt(n)
    se_std = law.std * math.sqrt((law.excess_kurtosis + 2.0) / (4.0 * n))
    assert abs(mean - law.mean) <= Z * se_mean, (mean, law.mean, se_mean)
    assert abs(std - law.std) <= Z * se_std, (std, law.std, se_std)

    dist = law.dist
    if law.bounds is not None:
        low, high = law.bounds
        # A few ulps of the sample's dtype: the bound itself is rounded to float32.
        slack = 4 * np.finfo(dtype).eps * max(abs(low), abs(high))
        assert low - slack <= x.min() and x.max() <= high + slack, (x.min(), x.max(), low, high)
        assert x.max() >= dist.ppf(1.0 - EDGE_TAIL / n), (x.max(), high)
        assert x.min() <= dist.ppf(EDGE_TAIL / n), (x.min(), low)
    if law.kind == "normal":
        # Tails: an untruncated normal puts 4.55% of its mass beyond 2 sigma.
        p = 2.0 * stats.norm.sf(2.0)
        beyond = np.mean(np.abs(x - law.mean) > 2.0 * law.std)
        assert abs(beyond - p) <= Z * math.sqrt(p * (1 - p) / n), beyond

    pvalue = stats.kstest(x, dist.cdf).pvalue
    assert pvalue > KS_ALPHA, f"KS p-value {pvalue:.2e} for {law}"


def fans(shape):
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


# Every sampler with the law it must follow: (id, sampler with its options, shape, law).
N_IN, N_OUT = fans(SHAPE)
C_IN, C_OUT = fans(CONV)
SAMPLER_CASES = [
    ("random_normal-default", random_normal, SHAPE, normal(1.0)),
    ("random_normal-mean0.3-std2", functools.partial(random_normal, mean=0.3, std=2.0), SHAPE,
     normal(2.0, mean=0.3)),
    ("random_normal-keras-default", functools.partial(random_normal, std=0.05), SHAPE,
     normal(0.05)),
    ("random_uniform-default", random_uniform, SHAPE, uniform(0.0, 1.0)),
    ("random_uniform-(-3,5)", functools.partial(random_uniform, low=-3.0, high=5.0), SHAPE,
     uniform(-3.0, 5.0)),
    ("random_uniform-keras-default", functools.partial(random_uniform, low=-0.05, high=0.05),
     SHAPE, uniform(-0.05, 0.05)),
    ("xavier", xavier, SHAPE, symmetric_uniform(1.0 / math.sqrt(N_IN))),
    ("xavier-conv", xavier, CONV, symmetric_uniform(1.0 / math.sqrt(C_IN))),
    ("normalized_xavier", normalized_xavier, SHAPE,
     symmetric_uniform(math.sqrt(6.0 / (N_IN + N_OUT)))),
    ("normalized_xavier-conv", normalized_xavier, CONV,
     symmetric_uniform(math.sqrt(6.0 / (C_IN + C_OUT)))),
    ("glorot_uniform", glorot_uniform, SHAPE, symmetric_uniform(math.sqrt(6.0 / (N_IN + N_OUT)))),
    ("glorot_normal", glorot_normal, SHAPE, normal(math.sqrt(2.0 / (N_IN + N_OUT)))),
    ("glorot_normal-untruncated", functools.partial(glorot_normal, truncated=False), SHAPE,
     normal(math.sqrt(2.0 / (N_IN + N_OUT)))),
    ("glorot_normal-truncated", functools.partial(glorot_normal, truncated=True), SHAPE,
     truncnorm(math.sqrt(2.0 / (N_IN + N_OUT)))),
    ("he_uniform", he_uniform, SHAPE, symmetric_uniform(math.sqrt(6.0 / N_IN))),
    ("he_uniform-fan_out", functools.partial(he_uniform, mode="fan_out"), SHAPE,
     symmetric_uniform(math.sqrt(6.0 / N_OUT))),
    ("he_uniform-leaky0.2", functools.partial(he_uniform, negative_slope=0.2), SHAPE,
     symmetric_uniform(math.sqrt(6.0 / (1.04 * N_IN)))),
    ("he_uniform-sqrt5", functools.partial(he_uniform, negative_slope=math.sqrt(5.0)), SHAPE,
     symmetric_uniform(1.0 / math.sqrt(N_IN))),         # PyTorch's nn.Linear default
    ("he_uniform-conv", he_uniform, CONV, symmetric_uniform(math.sqrt(6.0 / C_IN))),
    ("he_normal", he_normal, SHAPE, normal(math.sqrt(2.0 / N_IN))),
    ("he_normal-truncated", functools.partial(he_normal, truncated=True), SHAPE,
     truncnorm(math.sqrt(2.0 / N_IN))),
    ("he_normal-fan_out", functools.partial(he_normal, mode="fan_out"), SHAPE,
     normal(math.sqrt(2.0 / N_OUT))),
    ("he_normal-leaky0.2", functools.partial(he_normal, negative_slope=0.2), SHAPE,
     normal(math.sqrt(2.0 / (1.04 * N_IN)))),
    ("he_normal-truncated-fan_out-leaky0.2",
     functools.partial(he_normal, truncated=True, mode="fan_out", negative_slope=0.2), SHAPE,
     truncnorm(math.sqrt(2.0 / (1.04 * N_OUT)))),
    ("he_normal-truncated-conv", functools.partial(he_normal, truncated=True), CONV,
     truncnorm(math.sqrt(2.0 / C_IN))),
    ("lecun_uniform", lecun_uniform, SHAPE, symmetric_uniform(math.sqrt(3.0 / N_IN))),
    ("lecun_normal", lecun_normal, SHAPE, normal(math.sqrt(1.0 / N_IN))),
    ("lecun_normal-truncated", functools.partial(lecun_normal, truncated=True), SHAPE,
     truncnorm(math.sqrt(1.0 / N_IN))),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("sampler, shape, law", [c[1:] for c in SAMPLER_CASES],
                         ids=[c[0] for c in SAMPLER_CASES])
def test_sampler_follows_its_law(sampler, shape, law, dtype):
    w = sampler(shape, rng=SEED, dtype=dtype)
    assert isinstance(w, np.ndarray) and w.shape == shape and w.dtype == dtype
    assert np.isfinite(w).all()
    assert_follows(w, law, dtype)


VS_SCALE = 1.7


def _vs_law(shape, mode, distribution, scale=VS_SCALE):
    fan_in, fan_out = fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    std = math.sqrt(scale / n)
    if distribution == "uniform":
        return symmetric_uniform(math.sqrt(3.0) * std)
    return truncnorm(std) if distribution == "truncated_normal" else normal(std)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_every_mode_and_distribution(mode, distribution, dtype):
    w = variance_scaling(SHAPE, scale=VS_SCALE, mode=mode, distribution=distribution,
                         rng=SEED, dtype=dtype)
    assert w.shape == SHAPE and w.dtype == dtype
    assert_follows(w, _vs_law(SHAPE, mode, distribution), dtype)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_on_a_conv_kernel(mode):
    w = variance_scaling(CONV, scale=2.0, mode=mode, distribution="untruncated_normal",
                         rng=SEED, dtype=np.float64)
    assert_follows(w, _vs_law(CONV, mode, "untruncated_normal", scale=2.0), np.float64)


def test_variance_scaling_defaults_are_keras_defaults():
    # Keras VarianceScaling(): scale 1, fan_in, truncated normal.
    a = variance_scaling(SHAPE, rng=SEED)
    b = variance_scaling(SHAPE, scale=1.0, mode="fan_in", distribution="truncated_normal",
                         rng=SEED)
    np.testing.assert_array_equal(a, b)


def test_named_samplers_are_variance_scaling():
    """Each named scheme is variance_scaling with its constants: same draws, same seed."""
    cases = [
        (xavier, {}, dict(scale=1 / 3, mode="fan_in", distribution="uniform")),
        (normalized_xavier, {}, dict(scale=1.0, mode="fan_avg", distribution="uniform")),
        (glorot_normal, {"truncated": True}, dict(scale=1.0, mode="fan_avg",
                                                   distribution="truncated_normal")),
        (he_uniform, {}, dict(scale=2.0, mode="fan_in", distribution="uniform")),
        (he_normal, {}, dict(scale=2.0, mode="fan_in", distribution="untruncated_normal")),
        (he_normal, {"mode": "fan_out"}, dict(scale=2.0, mode="fan_out",
                                              distribution="untruncated_normal")),
        (lecun_uniform, {}, dict(scale=1.0, mode="fan_in", distribution="uniform")),
        (lecun_normal, {"truncated": True}, dict(scale=1.0, mode="fan_in",
                                                  distribution="truncated_normal")),
    ]
    for sampler, options, vs in cases:
        np.testing.assert_allclose(sampler((30, 50), rng=1, **options),
                                   variance_scaling((30, 50), rng=1, **vs), rtol=1e-15)


# ------------------------------------------------------------ exact samplers
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4, 5)])
def test_zeros(shape, dtype):
    w = zeros(shape, dtype=dtype)
    assert w.shape == shape and w.dtype == dtype and not w.any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", [0.5, -2.0, 0, 7, 0.1, 1e30])
def test_constant(value, dtype):
    w = constant((6, 7), value, dtype=dtype)
    assert w.shape == (6, 7) and w.dtype == dtype
    assert np.all(w == dtype(value))


def test_constant_and_zeros_take_but_do_not_use_rng():
    g = np.random.default_rng(0)
    state = g.bit_generator.state
    zeros((3, 3), rng=g)
    constant((3, 3), 1.0, rng=g)
    assert g.bit_generator.state == state


def test_default_normals_are_untruncated():
    # PyTorch's default: plain normals unless truncated=True is asked for.
    for sampler in (glorot_normal, he_normal, lecun_normal):
        np.testing.assert_array_equal(sampler(SHAPE, rng=3),
                                      sampler(SHAPE, truncated=False, rng=3))


def test_random_normal_with_zero_std_is_the_mean():
    np.testing.assert_array_equal(random_normal((4, 4), mean=1.5, std=0.0, rng=0),
                                  np.full((4, 4), 1.5))


@pytest.mark.parametrize("mean", [1.0, -2.5])
def test_random_normal_float32_is_shifted_by_the_mean(mean):
    # float32 is drawn as standard normals scaled and shifted in place: the sample mean of
    # 40,000 draws of std 0.5 is within 8 standard errors (8 * 0.5 / 200 = 0.02) of the mean.
    w = random_normal((200, 200), mean=mean, std=0.5, rng=0, dtype=np.float32)
    assert w.dtype == np.float32
    assert abs(float(w.mean(dtype=np.float64)) - mean) < 0.02
    assert abs(float(w.std(dtype=np.float64)) - 0.5) < 0.02


# ------------------------------------------------------------ the truncation constant
def test_truncated_normal_std_constant():
    # Derived three ways: scipy (in this test), the package's closed form, Keras's literal.
    assert TN_STD == pytest.approx(0.8796256610342398, abs=1e-15)
    assert abs(TRUNCATED_NORMAL_STD - TN_STD) < 1e-15
    assert abs(TRUNCATED_NORMAL_STD - KERAS_TRUNCATED_STD) < 1e-15


def test_truncated_normal_restores_the_target_std():
    # Without the 1/0.8796 widening the std would be 12% low: the truncated form keeps
    # Var = scale/n while its draws stay within 2 * sigma / 0.8796.
    sigma = math.sqrt(2.0 / N_IN)
    w = he_normal(SHAPE, truncated=True, rng=SEED)
    assert abs(w).max() <= 2 * sigma / TN_STD
    assert abs(w).max() > 2 * sigma                       # wider than 2 sigma, by design
    assert w.std() == pytest.approx(sigma, rel=Z * math.sqrt((TN_KURTOSIS + 2) / (4 * w.size)))


def _reference_truncated(rng, shape, scale, dtype):
    """The plainest rejection sampler: draw all, then redraw the ones outside +-2 until none."""
    z = rng.standard_normal(shape, dtype=dtype)
    flat = z.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) > 2.0)
    while bad.size:
        redraw = rng.standard_normal(bad.size, dtype=dtype)
        flat[bad] = redraw
        bad = bad[np.abs(redraw) > 2.0]
    z *= dtype(scale)
    return z


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (300, 700), (3, 3, 64, 128)])
def test_truncated_sampler_equals_the_plain_rejection_sampler(shape, dtype):
    # The package samples in cache-sized blocks for speed (benchmarks/bench_initializers.py);
    # it must draw the same stream and give the same numbers, bit for bit, as the plain
    # algorithm, so that seeded notebook outputs do not depend on that optimisation.
    for seed in (0, 1, 2):
        sigma = math.sqrt(2.0 / fans(shape)[0])
        ours = he_normal(shape, truncated=True, rng=seed, dtype=dtype)
        reference = _reference_truncated(np.random.default_rng(seed), shape,
                                         sigma / TRUNCATED_NORMAL_STD, dtype)
        assert ours.dtype == reference.dtype
        np.testing.assert_array_equal(ours, reference)


def test_modes_and_distributions():
    assert MODES == ("fan_in", "fan_out", "fan_avg")
    assert DISTRIBUTIONS == ("truncated_normal", "untruncated_normal", "uniform")


# ------------------------------------------------------------ determinism and rng
ALL_RANDOM = [
    random_normal, random_uniform, xavier, normalized_xavier, glorot_normal,
    functools.partial(glorot_normal, truncated=True), he_uniform, he_normal,
    functools.partial(he_normal, truncated=True), lecun_uniform, lecun_normal,
    functools.partial(lecun_normal, truncated=True), variance_scaling,
]
RANDOM_IDS = ["random_normal", "random_uniform", "xavier", "normalized_xavier", "glorot_normal",
              "glorot_normal-truncated", "he_uniform", "he_normal", "he_normal-truncated",
              "lecun_uniform", "lecun_normal", "lecun_normal-truncated", "variance_scaling"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sampler", ALL_RANDOM, ids=RANDOM_IDS)
def test_determinism(sampler, dtype):
    shape = (50, 40)
    a = sampler(shape, rng=123, dtype=dtype)
    np.testing.assert_array_equal(a, sampler(shape, rng=123, dtype=dtype))
    # An int seed means numpy.random.default_rng(seed).
    np.testing.assert_array_equal(a, sampler(shape, rng=np.random.default_rng(123), dtype=dtype))
    assert not np.array_equal(a, sampler(shape, rng=124, dtype=dtype))
    # A Generator passed in is the one used: it advances, so the next draw differs ...
    g = np.random.default_rng(7)
    state = g.bit_generator.state
    first = sampler(shape, rng=g, dtype=dtype)
    assert g.bit_generator.state != state
    second = sampler(shape, rng=g, dtype=dtype)
    assert not np.array_equal(first, second)
    # ... and the pair is what a fresh Generator with the same seed gives.
    h = np.random.default_rng(7)
    np.testing.assert_array_equal(first, sampler(shape, rng=h, dtype=dtype))
    np.testing.assert_array_equal(second, sampler(shape, rng=h, dtype=dtype))
    # rng=None draws fresh entropy.
    u, v = sampler(shape, rng=None, dtype=dtype), sampler(shape, dtype=dtype)
    assert u.shape == shape and u.dtype == dtype and not np.array_equal(u, v)


# ------------------------------------------------------------ valid input: always finite
FAN_SCALED = {
    "xavier": xavier, "normalized_xavier": normalized_xavier,
    "glorot_normal": glorot_normal, "glorot_normal_t": functools.partial(glorot_normal, truncated=True),
    "he_uniform": he_uniform, "he_uniform_out": functools.partial(he_uniform, mode="fan_out"),
    "he_normal": he_normal, "he_normal_t": functools.partial(he_normal, truncated=True),
    "lecun_uniform": lecun_uniform, "lecun_normal": lecun_normal,
    "lecun_normal_t": functools.partial(lecun_normal, truncated=True),
}


@st.composite
def small_kernels(draw):
    """Shapes with at most ~1e5 weights but fans from 1 up to 1e5."""
    kernel = draw(st.lists(st.integers(1, 7), max_size=2))
    field = math.prod(kernel)
    fan_in_ch = draw(st.integers(1, max(1, 100_000 // field)))
    out_ch = draw(st.integers(1, max(1, 100_000 // (field * fan_in_ch))))
    return (*kernel, fan_in_ch, out_ch)


@settings(max_examples=150, deadline=None)
@given(shape=small_kernels(), name=st.sampled_from(sorted(FAN_SCALED)),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**32 - 1))
def test_fan_scaled_schemes_are_finite_for_any_valid_input(shape, name, dtype, seed):
    w = FAN_SCALED[name](shape, rng=seed, dtype=dtype)
    assert w.shape == shape and w.dtype == dtype
    assert np.isfinite(w).all()


@settings(max_examples=150, deadline=None)
@given(scale=st.floats(min_value=1e-300, max_value=1e300),
       mode=st.sampled_from(MODES), distribution=st.sampled_from(DISTRIBUTIONS),
       dtype=st.sampled_from(DTYPES), fan_in=st.integers(1, 300), fan_out=st.integers(1, 300))
def test_variance_scaling_is_finite_or_refuses(scale, mode, distribution, dtype, fan_in, fan_out):
    """Any positive scale either gives finite weights or a ValueError naming the overflow."""
    try:
        w = variance_scaling((fan_in, fan_out), scale=scale, mode=mode,
                             distribution=distribution, rng=0, dtype=dtype)
    except ValueError as error:
        assert re.match(rf"scale is too large for dtype {np.dtype(dtype).name}", str(error))
        # Refused only when the spread really is beyond the dtype (64 std of margin).
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        assert 64 * math.sqrt(scale / n) > float(np.finfo(dtype).max)
        return
    assert np.isfinite(w).all() and w.dtype == dtype


@pytest.mark.parametrize("call, pattern", [
    (lambda: constant((2, 2), 1e300, dtype=np.float32), r"value is too large for dtype float32"),
    (lambda: constant((2, 2), -1e39, dtype=np.float32), r"value is too large for dtype float32"),
    (lambda: random_normal((2, 2), std=1e38, dtype=np.float32), r"std is too large for dtype float32"),
    (lambda: random_normal((2, 2), mean=3e38, std=1e37, dtype=np.float32),
     r"std is too large for dtype float32"),
    (lambda: random_normal((2, 2), std=1e307), r"std is too large for dtype float64"),
    (lambda: random_uniform((2, 2), low=-3e38, high=3e38, dtype=np.float32),
     r"high - low is too large for dtype float32"),
    (lambda: random_uniform((2, 2), low=-1e308, high=1e308), r"high - low is too large for dtype float64"),
    # A narrow interval beyond the dtype's range: each end must be checked, not only the width.
    (lambda: random_uniform((2, 2), low=3e38, high=3.5e38, dtype=np.float32),
     r"high - low is too large for dtype float32"),
    (lambda: random_uniform((2, 2), low=-3.5e38, high=-3e38, dtype=np.float32),
     r"high - low is too large for dtype float32"),
    (lambda: variance_scaling((1, 1), scale=1e300, distribution="uniform", dtype=np.float32),
     r"scale is too large for dtype float32"),
    (lambda: variance_scaling((1, 1), scale=1e300, dtype=np.float32),
     r"scale is too large for dtype float32"),
    (lambda: variance_scaling((1, 1), scale=1e308, distribution="uniform"),
     r"scale is too large for dtype float64"),
])
def test_overflowing_requests_raise_instead_of_returning_inf(call, pattern):
    # Warnings become errors here: the refusal must be a clean ValueError, without a
    # numpy "overflow encountered" RuntimeWarning printed on the way.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=pattern):
            call()


def test_uniform_variance_scaling_up_to_the_edge_of_float32():
    # U[-L, L] with L = sqrt(3 scale / n) = 1.5e38: the width 2 L = 3e38 is below float32's
    # largest (3.4e38), so this is drawn (a margin of 3 L would refuse it).
    w = variance_scaling((1, 1000), scale=7.5e75, mode="fan_in", distribution="uniform",
                         rng=0, dtype=np.float32)
    assert np.isfinite(w).all() and np.abs(w).max() <= np.float32(1.5e38)
    assert np.abs(w).max() > 1.4e38                 # 1000 draws reach the top 7 % of the range


def test_variance_scaling_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"shape must have at least 2 dimensions .* got \(5,\)"):
        variance_scaling((5,))


def test_large_but_representable_requests_work():
    assert np.isfinite(constant((2, 2), 1e300)).all()
    assert np.isfinite(constant((2, 2), 3e38, dtype=np.float32)).all()
    assert np.isfinite(random_normal((100, 100), std=1e30, dtype=np.float32, rng=0)).all()
    assert np.isfinite(random_uniform((100, 100), low=-1e307, high=1e307, rng=0)).all()


# ------------------------------------------------------------ shapes
# Bad input of every kind: tests/test_bad_inputs.py.
@pytest.mark.parametrize("sampler", [zeros, functools.partial(constant, value=1.0),
                                     random_normal, random_uniform])
def test_plain_schemes_accept_one_dimension(sampler):
    assert sampler((10,), rng=0).shape == (10,)
    assert sampler(10, rng=0).shape == (10,)
