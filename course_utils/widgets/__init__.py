"""Slider panels that redraw in a few milliseconds, and the parts to build one.

A panel is a numpy-only *model* in :mod:`course_utils.panels` (a function or
small class returning a frozen dataclass of what the picture and caption
show, and a ``caption(result)`` building a :class:`~course_utils.panels.Caption`)
and a thin *view* here: controls, a figure, and an ``update(**values)`` that
calls the model, puts its arrays on artists and returns its caption. A new
panel is a model, a view and a test.

How a :class:`FigurePanel` is fast, and its two rules
----------------------------------------------------
A plain ``ipywidgets.interactive_output`` renders a new figure on every move
(about 120 ms here). A panel keeps one figure, draws its static parts once
into a saved *background*, and on each move redraws only its **dynamic**
artists over that background (matplotlib's blitting), then sends a lightly
compressed PNG to an ``ipywidgets.Image``. The two rules this relies on are
explicit and checked:

1. Everything ``update`` changes is declared dynamic:
   ``FigurePanel(..., dynamic=[artist, part, ...])``. The panel sets
   ``animated=True`` itself (you never do). If ``update`` changes an artist
   that is not declared, the panel raises ``RuntimeError`` naming it, instead
   of silently showing a stale picture.
2. Static changes (axis limits, labels, ticks: anything drawn in the
   background) are made only by a :class:`Layout`: ``key(**values)`` names the
   static state a setting needs, ``apply(key)`` sets it. The panel calls
   ``apply`` when the key changes and keeps one background per key, so coming
   back to a layout costs a blit, not a full redraw; ``Layout.warm`` lists
   keys whose backgrounds are drawn ahead of a learner's first visit. If
   ``update`` itself changes an axis' limits or scale, the panel raises
   ``RuntimeError``.

Warm layouts are drawn while the kernel is idle, not when the panel is built:
one background (50-200 ms) per idle moment, after a second without a cell
running or a control moving. "Run All" does not wait for pictures that no
slider has asked for yet, and by the time a learner reaches for a slider the
layouts it will visit are ready. Outside a running event loop (a plain script,
a test) nothing is scheduled: :meth:`FigurePanel.warm_up` draws them at once,
and a layout nobody warmed is drawn on its first visit. A panel may also
give a ``prefetch`` of model computations to run in that idle time (06's and
07's panels compute the network at every width of their width slider), so that
a move that needs one finds it in the model's cache.

Modules, one job each
---------------------
* :mod:`~course_utils.widgets.panel`: the view, :class:`FigurePanel`.
* :mod:`~course_utils.widgets.canvas`: the fast redraw and its two rules
  (:class:`~course_utils.widgets.canvas.BlitCanvas`, :class:`Layout`).
* :mod:`~course_utils.widgets.encoder`: the frame's PNG (and why not Pillow).
* :mod:`~course_utils.widgets.idle`: the idle-time scheduler, one per panel.
* :mod:`~course_utils.widgets.events`: control moves and the activity clock
  (one per IPython shell, shared by its panels).
* :mod:`~course_utils.widgets.captions`: the caption's HTML and :class:`PanelSnapshot`.
* :mod:`~course_utils.widgets.controls`: the sliders and dropdowns.
* :mod:`~course_utils.widgets.parts`: per-layer curves and a histogram.

Shared parts
------------
* :class:`FigurePanel` (``figure, controls, update, *, dynamic, layout, title,
  snapshot_only``): the panel; ``panel.snapshot()`` is the static picture *and*
  its caption; ``snapshot_only`` artists (labels the live caption already
  gives) are drawn in the snapshot alone, off every move's cost.
* :class:`Layout` (``key, apply, warm``): the static state a setting needs.
* :class:`PanelSnapshot`: what ``snapshot()`` returns: displayed as two
  outputs, the PNG (``image/png``) and the caption (``text/html`` with a
  deterministic ``text/plain``), which GitHub, nbviewer, nbconvert's HTML,
  a Sphinx/myst-nb book and JupyterLite all render; nbval compares the text.
* :class:`LayerCurves` (``parts``): one line per per-layer series (measured
  or predicted) on a log or linear axis; ``set_depth_axis(limit)`` in a Layout;
  :func:`~course_utils.widgets.parts.signal_curves` gives the measured and
  mean-field activation and gradient stds in one style (``show_profile(p)``).
* :class:`Histogram` (``parts``): a stairs histogram fed with
  :func:`~course_utils.panels.bin_heights`.
* :func:`int_slider`, :func:`float_slider`, :func:`log_slider`, :func:`dropdown`:
  the course's controls.
* In the numpy core (:mod:`course_utils.panels`): ``child_seeds``,
  ``CornerWeights``/``CornerPropagation``, ``bin_heights``,
  ``depth_axis_limit``/``depth_axis_limits`` (a fitted depth axis in steps of
  10; warm the layouts), ``Table``/``Caption``/``fmt``.

The panels work with the default inline backend (no ipympl) in JupyterLab,
Notebook 7 and VS Code. Topic panels live in the submodules (one per
notebook topic). The slider benchmark finds panels by looking for
:class:`FigurePanel` instances in the notebook's namespace.
"""

from .canvas import BlitCanvas, Layout
from .captions import PanelSnapshot
from .controls import dropdown, float_slider, int_slider, log_slider
from .encoder import png_rgb
from .events import ActivityClock
from .idle import IDLE_SECONDS, IdleScheduler
from .panel import FigurePanel

__all__ = ["FigurePanel", "Layout", "PanelSnapshot", "int_slider", "float_slider",
           "log_slider", "dropdown", "png_rgb", "BlitCanvas", "ActivityClock", "IdleScheduler",
           "IDLE_SECONDS"]
