"""Panel models: what each slider panel computes, numpy only (no matplotlib, no ipywidgets).

A slider panel is a *model* here (a function or small class returning a
frozen dataclass of exactly what the picture and its caption show, plus a
``caption(result)`` function building its :class:`Caption`) and a thin
*view* in :mod:`course_utils.widgets` that puts those numbers on artists.
The models are tested against theory without a kernel (``tests/test_panels*.py``).

Shared parts:

* :func:`child_seeds` (``shared``): named child seeds from one seed, the one
  seeding rule of every panel (no ``master.integers(...)`` derivations).
* :class:`CornerWeights`, :class:`CornerPropagation` (``corner``): one weight
  draw per scheme at the largest size, served for any smaller network; cached
  propagations (``runs(scheme, activation, width[, depth])``).
* :func:`bin_heights` (``shared``): histogram heights as a density or a fraction.
* :func:`depth_axis_limit`, :func:`depth_axis_limits` (``shared``): a depth axis
  fitted to the layers shown, in steps of 10 (the layouts a view warms up).
* :class:`Table`, :class:`Caption`, :func:`fmt` (``shared``): a caption as HTML
  and as deterministic plain text, numbers formatted the same everywhere.
"""

from .corner import CornerPropagation, CornerWeights
from .shared import (Caption, Table, bin_heights, child_seeds, depth_axis_limit,
                     depth_axis_limits, fmt)

__all__ = ["Caption", "CornerPropagation", "CornerWeights", "Table", "bin_heights",
           "child_seeds", "depth_axis_limit", "depth_axis_limits", "fmt"]
