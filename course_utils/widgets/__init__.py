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

from __future__ import annotations

import asyncio
import base64
import html
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Mapping, Optional, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure

from ..panels.shared import Caption

__all__ = ["FigurePanel", "Layout", "PanelSnapshot", "int_slider", "float_slider",
           "log_slider", "dropdown"]


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider with the course's layout."""
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             continuous_update=True, style={"description_width": "initial"})


def float_slider(description: str, value: float, min: float, max: float, step: float,
                 readout_format: str = ".2f") -> widgets.FloatSlider:
    """A float slider with the course's layout."""
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               readout_format=readout_format, continuous_update=True,
                               style={"description_width": "initial"})


def log_slider(description: str, value: float, min_exp: float, max_exp: float,
               step: float = 0.1) -> widgets.FloatLogSlider:
    """A slider over powers of ten, from ``10**min_exp`` to ``10**max_exp``."""
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=step,
                                  description=description, readout_format=".3g",
                                  continuous_update=True, style={"description_width": "initial"})


def dropdown(description: str, options, value=None) -> widgets.Dropdown:
    """A dropdown with the course's layout."""
    options = list(options)
    return widgets.Dropdown(options=options, value=options[0] if value is None else value,
                            description=description, style={"description_width": "initial"})


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def png_rgb(rgba: np.ndarray) -> bytes:
    """Encode the RGB channels of an ``(height, width, 4)`` uint8 image as a PNG, fast.

    Every row unfiltered, zlib level 1: a slider panel's picture (720 x 288) in
    2.2 ms against 4.0 ms through Pillow (``compress_level=1``, which tries
    filters row by row), the same size within 1 % and the same pixels.

    Examples:
        >>> import io
        >>> from PIL import Image
        >>> rgba = np.zeros((2, 3, 4), np.uint8); rgba[..., 0] = 255
        >>> np.asarray(Image.open(io.BytesIO(png_rgb(rgba))))[0, 0].tolist()
        [255, 0, 0]
    """
    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0                                  # filter type 0 (none) for every row
    rows[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)    # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _png_chunk(b"IEND", b""))


#: Seconds without a cell running or a control moving before a warm layout is drawn.
IDLE_SECONDS = 1.0
_activity = {"last": 0.0, "running": False, "hooked": False}


def _note_activity(*_args) -> None:
    _activity["last"] = time.monotonic()


def _watch_cells() -> None:
    """Record when IPython cells start and end (once per process; no-op outside IPython)."""
    if _activity["hooked"]:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def started(*_args):
        _activity["running"] = True
        _note_activity()

    def finished(*_args):
        _activity["running"] = False
        _note_activity()

    shell.events.register("pre_run_cell", started)
    shell.events.register("post_run_cell", finished)
    _activity["hooked"] = True


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@dataclass(frozen=True)
class Layout:
    """The static state (limits, labels, ticks) a panel's settings need.

    Args:
        key: ``key(**values) -> hashable``: the name of the static state the
            controls' values need (e.g. the activation, or a depth-axis step).
        apply: ``apply(key)`` sets that state on the figure. It must set
            everything the key decides (it is called for keys in any order).
        warm: keys whose backgrounds are drawn ahead of the first visit (in the
            kernel's idle time; see the module docstring), so that the first
            visit to each is a blit.
    """

    key: Callable[..., Hashable]
    apply: Callable[[Hashable], None]
    warm: Sequence[Hashable] = ()


def _flatten(items) -> list:
    """Artists from artists, parts with an ``artists`` attribute, and iterables of either."""
    out = []
    for item in items:
        if isinstance(item, Artist):
            out.append(item)
        elif hasattr(item, "artists"):
            out += _flatten(item.artists)
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            out += _flatten(item)
        else:
            raise TypeError(f"dynamic must hold matplotlib artists, parts with an 'artists' "
                            f"attribute, or lists of them; got {item!r}")
    return out


