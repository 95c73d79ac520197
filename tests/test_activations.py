"""Tests of course_utils.activations: the activations' values, dtypes and derivatives."""

import math
import warnings

import numpy as np
import pytest

from course_utils import ACTIVATIONS, activate, activation_derivative
from course_utils.gains import LEAKY_SLOPE


# ================================================================ activations
Z_GRID = np.concatenate([-np.logspace(-3, 1.5, 60), np.logspace(-3, 1.5, 60)])


def test_activation_names():
    assert ACTIVATIONS == ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu",
                           "selu")
    assert LEAKY_SLOPE == 0.01


def test_activation_values():
    z = Z_GRID
    np.testing.assert_array_equal(activate("linear", z), z)
    np.testing.assert_allclose(activate("sigmoid", z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(activate("tanh", z), np.tanh(z), rtol=1e-15)
    np.testing.assert_array_equal(activate("relu", z), np.where(z > 0, z, 0.0))
    np.testing.assert_allclose(activate("leaky_relu", z), np.where(z > 0, z, 0.01 * z), rtol=1e-15)


def test_sigmoid_does_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "overflow in exp" on the way
        s = activate("sigmoid", np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_keep_the_dtype(name, dtype):
    z = Z_GRID.astype(dtype)
    assert activate(name, z).dtype == dtype
    assert activation_derivative(name, z).dtype == dtype


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivatives_match_finite_differences(name):
    # Central differences, float64, h = 1e-6: truncation error h**2 |f'''| / 6 < 1e-12 and
    # rounding error ~ eps |f| / h < 1e-8 (|z| <= 32). The grid keeps |z| >= 1e-3 >> h, so
    # the ReLU kink at 0 is never straddled.
    z, h = Z_GRID, 1e-6
    numeric = (activate(name, z + h) - activate(name, z - h)) / (2 * h)
    # GELU's erf is an approximation (|error| < 1.5e-7) whose own slope differs from
    # the exact Phi(z) + z phi(z) by up to ~6e-7: its derivative is held to 1e-6.
    atol = 1e-6 if name == "gelu" else 1e-7
    np.testing.assert_allclose(activation_derivative(name, z), numeric, rtol=0, atol=atol)
    # Passing a = f(z) gives the same result.
    np.testing.assert_array_equal(activation_derivative(name, z, activate(name, z)),
                                  activation_derivative(name, z))


def test_derivative_values_at_known_points():
    assert activation_derivative("tanh", np.array([0.0]))[0] == 1.0
    assert activation_derivative("sigmoid", np.array([0.0]))[0] == 0.25
    np.testing.assert_array_equal(activation_derivative("relu", np.array([-1.0, 0.0, 2.0])),
                                  [0.0, 0.0, 1.0])          # 0 at the kink, by convention
    np.testing.assert_allclose(activation_derivative("leaky_relu", np.array([-1.0, 2.0])),
                               [0.01, 1.0])


# ================================================ GELU, SiLU, SELU (issue 11)
def test_new_activation_values():
    from course_utils.activations import SELU_ALPHA, SELU_SCALE
    z = np.linspace(-12, 12, 2401)
    exact_gelu = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    # Abramowitz & Stegun 7.1.26: |erf error| < 1.5e-7, times |z|/2 <= 6 here.
    np.testing.assert_allclose(activate("gelu", z), exact_gelu, rtol=0, atol=1e-6)
    np.testing.assert_allclose(activate("gelu", z[np.abs(z) <= 1]), exact_gelu[np.abs(z) <= 1],
                               rtol=0, atol=1.5e-7)
    np.testing.assert_allclose(activate("silu", z), z / (1 + np.exp(-z)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(activate("selu", z),
                               np.where(z > 0, SELU_SCALE * z, SELU_SCALE * SELU_ALPHA * np.expm1(z)),
                               rtol=1e-15)
    # Klambauer et al. (2017): the constants to 16 digits, and SELU's large-negative limit.
    assert (SELU_ALPHA, SELU_SCALE) == (1.6732632423543772, 1.0507009873554805)
    assert activate("selu", np.array([-50.0]))[0] == pytest.approx(-SELU_SCALE * SELU_ALPHA)
    # The derivatives at 0 (left limit for SELU): 1/2, 1/2, scale * alpha.
    assert activation_derivative("gelu", np.array([0.0]))[0] == pytest.approx(0.5, abs=1e-7)
    assert activation_derivative("silu", np.array([0.0]))[0] == 0.5
    assert activation_derivative("selu", np.array([0.0]))[0] == pytest.approx(SELU_SCALE * SELU_ALPHA)
    # float32 input that overflows exp() on the positive side stays finite.
    big = np.array([100.0, -100.0], dtype=np.float32)
    assert np.isfinite(activate("selu", big)).all() and np.isfinite(activate("gelu", big)).all()


def test_saturation_slope_puts_the_edges_where_the_threshold_says():
    from course_utils.activations import SATURATION_THRESHOLD, saturated_fraction, saturation_slope
    assert SATURATION_THRESHOLD == 0.05
    # tanh: 1 - tanh(z)^2 < 0.05 beyond |tanh z| = sqrt(0.95) = 0.9747.
    z0 = math.atanh(math.sqrt(0.95))
    z = np.array([z0 - 1e-6, z0 + 1e-6, -z0 - 1e-6])
    assert saturated_fraction("tanh", activation_derivative("tanh", z)) == pytest.approx(2 / 3)
    # sigmoid: a(1 - a) < 0.05 / 4 outside a in [0.0127, 0.9873] (a = (1 + sqrt(0.95)) / 2).
    a = (1 + math.sqrt(0.95)) / 2
    z0 = math.log(a / (1 - a))
    z = np.array([z0 - 1e-6, z0 + 1e-6, -z0 - 1e-6])
    assert saturated_fraction("sigmoid", activation_derivative("sigmoid", z)) == pytest.approx(2 / 3)
    assert round(a, 4) == 0.9873
    for name in ("linear", "relu", "leaky_relu", "gelu", "silu", "selu"):
        assert saturation_slope(name) == 0.0
        assert saturated_fraction(name, np.zeros(4)) == 0.0
    with pytest.raises(ValueError, match="must be one of"):
        saturation_slope("Tanh")
