r"""Model of notebook 07's panel: your scheme against the decision guide's, in one deep MLP.

Numpy only. :func:`capstone_profile` runs the chosen scheme and the scheme
:data:`~course_utils.schemes.GUIDE` recommends for the activation through the
same network (:func:`~course_utils.panels.he.depth_profiles`) and
:func:`caption` says which keeps the signal *and* the gradient, and why: a
flat std line is not enough (N(0, 1) weights with tanh keep the std near 1
only because most units are saturated, and there the gradient explodes
going down, :math:`\chi \gg 1`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from .. import mean_field
from .._checks import check_choice
from ..activations import saturation_slope
from ..schemes import GUIDE, SCHEMES
from .he import DepthProfiles, depth_profiles
from .shared import Caption, Table, fmt

__all__ = ["CapstoneProfile", "capstone_profile", "caption", "diagnosis", "sigmoid_critical"]

# Thresholds of the caption's verdicts (what "keeps" means over the layers shown).
_KEEP = 10.0            # a signal or gradient that changes less than 10x over the net is kept
_INACTIVE = 0.3         # more than 30 % saturated or dead units at the top is a failure


@dataclass(frozen=True)
class CapstoneProfile:
    """What notebook 07's panel shows: two rows of :class:`~course_utils.panels.he.DepthProfiles`.

    Attributes:
        scheme: the learner's scheme (row 0).
        guide: the guide's scheme for the activation (row 1).
        profiles: the measured and predicted per-layer statistics of both.
    """

    scheme: str
    guide: str
    profiles: DepthProfiles


def capstone_profile(scheme: str, activation: str, width: int, depth: int,
                     **experiment) -> CapstoneProfile:
    r"""Run ``scheme`` and ``GUIDE[activation]`` through one deep MLP (see :func:`depth_profiles`).

    Args:
        scheme: a name in :data:`~course_utils.SCHEMES`.
        activation: an activation the guide covers (a key of :data:`~course_utils.schemes.GUIDE`).
        width, depth: the network shown.
        **experiment: ``max_depth``, ``max_width``, ``batch``, ``seed``.

    Returns:
        A :class:`CapstoneProfile`.

    Examples:
        >>> c = capstone_profile("random_normal", "tanh", width=64, depth=20)
        >>> c.guide, c.profiles.schemes
        ('normalized_xavier', ('random_normal', 'normalized_xavier'))
        >>> round(float(c.profiles.chi[0]), 1), round(float(c.profiles.chi[1]), 2)   # chaotic vs near-critical
        (4.5, 0.95)
    """
    scheme = check_choice("scheme", scheme, SCHEMES)
    activation = check_choice("activation", activation, GUIDE)
    guide = GUIDE[activation]
    return CapstoneProfile(scheme, guide,
                           depth_profiles((scheme, guide), activation, width, depth, **experiment))


def _change(first: float, last: float) -> str:
    """How a per-layer std changes from ``first`` to ``last``, in words and as a factor."""
    if not math.isfinite(last):
        return "overflows (beyond float64's range)"
    if first == 0.0 and last == 0.0:
        return "is 0 at every layer"
    if last == 0.0:
        return "falls to exactly 0"
    ratio = last / first
    if ratio > _KEEP:
        return f"grows ×{fmt(ratio)}"
    if ratio < 1.0 / _KEEP:
        return f"shrinks ×{fmt(ratio)}"
    return f"changes ×{fmt(ratio)} (within a factor {_KEEP:g})"


def _kept(c: CapstoneProfile, row: int) -> bool:
    """Signal and gradient within a factor 10 over the net, and (sigmoid, tanh) few saturated units."""
    p = c.profiles
    ratios = (p.signal_ratio[row], p.gradient_gain[row, 0])
    ok = all(math.isfinite(r) and 1.0 / _KEEP <= r <= _KEEP for r in ratios)
    if p.activation in ("sigmoid", "tanh"):
        ok = ok and p.inactive[row, -1] <= _INACTIVE
    return ok


def diagnosis(c: CapstoneProfile, row: int) -> str:
    """One sentence on one scheme: what the signal, the gradient and the units do, with chi.

    Examples:
        >>> c = capstone_profile("random_normal", "tanh", width=64, depth=20)
        >>> print(diagnosis(c, 0))
        random_normal: the activation std changes ×0.991 (within a factor 10) from layer 1 to 20; dL/dz std grows ×1.49e+06 from layer 20 down to layer 1 (mean-field χ = 4.48 per layer in variance, ×2.12 in std); 76% of the units at layer 20 are saturated.
    """
    p = c.profiles
    d = p.depth
    gradient = p.gradient_gain[row]
    text = (f"{p.schemes[row]}: the activation std "
            f"{_change(p.activation_std[row, 0], p.activation_std[row, -1])} from layer 1 to {d}; ")
    if math.isfinite(gradient[0]):
        text += f"dL/dz std {_change(1.0, gradient[0])} from layer {d} down to layer 1"
    else:
        text += f"no gradient reaches layer {d} (dL/dz is 0 there or the pass overflowed)"
    if math.isfinite(p.chi[row]):
        text += (f" (mean-field χ = {fmt(p.chi[row])} per layer in variance, "
                 f"×{fmt(math.sqrt(p.chi[row]))} in std)")
    word = ("dead (off for every example of the batch)" if p.activation in ("relu", "leaky_relu")
            else "saturated")
    if p.activation != "linear":
        text += f"; {p.inactive[row, -1]:.0%} of the units at layer {d} are {word}"
    return text + "."


@functools.lru_cache(maxsize=None)
def sigmoid_critical() -> tuple:
    r"""Sigmoid's critical weight variance, its fixed point, and the share of saturated units there.

    :math:`\chi = 1` needs :math:`n\operatorname{Var}[w] = s_c`
    (:func:`~course_utils.mean_field.critical_weight_var`), where the pre-activations have
    variance :math:`q^*` (:func:`~course_utils.mean_field.fixed_point`). A unit is saturated
    when its slope is below :func:`~course_utils.activations.saturation_slope` (5 % of the
    maximum 1/4, as in :func:`~course_utils.propagate`),
    i.e. when :math:`|z| > z_0`, so the share is :math:`\operatorname{erfc}(z_0/\sqrt{2q^*})`.

    Examples:
        >>> s_c, q, share = sigmoid_critical()
        >>> round(s_c), round(q), round(share, 2)
        (103, 46, 0.52)
    """
    critical = mean_field.critical_weight_var("sigmoid")
    q_star = mean_field.fixed_point("sigmoid", critical)
    slope = saturation_slope("sigmoid")                        # a(1 - a) = slope at |z| = z0
    a = 0.5 * (1.0 + math.sqrt(1.0 - 4.0 * slope))
    z0 = math.log(a / (1.0 - a))
    return critical, q_star, math.erfc(z0 / math.sqrt(2.0 * q_star))


def caption(c: CapstoneProfile) -> Caption:
    """The caption of notebook 07's panel: both schemes measured and predicted, and a verdict.

    Examples:
        >>> c = capstone_profile("he_normal", "relu", width=64, depth=20)
        >>> caption(c).sentences[0]
        'Your pick is the guide’s pick (He normal).'
    """
    p = c.profiles
    d = p.depth
    if c.scheme == c.guide:
        verdict = f"Your pick is the guide’s pick ({SCHEMES[c.guide].title})."
    else:
        verdict = (f"For {p.activation} the guide recommends {c.guide} "
                   f"({SCHEMES[c.guide].title}).")
        if not _kept(c, 0) and _kept(c, 1):
            verdict += " Yours fails where the guide’s does not:"
            if 1.0 / _KEEP <= p.signal_ratio[0] <= _KEEP:
                verdict += (" its std line looks as healthy as the guide’s, or more, but the "
                            "gradient and the units (right) say why it is not.")
            else:
                verdict += " see the std lines."
        elif _kept(c, 0) and not _kept(c, 1):
            verdict += (" Here your scheme keeps the signal and the gradient better than the "
                        "guide’s (the guide is a default, not a law: see the numbers).")
    rows = []
    for i, name in enumerate(p.schemes):
        rows.append((f"{name} ({'yours' if i == 0 else 'guide'})", fmt(p.weight_var[i]),
                     f"{fmt(p.activation_std[i, -1])} ({fmt(p.predicted_std[i, -1])})",
                     f"{fmt(p.gradient_gain[i, 0])} ({fmt(p.predicted_gain[i, 0])})",
                     f"{p.inactive[i, -1]:.0%}"))
    word = "dead" if p.activation in ("relu", "leaky_relu") else "saturated"
    table = Table(("scheme", "n·Var[w]", f"std, layer {d} (predicted)",
                   f"dL/dz std, layer 1 ÷ layer {d} (predicted)", f"{word}, layer {d}"),
                  tuple(rows), colors=tuple(SCHEMES[n].color for n in p.schemes))
    sentences = (verdict, diagnosis(c, 0)) + (() if c.scheme == c.guide else (diagnosis(c, 1),))
    if p.activation == "sigmoid":
        critical, q_star, saturated = sigmoid_critical()
        sentences += (f"The sources pair sigmoid with Glorot’s weights (the guide’s {c.guide}), "
                      f"and with them dL/dz vanishes (χ = {fmt(p.chi[1])} per layer in "
                      f"variance). χ reaches 1 only near n·Var[w] ≈ {critical:.0f}, where "
                      f"q* ≈ {q_star:.0f} and {saturated:.0%} of the units are saturated; and no "
                      f"scale removes the offset of 1/2 in sigmoid’s outputs. Prefer tanh or ReLU "
                      f"in hidden layers.",)
    return Caption(f"{p.activation}, fan-in {p.width}, {d} layers", sentences, table,
                   ("Solid: your scheme; dashed: the guide’s; thin lines: the mean-field "
                    "prediction in its colour, hidden under the measured line where the two agree "
                    "(none for weights that are not centred on zero). Both y axes "
                    "are fixed so that settings compare (values beyond the log axis are drawn "
                    "on its edge); the x axis fits the depth shown.",))
