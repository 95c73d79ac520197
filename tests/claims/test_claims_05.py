"""The claims of notebook 05 (Glorot, normalized Xavier), re-measured over many seeds.

Each test names the notebook section whose sentence or ``cu.agree`` line it
guards, uses the notebook's configuration, and fails when the sentence would
become false. Tolerances are those of the notebook's ``cu.agree`` lines; the
comments say why they are safe.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import course_utils as cu
from course_utils.displays.glorot import (GradientLevelsDisplay, LayerDensitiesDisplay, TruncationDisplay,
                                          torch_trunc_normal)

SEEDS = range(20)


def test_compromise_factors():
    """'The derivation': for n = 10, m = 20 the factors are 2/3 and 4/3 and average to 1; square layers 1 and 1."""
    for n, m in [(10, 20), (784, 10), (64, 64), (3, 1000)]:
        var = cu.glorot_std(n, m) ** 2
        np.testing.assert_allclose([n * var, m * var], [2 * n / (n + m), 2 * m / (n + m)], rtol=1e-12)
        np.testing.assert_allclose((n + m) * var / 2, 1.0, rtol=1e-12)


def test_lecun_against_glorot():
    """'LeCun is not Glorot': the article's randn * sqrt(1/n) has LeCun's std within 7% (>= 2,000 draws:
    relative SE 1/sqrt(2N) <= 1.6%, so 7% is > 4 SE); the ratio LeCun/Glorot is sqrt((n+m)/(2n))."""
    for seed in range(50):
        rng = np.random.default_rng(seed)
        for n, m in [(256, 256), (784, 10), (10, 200)]:
            article = rng.standard_normal((n, m)) * np.sqrt(1 / n)
            assert abs(article.std() / cu.lecun_std(n) - 1) <= 0.07
            np.testing.assert_allclose(cu.lecun_std(n) / cu.glorot_std(n, m), np.sqrt((n + m) / (2 * n)), rtol=1e-12)


def test_tutorial_example():
    """'Reproducing the tutorial's example': five 10 x 20 layers, largest |w| within 2% of the bound
    (P(no draw in the outer 2% of either side) ~ 9e-5) and the std within 6% (relative SE 1.4%)."""
    limit, std = cu.glorot_limit(10, 20), cu.glorot_std(10, 20)
    assert (-limit, limit) == (-0.44721359549995787, 0.44721359549995787)
    for seed in range(100):
        rng = np.random.default_rng(seed)
        w = np.concatenate([cu.normalized_xavier((10, 20), rng=rng).ravel() for _ in range(5)])
        assert np.abs(w).max() <= limit and np.abs(w).max() >= 0.98 * limit
        assert abs(w.std() / std - 1) <= 0.06


@pytest.mark.parametrize("seed", SEEDS)
def test_truncation(seed):
    """'The normal form': both stds within 1.5% of sigma (60,000 draws: relative SE 0.3%); the plain normal's
    share beyond Keras's cut within 0.004 of 2.3% (binomial SE 0.0006); none beyond it when truncated;
    trunc_normal_ at the default cut-offs keeps sigma, at +-2 sigma gives 0.8796 sigma (both within 1.5%)."""
    rng = np.random.default_rng(seed)
    d = TruncationDisplay.from_run((200, 300), rng=rng)
    assert abs(d.plain.std() / d.sigma - 1) <= 0.015 and abs(d.truncated.std() / d.sigma - 1) <= 0.015
    assert abs(d.beyond_plain - d.beyond_expected) <= 0.004 and d.beyond_truncated == 0.0
    default_cut = torch_trunc_normal((200, 300), d.sigma, -2.0, 2.0, rng=rng)
    two_sigma = torch_trunc_normal((200, 300), d.sigma, -2 * d.sigma, 2 * d.sigma, rng=rng)
    assert abs(default_cut.std() / d.sigma - 1) <= 0.015
    assert abs(two_sigma.std() / d.sigma / cu.TRUNCATED_NORMAL_STD - 1) <= 0.015


@pytest.mark.parametrize("seed", SEEDS)
def test_figures_6_and_7(seed):
    """'The payoff in a deep network': activation std at layer 8 within 10% of the mean field, the
    errors' max/min within 15% (width 256: a few % per layer); the text's 'about 0.01 by layer 8',
    'about 60 times less by layer 1' (standard) and 'within a factor of about 3' (normalized)."""
    d = LayerDensitiesDisplay.from_run(depth=8, width=256, batch=256, rng=seed)
    for s in ("xavier", "normalized_xavier"):
        assert abs(d.runs[s].std[-1] / d.predicted[s].std[-1] - 1) <= 0.10
        assert abs(d.gradient_spread[s] / d.gradient_spread_predicted[s] - 1) <= 0.15
    assert 0.007 <= d.runs["xavier"].std[-1] <= 0.013
    assert 45 <= d.gradient_spread["xavier"] <= 80
    assert 2.5 <= d.gradient_spread["normalized_xavier"] <= 3.7


@pytest.mark.parametrize("seed", SEEDS)
def test_figure_8_level_weight_gradients(seed):
    """'Which layers learn slowly?': the course's one account of level weight gradients.

    Each agree line within a factor 1.3 of the mean field (20 tanh layers of width 256: the worst layer
    scatters by up to ~15%); the text's numbers: dL/dz from about 1 to about 2e-5, weight gradients level
    (max/min < 1.3) at about 1e-4 of the normalized init's, output std about 1e-5; normalized: errors
    drift down by about 5, weight gradients 'within about 20%' (max/min < 1.35); bias gradients shrink
    with the error.
    """
    d = GradientLevelsDisplay.from_run(depth=20, width=256, batch=256, rng=seed)
    s, p = d.runs["xavier"], d.predicted["xavier"]
    assert 1 / 1.3 <= d.error_drop["xavier"] / (p.gradient_std[0] / p.gradient_std[-1]) <= 1.3
    assert d.weight_spread["xavier"] < 1.3
    assert 1 / 1.3 <= d.standard_over_normalized / d.standard_over_normalized_predicted <= 1.3
    assert 1 / 1.3 <= s.std[-1] / p.std[-1] <= 1.3
    assert 1e-5 <= d.error_drop["xavier"] <= 4e-5 and 0.7 <= s.gradient_std[-1] <= 1.3
    assert 5e-5 <= d.standard_over_normalized <= 2e-4
    assert 0.5e-5 <= s.std[-1] <= 2e-5
    assert 3.5 <= 1 / d.error_drop["normalized_xavier"] <= 7
    assert d.weight_spread["normalized_xavier"] < 1.35
    assert s.bias_gradient_std[0] / s.bias_gradient_std[-1] < 1e-3


def test_errata_appendix_numbers():
    """'Appendix: errata in the source articles': the corrections the table states."""
    n, m = 10, 20
    assert 3 * (n + m) * cu.glorot_std(n, m) ** 2 == pytest.approx(6.0, rel=1e-12)                 # 1
    assert math.erfc(1 / math.sqrt(2)) == pytest.approx(0.3173, abs=1e-4)                          # 3: 32%
    for seed in SEEDS:                       # 3, measured: 60,000 draws, binomial SE 0.0019, atol 0.01
        w = cu.random_normal((200, 300), std=np.sqrt(6 / (n + m)), rng=seed)
        assert abs(np.mean(np.abs(w) > cu.glorot_limit(n, m)) - 0.3173) <= 0.01
    assert np.sqrt(6) / np.sqrt(2 * n) / cu.glorot_limit(n, m) == pytest.approx(1.2247, abs=1e-4)  # 9: 22%
    assert round(cu.glorot_std(10, 20), 3) == 0.258                                                # 10
    np.testing.assert_allclose(cu.glorot_limit(np.array([1, 100]), 10), [0.739, 0.234], atol=5e-4)  # 11
    assert round(float(cu.xavier_limit(20)), 3) == 0.224                                           # 12
    assert round(math.sqrt(2 / 20), 3) == 0.316 and round(math.sqrt(2 / 100), 3) == 0.141         # 13
    assert round(math.erf(3 / math.sqrt(2)), 4) == 0.9973 and round(math.erf(4 / math.sqrt(2)), 5) == 0.99994  # 14
    assert math.erfc(1 / math.sqrt(2)) == pytest.approx(0.32, abs=0.005)                           # 15


def test_exercise_1_matching_fan_out():
    """Exercise 1: Glorot uniform's limit equals 1/sqrt(n) at m = 5n."""
    for n in (1, 3, 10, 100, 784):
        np.testing.assert_allclose(cu.glorot_limit(n, 5 * n), cu.xavier_limit(n), rtol=1e-12)


def test_exercise_3_lopsided_layer():
    """Exercise 3's model answer: factors 1.975 and 0.0252, std factors 1.4 and 0.16; LeCun's backward 0.0128."""
    var = cu.glorot_std(784, 10) ** 2
    assert round(784 * var, 3) == 1.975 and round(10 * var, 4) == 0.0252
    assert round(math.sqrt(784 * var), 1) == 1.4 and round(math.sqrt(10 * var), 2) == 0.16
    assert round(10 / 784, 4) == 0.0128
