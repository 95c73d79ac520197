"""Slider panels that redraw in a few milliseconds.

A plain ``ipywidgets.interactive_output`` builds a new matplotlib figure and
renders it from scratch on every slider move: about 120 ms here, even for one
line. A :class:`FigurePanel` instead keeps one figure, draws its static parts
(axes, ticks, labels, reference curves) once, and on each move redraws only
the artists marked ``animated=True`` over a saved copy of the background
(matplotlib's *blitting*), then sends the result to an ``ipywidgets.Image`` as
a lightly compressed PNG. A move costs the recomputation plus a few ms.

The panel works with the default inline backend (no ipympl), in JupyterLab,
Notebook 7 and VS Code. Because a widget shows nothing in a static render
(GitHub, nbviewer), :meth:`FigurePanel.snapshot` returns the current picture
as an ordinary image output to show beside it.

Topic panels live in the submodules (one per notebook topic) and are built on
:mod:`course_utils.plots`.
"""

from __future__ import annotations

import io
import time
import weakref
from typing import Callable, Mapping, Optional

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

__all__ = ["FigurePanel", "int_slider", "float_slider", "log_slider", "dropdown", "all_panels"]

_PANELS: "weakref.WeakSet[FigurePanel]" = weakref.WeakSet()


def all_panels() -> list:
    """Return every live panel (the slider benchmark moves each of their controls)."""
    return sorted(_PANELS, key=lambda p: p._serial)


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


class FigurePanel:
    """Controls, one kept figure, and a fast redraw on every change.

    Args:
        figure: a ``matplotlib.figure.Figure`` (from :func:`course_utils.plots.panel_figure`);
            the artists that change must be created with ``animated=True``.
        controls: mapping from a parameter name to an ipywidgets control.
        update: ``update(**values)`` sets the animated artists' data from the
            controls' values. It may return an HTML string, shown under the
            figure, and may call :meth:`request_full_redraw` when it changed
            something static (an axis limit, say).
        title: a short HTML title shown above the controls.

    Attributes:
        last_update_seconds: wall time of the latest update (compute, draw, encode).
    """

    _count = 0

    def __init__(self, figure: Figure, controls: Mapping[str, widgets.Widget],
                 update: Callable[..., Optional[str]], *, title: str = ""):
        if not isinstance(figure, Figure):
            raise TypeError(f"figure must be a matplotlib Figure, got {figure!r}")
        if not controls:
            raise ValueError("controls must hold at least one control")
        self.figure = figure
        if not isinstance(figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(figure)
        self.controls = dict(controls)
        self._update = update
        self._background = None
        self._backgrounds = {}
        self._layout = None
        self._full = True
        self.last_update_seconds = float("nan")
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()
        boxes = [widgets.HTML(title)] if title else []
        boxes += [widgets.HBox(list(self.controls.values()),
                               layout=widgets.Layout(flex_flow="row wrap")),
                  self.image, self.caption]
        self.widget = widgets.VBox(boxes)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        FigurePanel._count += 1
        self._serial = FigurePanel._count
        _PANELS.add(self)
        self.refresh()

    # -- public
    @property
    def values(self) -> dict:
        """The controls' current values, by parameter name."""
        return {name: c.value for name, c in self.controls.items()}

    def request_full_redraw(self, layout=None) -> None:
        """Redraw the static parts too at the next render (after a limit changed).

        Args:
            layout: optional hashable name of the static state just set (for
                example the activation whose axis limits were applied). The
                background drawn for a named layout is kept, so coming back to
                it costs a blit instead of a full redraw (~100 ms here).
        """
        self._full = True
        self._layout = layout

    def warm_up(self, name: str) -> None:
        """Visit every option of the dropdown ``name`` once, then return to the current one.

        Panels whose options change axis limits call this at build time, so that
        each layout's background is drawn before a learner asks for it.
        """
        control = self.controls[name]
        start = control.value
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        for option in options:
            control.value = option
        control.value = start

    def refresh(self) -> None:
        """Recompute from the controls and redraw."""
        start = time.perf_counter()
        caption = self._update(**self.values)
        self.image.value = self._render()
        if caption is not None:
            self.caption.value = caption
        self.last_update_seconds = time.perf_counter() - start

    def set(self, **values) -> None:
        """Move controls programmatically (each move redraws, as a learner's would)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"unknown control {name!r}; this panel has {sorted(self.controls)}")
            self.controls[name].value = value

    @property
    def png(self) -> bytes:
        """The picture currently shown, as PNG bytes."""
        return self.image.value

    def snapshot(self):
        """Return the current picture as an ordinary image output (for static renders)."""
        from IPython.display import Image
        return Image(data=self.png, format="png")

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
        self.refresh()

    def _animated(self):
        for ax in self.figure.axes:
            for artist in ax.get_children():
                if artist.get_animated() and artist.get_visible():
                    yield ax, artist
        for artist in self.figure.get_children():
            if artist.get_animated() and artist.get_visible() and artist not in self.figure.axes:
                yield None, artist

    def _render(self) -> bytes:
        canvas = self.figure.canvas
        if self._full or self._background is None:
            cached = self._backgrounds.get(self._layout) if self._layout is not None else None
            if cached is None:
                canvas.draw()                  # draws everything but the animated artists
                cached = canvas.copy_from_bbox(self.figure.bbox)
                if self._layout is not None:
                    self._backgrounds[self._layout] = cached
            self._background = cached
            self._full = False
            self._layout = None
        canvas.restore_region(self._background)
        for ax, artist in self._animated():
            (ax or self.figure).draw_artist(artist)
        rgba = np.asarray(canvas.buffer_rgba())
        image = PILImage.fromarray(rgba[:, :, :3].copy(), "RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
