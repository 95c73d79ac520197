"""The course's slider and dropdown controls (one layout for every panel)."""

from __future__ import annotations

from types import MappingProxyType

import ipywidgets as widgets

__all__ = ["int_slider", "float_slider", "log_slider", "dropdown"]

#: Labels as wide as their text: the course's control names are longer than ipywidgets' default.
_STYLE = MappingProxyType({"description_width": "initial"})


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider with the course's layout."""
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             continuous_update=True, style=dict(_STYLE))


def float_slider(description: str, value: float, min: float, max: float, step: float,
                 readout_format: str = ".2f") -> widgets.FloatSlider:
    """A float slider with the course's layout."""
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               readout_format=readout_format, continuous_update=True,
                               style=dict(_STYLE))


def log_slider(description: str, value: float, min_exp: float, max_exp: float,
               step: float = 0.1) -> widgets.FloatLogSlider:
    """A slider over powers of ten, from ``10**min_exp`` to ``10**max_exp``."""
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=step,
                                  description=description, readout_format=".3g",
                                  continuous_update=True, style=dict(_STYLE))


def dropdown(description: str, options, value=None) -> widgets.Dropdown:
    """A dropdown with the course's layout."""
    options = list(options)
    return widgets.Dropdown(options=options, value=options[0] if value is None else value,
                            description=description, style=dict(_STYLE))
