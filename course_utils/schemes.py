"""One record per initialization scheme: the single source of truth for the notebooks.

Dropdowns, comparison loops and the naming translation table are all built
from :data:`SCHEMES`, so a scheme's names, its sampler and its theoretical
spread are written down exactly once.

Examples:
    >>> from course_utils import SCHEMES
    >>> list(SCHEMES)[:4]
    ['zeros', 'constant', 'random_normal', 'random_uniform']
    >>> s = SCHEMES["normalized_xavier"]
    >>> s.keras, s.torch, s.limit(10, 20)
    ('GlorotUniform', 'xavier_uniform_', 0.44721359549995787)
    >>> s.sample((10, 20), rng=0).shape
    (10, 20)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping, Optional

import numpy as np

from . import bounds, initializers
from ._checks import check_fans
from .bounds import FAMILIES

__all__ = ["Scheme", "SCHEMES", "GUIDE", "CONSTANT_VALUE", "naming_table", "scheme_label", "SCHEME_LABELS"]

#: The value the course's "constant" scheme uses (any constant shows the same failure).
CONSTANT_VALUE = 0.5

_GLOROT_2010 = ("Glorot & Bengio (2010), Understanding the difficulty of training "
                "deep feedforward neural networks, AISTATS")
_HE_2015 = ("He, Zhang, Ren & Sun (2015), Delving Deep into Rectifiers: Surpassing "
            "Human-Level Performance on ImageNet Classification, ICCV")
_LECUN_1998 = "LeCun, Bottou, Orr & Müller (1998), Efficient BackProp"

MLM = "MachineLearningMastery"
GFG = "GeeksforGeeks"
AV = "Analytics Vidhya"

#: Share of a standard normal within two of its stds, where the truncated normals are cut
#: (initializers' truncation point); the density inside is divided by it.
_MASS_WITHIN_TWO_STD = math.erf(2.0 / math.sqrt(2.0))

_KINDS = {"constant": "constant", "uniform": "uniform",
          "untruncated_normal": "normal", "truncated_normal": "normal"}


@dataclass(frozen=True)
class Scheme:
    r"""An initialization scheme and everything the course says about it.

    A record is given by keyword the three numbers of
    :func:`~course_utils.variance_scaling` (``scale``, ``mode``,
    ``distribution``) plus its mean; the std, the limit, the density and
    whether it depends on the fans are derived from them:

    .. math::
        \operatorname{Var}[w] = \frac{\text{scale}}{n_\text{mode}}
        \quad(\text{or } \text{scale} \text{ itself when } \text{mode} \text{ is None}).

    Attributes:
        name: the course's name (the key in :data:`SCHEMES`).
        title: a human-readable title.
        sampler: the ``course_utils`` function that draws the weights
            (``sampler(shape, *, rng, dtype, **kwargs)``).
        distribution: ``"constant"``, ``"uniform"``, ``"untruncated_normal"`` or
            ``"truncated_normal"`` (the last three as in :func:`~course_utils.variance_scaling`).
        scale: the variance numerator (0 for the constant schemes).
        mode: ``"fan_in"``, ``"fan_out"``, ``"fan_avg"``, or ``None`` for a spread
            that ignores the layer's size.
        mean: the weights' mean.
        color: the scheme's colour in every figure (see :func:`course_utils.plots.scheme_color`).
            The eleven differ in hue, not only in lightness: grey (zeros), olive, brown,
            pink (the baselines); blue, orange, red (Glorot's three); green and dark teal
            (He); purple and black (LeCun). tests/test_schemes.py measures the gaps
            (CIEDE2000, also under simulated red-green colour blindness).
        paper: where it comes from, or ``None`` for the baselines no paper proposes.
        note: a remark shown beside the paper (why there is none, which equation).
        keras, torch: the Keras initializer class and the ``torch.nn.init`` function,
            or ``None`` where the framework has no such name.
        keras_note, torch_note: a remark on the framework name (its default, its form).
        activations: the activations the scheme is meant for (empty: none).
        guide_for: the activations for which the course's decision guide (notebook 07,
            :data:`GUIDE`) picks this scheme.
        article_names: the names the source articles give it.
        kwargs: extra keyword arguments the sampler is called with.
    """

    name: str
    title: str
    sampler: Callable[..., np.ndarray]
    distribution: str
    scale: float
    mode: Optional[str] = None
    mean: float = 0.0
    color: str = "#333333"
    paper: Optional[str] = None
    note: str = ""
    keras: Optional[str] = None
    keras_note: str = ""
    torch: Optional[str] = None
    torch_note: str = ""
    activations: tuple[str, ...] = ()
    guide_for: tuple[str, ...] = ()
    article_names: Mapping[str, str] = field(default_factory=dict)
    kwargs: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        if self.distribution not in _KINDS:
            raise ValueError(f"distribution must be one of {', '.join(_KINDS)}; "
                             f"got {self.distribution!r}")
        if self.mode not in (None, *initializers.MODES):
            raise ValueError(f"mode must be None or one of {', '.join(initializers.MODES)}; "
                             f"got {self.mode!r}")
        if (self.distribution == "constant") != (self.scale == 0.0):
            raise ValueError(f"scale must be 0 exactly for a constant scheme, got {self.scale!r}")

    @property
    def kind(self) -> str:
        """``"constant"``, ``"uniform"`` or ``"normal"`` (truncated or not)."""
        return _KINDS[self.distribution]

    @property
    def fan_scaled(self) -> bool:
        """Whether the spread depends on the layer's fans (it does when ``mode`` is set)."""
        return self.mode is not None

    def std(self, fan_in, fan_out):
        """Theoretical weight std for a layer with these fans (numbers or arrays)."""
        if self.fan_scaled:
            return bounds.scaled_std(fan_in, fan_out, scale=self.scale, mode=self.mode)
        return _broadcast(math.sqrt(self.scale), fan_in, fan_out)

    def weight_var(self, fan_in, fan_out=None):
        r"""The mean-field weight variance :math:`\sigma_w^2 = n_\text{in}\operatorname{Var}[w]` of a layer.

        What :func:`~course_utils.mean_field.layer_profile` and the panels call
        ``weight_var``, computed here only. ``fan_out`` defaults to ``fan_in`` (a
        layer as wide as its input, as in the course's deep nets). Computed from
        ``scale`` and the ratio :math:`n_\text{in}/n_\text{mode}`, not from the std
        squared, so that it is exact wherever that ratio is (at equal widths it is
        ``scale`` itself for every width: panels key mean-field caches by it). It is
        the spread about the mean: whether the theory applies is :attr:`mean_field_applies`.

        Examples:
            >>> [SCHEMES[name].weight_var(64) for name in ("he_normal", "lecun_normal", "random_normal")]
            [2.0, 1.0, 64.0]
            >>> SCHEMES["xavier"].weight_var(64), SCHEMES["normalized_xavier"].weight_var(100, 300)
            (0.3333333333333333, 0.5)
        """
        n, _ = check_fans("fan_in", fan_in)
        if not self.fan_scaled:
            value = n * self.scale
        else:
            m, _ = check_fans("fan_out", fan_in if fan_out is None else fan_out)
            n_mode = {"fan_in": n, "fan_out": m, "fan_avg": (n + m) / 2.0}[self.mode]
            value = self.scale * (n / n_mode)
        return float(value) if np.ndim(value) == 0 else value

    @property
    def mean_field_applies(self) -> bool:
        """Whether the mean-field theory describes this scheme: zero-mean weights with a spread.

        Not ``zeros`` or ``constant`` (no spread), not ``random_uniform`` (U[0, 1]: mean 1/2).
        """
        return self.mean == 0.0 and self.kind != "constant"

    def limit(self, fan_in, fan_out):
        """For a uniform scheme, the upper end ``mean + L`` of its range; ``None`` otherwise."""
        if self.kind != "uniform":
            return None
        if self.fan_scaled:
            half = bounds.scaled_limit(fan_in, fan_out, scale=self.scale, mode=self.mode)
        else:
            half = _broadcast(math.sqrt(3.0 * self.scale), fan_in, fan_out)
        return self.mean + half

    def sample(self, shape, *, rng=None, dtype=np.float64) -> np.ndarray:
        """Draw weights of ``shape`` with this scheme (see :attr:`sampler`)."""
        return self.sampler(shape, rng=rng, dtype=dtype, **self.kwargs)

    def pdf(self, x, fan_in: int, fan_out: int) -> Optional[np.ndarray]:
        """Theoretical density of the weights at ``x`` (``None`` for constant schemes).

        Uniform schemes span ``[2 * mean - limit, limit]`` (``[-L, L]`` when
        centred); untruncated normals are the normal with :meth:`std`; a
        truncated normal is the normal of std ``std / TRUNCATED_NORMAL_STD``
        cut at two of its stds and renormalized.
        """
        x = np.asarray(x, dtype=float)
        if self.kind == "constant":
            return None
        if self.kind == "uniform":
            high = self.limit(fan_in, fan_out)
            low = 2.0 * self.mean - high
            return np.where((x >= low) & (x <= high), 1.0 / (high - low), 0.0)
        std = self.std(fan_in, fan_out)
        if self.distribution == "untruncated_normal":
            return np.exp(-0.5 * ((x - self.mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))
        wide = std / initializers.TRUNCATED_NORMAL_STD
        z = (x - self.mean) / wide
        inside = np.abs(z) <= 2.0
        return np.where(inside, np.exp(-0.5 * z ** 2) / (wide * math.sqrt(2.0 * math.pi)
                                                         * _MASS_WITHIN_TWO_STD), 0.0)


def _broadcast(value, fan_in, fan_out):
    shape = np.broadcast_shapes(np.shape(fan_in), np.shape(fan_out))
    return value if shape == () else np.full(shape, value)


_RECORDS = [
    Scheme(name="zeros", title="Zeros", sampler=initializers.zeros,
           distribution="constant", scale=0.0, color="#7f7f7f",
           note="the baseline every text warns against", keras="Zeros", torch="zeros_",
           article_names={GFG: "zero initialization", AV: "zero initialization"}),
    Scheme(name="constant", title=f"Constant ({CONSTANT_VALUE})", sampler=initializers.constant,
           distribution="constant", scale=0.0, mean=CONSTANT_VALUE, color="#8a8a00",
           keras="Constant", torch="constant_",
           article_names={GFG: "constant initialization"}, kwargs={"value": CONSTANT_VALUE}),
    Scheme(name="random_normal", title="Random normal N(0, 1)", sampler=initializers.random_normal,
           distribution="untruncated_normal", scale=1.0, color="#8c564b",
           note="fixed std, blind to the layer size",
           keras="RandomNormal", keras_note="default stddev 0.05", torch="normal_",
           article_names={GFG: "random normal", AV: "random initialization (randn)"}),
    Scheme(name="random_uniform", title="Random uniform U[0, 1]",
           sampler=initializers.random_uniform,
           distribution="uniform", scale=1.0 / 12.0, mean=0.5, color="#e377c2",
           note="fixed range, not even centred on zero",
           keras="RandomUniform", keras_note="default [-0.05, 0.05]", torch="uniform_",
           article_names={GFG: "random uniform"}),
    Scheme(name="xavier", title="Xavier, the 1/sqrt(n) uniform", sampler=initializers.xavier,
           distribution="uniform", **FAMILIES["xavier"], color="#1f77b4",
           paper=_GLOROT_2010, note="eq. 1 (the 'standard' heuristic)",
           keras_note="none; LecunUniform is sqrt(3/n)", torch_note="PyTorch's nn.Linear default",
           activations=("tanh", "sigmoid"), article_names={MLM: "xavier"}),
    Scheme(name="normalized_xavier", title="Normalized Xavier (Glorot uniform)",
           sampler=initializers.normalized_xavier,
           distribution="uniform", **FAMILIES["glorot"], color="#ff7f0e",
           paper=_GLOROT_2010,
           note=("eq. 16. The guide's sigmoid pick only because the sources pair the two: with "
                 "sigmoid, dL/dz vanishes (chi = 0.056 per layer in variance at n = m). chi "
                 "reaches 1 only near n·Var[w] = 103, where q* = 46 and about half the units "
                 "are saturated, and no scale removes the offset of 1/2 of sigmoid's outputs: "
                 "prefer tanh or ReLU in hidden layers"),
           keras="GlorotUniform", torch="xavier_uniform_",
           activations=("tanh", "sigmoid", "linear"), guide_for=("sigmoid", "tanh"),
           article_names={MLM: "normalized xavier", GFG: "Xavier/Glorot initialization"}),
    Scheme(name="glorot_normal", title="Glorot normal", sampler=initializers.glorot_normal,
           distribution="untruncated_normal", **FAMILIES["glorot"], color="#d62728",
           paper=_GLOROT_2010, keras="GlorotNormal", keras_note="truncated",
           torch="xavier_normal_", activations=("tanh", "sigmoid", "linear"),
           article_names={GFG: "normalized Xavier (with the wrong std)",
                          AV: "the sqrt(2/(n_in+n_out)) heuristic"}),
    Scheme(name="he_uniform", title="He uniform", sampler=initializers.he_uniform,
           distribution="uniform", **FAMILIES["he"], color="#1e7b1e",
           paper=_HE_2015, keras="HeUniform", torch="kaiming_uniform_",
           activations=("relu", "leaky_relu"), article_names={GFG: "He uniform"}),
    Scheme(name="he_normal", title="He normal", sampler=initializers.he_normal,
           distribution="untruncated_normal", **FAMILIES["he"], color="#007a70",
           paper=_HE_2015, note="eq. 10", keras="HeNormal", keras_note="truncated",
           torch="kaiming_normal_", activations=("relu", "leaky_relu"),
           guide_for=("relu", "leaky_relu"),
           article_names={MLM: "he", GFG: "He normal", AV: "He initialization"}),
    Scheme(name="lecun_uniform", title="LeCun uniform", sampler=initializers.lecun_uniform,
           distribution="uniform", **FAMILIES["lecun"], color="#6a3d9a",
           paper=_LECUN_1998, keras="LecunUniform", torch="kaiming_uniform_",
           torch_note="linear gain", activations=("selu", "linear")),
    Scheme(name="lecun_normal", title="LeCun normal", sampler=initializers.lecun_normal,
           distribution="untruncated_normal", **FAMILIES["lecun"], color="#000000",
           paper=_LECUN_1998, keras="LecunNormal", keras_note="truncated",
           torch="kaiming_normal_", torch_note="linear gain",
           activations=("selu", "linear"), guide_for=("linear",),
           article_names={AV: "Xavier initialization (mislabelled)"}),
]

#: Read-only mapping from the course's scheme name to its :class:`Scheme`.
SCHEMES: Mapping[str, Scheme] = MappingProxyType({s.name: s for s in _RECORDS})

#: The decision guide of notebook 07: activation -> the scheme the course recommends,
#: read from each record's ``guide_for``.
GUIDE: Mapping[str, str] = MappingProxyType(
    {a: s.name for s in _RECORDS for a in s.guide_for})


def _framework_name(name: Optional[str], note: str) -> str:
    """``"Name (note)"``, ``"Name"``, ``"(note)"`` or ``""``: how the naming table shows it."""
    if name is None:
        return f"({note})" if note else ""
    return f"{name} ({note})" if note else name


def naming_table() -> list[dict[str, str]]:
    """Return one row per scheme: course name, Keras, PyTorch and each article's name.

    Examples:
        >>> row = naming_table()[4]
        >>> row["course"], row[MLM]
        ('xavier', 'xavier')
    """
    rows = []
    for s in SCHEMES.values():
        row = {"course": s.name, "Keras": _framework_name(s.keras, s.keras_note),
               "PyTorch": _framework_name(s.torch, s.torch_note)}
        for source in (MLM, GFG, AV):
            row[source] = s.article_names.get(source, "")
        rows.append(row)
    return rows


#: Legend labels where the course's key would mislead: in PyTorch and Keras "Xavier" is
#: Glorot, so the 1/sqrt(n) uniform is never labelled plain "xavier" in a figure.
SCHEME_LABELS = {"xavier": "1/√n uniform", "normalized_xavier": "Glorot uniform"}


def scheme_label(name: str) -> str:
    """The name a figure's legend gives a scheme: a framework-true name for the course's
    ``xavier`` (the 1/√n uniform) and ``normalized_xavier`` (Glorot uniform), the key otherwise.

    Examples:
        >>> scheme_label("xavier"), scheme_label("he_normal")
        ('1/√n uniform', 'he_normal')
    """
    return SCHEME_LABELS.get(name, name)
