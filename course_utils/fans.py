r"""Fan-in and fan-out of a weight array, in the layout Keras uses.

The *fan-in* of a unit is the number of inputs it sums over; its *fan-out* is
the number of units its output feeds. A neuron with 3 incoming and 2 outgoing
connections has ``fan_in = 3`` and ``fan_out = 2``.

Layouts
-------
The course stores weights the way Keras does:

=================  ==============================================  ====================================
kind               Keras (this course)                             PyTorch
=================  ==============================================  ====================================
dense              ``(fan_in, fan_out)``                           ``(out_features, in_features)``
convolution        ``(*kernel_size, in_channels, out_channels)``   ``(out_channels, in_channels, *kernel_size)``
=================  ==============================================  ====================================

For a convolution every output value sums over ``in_channels`` times the
receptive field (the product of the kernel size), so that product multiplies
both fans. :func:`keras_shape_from_torch` and :func:`torch_shape_from_keras`
convert between the two layouts; the fans do not change.
"""

from __future__ import annotations

import math

from ._checks import check_shape

__all__ = ["fan_in_and_fan_out", "receptive_field_size",
           "keras_shape_from_torch", "torch_shape_from_keras"]


def receptive_field_size(shape) -> int:
    """Return the number of kernel positions of a Keras-layout weight shape.

    It is the product of every dimension but the last two (1 for a dense kernel).

    Examples:
        >>> receptive_field_size((3, 3, 16, 32))
        9
        >>> receptive_field_size((784, 10))
        1
    """
    shape = check_shape(shape, min_ndim=2)
    return math.prod(shape[:-2])


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    r"""Compute the fan-in and fan-out of a weight array in Keras layout.

    .. math::
        \text{fan\_in} = c_\text{in} \cdot k, \qquad
        \text{fan\_out} = c_\text{out} \cdot k, \qquad
        k = \prod_i \text{kernel\_size}_i

    where a dense kernel ``(n_in, n_out)`` has :math:`k = 1`.

    Also known as: ``keras.src.initializers.random_initializers.compute_fans``;
    PyTorch's ``torch.nn.init._calculate_fan_in_and_fan_out`` computes the same
    numbers from the transposed ``(out, in, *kernel)`` layout.

    Args:
        shape: a dense kernel ``(fan_in, fan_out)`` or a convolution kernel
            ``(*kernel_size, in_channels, out_channels)``; at least 2 dimensions,
            all positive integers.

    Returns:
        ``(fan_in, fan_out)`` as Python ints.

    Examples:
        >>> fan_in_and_fan_out((3, 2))          # the 3-in, 2-out neuron layer
        (3, 2)
        >>> fan_in_and_fan_out((3, 3, 16, 32))  # 3x3 conv, 16 -> 32 channels
        (144, 288)
    """
    shape = check_shape(shape, min_ndim=2)
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


def keras_shape_from_torch(shape) -> tuple[int, ...]:
    """Convert a PyTorch weight shape ``(out, in, *kernel)`` to Keras layout.

    Examples:
        >>> keras_shape_from_torch((10, 784))          # nn.Linear(784, 10).weight
        (784, 10)
        >>> keras_shape_from_torch((32, 16, 3, 3))     # nn.Conv2d(16, 32, 3).weight
        (3, 3, 16, 32)
    """
    shape = check_shape(shape, min_ndim=2)
    out_ch, in_ch, kernel = shape[0], shape[1], shape[2:]
    return (*kernel, in_ch, out_ch)


def torch_shape_from_keras(shape) -> tuple[int, ...]:
    """Convert a Keras weight shape ``(*kernel, in, out)`` to PyTorch layout.

    Examples:
        >>> torch_shape_from_keras((3, 3, 16, 32))
        (32, 16, 3, 3)
    """
    shape = check_shape(shape, min_ndim=2)
    kernel, in_ch, out_ch = shape[:-2], shape[-2], shape[-1]
    return (out_ch, in_ch, *kernel)
