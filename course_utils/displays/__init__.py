"""Figures of the notebooks as display objects, in the shape of scikit-learn's ``*Display`` classes.

``SomethingDisplay.from_run(...)`` computes (calling the tested functions of
the package) and keeps every number the figure shows and the notebook's
sentence quotes; ``display.plot(ax=None)`` draws it, on a new
:func:`course_utils.plots.course_figure` when no axes are given, and returns
the display. A notebook cell is then::

    display = VarianceMapDisplay.from_run("tanh", weight_var=1.0)
    display.plot()
    agree("fixed point q*", display.q_star_measured, display.q_star, rtol=0.02)

One module per topic; :class:`Display` is the shared base.
"""

from __future__ import annotations

__all__ = ["Display"]


class Display:
    """Base of the course's displays: subclasses set :attr:`preset` and implement
    ``from_run`` (a classmethod that computes) and ``_draw(axes)``.

    Attributes:
        preset: the :data:`~course_utils.plots.FIGURE_PRESETS` name of the figure ``plot`` makes.
        layout: ``(nrows, ncols)`` of that figure.
        figure_, axes_: set by :meth:`plot`.
    """

    preset = "single"
    layout = (1, 1)
    subplots_kwargs: dict = {}

    def plot(self, ax=None):
        """Draw on ``ax`` (an Axes, or an array of them matching :attr:`layout`), or on a new figure.

        Returns:
            ``self``, with ``figure_`` and ``axes_`` set.
        """
        if ax is None:
            from ..plots import course_figure

            fig, ax = course_figure(self.preset, *self.layout, **self.subplots_kwargs)
        else:
            first = ax.flat[0] if hasattr(ax, "flat") else ax
            fig = first.figure
        self.figure_, self.axes_ = fig, ax
        self._draw(ax)
        return self

    def _draw(self, ax) -> None:            # pragma: no cover - every subclass defines it
        raise NotImplementedError(f"{type(self).__name__} must define _draw(ax)")
