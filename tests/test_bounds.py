"""Tests of course_utils.bounds: the analytic limits and stds, scalar and vectorised.

The scalar values are the ones the MachineLearningMastery tutorial printed and
must match to the last digit (exact equality). The vectorised helpers feed the
error-bar plots over n = 1..100, whose numbers correct the tutorial's errata
(its normalized-xavier plot of 1/sqrt(n + m), and "about 0.1 by 20 inputs" for
the xavier and He ranges; notebooks 04-06).
"""

import math

import numpy as np
import pytest

from course_utils import (glorot_std, he_std, he_limit, lecun_std, lecun_limit,
                          glorot_limit, xavier_limit, xavier_std)
from course_utils.bounds import scaled_limit, scaled_std

N = np.arange(1, 101)            # the plots' x axis: 1..100 inputs
M = 10                           # the normalized-xavier plot's fixed number of outputs


# ------------------------------------------------------- printed values, exactly
def test_values_the_tutorial_printed_exactly():
    assert xavier_limit(10) == 0.31622776601683794
    assert glorot_limit(10, 20) == 0.44721359549995787
    assert he_std(10) == 0.4472135954999579
    # Two different floats, both printed by the tutorial: sqrt(6)/sqrt(30) and sqrt(2/10).
    assert glorot_limit(10, 20) != he_std(10)


def test_expected_sample_stds_of_the_tutorial():
    # 1/sqrt(30), sqrt(6/30)/sqrt(3) and sqrt(2/10) (the tutorial's sample printed 0.1778,
    # 0.2581 and 0.4523 from 1000 unseeded draws; "close to 0.17" for normalized is wrong).
    assert round(xavier_std(10), 4) == 0.1826
    assert round(glorot_std(10, 20), 4) == 0.2582
    assert round(he_std(10), 4) == 0.4472


def test_scalars_return_python_floats():
    for value in (xavier_limit(10), xavier_std(10), glorot_limit(10, 20),
                  glorot_std(10, 20), he_limit(10), he_std(10),
                  lecun_limit(10), lecun_std(10), xavier_limit(np.int64(10)),
                  xavier_limit(10.0)):
        assert type(value) is float


# ------------------------------------------------------- the papers' variances
# What each paper asks of Var[w] (n = fan-in, m = fan-out): Glorot & Bengio's eq. 1
# heuristic U[-1/sqrt(n), 1/sqrt(n)] has Var 1/(3n); their eq. 16 Var 2/(n + m);
# He et al. eq. 10 Var 2/n; LeCun et al. Var 1/n. A uniform U[-L, L] has Var L^2/3.
PAPERS = [  # (limit, std, Var[w] as the paper states it)
    (xavier_limit, xavier_std, lambda n, m: 1 / (3 * n)),
    (glorot_limit, glorot_std, lambda n, m: 2 / (n + m)),
    (he_limit, he_std, lambda n, m: 2 / n),
    (lecun_limit, lecun_std, lambda n, m: 1 / n),
]


@pytest.mark.parametrize("limit, std, variance", PAPERS)
def test_helpers_give_the_papers_variance(limit, std, variance):
    n, m = np.meshgrid(np.arange(1, 301), np.array([1, 2, 7, 10, 100, 4096]))
    two = limit in (glorot_limit,)
    s = std(n, m) if two else std(n)
    L = limit(n, m) if two else limit(n)
    # A few roundings (a division, a sqrt, a product) separate the helpers from the
    # exact value: 1e-15 relative is about 4 ulp.
    np.testing.assert_allclose(s ** 2, variance(n, m), rtol=1e-15, atol=0)
    np.testing.assert_allclose(L ** 2 / 3, variance(n, m), rtol=1e-15, atol=0)
    assert np.all(np.diff(s, axis=1) < 0)        # every spread shrinks as n grows


@pytest.mark.parametrize("helper", [xavier_limit, xavier_std, he_limit, he_std, lecun_limit,
                                    lecun_std])
@pytest.mark.parametrize("fans", [N, N.tolist(), N.astype(float)])
def test_vectorised_one_fan_helpers(helper, fans):
    values = helper(fans)
    assert isinstance(values, np.ndarray) and values.shape == (100,) and values.dtype == np.float64
    # The array and the scalar calls agree to the last bit.
    np.testing.assert_array_equal(values, [helper(n) for n in range(1, 101)])


@pytest.mark.parametrize("helper", [glorot_limit, glorot_std])
def test_vectorised_two_fan_helpers(helper):
    values = helper(N, M)
    assert values.shape == (100,) and values.dtype == np.float64
    np.testing.assert_array_equal(values, [helper(n, M) for n in range(1, 101)])
    grid = helper(N[:, None], np.array([1, 10, 100])[None, :])        # broadcasting
    assert grid.shape == (100, 3)
    np.testing.assert_array_equal(grid[:, 1], values)
    assert helper(10, N).shape == (100,)
    assert helper(10, 20) == helper(20, 10)                           # symmetric in n and m


# ------------------------------------------------------- the errata numbers
def test_errata_xavier_bound_is_not_0_1_at_20_inputs():
    # MLM says the xavier bound falls to about 0.1 by about 20 inputs (erratum 12).
    assert round(xavier_limit(20), 3) == 0.224
    limits = xavier_limit(N)
    assert np.all(limits[:99] > 0.1)            # above 0.1 for every n < 100 ...
    assert limits[99] == 0.1                    # ... and exactly 0.1 only at n = 100


def test_errata_he_std_is_not_0_1_at_20_inputs():
    # MLM says the He range falls to about 0.1 by about 20 inputs (erratum 13).
    assert round(he_std(20), 3) == 0.316
    assert round(he_std(100), 3) == 0.141
    assert np.all(he_std(N) > 0.14)


def test_errata_normalized_xavier_plot_bound():
    # MLM plotted 1/sqrt(n + m); its own formula is sqrt(6)/sqrt(n + m) (erratum 11).
    bounds = glorot_limit(N, M)
    assert round(float(bounds[0]), 3) == 0.739            # n = 1, m = 10
    assert round(float(bounds[-1]), 3) == 0.234           # n = 100, m = 10
    buggy = 1.0 / np.sqrt(N + M)
    np.testing.assert_allclose(bounds / buggy, math.sqrt(6.0), rtol=1e-14)
    # The buggy curve is the "-0.3 to 0.3, falling to -0.1 to 0.1" the text describes.
    assert round(float(buggy[0]), 1) == 0.3 and round(float(buggy[-1]), 1) == 0.1


# ------------------------------------------------------- variance_scaling's std and limit
# Var[w] = scale / n_mode with n_fan_in = n, n_fan_out = m, n_fan_avg = (n + m) / 2; a
# uniform U[-L, L] has L = sqrt(3) std. n != m so that every mode divides by its own fan.
@pytest.mark.parametrize("mode, fan", [("fan_in", lambda n, m: n), ("fan_out", lambda n, m: m),
                                       ("fan_avg", lambda n, m: (n + m) / 2)])
@pytest.mark.parametrize("n, m", [(10, 40), (N, M)])
def test_scaled_std_and_limit_divide_by_the_mode_fan(mode, fan, n, m):
    scale = 2.0
    expected = np.sqrt(scale / fan(np.asarray(n, dtype=float), m))
    np.testing.assert_allclose(scaled_std(n, m, scale=scale, mode=mode), expected,
                               rtol=1e-15, atol=0)
    np.testing.assert_allclose(scaled_limit(n, m, scale=scale, mode=mode),
                               math.sqrt(3.0) * expected, rtol=1e-15, atol=0)