def _plain(text: str) -> str:
    """Text of a small HTML title (tags dropped, entities resolved)."""
    import re
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


class PanelSnapshot:
    """A panel's picture and caption for static renders (returned by :meth:`FigurePanel.snapshot`).

    In IPython it displays as two outputs: the picture (``image/png`` with a
    one-line ``text/plain`` description) and the caption (``text/html`` with
    the caption's plain text as ``text/plain``). Both ``text/plain`` forms are
    deterministic, so strict nbval compares them exactly.

    Attributes:
        png: the picture, PNG bytes.
        caption: the :class:`~course_utils.panels.Caption` (or ``None``).
        description: the picture's ``text/plain``.
    """

    def __init__(self, png: bytes, caption: Optional[Caption], description: str):
        self.png, self.caption, self.description = png, caption, description

    def bundles(self) -> list:
        """The two MIME bundles, picture first (what ``display`` is given)."""
        out = [{"image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": self.description}]
        if self.caption is not None:
            out.append({"text/html": self.caption.html(), "text/plain": self.caption.text()})
        return out

    def _ipython_display_(self):
        from IPython.display import display
        for bundle in self.bundles():
            display(bundle, raw=True)

    def __repr__(self) -> str:
        caption = "" if self.caption is None else "\n" + self.caption.text()
        return self.description + caption


def _root_figure(artist):
    """The figure an artist is drawn in (the top one if it sits in a subfigure).

    ``Artist.get_figure(root=True)`` is matplotlib 3.10+; the live edition's Pyodide
    kernel has matplotlib 3.8.4, where ``.figure`` is the (sub)figure and a
    subfigure's ``.figure`` is the figure above it.
    """
    try:
        return artist.get_figure(root=True)
    except TypeError:                    # matplotlib < 3.10
        figure = artist.figure
        while figure is not None and getattr(figure, "figure", figure) is not figure:
            figure = figure.figure
        return figure


