"""Claims of notebook 01 (fans and the variance sum), re-measured over many seeds.

Each test re-runs a notebook cell's measurement at 20 seeds with the notebook's
sizes. Two checks per claim where the claim is a formula: every seed within a
tolerance of about five times the seed-to-seed scatter (measured over 100
seeds, quoted in each test), and the mean over the seeds close to the formula,
which a biased formula (a missing factor, a wrong moment) would fail even
where single runs scatter.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import course_utils as cu
from course_utils.panels.fans import fan_layer

SEEDS = range(20)


def _within(values, expected, rtol_each, rtol_mean):
    values = np.asarray(values)
    assert np.all(np.abs(values / expected - 1) <= rtol_each), values
    assert abs(values.mean() / expected - 1) <= rtol_mean, values.mean()


def _one_layer(seed, n=300, units=512):
    """The cell 'Why the fan-in sets the scale': output stds of one layer of 512 units."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((512, n))
    same = np.repeat(rng.standard_normal((512, 1)), n, axis=1)
    return {"fixed": (x @ cu.random_normal((n, units), rng=rng)).std(),
            "lecun": (x @ cu.lecun_normal((n, units), rng=rng)).std(),
            "relu": (np.maximum(x, 0) @ cu.lecun_normal((n, units), rng=rng)).std(),
            "dependent": (same @ cu.lecun_normal((n, units), rng=rng)).std()}


@pytest.fixture(scope="module")
def layers():
    return [_one_layer(s) for s in SEEDS]


def test_variance_sum_width(layers):
    """N(0, 1) weights give std sqrt(n), LeCun weights std 1 (100 seeds: rms 0.3 %, max 1 %)."""
    _within([r["fixed"] for r in layers], np.sqrt(300), 0.05, 0.01)
    _within([r["lecun"] for r in layers], 1.0, 0.05, 0.01)


def test_relu_keeps_half_the_second_moment(layers):
    """ReLU inputs: output std sqrt(1/2), i.e. E[relu(z)^2] = Var[z] / 2 (rms 1 %, max 2.3 %)."""
    _within([r["relu"] for r in layers], np.sqrt(0.5), 0.06, 0.02)


def test_dependent_inputs_obey_the_same_formula(layers):
    """'The inputs need not be independent': inputs all equal within an example still give
    std 1 with LeCun weights. One run scatters more (rms 4 %, max 12 % over 100 seeds: each
    unit's spread is its own weights' sum times the example's one value), so the single
    runs get 0.2 and the mean over the 20 seeds 0.05."""
    _within([r["dependent"] for r in layers], 1.0, 0.2, 0.05)


def _mean_split(seed):
    """The cell 'A non-zero input mean': n = 300, LeCun weights, 512 units, 2,048 inputs N(1, 1)."""
    rng = np.random.default_rng(seed)
    w = cu.lecun_normal((300, 512), rng=rng)
    z = (1.0 + rng.standard_normal((2048, 300))) @ w
    offset = w.sum(axis=0)
    return z.std(), offset.std(), (z - offset).std()


def test_input_mean_splits_into_offset_and_input_dependent_part():
    """Total std sqrt(2), offset std 1, input-dependent std 1 (100 seeds: rms 1.4 %, 2.7 %, 0.2 %;
    max 4 %, 8 %, 0.7 %), and the two parts' variances add up to the total's."""
    total, offset, rest = np.array([_mean_split(s) for s in SEEDS]).T
    _within(total, np.sqrt(2.0), 0.07, 0.02)
    _within(offset, 1.0, 0.14, 0.04)
    _within(rest, 1.0, 0.02, 0.005)
    # the offset is constant across examples, so the variances add (up to the cross term)
    np.testing.assert_allclose(total**2, offset**2 + rest**2, rtol=0.01)


