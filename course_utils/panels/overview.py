r"""Model of notebook 00's panel: the std of the signal and of the gradient through a deep MLP.

Numpy only. A standard-normal batch goes through ``depth`` layers of
constant ``width`` with any scheme of :data:`~course_utils.SCHEMES` and
activation; the model returns per layer the measured std of the activations
and of the back-propagated gradient :math:`\partial L/\partial z`, and the
mean-field prediction of both (:func:`course_utils.mean_field.layer_profile`
with :math:`\sigma_w^2 = n\operatorname{Var}[w]`) for the zero-mean schemes,
where the theory applies.

Speed: weights come from :class:`~course_utils.panels.corner.CornerPropagation`
(one draw per scheme at the largest size, corners for smaller widths); a
move costs one forward and backward pass of ``depth`` layers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import mean_field
from .._checks import check_choice, check_positive_int
from ..activations import ACTIVATIONS
from ..schemes import SCHEMES, scheme_label
from .corner import CornerPropagation
from .shared import Caption, Table, depth_axis_limit, fmt

__all__ = ["SignalProfile", "SignalOverview", "overview_caption", "prediction", "weight_var"]

#: The y scale of the panel, fixed so that settings compare (the caption says so).
OVERVIEW_YLIM = (1e-10, 1e10)


def weight_var(scheme: str, width: int) -> float:
    r""":math:`\sigma_w^2 = n\operatorname{Var}[w]` of a scheme in a layer of fan-in = fan-out = ``width``
    (:meth:`~course_utils.schemes.Scheme.weight_var`, by the scheme's name).

    Examples:
        >>> weight_var("he_normal", 128), round(weight_var("xavier", 128), 4)
        (2.0, 0.3333)
    """
    return SCHEMES[scheme].weight_var(width)


@functools.lru_cache(maxsize=512)
def prediction(scheme: str, activation: str, width: int, depth: int):
    """The mean-field :class:`~course_utils.mean_field.LayerProfile`, or ``None`` where it does not apply.

    The theory needs zero-mean weights with a spread (not ``zeros``,
    ``constant``, ``random_uniform``'s U[0, 1]).

    Examples:
        >>> prediction("he_normal", "relu", 64, 5).std.round(3).tolist()
        [0.826, 0.826, 0.826, 0.826, 0.826]
        >>> prediction("random_uniform", "relu", 64, 5) is None
        True
    """
    if not SCHEMES[scheme].mean_field_applies:
        return None
    return mean_field.layer_profile(activation, weight_var(scheme, width), depth)


@dataclass(frozen=True)
class SignalProfile:
    """What notebook 00's panel shows (index 0 = layer 1).

    Attributes:
        scheme, activation, depth, width: the setting.
        weight_var: :math:`n\\operatorname{Var}[w]`.
        activation_std, gradient_std: measured per layer (shorter than
            ``depth`` after a float64 overflow).
        predicted_std, predicted_gradient_std: mean-field predictions, or ``None``.
        overflow_layer: ``None`` or the 0-based layer whose activations overflowed float64.
        ylim: the fixed y scale; ``clipped``: some value lies outside it.
        depth_limit: the right end of the (fitted) depth axis.
    """

    scheme: str
    activation: str
    depth: int
    width: int
    weight_var: float
    activation_std: np.ndarray
    gradient_std: np.ndarray
    predicted_std: Optional[np.ndarray]
    predicted_gradient_std: Optional[np.ndarray]
    overflow_layer: Optional[int]
    ylim: tuple
    clipped: bool
    depth_limit: int

    @property
    def forward_ratio(self) -> float:
        """Activation std at the last layer shown over layer 1's (``nan`` if layer 1 is 0)."""
        s = self.activation_std
        return float(s[-1] / s[0]) if len(s) and s[0] > 0 else float("nan")

    @property
    def backward_ratio(self) -> float:
        """Gradient std at layer 1 over the top layer's: how the backward pass scales it."""
        g = self.gradient_std
        return float(g[0] / g[-1]) if len(g) and g[-1] > 0 else float("nan")


class SignalOverview:
    """Notebook 00's model: ``SignalOverview(...)(scheme, activation, depth, width)``.

    Args:
        max_depth, max_width: the largest network (the weights are drawn once at this size).
        batch: standard-normal input examples.
        seed: every draw derives from it (:func:`~course_utils.panels.child_seeds`).

    Examples:
        >>> model = SignalOverview(max_depth=20, max_width=64)
        >>> p = model("xavier", "relu", 20, 64)
        >>> p.weight_var, bool(p.forward_ratio < 1e-6)     # sqrt(1/6) per layer: vanishes
        (0.3333333333333333, True)
    """

    def __init__(self, *, max_depth: int = 50, max_width: int = 128, batch: int = 31,
                 seed: int = 0):
        self.runs = CornerPropagation(max_depth=max_depth, max_width=max_width, batch=batch,
                                      seed=seed)

    def __call__(self, scheme: str, activation: str, depth: int, width: int) -> SignalProfile:
        check_choice("scheme", scheme, SCHEMES)
        check_choice("activation", activation, ACTIVATIONS)
        depth, width = check_positive_int("depth", depth), check_positive_int("width", width)
        p = self.runs(scheme, activation, width, depth)
        # After an overflow the measured network is the layers before it: predict that one.
        theory = prediction(scheme, activation, width, max(p.depth, 1))
        shown = np.concatenate([p.std, p.gradient_std])
        low, high = OVERVIEW_YLIM
        return SignalProfile(
            scheme=scheme, activation=activation, depth=depth, width=width,
            weight_var=weight_var(scheme, width), activation_std=p.std,
            gradient_std=p.gradient_std,
            predicted_std=None if theory is None else theory.std,
            predicted_gradient_std=None if theory is None else theory.gradient_std,
            overflow_layer=p.overflow_layer, ylim=OVERVIEW_YLIM,
            clipped=bool(np.any((shown < low) | (shown > high))),
            depth_limit=depth_axis_limit(depth))


def overview_caption(p: SignalProfile) -> Caption:
    """The caption of notebook 00's panel: the setting, measured and predicted stds, the scale.

    Examples:
        >>> p = SignalOverview(max_depth=10, max_width=32)("he_normal", "relu", 10, 32)
        >>> print(overview_caption(p).text())     # doctest: +ELLIPSIS
        he_normal + relu, width 32, 10 layers (n·Var[w] = 2). From layer 1 to layer 10 the ...
                        layer 1  layer 10  predicted, layer 1  predicted, layer 10
        activation std  0.768    0.678     0.826               0.826
        dL/dz std       0.636    0.656     0.707               0.707
        The y axis is fixed at 1e-10 to 1e+10 for every setting, so that settings compare.
    """
    s, g = p.activation_std, p.gradient_std
    sentences, table = [], None
    if len(s) and s[0] == 0:
        sentences.append("Every activation is exactly 0: no signal reaches the deeper layers.")
    elif len(s):
        last = len(s)
        sentences.append(f"From layer 1 to layer {last} the activation std changes by a factor "
                         f"{fmt(p.forward_ratio)}; going back from the top to layer 1 the "
                         f"std of dL/dz (the back-propagated error) changes by a factor "
                         f"{fmt(p.backward_ratio)}.")

        def row(name, measured, predicted):
            guess = (("–", "–") if predicted is None
                     else (fmt(predicted[0]), fmt(predicted[last - 1])))
            return (name, fmt(measured[0]), fmt(measured[-1])) + guess

        table = Table(("", "layer 1", f"layer {last}", "predicted, layer 1",
                       f"predicted, layer {last}"),
                      (row("activation std", s, p.predicted_std),
                       row("dL/dz std", g, p.predicted_gradient_std)))
    if p.overflow_layer is not None:
        sentences.append(f"The activations overflowed float64 at layer {p.overflow_layer + 1}: "
                         f"the curves stop there.")
    if p.predicted_std is None:
        sentences.append("No mean-field prediction: it needs zero-mean weights with a spread.")
    note = (f"The y axis is fixed at {p.ylim[0]:.0e} to {p.ylim[1]:.0e} for every setting, so "
            f"that settings compare" + ("; values outside it are drawn on its edge." if p.clipped
                                       else "."))
    title = (f"{scheme_label(p.scheme)} + {p.activation}, width {p.width}, {p.depth} layers "
             f"(n·Var[w] = {fmt(p.weight_var)})")
    return Caption(title, tuple(sentences), table, (note,))
