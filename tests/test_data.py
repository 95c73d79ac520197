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
