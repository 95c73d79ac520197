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

__all__ = ["Scheme", "SCHEMES", "CONSTANT_VALUE", "naming_table"]

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


@dataclass(frozen=True)
class Scheme:
    """An initialization scheme and everything the course says about it.

    Attributes:
        name: the course's name (the key in :data:`SCHEMES`).
        title: a human-readable title.
        distribution: ``"constant"``, ``"normal"``, ``"uniform"``.
        sampler: the ``course_utils`` function that draws the weights.
        std: theoretical weight std as a function ``(fan_in, fan_out)``.
        limit: for uniform schemes, the half-width or upper end as a function
            ``(fan_in, fan_out)``; ``None`` for the others.
        mean: the weights' theoretical mean.
        activations: the activations the scheme is meant for (empty: none).
        paper: where it comes from.
        keras: the Keras initializer class.
        torch: the ``torch.nn.init`` function.
        article_names: the names the source articles give it.
        kwargs: extra keyword arguments the sampler is called with.
    """

    name: str
    title: str
    distribution: str
    sampler: Callable[..., np.ndarray]
    std: Callable[[int, int], float]
    limit: Optional[Callable[[int, int], float]]
    mean: float
    activations: tuple[str, ...]
    paper: str
    keras: str
    torch: str
    article_names: Mapping[str, str] = field(default_factory=dict)
    kwargs: Mapping[str, object] = field(default_factory=dict)

    def sample(self, shape, *, rng=None, dtype=np.float64) -> np.ndarray:
        """Draw weights of ``shape`` with this scheme (see :attr:`sampler`)."""
        return self.sampler(shape, rng=rng, dtype=dtype, **self.kwargs)

    def pdf(self, x, fan_in: int, fan_out: int) -> np.ndarray:
        """Theoretical density of the weights at ``x`` (``None`` for constant schemes).

        Uniform schemes span ``[2 * mean - limit, limit]`` (``[-L, L]`` when
        centred); normal schemes are the untruncated normal with :attr:`std`.
        """
        x = np.asarray(x, dtype=float)
        if self.distribution == "constant":
            return None
        if self.distribution == "uniform":
            high = self.limit(fan_in, fan_out)
            low = 2.0 * self.mean - high
            return np.where((x >= low) & (x <= high), 1.0 / (high - low), 0.0)
        std = self.std(fan_in, fan_out)
        return np.exp(-0.5 * ((x - self.mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))

    @property
    def fan_scaled(self) -> bool:
        """Whether the spread depends on the layer's fans."""
        return self.std(1, 1) != self.std(100, 100)


def _const(value):
    return lambda fan_in, fan_out: value


_RECORDS = [
    Scheme("zeros", "Zeros", "constant", initializers.zeros, _const(0.0), None, 0.0, (),
           "(none: the baseline every text warns against)", "Zeros", "zeros_",
           {GFG: "zero initialization", AV: "zero initialization"}),
    Scheme("constant", f"Constant ({CONSTANT_VALUE})", "constant", initializers.constant,
           _const(0.0), None, CONSTANT_VALUE, (),
           "(none)", "Constant", "constant_", {GFG: "constant initialization"},
           {"value": CONSTANT_VALUE}),
    Scheme("random_normal", "Random normal N(0, 1)", "normal", initializers.random_normal,
           _const(1.0), None, 0.0, (), "(none: fixed std, blind to the layer size)",
           "RandomNormal (default stddev 0.05)", "normal_",
           {GFG: "random normal", AV: "random initialization (randn)"}),
    Scheme("random_uniform", "Random uniform U[0, 1]", "uniform", initializers.random_uniform,
           _const(1.0 / math.sqrt(12.0)), _const(1.0), 0.5, (),
           "(none: fixed range, not even centred on zero)",
           "RandomUniform (default [-0.05, 0.05])", "uniform_",
           {GFG: "random uniform"}),
    Scheme("xavier", "Xavier, the 1/sqrt(n) uniform", "uniform", initializers.xavier,
           lambda n, m: bounds.xavier_std(n), lambda n, m: bounds.xavier_limit(n), 0.0,
           ("tanh", "sigmoid"), _GLOROT_2010 + ", eq. 1 (the 'standard' heuristic)",
           "(none; LecunUniform is sqrt(3/n))", "(PyTorch's nn.Linear default)",
           {MLM: "xavier"}),
    Scheme("normalized_xavier", "Normalized Xavier (Glorot uniform)", "uniform",
           initializers.normalized_xavier,
           bounds.glorot_std, bounds.glorot_limit, 0.0,
           ("tanh", "sigmoid", "linear"), _GLOROT_2010 + ", eq. 16",
           "GlorotUniform", "xavier_uniform_",
           {MLM: "normalized xavier", GFG: "Xavier/Glorot initialization"}),
    Scheme("glorot_normal", "Glorot normal", "normal", initializers.glorot_normal,
           bounds.glorot_std, None, 0.0, ("tanh", "sigmoid", "linear"), _GLOROT_2010,
           "GlorotNormal (truncated)", "xavier_normal_",
           {GFG: "normalized Xavier (with the wrong std)", AV: "the sqrt(2/(n_in+n_out)) heuristic"}),
    Scheme("he_uniform", "He uniform", "uniform", initializers.he_uniform,
           lambda n, m: bounds.he_std(n), lambda n, m: bounds.he_limit(n), 0.0,
           ("relu", "leaky_relu"), _HE_2015, "HeUniform", "kaiming_uniform_",
           {GFG: "He uniform"}),
    Scheme("he_normal", "He normal", "normal", initializers.he_normal,
           lambda n, m: bounds.he_std(n), None, 0.0, ("relu", "leaky_relu"),
           _HE_2015 + ", eq. 10", "HeNormal (truncated)", "kaiming_normal_",
           {MLM: "he", GFG: "He normal", AV: "He initialization"}),
    Scheme("lecun_uniform", "LeCun uniform", "uniform", initializers.lecun_uniform,
           lambda n, m: bounds.lecun_std(n), lambda n, m: bounds.lecun_limit(n), 0.0,
           ("selu", "linear"), _LECUN_1998, "LecunUniform", "(kaiming_uniform_, linear gain)"),
    Scheme("lecun_normal", "LeCun normal", "normal", initializers.lecun_normal,
           lambda n, m: bounds.lecun_std(n), None, 0.0, ("selu", "linear"), _LECUN_1998,
           "LecunNormal (truncated)", "(kaiming_normal_, linear gain)",
           {AV: "Xavier initialization (mislabelled)"}),
]

#: Read-only mapping from the course's scheme name to its :class:`Scheme`.
SCHEMES: Mapping[str, Scheme] = MappingProxyType({s.name: s for s in _RECORDS})


def naming_table() -> list[dict[str, str]]:
    """Return one row per scheme: course name, Keras, PyTorch and each article's name.

    Examples:
        >>> row = naming_table()[4]
        >>> row["course"], row[MLM]
        ('xavier', 'xavier')
    """
    rows = []
    for s in SCHEMES.values():
        row = {"course": s.name, "Keras": s.keras, "PyTorch": s.torch}
        for source in (MLM, GFG, AV):
            row[source] = s.article_names.get(source, "")
        rows.append(row)
    return rows
