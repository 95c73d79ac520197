r"""Recommended gains: how much a nonlinearity shrinks the std of its input.

A scheme written for a linear unit (:math:`\operatorname{Var}[w] = 1/n`) is
multiplied by a gain :math:`g` (so :math:`\operatorname{Var}[w] = g^2/n`) to
keep the signal's scale through the nonlinearity.
"""

from __future__ import annotations

import math

from ._checks import check_choice, check_real

__all__ = ["NONLINEARITIES", "LEAKY_SLOPE", "calculate_gain"]

#: The negative slope of the course's leaky ReLU (:mod:`course_utils.activations` uses it)
#: and the default ``param`` of :func:`calculate_gain`, as in PyTorch
#: (``nn.LeakyReLU`` and ``calculate_gain`` both default to 0.01).
LEAKY_SLOPE = 0.01

_LINEAR = ("linear", "identity", "conv1d", "conv2d", "conv3d",
           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")
NONLINEARITIES = _LINEAR + ("tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity, param=None) -> float:
    r"""Return the recommended gain for a nonlinearity (PyTorch's values).

    ================================  ==========================================
    nonlinearity                      gain
    ================================  ==========================================
    linear, identity, conv*, sigmoid  :math:`1`
    tanh                              :math:`5/3`
    relu                              :math:`\sqrt{2}`
    leaky_relu                        :math:`\sqrt{2 / (1 + a^2)}`, slope :math:`a` (default 0.01)
    selu                              :math:`3/4`
    ================================  ==========================================

    The ReLU gain follows from He et al. (2015); tanh's 5/3 and SELU's 3/4 are
    PyTorch's empirical choices, not derived from a variance argument. For
    self-normalizing networks PyTorch's own documentation says to use
    ``nonlinearity="linear"`` (gain 1, :math:`\operatorname{Var}[w]=1/n`, LeCun),
    which is what SELU's fixed point needs (Klambauer et al. 2017; see
    :func:`course_utils.mean_field.fixed_point`).

    Also known as: ``torch.nn.init.calculate_gain``.

    Args:
        nonlinearity: one of :data:`NONLINEARITIES`.
        param: the negative slope for ``"leaky_relu"`` (a finite real number);
            must be ``None`` for every other nonlinearity.

    Returns:
        The gain as a float.

    Examples:
        >>> calculate_gain("relu")
        1.4142135623730951
        >>> round(calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    nonlinearity = check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity != "leaky_relu" and param is not None:
        raise ValueError(f"param is only used by 'leaky_relu' (its negative slope); "
                         f"got param={param!r} for nonlinearity={nonlinearity!r}")
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    slope = LEAKY_SLOPE if param is None else check_real("param", param)
    return math.sqrt(2.0 / (1.0 + slope ** 2))
