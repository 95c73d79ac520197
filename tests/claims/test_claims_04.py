"""The claims of notebook 04 (the 1/√n uniform), re-measured over many seeds.

Each test names the notebook section whose sentence or ``cu.agree`` line it
guards, uses the notebook's own configuration (widths, depths, batch), and
fails when the sentence would become false. The tolerances are the ones the
notebook's ``cu.agree`` lines use; the comments say why they are safe.
"""

from __future__ import annotations

import numpy as np
import pytest

import course_utils as cu
from course_utils import mean_field as mf
from course_utils.displays.standard_uniform import DefaultBiasDisplay, DepthDisplay, UniformSampleDisplay

SEEDS = range(20)


def test_sample_of_one_node_matches_bounds_and_std():
    """'The 1/√n uniform and its variance': 1,000 weights, largest |w| within 2% of 1/√10, std within 6%."""
    for seed in range(100):
        d = UniformSampleDisplay.from_run(10, 1000, rng=seed)
        # P(no draw in the outer 2% of either side) = 2 * 0.99**1000 ~ 9e-5 per run.
        assert d.sample_max <= d.limit and -d.sample_min <= d.limit
        assert abs(max(-d.sample_min, d.sample_max) / d.limit - 1) <= 0.02
        # the sample std of 1,000 uniform draws has relative SE sqrt(0.2/1000) = 1.4%: 6% is > 4 SE
        assert abs(d.sample_std / d.std - 1) <= 0.06


def test_range_reaches_0_1_only_at_n_100():
    """'How the range shrinks': 0.224 at n = 20 (the tutorial reads 0.1 there); 0.1 first at n = 100."""
    n = np.arange(1, 101)
    assert round(float(cu.xavier_limit(20)), 3) == 0.224
    assert int(n[np.argmax(cu.xavier_limit(n) <= 0.1)]) == 100


@pytest.mark.parametrize("seed", SEEDS)
def test_depth_factors_and_mean_field(seed):
    """'What a variance of 1/(3n) does': per-layer std ratio (last 5 layers) within 8% of 1/√3 (tanh)
    and 1/√6 (ReLU); layer 10 within a factor 1.6 of the mean field; ReLU's layer-10 std 'about 1e-4'.

    At width 256 one ReLU layer's ratio scatters by ~5% and a geometric mean of five by ~2.5% (tanh:
    ~1%), so 8% is > 3 SE; per-layer scatter compounds like a random walk over 10 layers (~15% for ReLU),
    so a factor 1.6 (|log| 0.47) is > 3 of those.
    """
    d = DepthDisplay.from_run(("tanh", "relu"), depth=10, width=256, batch=256, rng=seed)
    for act in ("tanh", "relu"):
        assert abs(d.ratio[act] / d.small_signal[act] - 1) <= 0.08
        r = d.runs[act].preactivation_std[-1] / d.predicted[act].preactivation_std[-1]
        assert 1 / 1.6 <= r <= 1.6
        # the errors shrink the same way going down (the text: 'shrink in the same way'): on the mean field
        g, p = d.runs[act].gradient_std, d.predicted[act].gradient_std
        assert 1 / 1.6 ** 2 <= (g[0] / g[-1]) / (p[0] / p[-1]) <= 1.6 ** 2
    assert 5e-5 <= d.runs["relu"].preactivation_std[-1] <= 3e-4


def test_torch_default_is_this_scheme():
    """'PyTorch's default is this scheme': gain 1/√3 and identical draws with the same seed."""
    np.testing.assert_allclose(cu.calculate_gain("leaky_relu", 5 ** 0.5), 1 / np.sqrt(3), rtol=1e-12)
    for seed in SEEDS:
        a = cu.he_uniform((784, 128), negative_slope=5 ** 0.5, rng=seed)
        assert np.array_equal(a, cu.xavier((784, 128), rng=seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_default_biases(seed):
    """'...and PyTorch's default biases' and the paragraph after its figure.

    - std(z) at layer 10 within 15% of √(2/(5n)): 256 biases set the fixed point, and their
      variance has a relative SE of 9% (std: 4.5%), so 15% is > 3 SE;
    - the input-dependent part falls between the two regimes: within a factor 2.5 of the geometric
      mean of 0.337^9 and 0.408^9 (the two bounds are a factor 5.6 apart: 2.5 covers both ends);
    - 'more than 99% of each unit's spread is its own fixed offset': input part < 1% of the total std;
    - weight gradients shrink toward the input, 'roughly 100 times' over 10 layers, within a factor
      1.8 of the mean field (a weight gradient carries the forward and the backward scatter).
    """
    d = DefaultBiasDisplay.from_run(width=256, depth=10, batch=256, rng=seed)
    n = d.width
    np.testing.assert_allclose(d.q_star, 2 / (5 * n), rtol=1e-9)
    assert abs(d.with_bias.preactivation_std[-1] / np.sqrt(2 / (5 * n)) - 1) <= 0.15
    ratio = d.input_part[-1] / d.input_part[0]
    middle = np.sqrt(0.337 ** 9 * 0.408 ** 9)
    assert 1 / 2.5 <= ratio / middle <= 2.5
    assert d.input_part[-1] < 0.01 * d.with_bias.preactivation_std[-1]
    g, p = d.with_bias.weight_gradient_std, d.predicted_bias.weight_gradient_std
    assert 1 / 1.8 <= (g[-1] / g[0]) / (p[-1] / p[0]) <= 1.8
    assert 50 <= g[-1] / g[0] <= 200
    # zero biases, same weights: weight gradients level (within a factor 2, against ~100 with the
    # biases; ReLU at width 256 scatters more than tanh) and a vanishing total (the red points)
    g0 = d.no_bias.weight_gradient_std
    assert g0.max() / g0.min() < 2
    assert d.no_bias.preactivation_std[-1] < 1e-3


@pytest.mark.parametrize("seed", SEEDS)
def test_exercise_2_prediction_holds_for_any_draw(seed):
    """Exercise 2's visible check (measured / predicted within a factor 2) must pass for a student's
    correct run whatever order they draw in: alternating widths 256/1024, ReLU, 6^-4.5."""
    gen = np.random.default_rng(seed)
    run = cu.propagate(gen.standard_normal((256, 256)), cu.draw_weights([256, 1024] * 5 + [256], "xavier", rng=gen),
                       "relu", weight_gradients=False)
    measured = run.preactivation_std[-1] / run.preactivation_std[0]
    assert 0.5 < measured / 6 ** -4.5 < 2


def test_exercise_3_small_signal_fixed_point():
    """Exercise 3: q* ~ 1/(2n) for tanh with PyTorch's default weights and biases, within 1% of the engine."""
    for n in (64, 512, 4096):
        assert abs(mf.fixed_point("tanh", 1 / 3, bias_var=1 / (3 * n)) * 2 * n - 1) < 0.01
