"""Notebook 02's panel (view): train a small MLP from a constant and watch its hidden units.

The model is :func:`course_utils.panels.symmetry.symmetry_run`. Left: the
first hidden layer after training as a heatmap, one column per unit of the
network (the columns fill the plot whatever the width). Right: each unit's
weight from x1 along the run minus the mean over units, one colour per unit,
on a symmetric log axis: identical units lie on 0, and a spread of 0.001 is
as visible as one of 1.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection

from ..panels.symmetry import (DEVIATION_LINEAR, DEVIATION_YLIM, HEATMAP_VMAX, NOISE_LEVELS,
                               symmetry_caption, symmetry_run)
from ..plots import panel_figure
from . import FigurePanel, dropdown, float_slider, int_slider

__all__ = ["symmetry_panel", "NOISE_LEVELS"]


def symmetry_panel(*, value: float = 0.5, width: int = 8, noise: float = 0.0,
                   activation: str = "tanh", steps: int = 40, record_every: int = 4,
                   learning_rate: float = 3.0, n_samples: int = 64, seed: int = 0,
                   max_width: int = 24) -> FigurePanel:
    """Sliders for the constant, the hidden width, the noise and the activation of a (2, width, 1) MLP.

    Each move trains the network for ``steps`` full-batch steps on
    ``n_samples`` circle points (see :func:`~course_utils.panels.symmetry.symmetry_run`)
    and redraws.

    Args:
        value, width, noise, activation: the controls' starting values (``noise``
            one of the values of :data:`NOISE_LEVELS`).
        steps, record_every, learning_rate, n_samples, seed: the training run.
        max_width: the largest width on the slider.

    Examples:
        >>> panel = symmetry_panel(value=0.5, width=8)
        >>> panel
        FigurePanel(value=0.5, width=8, noise=0.0, activation='tanh')
        >>> panel.last_caption.title
        'After 40 steps (tanh, c = 0.5, noise std 0): spread between units 0 -> 0'
    """
    if steps % record_every:
        raise ValueError(f"steps must be a multiple of record_every, got {steps} and {record_every}")
    fig, (ax_map, ax_line) = panel_figure(1, 2, figsize=(8.6, 3.1),
                                          gridspec_kw={"width_ratios": [1.2, 1.0]})
    image = ax_map.imshow(np.zeros((3, 1)), cmap="RdBu_r", vmin=-HEATMAP_VMAX, vmax=HEATMAP_VMAX,
                          aspect="auto", interpolation="nearest", extent=(0, 1, 2.5, -0.5))
    separators = LineCollection([], colors="white", linewidths=1.0)
    ax_map.add_collection(separators)
    fig.colorbar(image, ax=ax_map, fraction=0.05, pad=0.02, label="weight (fixed scale)")
    ax_map.set_xlim(0, 1)
    ax_map.set_ylim(2.5, -0.5)
    ax_map.set_yticks(range(3), ["from x₁", "from x₂", "bias"])
    ax_map.set_xticks([])
    ax_map.set_xlabel("hidden units, one column each")
    ax_map.set_title("first hidden layer after training", fontsize=10)
    ax_map.grid(False)

    colors = mpl.colormaps["tab20"].colors
    lines = [ax_line.plot([], [], color=colors[j % len(colors)], lw=1.4)[0]
             for j in range(max_width)]
    ax_line.set_xlim(0, steps)
    ax_line.set_yscale("symlog", linthresh=DEVIATION_LINEAR)
    ax_line.set_ylim(-DEVIATION_YLIM, DEVIATION_YLIM)
    ax_line.set_xlabel("training step")
    ax_line.set_ylabel("weight from x₁ minus mean\nover units (symlog, fixed)")

    controls = {"value": float_slider("constant c", value, -1.0, 1.0, 0.05),
                "width": int_slider("hidden width", width, 1, max_width),
                "noise": dropdown("noise std added", NOISE_LEVELS, value=noise),
                "activation": dropdown("activation", ("tanh", "sigmoid"), value=activation)}

    def update(value, width, noise, activation):
        r = symmetry_run(value, width, noise, activation, steps=steps, record_every=record_every,
                         learning_rate=learning_rate, n_samples=n_samples, seed=seed)
        image.set_data(r.first_layer)
        xs = np.arange(1, width) / width
        separators.set_segments([((x, -0.5), (x, 2.5)) for x in xs])
        for j, line in enumerate(lines):
            line.set_visible(j < width)
            if j < width:
                line.set_data(r.checkpoints, r.deviation[:, j])
        return symmetry_caption(r)

    return FigurePanel(fig, controls, update, dynamic=[image, separators, lines],
                       title="<b>Constant initialization: do the hidden units ever differ?</b>")
