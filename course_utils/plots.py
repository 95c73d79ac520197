"""Figure recipes shared by the notebooks (matplotlib is imported here, not in the core).

Static recipes take an ``Axes`` and draw on it. The ``*Artist`` classes draw
their static part once and return an object whose ``update`` changes only
artists created with ``animated=True``, which is what makes the slider panels
of :mod:`course_utils.widgets` fast.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["COURSE_STYLE", "use_course_style", "panel_figure", "bound_errorbars",
           "WeightHistogram", "LayerCurves", "scheme_color"]

#: rcParams every notebook uses: a white figure background that stays legible
#: in JupyterLab's dark theme, a fixed size, and light grids.
COURSE_STYLE = {
    "figure.figsize": (8.0, 3.4),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
}

_PALETTE = {
    "zeros": "#7f7f7f", "constant": "#bcbd22", "random_normal": "#8c564b",
    "random_uniform": "#e377c2", "xavier": "#1f77b4", "normalized_xavier": "#ff7f0e",
    "glorot_normal": "#d62728", "he_uniform": "#2ca02c", "he_normal": "#17becf",
    "lecun_uniform": "#9467bd", "lecun_normal": "#aec7e8",
}


def use_course_style() -> None:
    """Apply :data:`COURSE_STYLE` to matplotlib's rcParams (call once in the setup cell)."""
    mpl.rcParams.update(COURSE_STYLE)


def scheme_color(name: str) -> str:
    """A fixed colour per scheme, so that a scheme looks the same in every notebook."""
    return _PALETTE.get(name, "#333333")


def panel_figure(nrows: int = 1, ncols: int = 1, *, figsize=(8.0, 3.2), dpi: int = 90, **kwargs):
    """A standalone figure for a slider panel (not registered with pyplot, so never
    shown twice by the inline backend), with its axes.

    Returns:
        ``(figure, axes)`` as from ``plt.subplots``.
    """
    with mpl.rc_context(COURSE_STYLE):
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def bound_errorbars(ax, n, bound, *, label=None, color=None, capsize=2, **kwargs):
    """Draw ``±bound`` as error bars centred on 0 against the number of inputs ``n``.

    This is the MachineLearningMastery tutorial's figure
    (``errorbar(n, [0] * len(n), yerr=bound)``), drawn with our helpers' values.
    """
    n = np.asarray(n)
    bound = np.broadcast_to(np.asarray(bound, dtype=float), n.shape)
    container = ax.errorbar(n, np.zeros_like(bound), yerr=bound, fmt="none", ecolor=color,
                            capsize=capsize, label=label, **kwargs)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("number of inputs n (fan-in)")
    return container


class WeightHistogram:
    """A histogram of weights with the theoretical density and the limits on top.

    Args:
        ax: the Axes.
        value_range: ``(low, high)`` of the histogram's x-axis, fixed so the
            background can be reused while a slider moves.
        bins: number of bins.
        ymax: fixed top of the y-axis (density units).
        color: bar colour.
    """

    def __init__(self, ax, value_range, *, bins: int = 60, ymax: float = 3.0, color="#1f77b4"):
        self.ax = ax
        self.edges = np.linspace(value_range[0], value_range[1], bins + 1)
        self._x = np.linspace(value_range[0], value_range[1], 400)
        self.bars = ax.stairs(np.zeros(bins), self.edges, fill=True, alpha=0.55, color=color,
                              label="sampled weights", animated=True)
        (self.density,) = ax.plot(self._x, np.zeros_like(self._x), color="black", lw=1.5,
                                  label="theoretical density", animated=True)
        self.low = ax.axvline(0.0, color="#d62728", ls="--", lw=1.2, label="limits ±L",
                              animated=True)
        self.high = ax.axvline(0.0, color="#d62728", ls="--", lw=1.2, animated=True)
        ax.set_xlim(*value_range)
        ax.set_ylim(0.0, ymax)
        ax.set_xlabel("weight value")
        ax.set_ylabel("density")

    def update(self, samples, *, pdf=None, limits=None) -> None:
        """Show ``samples``, the density function ``pdf(x)`` and the ``(low, high)`` limits."""
        counts, _ = np.histogram(samples, bins=self.edges)
        width = self.edges[1] - self.edges[0]
        self.bars.set_data(counts / (max(len(np.ravel(samples)), 1) * width))
        self.density.set_visible(pdf is not None)
        if pdf is not None:
            self.density.set_ydata(pdf(self._x))
        for line, value in zip((self.low, self.high), limits or (None, None)):
            line.set_visible(value is not None)
            if value is not None:
                line.set_xdata([value, value])


class LayerCurves:
    """One line per series of a per-layer quantity (std, saturation, ...) on fixed axes.

    Args:
        ax: the Axes.
        labels: series names (the line of each is animated and updated by name).
        max_depth: the x-axis runs over layers 1..max_depth.
        ylim: fixed y-limits; ``log=True`` for a log scale (stds over many layers).
        colors: optional colour per label.
    """

    def __init__(self, ax, labels, *, max_depth: int, ylim, log: bool = True, colors=None,
                 ylabel: str = "activation std"):
        self.ax = ax
        self.lines = {}
        for i, label in enumerate(labels):
            color = None if colors is None else colors[i]
            (self.lines[label],) = ax.plot([], [], marker="o", ms=3, lw=1.5, label=label,
                                           color=color, animated=True)
        if log:
            ax.set_yscale("log")
        ax.set_xlim(0.5, max_depth + 0.5)
        ax.set_ylim(*ylim)
        ax.set_xlabel("layer")
        ax.set_ylabel(ylabel)

    def update(self, label, values) -> None:
        """Set the series ``label`` to ``values`` (layer 1 first); clipped to the axes."""
        values = np.asarray(values, dtype=float)
        low, high = self.ax.get_ylim()
        shown = np.clip(values, low, high)
        self.lines[label].set_data(np.arange(1, len(values) + 1), shown)
