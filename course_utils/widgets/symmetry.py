"""A panel for notebook 02: train a small MLP from a constant and watch its hidden units.

Every weight of the network starts at the same constant ``c`` (optionally
plus a little noise). After a short full-batch training run on the circles
data the panel shows the first hidden layer's weights as a heatmap (one
column per unit) and each unit's weight from the first input along the run
(one line per unit). Without noise every column and every line coincide,
whatever ``c`` and the width: the spread between units is exactly 0.
"""

from __future__ import annotations

from functools import partial

import matplotlib as mpl
import numpy as np

from ..data import make_circles
from ..initializers import random_normal
from ..nets import MLP
from ..plots import panel_figure
from . import FigurePanel, dropdown, float_slider, int_slider

__all__ = ["symmetry_panel", "NOISE_LEVELS"]

#: The noise options of the panel: (label, std of the noise added to the constant).
NOISE_LEVELS = (("none (pure constant)", 0.0), ("0.001", 1e-3), ("0.1", 0.1))


def symmetry_panel(*, value: float = 0.5, width: int = 8, noise: float = 0.0,
                   activation: str = "tanh", steps: int = 40, record_every: int = 4,
                   learning_rate: float = 3.0, n_samples: int = 64, seed: int = 0,
                   max_width: int = 24, vmax: float = 1.5,
                   ylim: float = 3.0) -> FigurePanel:
    """Sliders for the constant, the hidden width, the noise and the activation of a (2, width, 1) MLP.

    Each move builds the network (every weight ``c`` plus ``N(0, noise^2)``
    noise drawn from a Generator seeded with ``seed``, biases 0), trains it
    for ``steps`` full-batch steps on ``n_samples`` circle points (also
    seeded), and redraws. At the defaults a move costs a few dozen small
    gradient steps, well under the panel's time budget.

    Args:
        value, width, noise, activation: the controls' starting values.
        steps: gradient steps per move; ``record_every`` steps apart the
            weights are recorded for the trajectory plot.
        learning_rate: step size (large, so that a short run visibly moves the weights).
        n_samples: size of the training set.
        seed: seed of the data and of the noise.
        max_width: the largest width on the slider (the heatmap has this many columns).
        vmax: the heatmap's colour scale runs over ``[-vmax, vmax]``.
        ylim: the trajectory plot's y-axis runs over ``[-ylim, ylim]``.

    Examples:
        >>> panel = symmetry_panel(value=0.5, width=8)
        >>> panel
        FigurePanel(value=0.5, width=8, noise=0.0, activation='tanh')
        >>> "exactly 0" in panel.caption.value
        True
    """
    if steps % record_every:
        raise ValueError(f"steps must be a multiple of record_every, got {steps} and {record_every}")
    X, y = make_circles(n_samples, rng=seed)
    fig, (ax_map, ax_line) = panel_figure(1, 2, figsize=(8.6, 3.1),
                                          gridspec_kw={"width_ratios": [1.35, 1.0]})

    # Left: the first hidden layer (rows: from x1, from x2, bias; one column per unit).
    cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="#eeeeee")
    image = ax_map.imshow(np.full((3, max_width), np.nan), cmap=cmap, vmin=-vmax, vmax=vmax,
                          aspect="auto", interpolation="nearest", animated=True)
    fig.colorbar(image, ax=ax_map, fraction=0.05, pad=0.02)
    ax_map.set_yticks(range(3), ["from $x_1$", "from $x_2$", "bias"])
    ax_map.set_xticks(range(0, max_width, 2))
    ax_map.set_xlabel("hidden unit (grey: not in the network)")
    ax_map.set_title("first hidden layer after training", fontsize=10)
    ax_map.grid(False)

    # Right: each unit's weight from x1 along the run (all lines coincide when symmetric).
    checkpoints = np.arange(0, steps + 1, record_every)
    colors = mpl.colormaps["tab20"].colors
    lines = [ax_line.plot([], [], color=colors[j % len(colors)], lw=1.4, animated=True)[0]
             for j in range(max_width)]
    ax_line.set_xlim(0, steps)
    ax_line.set_ylim(-ylim, ylim)
    ax_line.set_xlabel("training step")
    ax_line.set_ylabel("weight from $x_1$ (one line per unit)")

    controls = {"value": float_slider("constant c", value, -1.0, 1.0, 0.05),
                "width": int_slider("hidden width", width, 1, max_width),
                "noise": dropdown("noise std added", NOISE_LEVELS, value=noise),
                "activation": dropdown("activation", ("tanh", "sigmoid"), value=activation)}

    def update(value, width, noise, activation):
        sampler = partial(random_normal, mean=value, std=noise)
        net = MLP((2, width, 1), scheme=sampler, activation=activation, rng=seed)
        path = [net.weights[0][0].copy()]
        for _ in range(steps // record_every):
            history = net.fit(X, y, epochs=record_every, learning_rate=learning_rate,
                              record_every=record_every)
            path.append(net.weights[0][0].copy())
        path = np.array(path)
        grid = np.full((3, max_width), np.nan)
        grid[:2, :width] = net.weights[0]
        grid[2, :width] = net.biases[0]
        image.set_data(grid)
        for j, line in enumerate(lines):
            line.set_visible(j < width)
            if j < width:
                line.set_data(checkpoints, path[:, j])
        spread = net.hidden_unit_spread(0)
        moved = float(np.max(np.abs(path[-1] - path[0])))
        verdict = ("exactly 0: every unit is the same function, the layer acts like one unit"
                   if spread == 0 else "the units differ: the symmetry is broken")
        return (f"After {steps} steps ({activation}, c = {value:.2f}, noise std {noise:g}): "
                f"weights from x<sub>1</sub> moved by up to {moved:.3f}; "
                f"spread between units <b>{spread:.3g}</b>, {verdict}. "
                f"Training accuracy {history['accuracy'][-1]:.2f}.")

    return FigurePanel(fig, controls, update,
                       title="<b>Constant initialization: do the hidden units ever differ?</b>")
