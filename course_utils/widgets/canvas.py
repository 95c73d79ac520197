"""The fast redraw: one kept figure, a saved background per layout, dynamic artists blitted over it.

:class:`BlitCanvas` enforces the two rules of :mod:`course_utils.widgets`:
everything an update changes is declared dynamic, and static state changes
only through a :class:`Layout`. It returns RGBA frames; encoding and showing
them is the panel's job.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Optional, Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure

__all__ = ["Layout", "BlitCanvas", "flatten_artists"]


@dataclass(frozen=True)
class Layout:
    """The static state (limits, labels, ticks) a panel's settings need.

    Args:
        key: ``key(**values) -> hashable``: the name of the static state the
            controls' values need (e.g. the activation, or a depth-axis step).
        apply: ``apply(key)`` sets that state on the figure. It must set
            everything the key decides (it is called for keys in any order).
        warm: keys whose backgrounds are drawn ahead of the first visit (in the
            kernel's idle time; see :mod:`course_utils.widgets.idle`), so that
            the first visit to each is a blit.
    """

    key: Callable[..., Hashable]
    apply: Callable[[Hashable], None]
    warm: Sequence[Hashable] = ()


def flatten_artists(items) -> list:
    """Artists from artists, parts with an ``artists`` attribute, and iterables of either."""
    out = []
    for item in items:
        if isinstance(item, Artist):
            out.append(item)
        elif hasattr(item, "artists"):
            out += flatten_artists(item.artists)
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            out += flatten_artists(item)
        else:
            raise TypeError(f"dynamic must hold matplotlib artists, parts with an 'artists' "
                            f"attribute, or lists of them; got {item!r}")
    return out


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


class BlitCanvas:
    """A figure whose dynamic artists are redrawn over a background kept per layout key.

    Args:
        figure: the ``matplotlib.figure.Figure``.
        dynamic: the artists an update changes (artists, parts with an ``artists``
            attribute, or lists of them); made animated here. Artists created with
            ``animated=True`` count as declared too.
        layout: the optional :class:`Layout` for static state that depends on the controls.
        snapshot_only: dynamic artists drawn only in ``frame(snapshot=True)``.
    """

    def __init__(self, figure: Figure, dynamic: Iterable = (), *, layout: Optional[Layout] = None,
                 snapshot_only: Iterable = ()):
        if not isinstance(figure, Figure):
            raise TypeError(f"figure must be a matplotlib Figure, got {figure!r}")
        if layout is not None and not isinstance(layout, Layout):
            raise TypeError(f"layout must be a course_utils.widgets.Layout, got {layout!r}")
        self.figure = figure
        self.layout = layout
        if not isinstance(figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(figure)
        self._snapshot_only = flatten_artists(snapshot_only)
        for artist in flatten_artists(dynamic) + self._snapshot_only:
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

    @property
    def has_snapshot_only(self) -> bool:
        """Whether some artists are drawn in snapshots alone."""
        return bool(self._snapshot_only)

    @property
    def drawn_keys(self) -> set:
        """The layout keys whose background is drawn."""
        return set(self._backgrounds)

    def select(self, key: Hashable) -> None:
        """Put the layout ``key`` on the figure (a no-op when it is there), drawing its background once."""
        if key == self._key:
            return
        if self.layout is not None:
            self.layout.apply(key)
        self._background = self._backgrounds.get(key)
        if self._background is None:
            self._draw_background(key)
        self._key = key

    def warm(self, key: Hashable) -> None:
        """Draw the background of layout ``key`` ahead of its first visit; the figure keeps its layout."""
        if key in self._backgrounds or self.layout is None:
            return
        current, background, static = self._key, self._background, self._static
        self.layout.apply(key)
        self._draw_background(key)
        self.layout.apply(current)     # back to the layout on screen: its background is kept
        self._key, self._background, self._static = current, background, static

    @contextlib.contextmanager
    def checked_update(self):
        """The block changes dynamic artists only; on leaving, raise ``RuntimeError`` if it changed
        an axis' limits or scale or a static artist."""
        for artist in self._static:       # static state is now what the background shows
            artist.stale = False
        limits = self._limits()
        yield
        self._check_static(limits)

    def frame(self, *, snapshot: bool = False) -> np.ndarray:
        """The picture as an ``(height, width, 4)`` uint8 RGBA view of the canvas' buffer.

        ``snapshot=True`` draws the ``snapshot_only`` artists too (and hides them again).
        """
        extra = self._snapshot_only if snapshot else []
        for artist in extra:
            artist.set_visible(True)
        try:
            canvas = self.figure.canvas
            canvas.restore_region(self._background)
            for artist in self._dynamic:
                if artist.get_visible():
                    self.figure.draw_artist(artist)
            return np.asarray(canvas.buffer_rgba())
        finally:
            for artist in extra:
                artist.set_visible(False)

    # -- internals
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
