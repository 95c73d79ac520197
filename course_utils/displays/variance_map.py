r"""Notebook 03's theory figures: the variance map, depth profiles and the phase diagram.

Each display computes with the package's tested functions
(:func:`course_utils.propagation.signal_propagation` for what a network does,
:mod:`course_utils.mean_field` for what theory predicts) and keeps every number
it draws, so that the notebook's ``agree`` lines quote the same arrays.

The variance map of a deep random network (Poole et al. 2016) is

.. math::
    q_{l+1} = s\,\mathbb{E}_{z \sim N(0, q_l)}\big[f(z)^2\big] + \sigma_b^2,
    \qquad s = n \operatorname{Var}[w],

its fixed point :math:`q^*`, and the backward gain
:math:`\chi = s\,\mathbb{E}[f'(z)^2]` at :math:`q^*` (Schoenholz et al. 2017).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from .. import mean_field
from .._checks import check_choice, check_positive_int, check_real
from ..activations import ACTIVATIONS
from ..initializers import random_normal
from ..propagation import input_dependent_std, signal_propagation
from . import Display

__all__ = ["VarianceMapDisplay", "DepthProfileDisplay", "PhaseDiagramDisplay", "mean_cosine",
           "input_dependent_std", "settled_chi"]

_STYLES = ("o-", "s--", "^:", "D-.")


def mean_cosine(a: np.ndarray) -> float:
    """Return the mean cosine between the rows of ``a`` (examples), over all pairs of distinct rows.

    Rows that are all zero are left out (their direction is undefined).

    Examples:
        >>> mean_cosine(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])).round(3)
        np.float64(0.471)
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ValueError(f"a must be a 2-D array with at least 2 rows (examples), got shape {a.shape}")
    norms = np.linalg.norm(a, axis=1)
    a = a[norms > 0] / norms[norms > 0, None]
    if a.shape[0] < 2:
        raise ValueError("a must have at least 2 rows that are not all zero")
    c = a @ a.T
    k = a.shape[0]
    return (c.sum() - np.trace(c)) / (k * (k - 1))


def settled_chi(gradient_std) -> float:
    r"""Return the measured per-layer factor of the gradient's variance over the upper half of a network.

    The forward signal settles at :math:`q^*` going up, so the upper layers are the ones whose
    :math:`\chi_l` is :math:`\chi` at :math:`q^*`: the geometric mean of
    :math:`\operatorname{Var}[\delta_l] / \operatorname{Var}[\delta_{l+1}]` over them.

    Examples:
        >>> settled_chi([8.0, 4.0, 2.0, 1.0])     # layer 1 first: the std doubles per layer going down
        4.0
    """
    g = np.asarray(gradient_std, dtype=np.float64)
    if g.ndim != 1 or g.size < 3 or not np.all(g > 0):
        raise ValueError(f"gradient_std must hold at least 3 positive stds, got {gradient_std!r}")
    half = g.size // 2
    return float((g[half] / g[-1]) ** (2.0 / (g.size - 1 - half)))


def _propagate(activation, weight_var, *, depth, width, batch, seed, bias_var=0.0):
    std = math.sqrt(weight_var / width)
    return signal_propagation(partial(random_normal, std=std), activation, depth=depth, width=width,
                              batch=batch, rng=seed, dtype=np.float64, bias_var=bias_var,
                              sample_size=batch * width, weight_gradients=False)