class FigurePanel:
    """Controls, one kept figure, and a fast redraw on every change.

    Args:
        figure: a ``matplotlib.figure.Figure`` (from :func:`course_utils.plots.panel_figure`).
        controls: mapping from a parameter name to an ipywidgets control.
        update: ``update(**values)`` puts the model's numbers on the dynamic
            artists and returns the caption (a :class:`~course_utils.panels.Caption`,
            an HTML string, or ``None``).
        dynamic: the artists ``update`` changes: artists, parts with an
            ``artists`` attribute (:class:`~course_utils.widgets.parts.LayerCurves`,
            :class:`~course_utils.widgets.parts.Histogram`), or lists of them. The
            panel makes them animated. (Artists created with ``animated=True``
            count as declared too.)
        layout: an optional :class:`Layout` for static state that depends on the controls.
        title: a short HTML title shown above the controls.
        snapshot_only: dynamic artists drawn only in :meth:`snapshot` (labels that the
            live caption already gives, kept out of every slider move's cost).
        prefetch: optional ``prefetch(**values) -> [(key, fn), ...]``: model
            computations the next moves from these settings will need (for instance
            the same network at every width of the slider). The panel calls each
            ``fn()`` once per ``key`` in the kernel's idle time, after the warm
            layouts; ``fn`` fills the model's own cache, so a later move that needs
            it is a cache hit. It is asked again after every move.

    Raises:
        RuntimeError: when ``update`` changes an artist that is not dynamic,
            or an axis' limits or scale (see the module docstring).

    Attributes:
        last_update_seconds: wall time of the latest update (compute, draw, encode).
        last_caption: the latest caption ``update`` returned.
    """

    def __init__(self, figure: Figure, controls: Mapping[str, widgets.Widget],
                 update: Callable[..., object], *, dynamic: Iterable = (),
                 layout: Optional[Layout] = None, title: str = "", snapshot_only: Iterable = (),
                 prefetch: Optional[Callable[..., Iterable]] = None):
        if not isinstance(figure, Figure):
            raise TypeError(f"figure must be a matplotlib Figure, got {figure!r}")
        if not controls:
            raise ValueError("controls must hold at least one control")
        if layout is not None and not isinstance(layout, Layout):
            raise TypeError(f"layout must be a course_utils.widgets.Layout, got {layout!r}")
        self.figure = figure
        if not isinstance(figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(figure)
        self.controls = dict(controls)
        self.title = title
        self._update = update
        self._layout = layout
        self._snapshot_only = _flatten(snapshot_only)
        declared = _flatten(dynamic) + self._snapshot_only
        for artist in declared:
            if _root_figure(artist) is not figure:
                raise ValueError(f"dynamic artist {artist!r} does not belong to this panel's figure")
            artist.set_animated(True)
        self._dynamic = self._collect_dynamic()
        for artist in self._snapshot_only:
            artist.set_visible(False)
        self._backgrounds: dict = {}
        self._key = object()            # no layout applied yet
        self._background = None
        self._static: list = []
        self.last_update_seconds = float("nan")
        self.last_caption = None
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()
        boxes = [widgets.HTML(title)] if title else []
        boxes += [widgets.HBox(list(self.controls.values()),
                               layout=widgets.Layout(flex_flow="row wrap")),
                  self.image, self.caption]
        self.widget = widgets.VBox(boxes)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()
        # Idle work, in order: ("layout", key) draws a warm layout, ("prefetch", key, fn)
        # runs a model computation ahead of the move that needs it.
        self._prefetch = prefetch
        self._prefetched: set = set()
        self._idle_work: list = [] if layout is None else [("layout", k) for k in layout.warm
                                                           if k not in self._backgrounds]
        self._idle_timer = None
        self._plan_prefetch()
        self._schedule_idle(IDLE_SECONDS)

    # -- public
    @property
    def values(self) -> dict:
        """The controls' current values, by parameter name."""
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self) -> None:
        """Recompute from the controls and redraw."""
        start = time.perf_counter()
        values = self.values
        key = self._layout.key(**values) if self._layout is not None else None
        if key != self._key:
            if self._layout is not None:
                self._layout.apply(key)
            self._background = self._backgrounds.get(key)
            if self._background is None:
                self._draw_background(key)
            self._key = key
        for artist in self._static:       # static state is now what the background shows
            artist.stale = False
        limits = self._limits()
        caption = self._update(**values)
        self._check_static(limits)
        self.image.value = self._blit()
        if caption is not None:
            self.last_caption = caption
            self.caption.value = caption.html() if isinstance(caption, Caption) else str(caption)
        self.last_update_seconds = time.perf_counter() - start

    def set(self, **values) -> None:
        """Move controls programmatically (each move redraws, as a learner's would)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"unknown control {name!r}; this panel has {sorted(self.controls)}")
            self.controls[name].value = value

    def warm_up(self) -> None:
        """Do the idle work now: draw every warm layout not drawn yet and run the
        prefetches of the current settings (the kernel does both when idle)."""
        while self._idle_work:
            self._idle_step()

    @property
    def png(self) -> bytes:
        """The picture currently shown, as PNG bytes."""
        return self.image.value

    def snapshot(self) -> PanelSnapshot:
        """The current picture and its caption, as outputs a static render shows.

        Examples:
            A notebook cell ending in ``panel.snapshot()`` stores two outputs:
            the PNG and the caption (HTML, with the caption's text as plain text).
        """
        caption = self.last_caption
        if caption is not None and not isinstance(caption, Caption):
            caption = Caption(_plain(str(caption)))
        png = self.png
        if self._snapshot_only:
            for artist in self._snapshot_only:
                artist.set_visible(True)
            png = self._blit()
            for artist in self._snapshot_only:
                artist.set_visible(False)
        title = _plain(self.title) or type(self).__name__
        return PanelSnapshot(png, caption, f"[picture] {title}: {self!r}")

    # -- display: a stable text form, so that stored outputs compare exactly
    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({args})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/plain"] = repr(self)
        return bundle

    # -- internals
    def _on_change(self, change) -> None:
        _note_activity()
        self.refresh()
        _note_activity()
        self._plan_prefetch()
        self._schedule_idle(IDLE_SECONDS)

    def _plan_prefetch(self) -> None:
        if self._prefetch is None:
            return
        queued = {item[1] for item in self._idle_work if item[0] == "prefetch"}
        for key, fn in self._prefetch(**self.values):
            if key not in self._prefetched and key not in queued:
                self._idle_work.append(("prefetch", key, fn))
                queued.add(key)

    def _schedule_idle(self, delay: float) -> None:
        if not self._idle_work or self._idle_timer is not None:
            return
        loop = _running_loop()
        if loop is None:                # no event loop: warm_up(), or the first visit does it
            return
        _watch_cells()
        self._idle_timer = loop.call_later(delay, self._when_idle)

    def _when_idle(self) -> None:
        self._idle_timer = None
        if not self._idle_work:
            return
        quiet = time.monotonic() - _activity["last"]
        if _activity["running"] or quiet < IDLE_SECONDS:
            self._schedule_idle(max(IDLE_SECONDS - quiet, 0.1))
            return
        self._idle_step()
        # One step per turn of the loop (at most ~0.2 s): a message waiting, such as a
        # slider move, is handled before the next step.
        self._schedule_idle(0.01)

    def _idle_step(self) -> None:
        item = self._idle_work.pop(0)
        if item[0] == "prefetch":
            _, key, fn = item
            if key not in self._prefetched:
                self._prefetched.add(key)
                fn()
            return
        key = item[1]
        if key in self._backgrounds:
            return
        current, background, static = self._key, self._background, self._static
        self._layout.apply(key)
        self._draw_background(key)
        self._layout.apply(current)     # back to the layout on screen: its background is kept
        self._key, self._background, self._static = current, background, static

    def _collect_dynamic(self) -> list:
        found = [a for a in self.figure.findobj(lambda a: a.get_animated())]
        found.sort(key=lambda a: a.get_zorder())       # stable: insertion order within a zorder
        return found

    def _draw_background(self, key) -> None:
        canvas = self.figure.canvas
        canvas.draw()                              # everything but the dynamic artists
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._backgrounds[key] = self._background
        dynamic = set(map(id, self._dynamic))
        self._static = [a for a in self.figure.findobj()
                        if id(a) not in dynamic and not isinstance(a, (Figure, SubFigure, Axes))
                        and not a.stale]

    def _describe(self, artist) -> str:
        axes = artist.axes
        where = (f" on axes {self.figure.axes.index(axes)}" if axes in self.figure.axes
                 else " on the figure")
        label = artist.get_label()
        label = f" {label!r}" if isinstance(label, str) and label and not label.startswith("_") else ""
        return f"{type(artist).__name__}{label}{where}"

    def _limits(self) -> list:
        return [(ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale())
                for ax in self.figure.axes]

    def _check_static(self, limits) -> None:
        for i, (before, after) in enumerate(zip(limits, self._limits())):
            if before != after:
                raise RuntimeError(
                    f"update() changed the limits or scale of axes {i} ({before} -> {after}); "
                    f"axes are static: set them in a Layout(key=..., apply=...).")
        changed = [a for a in self._static if a.stale]
        if changed:
            raise RuntimeError(
                f"update() changed {self._describe(changed[0])}, which is static: it is drawn "
                f"once into the background and would not change on screen. Declare it in "
                f"FigurePanel(..., dynamic=[...]) (or the part that owns it), or set it in a "
                f"Layout's apply().")

    def _blit(self) -> bytes:
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        return png_rgb(np.asarray(canvas.buffer_rgba()))
