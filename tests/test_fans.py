"""Tests of course_utils.fans: fan-in/fan-out of dense and convolution kernels, and layouts.

Keras layout (the course's): dense ``(fan_in, fan_out)``, convolution
``(*kernel, in_channels, out_channels)``. PyTorch: ``(out, in, *kernel)``.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import (fan_in_and_fan_out, keras_shape_from_torch, receptive_field_size,
                          torch_shape_from_keras)

# Dimensions stay small: only the fans are computed, no array is allocated.
dims = st.integers(min_value=1, max_value=512)
kernels = st.lists(st.integers(min_value=1, max_value=11), min_size=0, max_size=3)


@st.composite
def keras_shapes(draw):
    """A dense kernel (no kernel dims) or a 1-, 2- or 3-D convolution kernel."""
    return (*draw(kernels), draw(dims), draw(dims))


# ------------------------------------------------------------- known values
@pytest.mark.parametrize("shape, fans", [
    ((3, 2), (3, 2)),                  # the sources' neuron: 3 in, 2 out
    ((10, 20), (10, 20)),              # MLM's normalized-xavier example
    ((784, 10), (784, 10)),
    ((1, 1), (1, 1)),
    ((5, 16, 32), (80, 160)),          # Conv1D, kernel 5
    ((3, 3, 16, 32), (144, 288)),      # Conv2D 3x3
    ((3, 5, 7, 4, 6), (420, 630)),     # Conv3D 3x5x7
])
def test_fans_of_known_shapes(shape, fans):
    result = fan_in_and_fan_out(shape)
    assert result == fans
    assert all(type(f) is int for f in result)


def test_receptive_field_size():
    assert receptive_field_size((784, 10)) == 1
    assert receptive_field_size((3, 3, 16, 32)) == 9
    assert receptive_field_size((3, 5, 7, 4, 6)) == 105


def test_layout_conversion_examples():
    assert keras_shape_from_torch((10, 784)) == (784, 10)           # nn.Linear(784, 10)
    assert keras_shape_from_torch((32, 16, 3, 3)) == (3, 3, 16, 32)  # nn.Conv2d(16, 32, 3)
    assert torch_shape_from_keras((3, 3, 16, 32)) == (32, 16, 3, 3)
    assert torch_shape_from_keras((5, 7, 16, 32)) == (32, 16, 5, 7)  # kernel order kept


# ------------------------------------------------------------- properties
@settings(max_examples=200, deadline=None)
@given(keras_shapes())
def test_fans_are_channels_times_receptive_field(shape):
    fan_in, fan_out = fan_in_and_fan_out(shape)
    in_ch, out_ch = shape[-2], shape[-1]
    k = receptive_field_size(shape)
    assert k == math.prod(shape[:-2])
    assert (fan_in, fan_out) == (in_ch * k, out_ch * k)
    # Both fans count the same kernel positions, so their ratio is the channels' ratio.
    assert fan_in * out_ch == fan_out * in_ch
    # Every weight is counted once per output channel by fan_in, once per input by fan_out.
    assert fan_in * out_ch == math.prod(shape) == fan_out * in_ch


@settings(max_examples=100, deadline=None)
@given(kernels, dims, dims, st.integers(min_value=1, max_value=9))
def test_receptive_field_multiplies_both_fans(kernel, in_ch, out_ch, extra):
    fan_in, fan_out = fan_in_and_fan_out((*kernel, in_ch, out_ch))
    wider = fan_in_and_fan_out((*kernel, extra, in_ch, out_ch))   # one more kernel dim
    assert wider == (fan_in * extra, fan_out * extra)


@settings(max_examples=200, deadline=None)
@given(keras_shapes())
def test_layout_conversions_round_trip_and_keep_fans(shape):
    torch_shape = torch_shape_from_keras(shape)
    assert len(torch_shape) == len(shape)
    assert torch_shape[:2] == (shape[-1], shape[-2])               # (out, in, ...)
    assert torch_shape[2:] == shape[:-2]
    assert keras_shape_from_torch(torch_shape) == shape
    assert torch_shape_from_keras(keras_shape_from_torch(torch_shape)) == torch_shape
    # PyTorch's rule on its own layout: fan_in = size(1) * field, fan_out = size(0) * field.
    field = math.prod(torch_shape[2:])
    assert fan_in_and_fan_out(shape) == (torch_shape[1] * field, torch_shape[0] * field)
    assert fan_in_and_fan_out(keras_shape_from_torch(torch_shape)) == fan_in_and_fan_out(shape)


def test_numpy_integer_dimensions_give_python_ints():
    fans = fan_in_and_fan_out((np.int64(3), np.int32(4), np.int64(5), np.int64(6)))
    assert fans == (60, 72) and all(type(f) is int for f in fans)


@pytest.mark.parametrize("convert", [keras_shape_from_torch, torch_shape_from_keras])
def test_layout_conversions_need_two_dimensions(convert):
    # A 1-D shape has no in/out pair to swap: refused with the reason, not an IndexError.
    with pytest.raises(ValueError, match=r"shape must have at least 2 dimensions .* got \(5,\)"):
        convert((5,))
