"""Tests of course_utils.bounds: the analytic limits and stds, scalar and vectorised.

The scalar values are the ones the MachineLearningMastery tutorial printed and
must match to the last digit (exact equality). The vectorised helpers feed the
error-bar plots over n = 1..100, whose numbers correct the sources' errata
(COURSE-FACTS.md, items 11-13).
"""

import math

import numpy as np
import pytest

from course_utils import (glorot_std, he_std, he_limit, lecun_std, lecun_limit,
                          glorot_limit, xavier_limit, xavier_std)

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
    assert glorot_std(10, 20) == pytest.approx(glorot_limit(10, 20) / math.sqrt(3),
                                               rel=1e-15)
    assert round(he_std(10), 4) == 0.4472


def test_scalars_return_python_floats():
    for value in (xavier_limit(10), xavier_std(10), glorot_limit(10, 20),
                  glorot_std(10, 20), he_limit(10), he_std(10),
                  lecun_limit(10), lecun_std(10), xavier_limit(np.int64(10)),
                  xavier_limit(10.0)):
        assert type(value) is float


@pytest.mark.parametrize("n", [1, 2, 3, 10, 20, 100, 784, 4096])
def test_one_fan_helpers_match_their_formulas(n):
    assert xavier_limit(n) == 1.0 / math.sqrt(n)
    assert xavier_std(n) == pytest.approx(1.0 / math.sqrt(3 * n), rel=1e-15)
    assert he_limit(n) == pytest.approx(math.sqrt(6.0 / n), rel=1e-15)
    assert he_std(n) == math.sqrt(2.0 / n)
    assert lecun_limit(n) == pytest.approx(math.sqrt(3.0 / n), rel=1e-15)
    assert lecun_std(n) == pytest.approx(math.sqrt(1.0 / n), rel=1e-15)
    # A uniform U[-L, L] has std L / sqrt(3).
    assert xavier_std(n) == pytest.approx(xavier_limit(n) / math.sqrt(3), rel=1e-15)
    assert he_std(n) == pytest.approx(he_limit(n) / math.sqrt(3), rel=1e-15)
    assert lecun_std(n) == pytest.approx(lecun_limit(n) / math.sqrt(3), rel=1e-15)


@pytest.mark.parametrize("n, m", [(1, 1), (3, 2), (10, 20), (784, 10), (400, 600)])
def test_two_fan_helpers_match_their_formulas(n, m):
    assert glorot_limit(n, m) == math.sqrt(6.0) / math.sqrt(n + m)
    assert glorot_std(n, m) == math.sqrt(2.0 / (n + m))
    assert glorot_std(n, m) == pytest.approx(glorot_limit(n, m) / math.sqrt(3),
                                             rel=1e-15)
    assert glorot_limit(n, m) == glorot_limit(m, n)


# ------------------------------------------------------- vectorised, n = 1..100
@pytest.mark.parametrize("helper, formula", [
    (xavier_limit, lambda n: 1.0 / math.sqrt(n)),
    (xavier_std, lambda n: 1.0 / math.sqrt(3.0 * n)),
    (he_limit, lambda n: math.sqrt(6.0 / n)),
    (he_std, lambda n: math.sqrt(2.0 / n)),
    (lecun_limit, lambda n: math.sqrt(3.0 / n)),
    (lecun_std, lambda n: math.sqrt(1.0 / n)),
])
@pytest.mark.parametrize("fans", [N, N.tolist(), N.astype(float)])
def test_vectorised_one_fan_helpers(helper, formula, fans):
    values = helper(fans)
    assert isinstance(values, np.ndarray) and values.shape == (100,) and values.dtype == np.float64
    # IEEE division and sqrt are correctly rounded, so the loop and the array agree
    # to the last bit; 1 ulp of slack keeps the test about the formula, not the order.
    np.testing.assert_allclose(values, [formula(n) for n in range(1, 101)], rtol=2.3e-16, atol=0)
    assert np.all(np.diff(values) < 0)          # every bound shrinks as n grows


@pytest.mark.parametrize("helper, formula", [
    (glorot_limit, lambda n, m: math.sqrt(6.0) / math.sqrt(n + m)),
    (glorot_std, lambda n, m: math.sqrt(2.0 / (n + m))),
])
def test_vectorised_two_fan_helpers(helper, formula):
    values = helper(N, M)
    assert values.shape == (100,) and values.dtype == np.float64
    np.testing.assert_allclose(values, [formula(n, M) for n in range(1, 101)], rtol=2.3e-16, atol=0)
    grid = helper(N[:, None], np.array([1, 10, 100])[None, :])        # broadcasting
    assert grid.shape == (100, 3)
    np.testing.assert_allclose(grid[:, 1], values, rtol=0, atol=0)
    assert helper(10, N).shape == (100,)


def test_two_fan_helpers_refuse_unbroadcastable_shapes():
    with pytest.raises(ValueError, match=r"fan_in and fan_out must have broadcastable shapes, "
                                         r"got \(3,\) and \(2,\)"):
        glorot_limit([1, 2, 3], [1, 2])


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


# ------------------------------------------------------- bad input
ONE_FAN = [xavier_limit, xavier_std, he_limit, he_std, lecun_limit, lecun_std]
TWO_FANS = [glorot_limit, glorot_std]


@pytest.mark.parametrize("helper", ONE_FAN)
@pytest.mark.parametrize("fan, shown", [(0, "0"), (-10, "-10"), (2.5, "2.5"),
                                        (float("nan"), "nan"), (float("inf"), "inf"),
                                        ([3, 0, 5], "0"), (np.arange(0, 5), "0")])
def test_one_fan_helpers_refuse_bad_fans(helper, fan, shown):
    with pytest.raises(ValueError, match=rf"fan_in must contain only positive integers, got {shown}$"):
        helper(fan)


@pytest.mark.parametrize("helper", ONE_FAN)
@pytest.mark.parametrize("fan", [True, False, "10", None])
def test_one_fan_helpers_refuse_bools_and_non_numbers(helper, fan):
    with pytest.raises(TypeError, match=r"fan_in must be a positive integer or an array of them"):
        helper(fan)


@pytest.mark.parametrize("helper", ONE_FAN + [lambda n: glorot_limit(n, 3)])
def test_helpers_refuse_empty_arrays(helper):
    with pytest.raises(ValueError, match=r"fan_in must not be empty"):
        helper([])


@pytest.mark.parametrize("helper", TWO_FANS)
def test_two_fan_helpers_name_the_bad_fan(helper):
    with pytest.raises(ValueError, match=r"fan_in must contain only positive integers, got 0$"):
        helper(0, 10)
    with pytest.raises(ValueError, match=r"fan_out must contain only positive integers, got -1$"):
        helper(10, -1)
    with pytest.raises(ValueError, match=r"fan_out must contain only positive integers, got 0.5$"):
        helper(10, 0.5)
    with pytest.raises(TypeError, match=r"fan_out must be a positive integer or an array of them, "
                                        r"got True"):
        helper(10, True)