def test_convolution_output_std_is_one_at_stride_1_and_2():
    """LeCun weights at fan-in 144: output std 1 at both strides (rms 1.6 % / 2.1 %, max 4.5 % / 5.4 %)."""
    s1, s2 = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        image = rng.standard_normal((20, 20, 16))
        kernel = cu.lecun_normal((3, 3, 16, 32), rng=rng)
        out = np.einsum("hwcij,ijco->hwo", sliding_window_view(image, (3, 3), axis=(0, 1)), kernel)
        s1.append(out.std())
        s2.append(out[::2, ::2].std())
    _within(s1, 1.0, 0.1, 0.03)
    _within(s2, 1.0, 0.12, 0.03)


def test_he_uniform_has_mean_zero_and_the_article_interval_does_not():
    """Erratum box: 4,608 He-uniform weights average 0 (sd 0.0017; the cell allows 0.01), while
    the article's [-sqrt(6/n), sqrt(6/m)] has mean -0.0299 at n = 144, m = 288."""
    for seed in SEEDS:
        w = cu.he_uniform((3, 3, 16, 32), rng=np.random.default_rng(seed))
        assert abs(w.mean()) < 0.01 and np.abs(w).max() <= cu.he_limit(144)
    assert np.mean([-np.sqrt(6 / 144), np.sqrt(6 / 288)]) == pytest.approx(-0.0299, abs=5e-5)


@pytest.mark.parametrize("n", [1, 3, 10, 784, 4096])
def test_pytorch_linear_default_is_the_one_over_sqrt_n_uniform(n):
    """kaiming_uniform_(a=sqrt(5)): gain sqrt(2 / (1 + 5)) times sqrt(3 / n) is 1 / sqrt(n)."""
    gain = cu.calculate_gain("leaky_relu", np.sqrt(5))
    assert gain * np.sqrt(3 / n) == pytest.approx(1 / np.sqrt(n), rel=1e-12)
    assert cu.xavier_limit(n) == pytest.approx(1 / np.sqrt(n), rel=1e-12)


def test_panel_things_to_try():
    """'Grow the outputs: only normalized_xavier moves'; 'kernel 1 to 7: both fans grow 49 times,
    every std drops 7 times'; 'normalized_xavier and lecun_normal agree' when fan-in = fan-out."""
    small, wide = fan_layer("dense", 3, 2), fan_layer("dense", 3, 40)
    moved = [s for s, a, b in zip(small.schemes, small.stds, wide.stds) if a != b]
    assert moved == ["normalized_xavier"]
    k1, k7 = fan_layer("conv2d", 8, 16, 1), fan_layer("conv2d", 8, 16, 7)
    assert (k7.fan_in, k7.fan_out) == (49 * k1.fan_in, 49 * k1.fan_out)
    np.testing.assert_allclose(k1.stds / k7.stds, 7.0, rtol=1e-12)
    same = fan_layer("dense", 20, 20)
    glorot, lecun = (same.stds[same.schemes.index(s)] for s in ("normalized_xavier", "lecun_normal"))
    assert glorot == pytest.approx(lecun, rel=1e-12)


def test_exercise_leaky_factor_and_std_keep_a_deep_network_level():
    """Exercise 2's solution: E[leaky(z)^2] / Var[z] = (1 + a^2) / 2 (Monte Carlo, 400,000 draws:
    sd 0.3 % of the value), and Var[w] = 2 / (n (1 + a^2)) keeps 30 layers of width 256 level:
    per-layer std factor within 5 % of 1 (40 seeds: rms 1.3 %, max 3 %)."""
    z = np.random.default_rng(0).standard_normal(400_000)
    for a in (0.0, 0.01, 0.3, 0.7, 1.0):
        assert np.mean(np.where(z > 0, z, a * z) ** 2) == pytest.approx((1 + a**2) / 2, rel=0.01)
    std = np.sqrt(2 / (256 * (1 + 0.01**2)))
    factors = []
    for seed in SEEDS:
        p = cu.signal_propagation(partial(cu.random_normal, std=std), "leaky_relu", depth=30,
                                  width=256, rng=seed)
        factors.append((p.std[-1] / p.std[0]) ** (1 / 29))
    _within(factors, 1.0, 0.05, 0.015)
