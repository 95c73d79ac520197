"""The corner-weights cache: one weight draw per scheme, served for any smaller network.

Numpy only. Used by the panels that push a batch through deep MLPs of a
chosen width (notebooks 00, 06, 07).

The panels propagate in float64. Their weights and inputs are drawn in float32
(the engine's sampling stream, so a draw is the same as
``draw_weights(..., dtype=np.float32)``) and then widened. In the chaotic phase
(a backward gain chi > 1, e.g. ``random_normal`` with tanh) a perturbation grows by
about sqrt(chi) per layer: float32's rounding (1e-7) becomes as large as the signal
within 20 layers, so a caption's numbers would depend on the CPU's BLAS kernel
(measured: "dL/dz grows x7.3e5" on one kernel, x1.4e6 on another), while
float64's (1e-16) stays below 1e-9 and the printed digits are the same everywhere.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

import numpy as np

from .._checks import check_choice, check_positive_int
from ..propagation import draw_weights, propagate
from ..schemes import SCHEMES
from .shared import child_seeds

__all__ = ["CornerWeights", "CornerPropagation"]


class CornerWeights:
    """Weights of one scheme for any (depth, width) up to a maximum, drawn once.

    A narrower layer is the top-left corner of each matrix, rescaled by the
    ratio of the scheme's theoretical stds at the two widths: the std is the
    only thing about a fan-scaled scheme that depends on the width, so the
    corner is an exact sample of the scheme at the new width.

    Args:
        scheme: a name in :data:`~course_utils.SCHEMES`.
        max_depth, max_width: the largest network served.
        seed: the seed of the one draw.

    Examples:
        >>> cw = CornerWeights("he_normal", max_depth=4, max_width=64, seed=0)
        >>> ws = cw.weights(depth=3, width=16)
        >>> len(ws), ws[0].shape
        (3, (16, 16))
        >>> round(float(np.std(cw.weights(4, 64)[0])) * 8, 1)   # std sqrt(2/64) = 1/(4 sqrt 2)
        1.4
    """

    def __init__(self, scheme: str, *, max_depth: int, max_width: int, seed: int):
        check_choice("scheme", scheme, SCHEMES)
        self.scheme = SCHEMES[scheme]
        self.max_depth = check_positive_int("max_depth", max_depth)
        self.max_width = check_positive_int("max_width", max_width)
        # Drawn in float32 (the engine's sampling stream), propagated in float64: see the module doc.
        self._full = [w.astype(np.float64) for w in
                      draw_weights([self.max_width] * (self.max_depth + 1), scheme, rng=seed,
                                   dtype=np.float32)]

    def weights(self, depth: int, width: int) -> list:
        """The first ``depth`` matrices, as a sample of the scheme at fan-in = fan-out = ``width``."""
        if not (1 <= depth <= self.max_depth and 1 <= width <= self.max_width):
            raise ValueError(f"depth and width must be within 1..{self.max_depth} and "
                             f"1..{self.max_width}; got {depth} and {width}")
        s = self.scheme
        ratio = 1.0
        if s.fan_scaled:
            ratio = s.std(width, width) / s.std(self.max_width, self.max_width)
        return [w[:width, :width] * ratio for w in self._full[:depth]]


class CornerPropagation:
    """Forward and backward passes through :class:`CornerWeights` on one fixed input, cached.

    ``runs(scheme, activation, width)`` propagates through all ``max_depth``
    layers: the forward statistics of a shallower network are a prefix of
    these (use them when only forward quantities are shown).
    ``runs(scheme, activation, width, depth)`` propagates exactly ``depth``
    layers, which the backward statistics need (the top gradient enters at
    the last layer). Each scheme's weights are drawn at its first use; the
    last ``cache_size`` results are kept.

    Args:
        max_depth, max_width: the largest network served.
        batch: input examples (standard normal, drawn in float32, propagated in float64).
        seed: every other seed is derived from it by :func:`child_seeds`
            (``"weights:<scheme>"``, ``"input"``, ``"gradient"``).
        cache_size: how many propagations to keep.

    Examples:
        >>> runs = CornerPropagation(max_depth=10, max_width=64, batch=16, seed=0)
        >>> p = runs("he_normal", "relu", 32)
        >>> p.depth, p.widths[:2], runs("he_normal", "relu", 32) is p
        (10, (32, 32), True)
        >>> runs("he_normal", "relu", 32, depth=4).depth
        4
    """

    def __init__(self, *, max_depth: int, max_width: int, batch: int, seed: int,
                 cache_size: int = 256):
        self.max_depth = check_positive_int("max_depth", max_depth)
        self.max_width = check_positive_int("max_width", max_width)
        self.seed = seed
        input_seed, self._grad_seed = child_seeds(seed, "input", "gradient")
        self._x = np.random.default_rng(input_seed).standard_normal(
            (check_positive_int("batch", batch), self.max_width), dtype=np.float32).astype(np.float64)
        self._cache_size = check_positive_int("cache_size", cache_size)
        self._weights: dict = {}
        self._runs: "OrderedDict[tuple, object]" = OrderedDict()

    def weights(self, scheme: str) -> CornerWeights:
        """The :class:`CornerWeights` of ``scheme`` (drawn at first use)."""
        if scheme not in self._weights:
            (seed,) = child_seeds(self.seed, f"weights:{scheme}")
            self._weights[scheme] = CornerWeights(scheme, max_depth=self.max_depth,
                                                  max_width=self.max_width, seed=seed)
        return self._weights[scheme]

    def __call__(self, scheme: str, activation: str, width: int, depth: Optional[int] = None):
        """The :class:`~course_utils.Propagation` at this width (through ``depth`` layers)."""
        depth = self.max_depth if depth is None else depth
        key = (scheme, activation, width, depth)
        run = self._runs.pop(key, None)
        if run is None:
            weights = self.weights(scheme).weights(depth, width)
            # No panel shows weight gradients; skipping them saves ~35 % of a 50-layer pass.
            run = propagate(self._x[:, :width], weights, activation,
                            rng=self._grad_seed, sample_size=1, weight_gradients=False)
        self._runs[key] = run
        while len(self._runs) > self._cache_size:
            self._runs.popitem(last=False)
        return run