class VarianceMapDisplay(Display):
    r"""The variance map :math:`q \mapsto s\,\mathbb{E}[f(\sqrt q z)^2] + \sigma_b^2` as a cobweb, and
    a real network's :math:`q_l` beside the mean-field prediction.

    Attributes (set by :meth:`from_run`):
        activation, weight_var, bias_var, width, depth: the arguments.
        q_grid, map_values: the map drawn on the left.
        q_star: :func:`~course_utils.mean_field.fixed_point` from :math:`q_1`.
        chi: :func:`~course_utils.mean_field.backward_gain` there.
        predicted: the :class:`~course_utils.mean_field.LayerProfile` of the network.
        measured_q: the network's pre-activation variance per layer.
        measured_chi: the network's per-layer gradient variance ratio, averaged (geometric mean)
            over the second half of the layers, where the signal has settled.

    Examples:
        >>> d = VarianceMapDisplay.from_run("tanh", 2.0, depth=12, width=64, seed=0)
        >>> round(d.q_star, 3), round(d.chi, 3)
        (0.618, 1.106)
    """

    preset = "pair"
    layout = (1, 2)

    @classmethod
    def from_run(cls, activation: str, weight_var: float, *, bias_var: float = 0.0, depth: int = 20,
                 width: int = 256, batch: int = 64, seed=0):
        """Compute the map, its fixed point and chi, and measure a network of constant ``width``."""
        self = cls()
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.weight_var = check_real("weight_var", weight_var, min_value=0.0, allow_equal=False)
        self.bias_var = check_real("bias_var", bias_var, min_value=0.0)
        self.depth = check_positive_int("depth", depth)
        self.width = check_positive_int("width", width)
        self.predicted = mean_field.layer_profile(self.activation, self.weight_var, self.depth,
                                                  bias_var=self.bias_var, batch=batch)
        q1 = float(self.predicted.preactivation_var[0])
        self.q_star = mean_field.fixed_point(self.activation, self.weight_var, self.bias_var, q0=q1)
        self.chi = mean_field.backward_gain(self.activation, self.weight_var, self.bias_var, q0=q1)
        top = max(2.0 * q1, 2.0 * self.q_star, 1e-3)
        self.q_grid = np.linspace(0.0, top, 200)
        self.map_values = np.array([self.weight_var * _second_moment(self.activation, q) + self.bias_var
                                    for q in self.q_grid])
        run = _propagate(self.activation, self.weight_var, depth=self.depth, width=self.width,
                         batch=batch, seed=seed, bias_var=self.bias_var)
        self.measured_q = run.preactivation_std ** 2
        self.measured_chi = settled_chi(run.gradient_std)
        self.run = run
        return self

    def _draw(self, axes):
        left, right = axes
        left.plot(self.q_grid, self.map_values, "-", color="C0", label=r"map $q \mapsto F(q)$")
        left.plot(self.q_grid, self.q_grid, ":", color="black", label="diagonal $F(q) = q$")
        q = float(self.predicted.preactivation_var[0])       # cobweb from q_1
        xs, ys = [q], [q]
        for _ in range(min(self.depth, 12)):
            nq = self.weight_var * _second_moment(self.activation, q) + self.bias_var
            xs += [q, nq]
            ys += [nq, nq]
            q = nq
        left.plot(xs, ys, "-", color="C1", lw=1, alpha=0.8, label="iterates from $q_1$")
        left.plot([self.q_star], [self.q_star], "o", color="C3", ms=8,
                  label=f"$q^*$ = {self.q_star:.3g}, $\\chi$ = {self.chi:.3g}")
        left.set_xlabel("pre-activation variance $q_l$")
        left.set_ylabel("$q_{l+1}$")
        left.set_title(f"{self.activation}, s = {self.weight_var:g}, $\\sigma_b^2$ = {self.bias_var:g}",
                       fontsize=10)
        left.legend(fontsize=8, loc="lower right")
        layers = np.arange(1, self.depth + 1)
        right.plot(layers, self.predicted.preactivation_var, "-", color="C0", lw=6, alpha=0.3,
                   label="mean-field prediction")
        right.plot(layers, self.measured_q, "o", color="C0", ms=4, label=f"measured, width {self.width}")
        right.axhline(self.q_star, ls=":", color="C3", label="$q^*$")
        right.set_xlabel("layer")
        right.set_ylabel("pre-activation variance")
        right.set_ylim(bottom=0)
        right.legend(fontsize=8)


def _second_moment(activation, q):
    """E[f(sqrt(q) z)^2], from :func:`~course_utils.mean_field.layer_profile` of one layer."""
    p = mean_field.layer_profile(activation, 1.0, 1, q0=max(float(q), 1e-300))
    return float(p.std[0] ** 2 + p.mean[0] ** 2)


