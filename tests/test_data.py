"""Tests of course_utils.data: the seeded toy data sets."""

import numpy as np
import pytest

from course_utils import make_circles, make_spirals

MAKERS = [make_circles, make_spirals]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n", [2, 3, 100, 301])
def test_shapes_types_and_balance(make, n):
    X, y = make(n, rng=0)
    assert X.shape == (n, 2) and X.dtype == np.float64 and np.isfinite(X).all()
    assert y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) <= {0, 1}
    assert (y == 0).sum() == n // 2 and (y == 1).sum() == n - n // 2


@pytest.mark.parametrize("make", MAKERS)
def test_defaults(make):
    X, y = make(rng=0)
    assert X.shape == (300, 2) and y.sum() == 150


@pytest.mark.parametrize("make", MAKERS)
def test_determinism(make):
    X1, y1 = make(200, rng=7)
    X2, y2 = make(200, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make(200, rng=8)
    assert not np.array_equal(X1, X3)
    g = np.random.default_rng(1)
    first, _ = make(50, rng=g)
    second, _ = make(50, rng=g)                      # the Generator advanced
    assert not np.array_equal(first, second)
    assert make(50)[0].shape == (50, 2)              # rng=None


@pytest.mark.parametrize("make", MAKERS)
def test_classes_are_shuffled(make):
    _, y = make(200, rng=0)
    assert 0 < y[:100].sum() < 100                   # not all of one class first


def test_circles_geometry():
    X, y = make_circles(400, noise=0.0, factor=0.3, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-12)
    X, y = make_circles(2000, noise=0.08, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert abs(radius[y == 0].mean() - 1.0) < 0.02 and abs(radius[y == 1].mean() - 0.5) < 0.02


def test_spirals_geometry():
    # Without noise each point lies on its arm: radius t in [0, 1] and angle
    # 2*pi*turns*t, the second arm rotated by pi (the same curve through (-x, -y)).
    X, y = make_spirals(400, noise=0.0, turns=1.5, rng=0)
    t = np.hypot(X[:, 0], X[:, 1])
    assert t.max() <= 1.0 + 1e-12
    expected = 2 * np.pi * 1.5 * t + y * np.pi
    np.testing.assert_allclose(X[:, 0], t * np.cos(expected), atol=1e-12)
    np.testing.assert_allclose(X[:, 1], t * np.sin(expected), atol=1e-12)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n, error, pattern", [
    (1, ValueError, r"n_samples must be at least 2, got 1"),
    (0, ValueError, r"n_samples must be a positive integer, got 0"),
    (-5, ValueError, r"n_samples must be a positive integer, got -5"),
    (10.0, TypeError, r"n_samples must be a positive integer, got 10.0"),
    (True, TypeError, r"n_samples must be a positive integer, got True"),
    ("100", TypeError, r"n_samples must be a positive integer, got '100'"),
])
def test_bad_n_samples(make, n, error, pattern):
    with pytest.raises(error, match=pattern):
        make(n, rng=0)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("noise, error, pattern", [
    (-0.1, ValueError, r"noise must be >= 0.0, got -0.1"),
    (float("nan"), ValueError, r"noise must be a finite number, got nan"),
    ("0.1", TypeError, r"noise must be a real number, got '0.1'"),
])
def test_bad_noise(make, noise, error, pattern):
    with pytest.raises(error, match=pattern):
        make(10, noise=noise, rng=0)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("rng, error", [(np.random.RandomState(0), TypeError), (0.5, TypeError),
                                        ("seed", TypeError), (-1, ValueError)])
def test_bad_rng(make, rng, error):
    with pytest.raises(error, match=r"rng must be"):
        make(10, rng=rng)


@pytest.mark.parametrize("factor, error, pattern", [
    (0.0, ValueError, r"factor must be strictly between 0 and 1, got 0.0"),
    (1.0, ValueError, r"factor must be strictly between 0 and 1, got 1.0"),
    (1.5, ValueError, r"factor must be strictly between 0 and 1, got 1.5"),
    (float("inf"), ValueError, r"factor must be a finite number, got inf"),
    (None, TypeError, r"factor must be a real number, got None"),
])
def test_bad_circle_factor(factor, error, pattern):
    with pytest.raises(error, match=pattern):
        make_circles(10, factor=factor, rng=0)


@pytest.mark.parametrize("turns, error, pattern", [
    (0, ValueError, r"turns must be > 0.0, got 0.0"),
    (-1.5, ValueError, r"turns must be > 0.0, got -1.5"),
    (float("nan"), ValueError, r"turns must be a finite number, got nan"),
])
def test_bad_spiral_turns(turns, error, pattern):
    with pytest.raises(error, match=pattern):
        make_spirals(10, turns=turns, rng=0)
