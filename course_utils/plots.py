"""Figure recipes shared by the notebooks (matplotlib is imported here, not in the core).

Static recipes take an ``Axes`` and draw on it. The style, the scheme colours and
names and the figure presets are in :mod:`course_utils.figure_style`, re-exported here
so that a notebook needs one import.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from .figure_style import (COURSE_STYLE, FIGURE_MARGINS, FIGURE_PRESETS, SCHEME_LABELS,
                           CourseLogScale, CourseSymLogScale, PlainLogFormatter, course_figure,
                           panel_figure, register_course_scales, scheme_color, scheme_label,
                           use_course_style)
from .panels.shared import SUBSCRIPT
from .schemes import SCHEMES

__all__ = ["COURSE_STYLE", "CourseLogScale", "CourseSymLogScale", "PlainLogFormatter",
           "use_course_style", "panel_figure", "bound_errorbars", "scheme_color",
           "FIGURE_PRESETS", "FIGURE_MARGINS", "course_figure", "scheme_label", "SCHEME_LABELS",
           "register_course_scales", "weight_histogram", "weight_heatmap", "loss_curves",
           "layer_densities", "layer_std_curves", "decision_boundary"]


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


# ------------------------------------------------ appended by notebooks 04/05
def weight_histogram(ax, samples, *, pdf=None, limits=None, bins: int = 50, value_range=None,
                     color=None, label: str = "sampled weights", pdf_label: str = "theoretical density",
                     alpha: float = 0.55):
    """Draw a static density histogram of ``samples`` with the theory on top.

    For ordinary ``plt.subplots`` figures (a slider panel uses
    :class:`course_utils.widgets.parts.Histogram`).

    Args:
        ax: the Axes.
        samples: the weights (any shape; flattened).
        pdf: optional density function ``pdf(x)`` drawn as a black line, e.g.
            ``lambda x: SCHEMES["xavier"].pdf(x, 10, 1)``.
        limits: optional ``(low, high)`` drawn as dashed red lines.
        bins: number of bins.
        value_range: ``(low, high)`` of the bins (default: the samples' range).
        color: bar colour.
        label, pdf_label: legend entries.

    Returns:
        The histogram's counts (density units) and bin edges.
    """
    samples = np.ravel(samples)
    counts, edges, _ = ax.hist(samples, bins=bins, range=value_range, density=True,
                               color=color, alpha=alpha, label=label)
    if pdf is not None:
        low, high = (edges[0], edges[-1]) if value_range is None else value_range
        pad = 0.05 * (high - low)
        x = np.linspace(low - pad, high + pad, 600)
        ax.plot(x, pdf(x), color="black", lw=1.5, label=pdf_label)
    if limits is not None:
        ax.axvline(limits[0], color="#d62728", ls="--", lw=1.2, label="limits ±L")
        ax.axvline(limits[1], color="#d62728", ls="--", lw=1.2)
    ax.set_xlabel("weight value")
    ax.set_ylabel("density")
    return counts, edges


__all__ += ["weight_histogram"]


# ------------------------------------------------ appended by notebooks 02/03
def weight_heatmap(ax, weights, *, bias=None, vmax=None, cmap="RdBu_r", colorbar: bool = True,
                   input_labels=None):
    """Show a layer's weights as a heatmap: one column per unit, one row per input.

    Identical columns mean identical units (the symmetry problem of notebook 02),
    so the picture answers "do the units differ?" at a glance.

    Args:
        ax: the Axes.
        weights: matrix of shape ``(fan_in, units)`` (Keras layout, as in :class:`~course_utils.MLP`).
        bias: optional vector of ``units`` biases, shown as a last row.
        vmax: the colour scale runs over ``[-vmax, vmax]`` (default: the largest
            magnitude shown, or 1 if everything is 0), so 0 is always white.
        cmap: a diverging colormap.
        colorbar: whether to add a colour bar.
        input_labels: optional row labels (default ``x1, x2, ...`` and ``bias``).

    Returns:
        The ``AxesImage``.
    """
    rows = np.atleast_2d(np.asarray(weights, dtype=float))
    labels = list(input_labels) if input_labels is not None else [
        f"from x{str(i + 1).translate(SUBSCRIPT)}" for i in range(rows.shape[0])]
    if bias is not None:
        rows = np.vstack([rows, np.reshape(np.asarray(bias, dtype=float), (1, -1))])
        if input_labels is None:
            labels.append("bias")
    if vmax is None:
        vmax = float(np.max(np.abs(rows))) or 1.0
    image = ax.imshow(rows, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto",
                      interpolation="nearest")
    ax.set_yticks(range(rows.shape[0]), labels[: rows.shape[0]])
    units = rows.shape[1]
    ax.set_xticks(range(units) if units <= 16 else range(0, units, max(units // 8, 1)))
    ax.set_xlabel("hidden unit")
    ax.grid(False)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    return image


def loss_curves(ax, histories, *, metric: str = "loss", colors=None, log: bool = False, **kwargs):
    """Plot one training curve per history returned by :meth:`course_utils.MLP.fit`.

    Args:
        ax: the Axes.
        histories: mapping ``label -> history`` (``{"epoch": ..., "loss": ..., "accuracy": ...}``).
            A label that is a scheme name gets that scheme's colour (:func:`scheme_color`).
        metric: ``"loss"`` or ``"accuracy"``.
        colors: optional mapping ``label -> colour`` overriding the scheme colours.
        log: log scale on the y-axis.
        **kwargs: passed to ``ax.plot`` (``ls``, ``lw``, ...).

    Returns:
        The list of lines, in the order of ``histories``.
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"metric must be 'loss' or 'accuracy', got {metric!r}")
    lines = []
    for label, history in histories.items():
        color = (colors or {}).get(label, SCHEMES[label].color if label in SCHEMES else None)
        (line,) = ax.plot(history["epoch"], history[metric], label=scheme_label(label), color=color,
                          **kwargs)
        lines.append(line)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("training step (full-batch gradient descent)")
    ax.set_ylabel("training loss (cross-entropy)" if metric == "loss" else "training accuracy")
    return lines