class DepthProfileDisplay(Display):
    r"""Naive fixed stds through a deep network: per activation, the forward signal (top row) and the
    back-propagated error :math:`\partial L/\partial z` (bottom row), measured beside the mean field.

    For sigmoid the forward row also shows the part of the spread that depends on the input
    (:func:`input_dependent_std`): the activation std alone hides that it vanishes.

    Attributes (set by :meth:`from_run`):
        activations, stds, depth, width: the arguments.
        runs, theory: ``(activation, std) ->`` Propagation and LayerProfile.
        input_dependent: ``std ->`` the sigmoid runs' input-dependent std per layer.

    Examples:
        >>> d = DepthProfileDisplay.from_run(("tanh",), (0.01,), depth=5, width=64, batch=8)
        >>> round(float(d.theory["tanh", 0.01].std[0]), 3)      # tanh(z), z of std 0.01 * sqrt(64)
        0.079
    """

    preset = "grid"
    subplots_kwargs = {"sharex": True}

    @classmethod
    def from_run(cls, activations=("sigmoid", "tanh", "relu"), stds=(0.01, 1.0), *, depth: int = 15,
                 width: int = 128, batch: int = 30, seed=7):
        """Propagate a standard-normal batch through ``depth`` layers for every activation and std."""
        self = cls()
        self.activations = tuple(check_choice("activation", a, ACTIVATIONS) for a in activations)
        self.stds = tuple(check_real("std", s, min_value=0.0, allow_equal=False) for s in stds)
        self.depth, self.width = check_positive_int("depth", depth), check_positive_int("width", width)
        self.layout = (2, len(self.activations))
        self.runs, self.theory, self.input_dependent = {}, {}, {}
        for a in self.activations:
            for s in self.stds:
                run = _propagate(a, width * s * s, depth=depth, width=width, batch=batch, seed=seed)
                self.runs[a, s] = run
                self.theory[a, s] = mean_field.layer_profile(a, width * s * s, depth, batch=batch)
                if a == "sigmoid":
                    self.input_dependent[s] = np.array(
                        [input_dependent_std(v.reshape(batch, width)) for v in run.activations])
        return self

    def _draw(self, axes):
        layers = np.arange(1, self.depth + 1)
        for col, a in enumerate(self.activations):
            top, bottom = axes[0, col], axes[1, col]
            for k, s in enumerate(self.stds):
                color, style = f"C{k}", _STYLES[k % len(_STYLES)]
                run, th = self.runs[a, s], self.theory[a, s]
                top.plot(layers, th.std, "-", color=color, lw=6, alpha=0.25)
                top.plot(layers, run.std, style, color=color, ms=4, label=f"$s_w$ = {s:g}")
                if a == "sigmoid":
                    top.plot(layers, self.input_dependent[s], style[0] + ":", color=color, ms=4,
                             mfc="white", label=f"input-dependent, $s_w$ = {s:g}")
                bottom.plot(layers, th.gradient_std, "-", color=color, lw=6, alpha=0.25)
                bottom.plot(layers, run.gradient_std, style, color=color, ms=4, label=f"$s_w$ = {s:g}")
            for ax in (top, bottom):
                ax.set_yscale("log")
            # the quantity in the title: the tick labels (1e-21) leave no room for a y label
            top.set_title(f"{a}: activation std", fontsize=10)
            bottom.set_title(f"{a}: std of $\\partial L/\\partial z$", fontsize=10)
            bottom.set_xlabel("layer")
            if a == "sigmoid":
                top.set_ylim(bottom=1e-24)      # room for the legend below the curves
            top.legend(fontsize=7, loc="lower left")
        axes[1, 0].plot([], [], "-", color="grey", lw=6, alpha=0.3, label="mean-field prediction")
        axes[1, 0].legend(fontsize=7, loc="lower right")


