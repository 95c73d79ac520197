r"""Figures of notebook 07 (choosing an initializer), as :class:`~course_utils.displays.Display` objects.

Each ``from_run`` computes with the package's tested functions (the mean-field
engine, the samplers, :func:`~course_utils.mlp.fit_many`) and keeps every number
its figure draws; ``plot`` draws it on a :func:`~course_utils.plots.course_figure`.

- :class:`LossCurvesDisplay`: the loss curves of :func:`~course_utils.training.compare_schemes`.
- :class:`LayerGainDisplay`: one layer's variance gain against the signal's size (GELU, SiLU).
- :class:`ResidualStreamDisplay`: a pre-LayerNorm residual stream, GPT-2's scaled projections.
- :class:`ResidualBlocksDisplay`: residual blocks with and without BatchNorm, Fixup.
- :class:`JacobianSpectrumDisplay`: singular values of a deep linear map, Gaussian against orthogonal.
- :func:`forget_gate_path`: the product of an LSTM's forget gates (no figure).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_positive_int, check_real, check_rng
from .. import mean_field as mf
from ..activations import activate
from ..initializers import glorot_uniform, he_normal, orthogonal, variance_scaling
from ..schemes import SCHEMES
from . import Display

__all__ = ["LossCurvesDisplay", "LayerGainDisplay", "ResidualStreamDisplay", "ResidualBlocksDisplay",
           "JacobianSpectrumDisplay", "forget_gate_path", "RESIDUAL_KINDS"]

_LN2 = math.log(2.0)


def _layer_norm(x, eps=1e-5):
    """Normalize each row (one example's features): LayerNorm with gamma 1, beta 0."""
    return (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + eps)


def _batch_norm(z, eps=1e-5):
    """Normalize each column (one unit over the batch): BatchNorm with gamma 1, beta 0."""
    return (z - z.mean(0)) / np.sqrt(z.var(0) + eps)


# ------------------------------------------------------------------ training curves
#: Line style and marker of each drawn scheme after zeros: no two alike, so colour is not the only cue.
_CURVE_STYLES = (("--", None), ("-.", None), (":", None), ("-", "o"), ("-", "s"), ("--", "^"), ("-.", "v"))

class LossCurvesDisplay(Display):
    """Training loss against step, one panel per activation, of a :class:`~course_utils.training.Comparison`.

    A few schemes are drawn as lines; the other fan-scaled ones as a grey band
    (their range), so that the lines stay apart. The legend has a panel of its own.

    Attributes:
        activations: the panels' activations.
        steps: the recorded steps.
        losses: ``(scheme, activation) -> loss`` array for the drawn schemes.
        band: ``activation -> (low, high)`` of the fan-scaled schemes' losses.
        worst_final: ``activation -> `` the highest final loss among the fan-scaled schemes.
    """

    preset = "row4"
    layout = (1, 4)
    subplots_kwargs = {"sharey": True, "width_ratios": [1, 1, 1, 0.75]}

    def __init__(self, activations, steps, losses, band, worst_final, learning_rate):
        self.activations, self.steps, self.losses = activations, steps, losses
        self.band, self.worst_final, self.learning_rate = band, worst_final, learning_rate
        # one panel per activation and one for the legend
        self.layout = (1, len(activations) + 1)
        self.subplots_kwargs = {"sharey": True, "width_ratios": [1] * len(activations) + [0.75]}

    @classmethod
    def from_comparison(cls, comparison, shown=("zeros", "constant", "random_normal", "random_uniform",
                                                "normalized_xavier", "he_normal")):
        """Collect the curves of ``shown`` and the band of every fan-scaled scheme in ``comparison``."""
        fan = [s for s in comparison.schemes if SCHEMES[s].fan_scaled]
        if not fan:
            raise ValueError("comparison must contain at least one fan-scaled scheme")
        missing = [s for s in shown if s not in comparison.schemes]
        if missing:
            raise ValueError(f"shown must name schemes of the comparison; not there: {missing}")
        steps = np.asarray(comparison[comparison.schemes[0], comparison.activations[0]].history["epoch"])
        losses = {(s, a): np.asarray(comparison[s, a].history["loss"])
                  for s in shown for a in comparison.activations}
        band, worst = {}, {}
        for a in comparison.activations:
            curves = np.array([comparison[s, a].history["loss"] for s in fan])
            band[a] = (curves.min(0), curves.max(0))
            worst[a] = float(curves[:, -1].max())
        return cls(tuple(comparison.activations), steps, losses, band, worst, comparison.learning_rate)

    def _draw(self, axes):
        from ..plots import scheme_color

        shown = list(dict.fromkeys(s for s, _ in self.losses))
        for ax, a in zip(axes, self.activations):
            ax.fill_between(self.steps, *self.band[a], color="0.85", lw=0,
                            label="range of the other\nfan-scaled schemes")
            others = iter(_CURVE_STYLES)
            for s in shown:
                # zeros drawn wide: its loss is exactly ln 2, under the dashed line
                ls, marker = ("-", None) if s == "zeros" else next(others)
                ax.plot(self.steps, self.losses[s, a], color=scheme_color(s),
                        lw=4 if s == "zeros" else 1.4, alpha=0.6 if s == "zeros" else 1,
                        ls=ls, marker=marker, ms=4, markevery=max(1, len(self.steps) // 8), label=s)
            ax.axhline(_LN2, color="k", ls="--", lw=0.9, label="ln 2 (p = 1/2 everywhere)")
            # a log axis: the symmetric schemes start near 8, the fitted ones end near 0.01
            ax.set(title=f"{a}: plain SGD, lr {self.learning_rate:g}", yscale="log", xlabel="training step")
        axes[0].set_ylabel("training loss")
        legend_ax = axes[len(self.activations)]
        legend_ax.axis("off")
        legend_ax.legend(*axes[0].get_legend_handles_labels(), loc="center left", fontsize=8)


# ------------------------------------------------------------------ one layer's gain
class LayerGainDisplay(Display):
    r"""The factor by which one layer changes its pre-activations' variance, against that variance.

    Measured: a batch drawn once, ``z1 = x W1`` rescaled to variance ``q`` for each
    ``q``, then ``z2 = f(z1) W2``, gain ``Var[z2] / Var[z1]``. Predicted: the
    engine's one-layer map, :math:`s\,\mathbb{E}[f(\sqrt q z)^2] / q`.

    Attributes:
        cases: ``(activation, weight_var)`` pairs.
        q, measured: the measured variances and gains (``case -> array``).
        q_fine, predicted: the engine's curve (``case -> array``).
    """

    def __init__(self, cases, q, measured, q_fine, predicted):
        self.cases, self.q, self.measured, self.q_fine, self.predicted = cases, q, measured, q_fine, predicted

    @classmethod
    def from_run(cls, cases, *, q=np.geomspace(1e-2, 1e2, 9), width=256, batch=64, rng=None):
        """Measure and predict the gain for each ``(activation, weight_var)`` of ``cases``."""
        width, batch = check_positive_int("width", width), check_positive_int("batch", batch)
        gen = check_rng(rng)
        q = np.asarray(q, dtype=float)
        q_fine = np.geomspace(q.min(), q.max(), 60)
        x = gen.standard_normal((batch, width))
        measured, predicted = {}, {}
        for act, s in cases:
            s = check_real("weight_var", s, min_value=0.0, allow_equal=False)
            w1, w2 = (variance_scaling((width, width), scale=s, mode="fan_in",
                                       distribution="untruncated_normal", rng=gen) for _ in range(2))
            z1 = (np.sqrt(q / s)[:, None, None] * (x @ w1)).reshape(-1, width)   # one product for every q
            z2 = activate(act, z1) @ w2
            measured[act, s] = z2.reshape(len(q), -1).var(axis=1) / z1.reshape(len(q), -1).var(axis=1)
            predicted[act, s] = np.array([np.divide(*mf.layer_profile(act, s, 2, q0=v / s).preactivation_var[::-1])
                                          for v in q_fine])
        return cls([(a, float(s)) for a, s in cases], q, measured, q_fine, predicted)

    def _draw(self, ax):
        colors = ["0.3", "#1f77b4", "#d62728", "#2ca02c"]
        for k, case in enumerate(self.cases):
            color = colors[k % len(colors)]
            ax.plot(self.q_fine, self.predicted[case], color=color, ls=("-", "--", "-.", ":")[k % 4],
                    label=f"{case[0]}, weight_var {case[1]:.2f}")
            ax.plot(self.q, self.measured[case], "o", color=color, ms=4)
        ax.axhline(1, color="k", lw=0.8, ls=":")
        ax.set(xscale="log", xlabel="variance q of a layer's pre-activations",
               ylabel="q at the next layer / q", ylim=(0.3, 1.6))
        ax.legend(fontsize=8, title="lines: mean-field, dots: measured", title_fontsize=8)


# ------------------------------------------------------------------ transformer stream
class ResidualStreamDisplay(Display):
    r"""Variance of a pre-LayerNorm residual stream after each sub-block, with and without GPT-2's scaling.

    Each sub-block (an attention or MLP block; an MLP branch stands in for both) is
    :math:`x \leftarrow x + \mathrm{gelu}(\mathrm{LN}(x) W_\text{in}) W_\text{proj}`,
    :math:`W_\text{in} \sim \mathcal{N}(0, 0.02^2)`, :math:`W_\text{proj} \sim \mathcal{N}(0, \sigma_p^2)`
    with :math:`\sigma_p = 0.02` or :math:`0.02/\sqrt{2 n_\text{layer}}`. The weights are drawn once
    for the deepest stream; shallower streams use the first of the same draws.

    Predicted: each branch reads a normalized input, so adds the same variance
    :math:`v = 4d\,\sigma_p^2\,\mathbb{E}[\mathrm{gelu}(h)^2]`, :math:`\operatorname{Var}[h] = d\cdot 0.02^2`
    (from the engine), and :math:`\operatorname{Var}[x_k] = \operatorname{Var}[x_0] + k v`.

    Attributes:
        variance, predicted: ``(n_layer, scaled) -> array`` over the sub-blocks (0 = the embeddings).
    """

    def __init__(self, variance, predicted):
        self.variance, self.predicted = variance, predicted

    @classmethod
    def from_run(cls, n_layers=(12, 48), *, d=64, batch=16, std=0.02, rng=None):
        """Run each stream of ``n_layers`` layers (2 sub-blocks each), unscaled and scaled."""
        d, batch = check_positive_int("d", d), check_positive_int("batch", batch)
        n_layers = [check_positive_int("n_layers", n) for n in n_layers]
        gen = check_rng(rng)
        x0 = gen.normal(0, std, (batch, d))
        blocks = [(gen.normal(0, std, (d, 4 * d)), gen.standard_normal((4 * d, d)))
                  for _ in range(2 * max(n_layers))]
        h = mf.layer_profile("gelu", d * std ** 2, 1)
        v_unit = 4 * d * (h.std[0] ** 2 + h.mean[0] ** 2)          # per unit of proj_std^2
        variance, predicted = {}, {}
        for n in n_layers:
            for scaled in (False, True):
                proj = std / math.sqrt(2 * n) if scaled else std
                x, var = x0, [x0.var()]
                for w_in, w_unit in blocks[:2 * n]:
                    x = x + activate("gelu", _layer_norm(x) @ w_in) @ (proj * w_unit)
                    var.append(x.var())
                variance[n, scaled] = np.array(var)
                predicted[n, scaled] = var[0] + np.arange(2 * n + 1) * v_unit * proj ** 2
        return cls(variance, predicted)

    def _draw(self, ax):
        depths = sorted({n for n, _ in self.variance}, reverse=True)
        colors = dict(zip(depths, ["#d62728", "#1f77b4", "#2ca02c"]))
        for n in depths:                       # the deepest first: the shallower are drawn on top
            for scaled in (False, True):
                k = np.arange(len(self.variance[n, scaled]))
                ax.plot(k, self.variance[n, scaled], "o", color=colors[n], ms=2.5 if n == depths[0] else 5,
                        mfc=colors[n] if n == depths[0] else "none")
                ax.plot(k, self.predicted[n, scaled], ls="--" if scaled else "-", color=colors[n], lw=1,
                        label=f"{n} layers, projections " + ("0.02/sqrt(2 n_layer)" if scaled else "0.02"))
        # keys for the dots: filled for the deepest stream, hollow for the shallower ones
        for n in depths:
            ax.plot([], [], "o", ls="none", color=colors[n], ms=2.5 if n == depths[0] else 5,
                    mfc=colors[n] if n == depths[0] else "none", label=f"{n} layers, measured")
        ax.set(yscale="log", xlabel="sub-block (attention or MLP) of the residual stream",
               ylabel="variance of the residual stream")
        ax.legend(fontsize=8, title="dots: measured, lines: predicted", title_fontsize=8)


# ------------------------------------------------------------------ residual blocks
#: The residual blocks :class:`ResidualBlocksDisplay` compares, and their predicted stream
#: variance after ``k`` of ``L`` blocks from an input of variance ``v0``.
RESIDUAL_KINDS = {
    "BN, gamma 1": lambda k, L, v0: v0 + k,                    # each branch adds gamma^2 = 1
    "BN, gamma 0": lambda k, L, v0: np.full(k.shape, v0),      # every block the identity
    "no norm, He": lambda k, L, v0: v0 * 3.0 ** k,             # Var[x + F(x)] = (1 + 2) Var[x]
    "no norm, Fixup scale": lambda k, L, v0: v0 * (1 + 2 / L) ** k,
    "Fixup (last layer 0)": lambda k, L, v0: np.full(k.shape, v0),
}


def _branch(kind, x, w1, w2, blocks):
    """One residual branch of ``kind`` (see :data:`RESIDUAL_KINDS`)."""
    if kind == "BN, gamma 1":          # pre-activation block: gamma * BN(W2 relu(BN(W1 x)))
        return _batch_norm(activate("relu", _batch_norm(x @ w1)) @ w2)
    if kind == "BN, gamma 0":          # zero_init_residual: the last BN's gamma is 0
        return 0.0 * _batch_norm(activate("relu", _batch_norm(x @ w1)) @ w2)
    if kind == "no norm, He":
        return activate("relu", x @ w1) @ w2
    # Fixup: W1 scaled by L^(-1/(2m-2)) = L^(-1/2) for m = 2 layers; proper Fixup zeroes W2 too
    w2 = w2 if kind == "no norm, Fixup scale" else np.zeros_like(w2)
    return activate("relu", x @ (w1 / math.sqrt(blocks))) @ w2


class ResidualBlocksDisplay(Display):
    """Variance of a residual stream ``x + branch(x)`` after each of ``blocks`` blocks, per kind of block.

    Branches are two He-normal layers of ``width`` with a ReLU between, with or
    without BatchNorm, scaled as Fixup does (no ReLU after the sum, so that each
    prediction of :data:`RESIDUAL_KINDS` is exact in the mean).

    Attributes:
        blocks: the number of blocks.
        variance, predicted: ``kind -> array`` of length ``blocks + 1``.
    """

    def __init__(self, blocks, variance, predicted):
        self.blocks, self.variance, self.predicted = blocks, variance, predicted

    @classmethod
    def from_run(cls, blocks=16, *, width=64, batch=128, seed=0):
        """Run every kind of :data:`RESIDUAL_KINDS` from the same input and the same weights."""
        blocks = check_positive_int("blocks", blocks)
        k = np.arange(blocks + 1)
        variance, predicted = {}, {}
        for kind, rule in RESIDUAL_KINDS.items():
            gen = check_rng(seed)
            x = gen.standard_normal((batch, width))
            var = [x.var()]
            for _ in range(blocks):
                w1, w2 = he_normal((width, width), rng=gen), he_normal((width, width), rng=gen)
                x = x + _branch(kind, x, w1, w2, blocks)
                var.append(x.var())
            variance[kind], predicted[kind] = np.array(var), rule(k, blocks, var[0])
        return cls(blocks, variance, predicted)

    def _draw(self, ax):
        colors = ["#1f77b4", "#17becf", "#d62728", "#ff7f0e", "#2ca02c"]
        k = np.arange(self.blocks + 1)
        for (kind, color, ls) in zip(self.variance, colors, ("-", "--", "-", "-.", ":")):
            ax.plot(k, self.variance[kind], "o", ms=3, color=color)
            ax.plot(k, self.predicted[kind], color=color, ls=ls, lw=1.5, label=kind)
        ax.set(yscale="log", xlabel="residual block", ylabel="variance of the stream")
        ax.legend(fontsize=8, title="dots: measured, lines: predicted", title_fontsize=8)


# ------------------------------------------------------------------ orthogonal
class JacobianSpectrumDisplay(Display):
    r"""Singular values of a product of ``depth`` random ``n x n`` matrices: Gaussian (Var 1/n) against orthogonal.

    Saxe, McClelland & Ganguli (2014): for a deep linear network the Jacobian is
    :math:`J = W_1 \cdots W_L`. With Gaussian weights of variance :math:`1/n` the
    root-mean-square singular value stays 1 (:math:`\mathbb{E}|Jv|^2 = |v|^2`) while the
    spread widens with depth; orthogonal factors keep every singular value at 1.

    Attributes:
        depths: the depths measured.
        gaussian, orthogonal: arrays ``(len(depths), n)`` of singular values.
        rms: the Gaussian product's root-mean-square singular value per depth (predicted 1).
        spread: its 90th over 10th percentile per depth.
    """

    def __init__(self, depths, gaussian, orthogonal_sv):
        self.depths, self.gaussian, self.orthogonal = depths, gaussian, orthogonal_sv
        self.rms = np.sqrt((gaussian ** 2).mean(axis=1))
        self.spread = np.percentile(gaussian, 90, axis=1) / np.percentile(gaussian, 10, axis=1)

    @classmethod
    def from_run(cls, n=64, depths=(1, 2, 4, 8, 16), *, rng=None):
        """Multiply ``max(depths)`` matrices of each kind, recording the singular values at ``depths``."""
        n = check_positive_int("n", n)
        depths = sorted(check_positive_int("depths", d) for d in depths)
        gen = check_rng(rng)
        j_gauss, j_orth = np.eye(n), np.eye(n)
        gauss, orth = [], []
        for layer in range(1, depths[-1] + 1):
            j_gauss = j_gauss @ gen.normal(0, 1 / math.sqrt(n), (n, n))
            j_orth = j_orth @ orthogonal((n, n), rng=gen)
            if layer in depths:
                gauss.append(np.linalg.svd(j_gauss, compute_uv=False))
                orth.append(np.linalg.svd(j_orth, compute_uv=False))
        return cls(depths, np.array(gauss), np.array(orth))

    def _draw(self, ax):
        import matplotlib.ticker as mticker

        g, d = self.gaussian, self.depths
        ax.fill_between(d, np.percentile(g, 10, axis=1), np.percentile(g, 90, axis=1), color="#1f77b4",
                        alpha=0.25, lw=0, label="Gaussian, Var 1/n: 10th to 90th percentile")
        ax.plot(d, np.median(g, axis=1), "o-", color="#1f77b4", ms=3, label="Gaussian: median")
        ax.plot(d, g.max(axis=1), "s:", color="#1f77b4", ms=3, label="Gaussian: largest")
        ax.plot(d, self.orthogonal.max(axis=1), "-", color="#d62728", lw=2.5,
                label=f"orthogonal: all {g.shape[1]} singular values")
        ax.plot(d, self.rms, "^", color="k", ms=6, zorder=5, label="Gaussian: root mean square (predicted 1)")
        ax.set(xscale="log", yscale="log", xlabel="depth L of the linear network",
               ylabel="singular values of the Jacobian")
        ax.set_xticks(d, [str(x) for x in d])
        ax.xaxis.set_minor_locator(mticker.NullLocator())      # a doubling axis: only the depths shown
        ax.legend(fontsize=8, loc="lower left")


# ------------------------------------------------------------------ LSTM
def forget_gate_path(forget_bias, *, steps=20, units=64, inputs=32, batch=16, rng=None):
    r"""Run an LSTM layer with Keras's initializers and return :math:`\prod_t f_t`, per example and unit.

    Along the cell state, :math:`c_t = f_t \odot c_{t-1} + i_t \odot g_t`, so
    :math:`\partial c_T / \partial c_0 = f_1 \cdots f_T` on that path. Kernel
    Glorot uniform, recurrent weights orthogonal, biases 0 but the forget gate's
    ``forget_bias`` (Keras's ``unit_forget_bias=True`` is 1); inputs standard normal.

    Returns:
        An array ``(batch, units)``.

    Examples:
        >>> path = forget_gate_path(1.0, rng=0)
        >>> per_step = float(np.exp(np.log(path).mean() / 20))     # geometric mean of the gates
        >>> abs(per_step - 1 / (1 + math.exp(-1.0))) < 0.05          # sigmoid(1) = 0.731
        True
    """
    forget_bias = check_real("forget_bias", forget_bias)
    steps, units = check_positive_int("steps", steps), check_positive_int("units", units)
    gen = check_rng(rng)
    W = glorot_uniform((inputs, 4 * units), rng=gen)                       # Keras LSTM kernel default
    U = np.hstack([orthogonal((units, units), rng=gen) for _ in range(4)])  # recurrent_initializer
    b = np.zeros(4 * units)
    b[units:2 * units] = forget_bias                                       # gates i, f, c, o (Keras order)
    h, c = np.zeros((batch, units)), np.zeros((batch, units))
    path = np.ones((batch, units))
    for _ in range(steps):
        i, f, g, o = np.split(gen.standard_normal((batch, inputs)) @ W + h @ U + b, 4, axis=1)
        f = activate("sigmoid", f)
        c = f * c + activate("sigmoid", i) * np.tanh(g)
        h = activate("sigmoid", o) * np.tanh(c)
        path *= f
    return path
