"""A panel that samples one scheme's weights for chosen fans and compares them with theory."""

from __future__ import annotations

import numpy as np

from ..schemes import SCHEMES
from ..plots import WeightHistogram, panel_figure, scheme_color
from . import FigurePanel, dropdown, int_slider

__all__ = ["scheme_histogram_panel"]


def scheme_histogram_panel(schemes=("xavier", "normalized_xavier", "he_uniform", "he_normal"),
                           *, fan_in: int = 10, fan_out: int = 20, n_weights: int = 1000,
                           seed: int = 0, max_fan: int = 200, value_range=(-1.6, 1.6),
                           ymax: float = 4.0) -> FigurePanel:
    """Sliders for fan-in and fan-out (and a scheme menu) over a histogram of sampled weights.

    Each redraw samples ``n_weights`` weights from a Generator seeded with
    ``seed``, so the same slider position always shows the same picture.
    The caption compares the sample's std with the theoretical one.

    Examples:
        >>> panel = scheme_histogram_panel(fan_in=10, fan_out=20)
        >>> panel
        FigurePanel(scheme='xavier', fan_in=10, fan_out=20)
    """
    schemes = tuple(schemes)
    for name in schemes:
        if name not in SCHEMES:
            raise ValueError(f"schemes must name entries of SCHEMES ({', '.join(SCHEMES)}); "
                             f"got {name!r}")
    fig, ax = panel_figure(figsize=(7.0, 3.0))
    hist = WeightHistogram(ax, value_range, ymax=ymax)
    ax.legend(handles=[hist.bars, hist.density, hist.low], loc="upper right")
    controls = {"scheme": dropdown("scheme", schemes),
                "fan_in": int_slider("fan-in n", fan_in, 1, max_fan),
                "fan_out": int_slider("fan-out m", fan_out, 1, max_fan)}

    def update(scheme, fan_in, fan_out):
        s = SCHEMES[scheme]
        w = s.sample((fan_in, fan_out), rng=seed).ravel()
        # Keep the sample size fixed whatever the fans: draw more rows if needed.
        if w.size < n_weights:
            reps = -(-n_weights // w.size)
            extra = [s.sample((fan_in, fan_out), rng=seed + k + 1).ravel() for k in range(reps)]
            w = np.concatenate([w, *extra])
        w = w[:n_weights]
        hist.bars.set_color(scheme_color(scheme))
        limit = s.limit(fan_in, fan_out) if s.limit is not None else None
        hist.update(w, pdf=lambda x: s.pdf(x, fan_in, fan_out),
                    limits=None if limit is None else (2 * s.mean - limit, limit))
        theory = s.std(fan_in, fan_out)
        bound = "" if limit is None else f", limit L = {limit:.4f}"
        return (f"<b>{s.title}</b>: theoretical std {theory:.4f}{bound}; "
                f"sample of {n_weights}: std {w.std():.4f}, min {w.min():.4f}, max {w.max():.4f}")

    return FigurePanel(fig, controls, update)
