"""The course's figure style: rcParams, log scales with plain labels, scheme colours and
legend names, and the figure presets with fixed margins (matplotlib only).

:mod:`course_utils.plots` (the figure recipes) re-exports everything here.
"""

from __future__ import annotations

import warnings

import matplotlib as mpl
from matplotlib import scale as mscale
from matplotlib import ticker as mticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .panels.shared import SUPERSCRIPT
from .schemes import SCHEME_LABELS, SCHEMES, scheme_label

__all__ = ["COURSE_STYLE", "CourseLogScale", "CourseSymLogScale", "PlainLogFormatter",
           "use_course_style", "scheme_color", "scheme_label", "SCHEME_LABELS",
           "FIGURE_PRESETS", "FIGURE_MARGINS", "course_figure", "panel_figure",
           "register_course_scales"]

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


def register_course_scales() -> None:
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
    register_course_scales()
    try:
        from IPython import get_ipython
    except ImportError:            # plain Python: no inline backend to configure
        return
    shell = get_ipython()
    if shell is not None and "inline" in str(mpl.get_backend()):
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")


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
    register_course_scales()
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
    register_course_scales()
    with mpl.rc_context(COURSE_STYLE):
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes
