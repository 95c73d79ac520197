"""The view: a :class:`FigurePanel` is controls, one kept figure and a caption, redrawn on every move.

It composes the parts with one job each: :class:`~course_utils.widgets.canvas.BlitCanvas`
(the fast redraw and its two rules), :func:`~course_utils.widgets.encoder.png_rgb`
(the frame's PNG), :mod:`~course_utils.widgets.captions` (the caption's HTML and
the snapshot), :class:`~course_utils.widgets.idle.IdleScheduler` (warm layouts and
prefetches in the kernel's idle time) and :mod:`~course_utils.widgets.events`
(control moves and the activity clock).
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Mapping, Optional

import ipywidgets as widgets
from matplotlib.figure import Figure

from .canvas import BlitCanvas, Layout
from .captions import PanelSnapshot, as_caption, caption_html, plain_text
from .encoder import png_rgb
from .events import ActivityClock, observe_controls
from .idle import IDLE_SECONDS, IdleScheduler

__all__ = ["FigurePanel"]


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
        layout: an optional :class:`~course_utils.widgets.Layout` for static state
            that depends on the controls.
        title: a short HTML title shown above the controls.
        snapshot_only: dynamic artists drawn only in :meth:`snapshot` (labels that the
            live caption already gives, kept out of every slider move's cost).
        prefetch: optional ``prefetch(**values) -> [(key, fn), ...]``: model
            computations the next moves from these settings will need (for instance
            the same network at every width of the slider). The panel calls each
            ``fn()`` once per ``key`` in the kernel's idle time, after the warm
            layouts; ``fn`` fills the model's own cache, so a later move that needs
            it is a cache hit. It is asked again after every move.
        clock: the :class:`~course_utils.widgets.events.ActivityClock` whose quiet
            periods the idle work waits for (default: the running shell's, shared by
            its panels).
        idle_seconds: the quiet period before idle work runs.

    Raises:
        RuntimeError: when ``update`` changes an artist that is not dynamic,
            or an axis' limits or scale (see :mod:`course_utils.widgets`).

    Attributes:
        canvas: the :class:`~course_utils.widgets.canvas.BlitCanvas`.
        idle: the panel's :class:`~course_utils.widgets.idle.IdleScheduler`.
        last_update_seconds: wall time of the latest update (compute, draw, encode).
        last_caption: the latest caption ``update`` returned.
    """

    def __init__(self, figure: Figure, controls: Mapping[str, widgets.Widget],
                 update: Callable[..., object], *, dynamic: Iterable = (),
                 layout: Optional[Layout] = None, title: str = "", snapshot_only: Iterable = (),
                 prefetch: Optional[Callable[..., Iterable]] = None,
                 clock: Optional[ActivityClock] = None, idle_seconds: float = IDLE_SECONDS):
        self.canvas = BlitCanvas(figure, dynamic, layout=layout, snapshot_only=snapshot_only)
        if not controls:
            raise ValueError("controls must hold at least one control")
        self.figure = figure
        self.controls = dict(controls)
        self.title = title
        self._update = update
        self._layout = layout
        self.last_update_seconds = float("nan")
        self.last_caption = None
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()
        boxes = [widgets.HTML(title)] if title else []
        boxes += [widgets.HBox(list(self.controls.values()),
                               layout=widgets.Layout(flex_flow="row wrap")),
                  self.image, self.caption]
        self.widget = widgets.VBox(boxes)
        self.idle = IdleScheduler(self._idle_step, clock=clock, idle_seconds=idle_seconds)
        observe_controls(self.controls, self._on_change, self.idle.clock)
        self.refresh()
        # Idle work, in order: ("layout", key) draws a warm layout, ("prefetch", key, fn)
        # runs a model computation ahead of the move that needs it.
        self._prefetch = prefetch
        self._prefetched: set = set()
        for key in (() if layout is None else layout.warm):
            if key not in self.canvas.drawn_keys:
                self.idle.add(("layout", key))
        self._plan_prefetch()
        self.idle.schedule()

    # -- public
    @property
    def values(self) -> dict:
        """The controls' current values, by parameter name."""
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self) -> None:
        """Recompute from the controls and redraw."""
        start = time.perf_counter()
        values = self.values
        self.canvas.select(self._layout.key(**values) if self._layout is not None else None)
        with self.canvas.checked_update():
            caption = self._update(**values)
        self.image.value = png_rgb(self.canvas.frame())
        if caption is not None:
            self.last_caption = caption
            self.caption.value = caption_html(caption)
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
        self.idle.drain()

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
        png = png_rgb(self.canvas.frame(snapshot=True)) if self.canvas.has_snapshot_only else self.png
        title = plain_text(self.title) or type(self).__name__
        return PanelSnapshot(png, as_caption(self.last_caption), f"[picture] {title}: {self!r}")

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
    def _on_change(self) -> None:
        self.refresh()
        self._plan_prefetch()
        self.idle.schedule()

    def _plan_prefetch(self) -> None:
        if self._prefetch is None:
            return
        queued = {item[1] for item in self.idle.pending if item[0] == "prefetch"}
        for key, fn in self._prefetch(**self.values):
            if key not in self._prefetched and key not in queued:
                self.idle.add(("prefetch", key, fn))
                queued.add(key)

    def _idle_step(self, item) -> None:
        if item[0] == "layout":
            self.canvas.warm(item[1])
            return
        _, key, fn = item
        if key not in self._prefetched:
            self._prefetched.add(key)
            fn()
