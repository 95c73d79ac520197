r"""Displays of notebook 04: the 1/√n uniform, :math:`U[-1/\sqrt{n}, 1/\sqrt{n}]`.

Glorot & Bengio (2010) call this scheme the "standard" initialization (their
eq. 1); it is PyTorch's ``nn.Linear`` / ``nn.Conv*`` default and what the
MachineLearningMastery tutorial calls "xavier". Its variance is
:math:`1/(3n)`, so every layer multiplies the pre-activation variance by
:math:`s = n \operatorname{Var}[w] = 1/3` (times :math:`\mathbb{E}[f(z)^2]/q`).

* :func:`naming_table_markdown`: the five names of the schemes 04 and 05 teach;
* :class:`UniformSampleDisplay`: 1,000 weights of one node against the density;
* :class:`DepthDisplay`: forward and backward std, layer by layer, against the mean field;
* :class:`DefaultBiasDisplay`: PyTorch's default weights *and* biases in a deep ReLU network.

Weight matrices use the Keras layout ``(fan_in, fan_out)``, as the rest of the package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import mean_field as mf
from .._checks import check_positive_int, check_rng
from ..bounds import xavier_limit, xavier_std
from ..initializers import random_uniform, xavier
from ..propagation import input_dependent_std, Propagation, draw_weights, propagate, signal_propagation
from ..schemes import MLM, SCHEMES, naming_table
from . import Display

__all__ = ["GLOROT_BENGIO_NAMES", "naming_table_markdown", "UniformSampleDisplay",
           "DepthDisplay", "DefaultBiasDisplay", "input_dependent_std"]

#: n Var[w] of the 1/√n uniform: (1/√n)² / 3 times n.
WEIGHT_VAR = 1.0 / 3.0

#: What Glorot & Bengio (2010) call the schemes of notebooks 04 and 05.
GLOROT_BENGIO_NAMES = {
    "xavier": "standard initialization (eq. 1)",
    "normalized_xavier": "normalized initialization (eq. 16)",
    "glorot_normal": "(the normal form of eq. 16)",
}

#: The course's own name for each scheme the table shows (its code name in brackets).
_COURSE_NAMES = {
    "xavier": "the 1/√n uniform (`xavier`)",
    "normalized_xavier": "Glorot uniform (`normalized_xavier`)",
    "glorot_normal": "Glorot normal (`glorot_normal`)",
    "lecun_uniform": "LeCun uniform (`lecun_uniform`)",
}


def _code_with_note(name: str, note: str) -> str:
    """``"`name` (note)"`` or ``"`name`"``."""
    return f"`{name}` ({note})" if note else f"`{name}`"


def naming_table_markdown() -> str:
    """Return the naming table notebook 04 opens with, as Markdown.

    Columns: the course's name, Glorot & Bengio's (2010), PyTorch's, Keras's and
    the MachineLearningMastery tutorial's; one row per scheme a reader meets
    under the word "Xavier", plus LeCun uniform, Keras's nearest class to the
    1/√n uniform. Framework names come from :func:`course_utils.schemes.naming_table`.

    Examples:
        >>> table = naming_table_markdown()
        >>> print(table.splitlines()[0])
        | course name | Glorot & Bengio (2010) | PyTorch | Keras | MachineLearningMastery tutorial |
        >>> print(table.splitlines()[2])
        | the 1/√n uniform (`xavier`) | standard initialization (eq. 1) | `nn.Linear` / `nn.Conv*` default | (none; `LecunUniform` is √(3/n)) | xavier |
    """
    rows = {row["course"]: row for row in naming_table()}
    special = {"xavier": ("`nn.Linear` / `nn.Conv*` default", "(none; `LecunUniform` is √(3/n))")}
    lines = ["| course name | Glorot & Bengio (2010) | PyTorch | Keras | MachineLearningMastery tutorial |",
             "|---|---|---|---|---|"]
    for name, shown in _COURSE_NAMES.items():
        scheme = SCHEMES[name]
        torch, keras = special.get(name, (_code_with_note(scheme.torch, scheme.torch_note),
                                          _code_with_note(scheme.keras, scheme.keras_note)))
        cells = [shown, GLOROT_BENGIO_NAMES.get(name, ""), torch, keras, rows[name][MLM]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class UniformSampleDisplay(Display):
    """Weights of one node drawn from the 1/√n uniform, against its density and bounds.

    Attributes:
        fan_in: n.
        weights: the drawn weights (flattened).
        limit: 1/√n, the bound; ``std``: 1/√(3n), the theory's std.
        sample_min, sample_max, sample_std: of the drawn weights.

    Examples:
        >>> d = UniformSampleDisplay.from_run(10, 1000, rng=0)
        >>> round(d.limit, 4), round(d.std, 4), d.weights.size
        (0.3162, 0.1826, 1000)
        >>> bool(-d.limit <= d.sample_min and d.sample_max <= d.limit)
        True
    """

    fan_in: int
    weights: np.ndarray
    limit: float
    std: float
    sample_min: float
    sample_max: float
    sample_std: float

    preset = "single"

    @classmethod
    def from_run(cls, fan_in: int, n_weights: int = 1000, *, rng=None) -> "UniformSampleDisplay":
        """Draw ``n_weights`` weights for a unit of fan-in ``fan_in`` (a ``(fan_in, n_weights // fan_in)`` matrix)."""
        fan_in = check_positive_int("fan_in", fan_in)
        n_weights = check_positive_int("n_weights", n_weights)
        if n_weights % fan_in:
            raise ValueError(f"n_weights must be a multiple of fan_in={fan_in}, got {n_weights}")
        w = xavier((fan_in, n_weights // fan_in), rng=check_rng(rng)).ravel()
        return cls(fan_in, w, float(xavier_limit(fan_in)), float(xavier_std(fan_in)),
                   float(w.min()), float(w.max()), float(w.std()))

    def _draw(self, ax) -> None:
        L = self.limit
        ax.hist(self.weights, bins=20, range=(-L, L), density=True, color=SCHEMES["xavier"].color,
                alpha=0.55, label=f"{self.weights.size:,} sampled weights")
        ax.plot([-1.4 * L, -L, -L, L, L, 1.4 * L], [0, 0, 1 / (2 * L), 1 / (2 * L), 0, 0], color="black",
                lw=1.5, label="density 1/(2L)")
        for x in (-L, L):
            ax.axvline(x, color="#d62728", ls="--", lw=1.2, label="bounds ±L = ±1/√n" if x < 0 else None)
        ax.set(xlim=(-1.4 * L, 1.4 * L), ylim=(0, 1.9 / (2 * L)), xlabel="weight value", ylabel="density",
               title=f"the 1/√n uniform, one node with n = {self.fan_in} inputs")
        ax.legend(loc="upper center", ncol=3, fontsize=8)


@dataclass
class DepthDisplay(Display):
    """Forward and backward std per layer of deep networks drawn from the 1/√n uniform.

    Attributes:
        runs: ``activation -> Propagation`` (zero biases, constant width).
        predicted: ``activation -> LayerProfile`` of :func:`course_utils.mean_field.layer_profile`
            at ``weight_var = 1/3``.
        ratio: ``activation ->`` geometric mean of the pre-activation std's per-layer ratio over
            the last five layers; ``small_signal``: 1/√3 (tanh, linear), 1/√6 (ReLU).

    Examples:
        >>> d = DepthDisplay.from_run(("linear",), depth=6, width=64, batch=64, rng=0)
        >>> round(d.small_signal["linear"], 3), bool(abs(d.ratio["linear"] / d.small_signal["linear"] - 1) < 0.1)
        (0.577, True)
    """

    runs: dict
    predicted: dict
    ratio: dict
    small_signal: dict

    preset = "pair"
    layout = (1, 2)
    subplots_kwargs = {"sharey": True}

    @classmethod
    def from_run(cls, activations=("tanh", "relu"), *, depth: int = 10, width: int = 256, batch: int = 256,
                 rng=None) -> "DepthDisplay":
        rng = check_rng(rng)
        runs = {a: signal_propagation("xavier", a, depth=depth, width=width, batch=batch, rng=rng)
                for a in activations}
        predicted = {a: mf.layer_profile(a, WEIGHT_VAR, depth, batch=batch) for a in activations}
        ratio = {}
        for a, p in runs.items():
            steps = p.preactivation_std[1:] / p.preactivation_std[:-1]
            ratio[a] = float(np.exp(np.log(steps[-5:]).mean()))
        small = {a: math.sqrt(WEIGHT_VAR / (2 if a == "relu" else 1)) for a in activations}
        return cls(runs, predicted, ratio, small)

    def _draw(self, axes) -> None:
        ax_f, ax_b = axes
        styles = {"tanh": ("#1f77b4", "o"), "relu": ("#d62728", "s"), "linear": ("#2ca02c", "^")}
        for a, p in self.runs.items():
            color, marker = styles.get(a, ("0.3", "D"))
            layers = np.arange(1, p.depth + 1)
            for ax, field in ((ax_f, "preactivation_std"), (ax_b, "gradient_std")):
                ax.semilogy(layers, getattr(p, field), marker, color=color, label=f"{a}, measured")
                ax.semilogy(layers, getattr(self.predicted[a], field), "-", color=color, lw=1,
                            label=f"{a}, mean field")
        ax_f.set(xlabel="layer", ylabel="std", title="forward: pre-activations z")
        ax_b.set(xlabel="layer", title="backward: errors dL/dz (read right to left)")
        ax_f.legend(fontsize=8, loc="lower left")


@dataclass
class DefaultBiasDisplay(Display):
    r"""A deep ReLU network drawn like PyTorch's ``nn.Linear``: weights *and* biases from
    :math:`U[-1/\sqrt{n}, 1/\sqrt{n}]`, against the same weights with zero biases.

    Both runs push the same float64 batch through the same weights (:func:`course_utils.propagate`).

    Attributes:
        width, depth: the network.
        with_bias, no_bias: the two :class:`~course_utils.propagation.Propagation` runs.
        input_part: per layer, :func:`input_dependent_std` of ``z`` with the biases.
        predicted_bias, predicted_zero: mean-field profiles, bias variance :math:`1/(3n)` and 0.
        q_star: the fixed point of :math:`q \mapsto q/6 + 1/(3n)`, :math:`2/(5n)`.

    Examples:
        >>> d = DefaultBiasDisplay.from_run(width=64, depth=6, batch=64, rng=0)
        >>> bool(abs(d.q_star - 2 / (5 * 64)) < 1e-12)
        True
        >>> bool(d.input_part[-1] < 0.1 * d.with_bias.preactivation_std[-1])    # mostly bias
        True
    """

    width: int
    depth: int
    with_bias: Propagation
    no_bias: Propagation
    input_part: np.ndarray
    predicted_bias: object
    predicted_zero: object
    q_star: float

    preset = "single"

    @classmethod
    def from_run(cls, *, width: int = 256, depth: int = 10, batch: int = 256, rng=None) -> "DefaultBiasDisplay":
        width, depth, batch = (check_positive_int(k, v) for k, v in
                               (("width", width), ("depth", depth), ("batch", batch)))
        rng = check_rng(rng)
        weights = draw_weights([width] * (depth + 1), "xavier", rng=rng, dtype=np.float64)
        limit = float(xavier_limit(width))
        biases = [random_uniform((width,), low=-limit, high=limit, rng=rng) for _ in range(depth)]
        x = rng.standard_normal((batch, width))
        top = int(rng.integers(2**31))              # the same top gradient for both runs
        keep = batch * width                        # every z, for the input-dependent part
        with_bias = propagate(x, weights, "relu", biases=biases, rng=top, sample_size=keep)
        no_bias = propagate(x, weights, "relu", rng=top, sample_size=keep)
        input_part = np.array([input_dependent_std(z.reshape(batch, width)) for z in with_bias.preactivations])
        bias_var = 1.0 / (3 * width)
        return cls(width, depth, with_bias, no_bias, input_part,
                   mf.layer_profile("relu", WEIGHT_VAR, depth, bias_var=bias_var, batch=batch),
                   mf.layer_profile("relu", WEIGHT_VAR, depth, batch=batch),
                   float(mf.fixed_point("relu", WEIGHT_VAR, bias_var=bias_var)))

    def _draw(self, ax) -> None:
        layers = np.arange(1, self.depth + 1)
        ax.semilogy(layers, self.with_bias.preactivation_std, "o", ms=8, mfc="none", mew=1.5,
                    color="#9467bd", label="std(z), default biases")
        ax.semilogy(layers, self.predicted_bias.preactivation_std, "-", color="#9467bd", lw=1,
                    label="mean field, bias variance 1/(3n)")
        ax.semilogy(layers, self.input_part, "^--", color="#2ca02c", lw=1,
                    label="input-dependent part, default biases")
        ax.semilogy(layers, self.no_bias.preactivation_std, "s", color="#d62728", label="std(z), zero biases")
        ax.semilogy(layers, self.predicted_zero.preactivation_std, ":", color="#d62728", lw=1.5,
                    label="mean field, no bias")
        ax.axhline(math.sqrt(self.q_star), color="0.5", ls="-.", lw=1, label="√q* = √(2/(5n))")
        ax.set(xlabel="layer", ylabel="std", title=f"ReLU layers drawn like nn.Linear (width {self.width})")
        ax.legend(fontsize=7, loc="lower left", ncol=2)
