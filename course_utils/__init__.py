"""initlab's course utilities: weight-initialization schemes, their theory, and demos.

The numerical core (this namespace) needs only numpy. The figure recipes
(:mod:`course_utils.plots`) and the slider panels (:mod:`course_utils.widgets`)
import matplotlib and ipywidgets when they are imported themselves.

dtypes: the samplers (:mod:`course_utils.initializers`, ``Scheme.sample``) and
:class:`~course_utils.MLP` work in float64: a sampler's numbers are compared
with the tutorials' to the last digit, and training is checked against finite
differences. The propagation engine (:func:`~course_utils.draw_weights`,
:func:`~course_utils.signal_propagation`) defaults to float32, as the
frameworks' layers do, because the slider panels push large batches through
deep stacks and float32 halves the memory those products move; pass
``dtype=numpy.float64`` where a run's numbers leave float32's range
(about 1e-38 to 3e38). :func:`~course_utils.propagate` keeps the dtype of its
inputs.
Importing the package changes no global state: a notebook's first cell calls
:func:`setup_notebook` (one BLAS thread, the course's plot style, and in the
live edition ``@`` through einsum).
:mod:`course_utils.mean_field` predicts, layer by layer, what
:func:`~course_utils.propagate` measures (Poole et al. 2016; Schoenholz et al. 2017).

Examples:
    >>> import course_utils as cu
    >>> cu.fan_in_and_fan_out((3, 2))
    (3, 2)
    >>> cu.xavier_limit(10)
    0.31622776601683794
"""

from ._blas import limit_blas_threads
from ._wasm import install_in_ipython
from .bounds import (FAMILIES, glorot_std, he_std, he_limit, lecun_std, lecun_limit,
                     glorot_limit, xavier_limit, xavier_std)
from .data import make_circles, make_spirals
from .fans import (fan_in_and_fan_out, keras_shape_from_torch, receptive_field_size,
                   torch_shape_from_keras)
from .gains import NONLINEARITIES, calculate_gain
from .initializers import (DISTRIBUTIONS, MODES, TRUNCATED_NORMAL_STD, constant,
                           glorot_normal, glorot_uniform, he_normal, he_uniform,
                           lecun_normal, lecun_uniform, normalized_xavier, random_normal,
                           random_uniform, variance_scaling, xavier, zeros)
from .activations import (ACTIVATIONS, SATURATION_THRESHOLD, activate, activation_derivative,
                          dead_fraction, saturated_fraction)
from .propagation import Propagation, draw_weights, propagate, signal_propagation
from .mlp import MLP, OPTIMIZERS, fit_many
from .claims import agree
from .schemes import CONSTANT_VALUE, GUIDE, SCHEMES, Scheme, naming_table
from . import mean_field
from .mean_field import (LayerProfile, backward_gain, critical_weight_var, fixed_point,
                         layer_profile, second_moment_weight_var)

__version__ = "0.1.0"


def setup_notebook() -> None:
    """Prepare a notebook's kernel for the course; the first cell of every notebook calls it.

    One BLAS thread (the course's products are small: see ``course_utils._blas``;
    ``INITLAB_BLAS_THREADS`` or ``OPENBLAS_NUM_THREADS`` overrides), the course's
    matplotlib style, and in the live edition (WebAssembly, numpy without BLAS)
    a cell's ``@`` computed through ``einsum``.
    """
    from .plots import use_course_style

    limit_blas_threads()
    install_in_ipython()
    use_course_style()


__all__ = [
    "fan_in_and_fan_out", "receptive_field_size", "keras_shape_from_torch",
    "torch_shape_from_keras",
    "zeros", "constant", "random_normal", "random_uniform", "variance_scaling",
    "xavier", "normalized_xavier", "glorot_uniform", "glorot_normal",
    "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "TRUNCATED_NORMAL_STD", "MODES", "DISTRIBUTIONS",
    "FAMILIES", "xavier_limit", "xavier_std", "glorot_limit", "glorot_std",
    "he_limit", "he_std", "lecun_limit", "lecun_std",
    "calculate_gain", "NONLINEARITIES",
    "SCHEMES", "Scheme", "GUIDE", "CONSTANT_VALUE", "naming_table",
    "ACTIVATIONS", "SATURATION_THRESHOLD", "activate", "activation_derivative",
    "saturated_fraction", "dead_fraction", "draw_weights", "propagate",
    "signal_propagation", "Propagation", "MLP", "OPTIMIZERS", "fit_many",
    "make_circles", "make_spirals",
    "mean_field", "fixed_point", "backward_gain", "critical_weight_var",
    "second_moment_weight_var", "layer_profile", "LayerProfile",
    "agree", "setup_notebook",
]
