"""View parts the slider panels share: per-layer curves and a histogram.

A part creates its artists on an Axes and exposes them as ``part.artists``;
pass the part in ``FigurePanel(..., dynamic=[part])`` and the panel makes them
animated. A part never computes anything the model should: it puts given
arrays on artists.
"""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = ["LayerCurves", "Histogram", "SignalCurves", "signal_curves"]

_FORWARD, _BACKWARD = "#1f77b4", "#d62728"


class LayerCurves:
    """One line per per-layer series (a measured std, a predicted one, a fraction...).

    Args:
        ax: the Axes.
        series: mapping from a series name to the keyword arguments of its line
            (``color``, ``ls``, ``marker``, ``label``...); the defaults draw
            markers joined by a line, labelled with the name.
        ylim: the y-limits (fixed: a value outside is drawn on the edge;
            say so in the caption).
        log: a log y axis.
        ylabel: the y axis label.

    Examples:
        >>> from course_utils.plots import panel_figure
        >>> fig, ax = panel_figure()
        >>> curves = LayerCurves(ax, {"std": {}, "predicted": {"ls": "--", "marker": None}},
        ...                      ylim=(1e-3, 1e3))
        >>> curves.show("std", [1.0, 0.5, 1e-9])
        >>> curves.lines["std"].get_ydata().tolist()
        [1.0, 0.5, 0.001]
        >>> len(curves.artists)
        2
    """

    def __init__(self, ax, series: Mapping[str, Mapping], *, ylim, log: bool = True,
                 ylabel: str = "std"):
        self.ax = ax
        self.lines = {}
        for name, style in series.items():
            kwargs = {"marker": "o", "ms": 3, "lw": 1.5, "label": name, **dict(style)}
            (self.lines[name],) = ax.plot([], [], **kwargs)
        if log:
            ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_xlabel("layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(ylabel)
        self._low, self._high = ax.get_ylim()

    @property
    def artists(self) -> list:
        return list(self.lines.values())

    def set_depth_axis(self, limit: int) -> None:
        """Show layers 1..``limit`` (static: call it from a Layout's ``apply``)."""
        self.ax.set_xlim(0.5, limit + 0.5)

    def show(self, name: str, values, layers: Optional[np.ndarray] = None) -> None:
        """Set the series ``name`` to ``values`` (layer 1 first unless ``layers`` is given).

        ``values=None`` hides the series (e.g. a prediction that does not apply).
        """
        if values is None:
            self.hide(name)
            return
        values = np.asarray(values, dtype=float)
        x = np.arange(1, len(values) + 1) if layers is None else np.asarray(layers)
        line = self.lines[name]
        line.set_visible(True)
        line.set_data(x, np.clip(values, self._low, self._high))

    def hide(self, name: str) -> None:
        """Hide the series ``name`` (e.g. a prediction that does not apply)."""
        self.lines[name].set_visible(False)


class SignalCurves(LayerCurves):
    """:class:`LayerCurves` for a profile's measured and predicted activation and gradient stds."""

    def show_profile(self, profile) -> None:
        """Show ``profile.activation_std``, ``.gradient_std``, ``.predicted_std`` and
        ``.predicted_gradient_std`` (a prediction that is ``None`` is hidden)."""
        self.show("activations", profile.activation_std)
        self.show("gradients", profile.gradient_std)
        self.show("predicted activations", profile.predicted_std)
        self.show("predicted gradients", profile.predicted_gradient_std)


def signal_curves(ax, *, ylim, ylabel: str) -> SignalCurves:
    """The measured and mean-field per-layer stds of a forward and backward pass (00, 03).

    Series: ``"activations"``, ``"gradients"`` (markers; gradients dashed) and
    ``"predicted activations"``, ``"predicted gradients"`` (thin lines of the
    same colours), on a log axis; fill them with :meth:`SignalCurves.show_profile`.
    The gradient is the back-propagated error dL/dz (not the weight gradient), and
    each prediction has its own legend entry, in its series' colour.
    """
    thin = {"marker": None, "lw": 0.9, "alpha": 0.6}
    return SignalCurves(ax, {
        "activations": {"color": _FORWARD, "label": "activation std"},
        "predicted activations": {"color": _FORWARD, **thin,
                                  "label": "activation std, mean field (thin)"},
        "gradients": {"color": _BACKWARD, "ls": "--",
                      "label": "dL/dz std (back-propagated error)"},
        "predicted gradients": {"color": _BACKWARD, **thin,
                                "label": "dL/dz std, mean field (thin)"},
    }, ylim=ylim, ylabel=ylabel)


class Histogram:
    """A stairs histogram whose heights and edges change on every move.

    Args:
        ax: the Axes.
        bins: the number of bins (the edges are set by :meth:`show`).
        fill: filled bars (``True``) or an outline.
        style: keyword arguments of ``Axes.stairs`` (``color``, ``alpha``, ``lw``, ``label``).

    Examples:
        >>> from course_utils.plots import panel_figure
        >>> from course_utils.panels import bin_heights
        >>> fig, ax = panel_figure()
        >>> hist = Histogram(ax, 2, color="C0")
        >>> edges = [0.0, 0.5, 1.0]
        >>> hist.show(bin_heights([0.1, 0.7], edges), edges)
        >>> hist.bars.get_data().values.tolist()
        [1.0, 1.0]
    """

    def __init__(self, ax, bins: int, *, fill: bool = True, **style):
        self.ax = ax
        kwargs = {"alpha": 0.6 if fill else 1.0, **style}
        self.bars = ax.stairs(np.zeros(bins), np.arange(bins + 1.0), fill=fill, **kwargs)

    @property
    def artists(self) -> list:
        return [self.bars]

    def show(self, heights, edges) -> None:
        """Draw ``heights`` over ``edges`` (``len(edges) == len(heights) + 1``)."""
        self.bars.set_data(np.asarray(heights, dtype=float), np.asarray(edges, dtype=float))
