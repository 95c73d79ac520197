"""Figure recipes shared by the notebooks (matplotlib is imported here, not in the core).

Static recipes take an ``Axes`` and draw on it. The ``*Artist`` classes draw
their static part once and return an object whose ``update`` changes only
artists created with ``animated=True``, which is what makes the slider panels
of :mod:`course_utils.widgets` fast.
"""

from __future__ import annotations

import warnings

import matplotlib as mpl
import numpy as np
from matplotlib import scale as mscale
from matplotlib import ticker as mticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .panels.shared import SUBSCRIPT, SUPERSCRIPT
from .schemes import SCHEMES

__all__ = ["COURSE_STYLE", "CourseLogScale", "CourseSymLogScale", "PlainLogFormatter",
           "use_course_style", "panel_figure", "bound_errorbars", "scheme_color",
           "FIGURE_PRESETS", "course_figure", "scheme_label", "SCHEME_LABELS"]

#: rcParams every notebook uses: a white figure background that stays legible
#: in JupyterLab's dark theme, a fixed size, light grids, and constrained layout
#: (labels, legends and colorbars fit inside the figure, so it needs no crop).
COURSE_STYLE = {
    "figure.figsize": (8.0, 3.4),
    "figure.constrained_layout.use": True,
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


class CourseLogScale(mscale.LogScale):
    """matplotlib's log scale with minor ticks at 2 and 5 of each decade (not at 2, 3, ..., 9)
    and plain-text labels (:class:`PlainLogFormatter`).

    Every tick is a set of matplotlib objects that layout and drawing revisit
    several times, and every label went through the mathtext parser; on the
    course's deep-network plots (std against layer, often five or more
    decades) those were most of a figure's draw time. A three-axes log figure
    over seven decades took 477 ms to show with matplotlib's scale and 261 ms
    with this one (``benchmarks/bench_figures.py``, 2 cores). The 1-2-5 marks
    keep the reading aid. Beyond about eight decades matplotlib itself drops
    the minor ticks, as it does for its own explicit ``subs``.
    :func:`use_course_style` registers it under the name ``"log"``, so
    ``ax.semilogy`` and ``set_yscale("log")`` use it.

    Example:
        >>> import matplotlib.pyplot as plt
        >>> use_course_style()
        >>> fig, ax = plt.subplots()
        >>> _ = ax.semilogy([1, 2, 3], [1e-4, 1e-2, 1.0])
        >>> [float(t) for t in ax.yaxis.get_minor_locator().tick_values(1.0, 10.0) if 1 < t < 10]
        [2.0, 5.0]
        >>> plt.close(fig)
    """

    name = "log"

    def set_default_locators_and_formatters(self, axis):
        super().set_default_locators_and_formatters(axis)
        axis.set_major_formatter(PlainLogFormatter(self.base))
        axis.set_minor_formatter(PlainLogFormatter(self.base, labelOnlyBase=False))
        axis.set_minor_locator(mticker.LogLocator(self.base, subs=(2.0, 5.0)))


class CourseSymLogScale(mscale.SymmetricalLogScale):
    """matplotlib's symmetric log scale with plain-text labels (:class:`PlainLogFormatter`);
    :func:`use_course_style` registers it as ``"symlog"``."""

    name = "symlog"

    def set_default_locators_and_formatters(self, axis):
        super().set_default_locators_and_formatters(axis)
        axis.set_major_formatter(PlainLogFormatter(self.base))


class PlainLogFormatter(mticker.LogFormatterSciNotation):
    """matplotlib's log-axis labels (``10⁻³``, ``2×10⁻²``) as plain text instead of mathtext.

    The same labels at the same ticks, written with Unicode superscripts (DejaVu
    Sans, matplotlib's default font, has them), so that no label goes through
    the mathtext parser: on the course's log figures those parses were about a
    tenth of the drawing time (0.15 s in notebook 07), and far more in the live
    edition's WebAssembly.

    Example:
        >>> PlainLogFormatter()(1e-3), PlainLogFormatter()(1.0), PlainLogFormatter()(2e5)
        ('10⁻³', '10⁰', '2×10⁵')
    """

    def __call__(self, x, pos=None):
        label = super().__call__(x, pos)
        prefix, suffix = "$\\mathdefault{", "}$"
        if not (label.startswith(prefix) and label.endswith(suffix)):
            return label
        body = label[len(prefix):-len(suffix)].replace("\\times", "×")
        if "^{" in body:
            mantissa, exponent = body.split("^{", 1)
            body = mantissa + exponent.rstrip("}").translate(SUPERSCRIPT)
        return body.replace("-", "−", 1) if body.startswith("-") else body


def _register_course_scales() -> None:
    # matplotlib 3.11 prefers scales without an ``axis`` argument and says so with a
    # PendingDeprecationWarning; LogScale itself still takes one, and older matplotlib
    # (Pyodide's 3.8 in the live edition) requires it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        mscale.register_scale(CourseLogScale)
        mscale.register_scale(CourseSymLogScale)


def use_course_style() -> None:
    """Apply :data:`COURSE_STYLE` to matplotlib's rcParams (call once in the setup cell).

    It also registers :class:`CourseLogScale` and :class:`CourseSymLogScale` as the
    ``"log"`` and ``"symlog"`` scales.

    In IPython with the inline backend it also turns off the backend's
    ``bbox_inches="tight"`` crop: that crop lays out and draws every figure a
    second time to measure it, and a constrained-layout figure already fits.
    This cuts the time to show a figure by about a fifth. Without the crop a
    figure must fit by itself: with constrained layout (the style's default),
    or, where a notebook cell shows ``layout="none"``, with the margins its
    ``fig.subplots_adjust(...)`` gives, which were read off where constrained
    layout put the axes (a figure shown with a layout engine is laid out and
    drawn twice; fixed margins skip both the layout and the extra pass).
    """
    mpl.rcParams.update(COURSE_STYLE)
    _register_course_scales()
    try:
        from IPython import get_ipython
    except ImportError:            # plain Python: no inline backend to configure
        return
    shell = get_ipython()
    if shell is not None and "inline" in str(mpl.get_backend()):
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")


#: Legend labels where the course's key would mislead: in PyTorch and Keras "Xavier" is
#: Glorot, so the 1/sqrt(n) uniform is never labelled plain "xavier" in a figure.
SCHEME_LABELS = {"xavier": "1/√n uniform", "normalized_xavier": "Glorot uniform"}


def scheme_label(name: str) -> str:
    """The name a figure's legend gives a scheme: a framework-true name for the course's
    ``xavier`` (the 1/√n uniform) and ``normalized_xavier`` (Glorot uniform), the key otherwise.

    Examples:
        >>> scheme_label("xavier"), scheme_label("he_normal")
        ('1/√n uniform', 'he_normal')
    """
    return SCHEME_LABELS.get(name, name)


def scheme_color(name: str) -> str:
    """The scheme's colour (:attr:`Scheme.color <course_utils.schemes.Scheme.color>`), the same
    in every notebook; dark grey for a name that is not in :data:`~course_utils.SCHEMES`."""
    scheme = SCHEMES.get(name)
    return "#333333" if scheme is None else scheme.color


#: The course's figure shapes: ``name -> (width, height)`` in inches. Margins
#: are in inches too (:data:`FIGURE_MARGINS`), so they hold at every size.
FIGURE_PRESETS = {
    "single": (8.0, 3.4),      # one plot
    "tall": (8.0, 4.6),        # one plot with a legend or colour bar below/beside
    "pair": (9.0, 3.4),        # two plots side by side
    "row3": (11.0, 3.2),       # three plots
    "row4": (11.0, 3.0),       # four plots, e.g. a loss curve and three decision maps
    "grid": (9.0, 6.0),        # a 2 x 2 or 2 x 3 grid
}
#: Margins in inches: room for tick labels and one axis label on the left and
#: bottom, a title on top; ``gap`` between columns (``shared_gap`` when the
#: columns share their y axis and hide the inner tick labels), ``hgap`` between rows.
FIGURE_MARGINS = {"left": 0.62, "right": 0.12, "bottom": 0.48, "top": 0.32,
                  "gap": 0.62, "shared_gap": 0.18, "hgap": 0.72}


def course_figure(preset: str = "single", nrows: int = 1, ncols: int = 1, *,
                  sharey=False, sharex=False, **kwargs):
    """A pyplot figure of one of :data:`FIGURE_PRESETS`, with fixed margins and its axes.

    The margins come from :data:`FIGURE_MARGINS` (inches, converted for the
    preset's size), so no layout pass runs when the figure is shown: a figure
    drawn with constrained layout is laid out and drawn twice, and the course
    shows many. Recipes that add a colour bar or an outside legend use the
    ``"tall"`` preset or draw them inside the axes.

    Args:
        preset: a name of :data:`FIGURE_PRESETS`.
        nrows, ncols: the grid of axes.
        sharey, sharex: as for ``plt.subplots``.
        **kwargs: passed to ``plt.subplots`` (``width_ratios``, ``subplot_kw``, ...).

    Returns:
        ``(figure, axes)`` as from ``plt.subplots``.

    Examples:
        >>> fig, (left, right) = course_figure("pair", 1, 2, sharey=True)
        >>> fig.get_size_inches().tolist()
        [9.0, 3.4]
        >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    if preset not in FIGURE_PRESETS:
        names = ", ".join(repr(n) for n in FIGURE_PRESETS)
        raise ValueError(f"preset must be one of {names}, got {preset!r}")
    width, height = FIGURE_PRESETS[preset]
    m = FIGURE_MARGINS
    gap = m["shared_gap"] if sharey in (True, "all", "row") else m["gap"]
    axes_width = (width - m["left"] - m["right"] - gap * (ncols - 1)) / ncols
    axes_height = (height - m["bottom"] - m["top"] - m["hgap"] * (nrows - 1)) / nrows
    _register_course_scales()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="none",
                             sharey=sharey, sharex=sharex, **kwargs)
    fig.subplots_adjust(left=m["left"] / width, right=1 - m["right"] / width,
                        bottom=m["bottom"] / height, top=1 - m["top"] / height,
                        wspace=gap / axes_width, hspace=m["hgap"] / axes_height)
    return fig, axes


def panel_figure(nrows: int = 1, ncols: int = 1, *, figsize=(8.0, 3.2), dpi: int = 90, **kwargs):
    """A standalone figure for a slider panel (not registered with pyplot, so never
    shown twice by the inline backend), with its axes.

    Returns:
        ``(figure, axes)`` as from ``plt.subplots``.
    """
    _register_course_scales()
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
