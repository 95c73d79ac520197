r"""Model of notebook 04's panel: "xavier" weights :math:`U[-1/\sqrt{n}, 1/\sqrt{n}]` for one layer.

Numpy only. :func:`xavier_histogram` returns what the panel's picture and
caption show: a density histogram of a seeded sample, the limits
:math:`\pm 1/\sqrt{n}` and the flat density :math:`1/(2L)` they imply, and the
limits :math:`\pm\sqrt{6/(n+m)}` that the normalized scheme of notebook 05
would use for the same layer (the only thing the fan-out changes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import bounds
from .._checks import check_positive_int
from ..initializers import xavier
from .shared import Caption, Table, bin_heights, fmt

__all__ = ["XavierHistogram", "xavier_histogram", "caption"]


@dataclass(frozen=True)
class XavierHistogram:
    """What notebook 04's panel shows for one (fan-in, fan-out).

    Attributes:
        fan_in, fan_out: the layer's fans :math:`n` and :math:`m`.
        limit: :math:`L = 1/\\sqrt{n}` (:func:`~course_utils.xavier_limit`).
        std: the theoretical std :math:`L/\\sqrt{3}` (:func:`~course_utils.xavier_std`).
        density: the theoretical (flat) density :math:`1/(2L)` on :math:`[-L, L]`.
        glorot_limit: :math:`\\sqrt{6/(n+m)}`, the normalized scheme's limit for this layer.
        edges, heights: the sample's histogram in density units (area 1), bins spanning ``[-L, L]``.
        sample_min, sample_max, sample_std: of the ``n_weights`` sampled weights.
        n_weights: the sample size.
    """

    fan_in: int
    fan_out: int
    limit: float
    std: float
    density: float
    glorot_limit: float
    edges: np.ndarray
    heights: np.ndarray
    sample_min: float
    sample_max: float
    sample_std: float
    n_weights: int


def xavier_histogram(fan_in: int, fan_out: int, *, n_weights: int = 5000, seed: int = 0,
                     bins: int = 40) -> XavierHistogram:
    r"""Draw ``n_weights`` "xavier" weights for a layer with ``fan_in`` inputs and bin them.

    The weights are the first ``n_weights`` entries of
    ``xavier((fan_in, ceil(n_weights / fan_in)), rng=seed)``: the same seed
    gives the same sample at every fan-out, because the scheme

    .. math::
        w \sim U\!\left[-\tfrac{1}{\sqrt{n}}, \tfrac{1}{\sqrt{n}}\right]

    never looks at the fan-out :math:`m`.

    Args:
        fan_in, fan_out: the layer's fans, positive integers.
        n_weights: sample size.
        seed: seed of the draw.
        bins: number of histogram bins over :math:`[-L, L]`.

    Returns:
        An :class:`XavierHistogram`.

    Examples:
        >>> h = xavier_histogram(10, 20)
        >>> round(h.limit, 4), round(h.std, 4), round(h.glorot_limit, 4)
        (0.3162, 0.1826, 0.4472)
        >>> round(h.sample_std, 2), bool(-h.limit <= h.sample_min < h.sample_max <= h.limit)
        (0.18, True)
    """
    fan_in = check_positive_int("fan_in", fan_in)
    fan_out = check_positive_int("fan_out", fan_out)
    n_weights = check_positive_int("n_weights", n_weights)
    bins = check_positive_int("bins", bins)
    limit = bounds.xavier_limit(fan_in)
    columns = -(-n_weights // fan_in)
    w = xavier((fan_in, columns), rng=seed).reshape(-1)[:n_weights]
    edges = np.linspace(-limit, limit, bins + 1)
    return XavierHistogram(
        fan_in=fan_in, fan_out=fan_out, limit=limit, std=bounds.xavier_std(fan_in),
        density=1.0 / (2.0 * limit), glorot_limit=bounds.glorot_limit(fan_in, fan_out),
        edges=edges, heights=bin_heights(w, edges),
        sample_min=float(w.min()), sample_max=float(w.max()), sample_std=float(w.std()),
        n_weights=n_weights)


def caption(h: XavierHistogram) -> Caption:
    """The caption of notebook 04's panel: the limits and the sample beside the theory.

    Examples:
        >>> print(caption(xavier_histogram(100, 20)).table.text())
        quantity  theory   sample
        min       -0.1     -0.09996
        max       0.1      0.09991
        std       0.05774  0.05799
    """
    table = Table(("quantity", "theory", "sample"),
                  (("min", fmt(-h.limit, 4), fmt(h.sample_min, 4)),
                   ("max", fmt(h.limit, 4), fmt(h.sample_max, 4)),
                   ("std", fmt(h.std, 4), fmt(h.sample_std, 4))))
    return Caption(
        f"the 1/√n uniform, fan-in n = {h.fan_in}, fan-out m = {h.fan_out}",
        (f"L = 1/√n = {h.limit:.4f}, std L/√3 = {h.std:.4f}, density 1/(2L) = {h.density:.3f}.",
         f"The fan-out does not enter its range; Glorot uniform (notebook 05) "
         f"would use ±√(6/(n+m)) = ±{h.glorot_limit:.4f} here (grey)."),
        table,
        (f"Sample of {h.n_weights:,} weights. Both plots keep fixed axes so that slider "
         f"positions compare.",))
