"""Tests of course_utils.gains.calculate_gain (PyTorch's recommended gains)."""

import math

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


def test_leaky_relu_limits():
    # Slope 0 is a ReLU; slope 1 is the identity.
    assert calculate_gain("leaky_relu", 0) == calculate_gain("relu")
    assert calculate_gain("leaky_relu", 1) == pytest.approx(calculate_gain("linear"), rel=1e-15)
    # sqrt(5) gives gain 1/sqrt(3): kaiming_uniform_(a=sqrt(5)) is U[-1/sqrt(n), 1/sqrt(n)].
    assert calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(1 / math.sqrt(3), rel=1e-15)