class PhaseDiagramDisplay(Display):
    r"""The ordered/chaotic phase diagram of a deep ``activation`` network (Poole et al. 2016;
    Schoenholz et al. 2017): :math:`\log_{10}\chi` over weight variance :math:`s` (x) and bias
    variance :math:`\sigma_b^2` (y), the edge of chaos :math:`\chi = 1` as a curve
    (:func:`~course_utils.mean_field.critical_weight_var`), and marked points, each with
    :math:`\chi` measured in a real network beside the prediction.

    Attributes (set by :meth:`from_run`):
        weight_vars, bias_vars, chi: the grid and :math:`\chi` on it (rows: bias variances).
        edge_bias_vars, edge_weight_vars: the edge of chaos.
        points: ``label -> (weight_var, bias_var)``.
        predicted_chi, measured_chi: ``label -> chi``.

    Examples:
        >>> d = PhaseDiagramDisplay.from_run(points={"He": (2.0, 0.0)}, grid=(6, 4), depth=8, width=64)
        >>> round(d.predicted_chi["He"], 3)
        1.106
    """

    preset = "tall"

    @classmethod
    def from_run(cls, activation: str = "tanh", points=None, *, weight_range=(0.25, 4.0),
                 bias_range=(0.0, 0.3), grid=(20, 12), depth: int = 30, width: int = 128,
                 batch: int = 32, seed=0):
        """Compute chi on a grid, the edge of chaos, and chi at each point (predicted and measured)."""
        self = cls()
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        nw, nb = (check_positive_int("grid", g) for g in grid)
        self.weight_vars = np.linspace(weight_range[0], weight_range[1], nw)
        self.bias_vars = np.linspace(bias_range[0], bias_range[1], nb)
        self.chi = np.array([[mean_field.backward_gain(self.activation, w, b) for w in self.weight_vars]
                             for b in self.bias_vars])
        # denser near the lowest bias, where the edge bends fastest
        self.edge_bias_vars = bias_range[0] + (bias_range[1] - bias_range[0]) * np.linspace(0, 1, 16) ** 2
        self.edge_weight_vars = np.array([mean_field.critical_weight_var(self.activation, b)
                                          for b in self.edge_bias_vars])
        self.points = dict(points or {})
        self.predicted_chi, self.measured_chi = {}, {}
        for label, (w, b) in self.points.items():
            self.predicted_chi[label] = mean_field.backward_gain(self.activation, w, b)
            run = _propagate(self.activation, w, depth=depth, width=width, batch=batch, seed=seed,
                             bias_var=b)
            self.measured_chi[label] = settled_chi(run.gradient_std)
        return self

    def _draw(self, ax):
        levels = np.linspace(-0.5, 0.5, 11)
        image = ax.contourf(self.weight_vars, self.bias_vars, np.log10(self.chi), levels=levels,
                            cmap="RdBu_r", extend="both")
        self.figure_.colorbar(image, ax=ax, label=r"$\log_{10} \chi$  (blue: ordered, red: chaotic)",
                              pad=0.02)
        ax.plot(self.edge_weight_vars, self.edge_bias_vars, "k-", lw=2, label=r"edge of chaos, $\chi = 1$")
        for k, (label, (w, b)) in enumerate(self.points.items()):
            ax.plot([w], [b], "*^sDo"[k % 5], color="white", mec="black", ms=12, ls="none",
                    label=f"{label}: $\\chi$ = {self.predicted_chi[label]:.3g} "
                          f"(measured {self.measured_chi[label]:.3g})")
        ax.set_ylim(self.bias_vars[0] - 0.02 * np.ptp(self.bias_vars), self.bias_vars[-1])
        ax.set_xlabel(r"weight variance $s = n\,\mathrm{Var}[w]$")
        ax.set_ylabel(r"bias variance $\sigma_b^2$")
        ax.set_title(f"{self.activation}: ordered (vanishing) and chaotic (exploding) phases", fontsize=10)
        ax.legend(fontsize=8, loc="upper left", frameon=True, facecolor="white", framealpha=0.9)  # over dark fill
