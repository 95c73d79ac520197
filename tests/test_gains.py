"""Tests of course_utils.gains.calculate_gain (PyTorch's recommended gains)."""

import math

import numpy as np
import pytest

from course_utils import NONLINEARITIES, calculate_gain

LINEAR_LIKE = ["linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
               "conv_transpose2d", "conv_transpose3d", "sigmoid"]


def test_nonlinearities_list_is_complete():
    assert set(NONLINEARITIES) == set(LINEAR_LIKE) | {"tanh", "relu", "leaky_relu", "selu"}
    assert len(NONLINEARITIES) == len(set(NONLINEARITIES))


@pytest.mark.parametrize("name", LINEAR_LIKE)
def test_gain_one(name):
    assert calculate_gain(name) == 1.0


def test_gain_values():
    assert calculate_gain("tanh") == 5.0 / 3.0
    assert calculate_gain("relu") == math.sqrt(2.0)
    assert calculate_gain("selu") == 0.75
    # Default leaky-ReLU slope is 0.01, as in torch.nn.init.calculate_gain.
    assert calculate_gain("leaky_relu") == math.sqrt(2.0 / (1.0 + 0.01 ** 2))
    assert calculate_gain("leaky_relu") == calculate_gain("leaky_relu", 0.01)


@pytest.mark.parametrize("slope", [0, 0.0, 0.01, 0.2, 1, -0.3, math.sqrt(5), np.float32(0.1)])
def test_leaky_relu_gain_formula(slope):
    assert calculate_gain("leaky_relu", slope) == pytest.approx(
        math.sqrt(2.0 / (1.0 + float(slope) ** 2)), rel=1e-15)


def test_leaky_relu_limits():
    # Slope 0 is a ReLU; slope 1 is the identity.
    assert calculate_gain("leaky_relu", 0) == calculate_gain("relu")
    assert calculate_gain("leaky_relu", 1) == pytest.approx(calculate_gain("linear"), rel=1e-15)
    # sqrt(5) gives gain 1/sqrt(3): kaiming_uniform_(a=sqrt(5)) is U[-1/sqrt(n), 1/sqrt(n)].
    assert calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(1 / math.sqrt(3), rel=1e-15)


@pytest.mark.parametrize("name", ["softmax", "Relu", "ReLU", "", "gelu"])
def test_unknown_nonlinearity(name):
    with pytest.raises(ValueError, match=rf"nonlinearity must be one of 'linear', .*; got '{name}'"):
        calculate_gain(name)


@pytest.mark.parametrize("name", [None, 3, np.tanh])
def test_nonlinearity_must_be_a_string(name):
    with pytest.raises(ValueError, match=r"nonlinearity must be one of"):
        calculate_gain(name)


@pytest.mark.parametrize("name", ["relu", "tanh", "linear", "selu"])
def test_param_only_for_leaky_relu(name):
    with pytest.raises(ValueError, match=rf"param is only used by 'leaky_relu' .*got param=0.2 "
                                         rf"for nonlinearity='{name}'"):
        calculate_gain(name, 0.2)


@pytest.mark.parametrize("param, error, pattern", [
    (float("nan"), ValueError, r"param must be a finite number, got nan"),
    (float("inf"), ValueError, r"param must be a finite number, got inf"),
    ("0.1", TypeError, r"param must be a real number, got '0.1'"),
    (True, TypeError, r"param must be a real number, got True"),
])
def test_bad_leaky_relu_param(param, error, pattern):
    with pytest.raises(error, match=pattern):
        calculate_gain("leaky_relu", param)