def layer_densities(ax, samples, *, value_range, bins: int = 60, layers=None, cmap="viridis",
                    normalize: bool = False, legend: bool = True, xlabel: str = "activation value"):
    """One density curve per layer, in the style of Glorot & Bengio (2010), fig. 6.

    Glorot & Bengio (2010), "Understanding the difficulty of training deep
    feedforward neural networks", show the distribution of each hidden layer's
    activations as one normalized-histogram curve per layer; saturation shows
    as mass piling up at the ends of the range, vanishing signals as a curve
    shrinking into a spike at the centre.

    Args:
        ax: the Axes.
        samples: one array of values per layer, layer 1 first (e.g.
            :attr:`course_utils.Propagation.activations`).
        value_range: ``(low, high)`` of the bins (values outside are not counted).
        bins: number of bins.
        layers: indices (0-based) of the layers to draw (default: all).
        cmap: colormap; layer 1 light, the deepest layer dark.
        normalize: divide each layer's values by their own std first (shows a
            shape when the scale explodes or vanishes; say so in the label).
        legend: add a legend ``layer 1, layer 2, ...``.
        xlabel: the x-axis label.

    Returns:
        The list of lines.
    """
    layers = list(range(len(samples))) if layers is None else list(layers)
    colormap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    edges = np.linspace(value_range[0], value_range[1], bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    lines = []
    for k, layer in enumerate(layers):
        values = np.ravel(np.asarray(samples[layer], dtype=float))
        if normalize:
            spread = values.std()
            values = values / spread if spread > 0 else values
        counts, _ = np.histogram(values, bins=edges)
        density = counts / (max(values.size, 1) * (edges[1] - edges[0]))
        shade = 0.15 + 0.8 * (k / max(len(layers) - 1, 1))
        (line,) = ax.plot(centres, density, color=colormap(shade), lw=1.4, label=f"layer {layer + 1}")
        lines.append(line)
    ax.set_xlim(*value_range)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    if legend:
        ax.legend(fontsize=8, ncol=1 if len(layers) <= 6 else 2)
    return lines


def layer_std_curves(ax, propagations, *, stat: str = "std", colors=None, log: bool = True,
                     **kwargs):
    """Plot a per-layer statistic of several :class:`~course_utils.Propagation` results.

    Args:
        ax: the Axes.
        propagations: mapping ``label -> Propagation``.
        stat: an attribute of ``Propagation`` holding one number per layer:
            ``"std"``, ``"preactivation_std"``, ``"gradient_std"``, ``"saturated"``, ``"dead"``, ``"mean"``.
        colors: optional mapping ``label -> colour`` (scheme names get their colour).
        log: log scale on the y-axis (for stds).
        **kwargs: passed to ``ax.plot``.

    Returns:
        The list of lines.
    """
    ylabels = {"std": "activation std", "preactivation_std": "pre-activation std",
               "gradient_std": "gradient std (dL/dz)", "saturated": "fraction saturated",
               "dead": "fraction of dead units", "mean": "activation mean"}
    if stat not in ylabels:
        raise ValueError(f"stat must be one of {', '.join(ylabels)}, got {stat!r}")
    lines = []
    for label, prop in propagations.items():
        values = np.asarray(getattr(prop, stat), dtype=float)
        color = (colors or {}).get(label, SCHEMES[label].color if label in SCHEMES else None)
        kwargs.setdefault("marker", "o")
        kwargs.setdefault("ms", 3)
        (line,) = ax.plot(np.arange(1, len(values) + 1), values, label=scheme_label(label), color=color,
                          **kwargs)
        lines.append(line)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel(ylabels[stat])
    return lines


__all__ += ["weight_heatmap", "loss_curves", "layer_densities", "layer_std_curves"]


# ------------------------------------------------ appended by notebooks 06/07
def decision_boundary(ax, grid, X, y, *, title=None, levels=11, cmap="RdBu_r", markersize=8):
    """Show a trained classifier's probability map with the data on top.

    Args:
        ax: the Axes.
        grid: ``(xx, yy, proba)`` from :func:`course_utils.training.decision_grid`.
        X, y: the training points ``(n, 2)`` and their 0/1 labels.
        title: optional axes title.
        levels: number of filled contour levels between 0 and 1.
        cmap: a diverging colormap (class 0 blue, class 1 red with the default).
        markersize: size of the data points.

    Returns:
        The ``QuadContourSet`` of the probability map.
    """
    xx, yy, proba = grid
    filled = ax.contourf(xx, yy, proba, levels=np.linspace(0.0, 1.0, levels), cmap=cmap,
                         alpha=0.6, vmin=0.0, vmax=1.0)
    ax.contour(xx, yy, proba, levels=[0.5], colors="black", linewidths=1.0)
    y = np.asarray(y)
    for label, color in ((0, "#2166ac"), (1, "#b2182b")):
        pts = np.asarray(X)[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=markersize, color=color, edgecolor="white",
                   linewidths=0.3, label=f"class {label}")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=9)
    return filled


__all__ += ["decision_boundary"]
