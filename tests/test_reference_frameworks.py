"""Cross-checks against the reference implementations: torch.nn.init and keras.initializers.

Both frameworks are optional (``requirements-reference.txt``); each half of
this module is skipped, with the reason, when its framework is missing.

What is compared, and how
-------------------------
* Fans: PyTorch stores a dense weight as ``(out, in)`` and a convolution as
  ``(out, in, *kernel)``; our ``fan_in_and_fan_out`` on the Keras shape must
  equal torch's ``_calculate_fan_in_and_fan_out`` on the transposed shape, and
  Keras's ``compute_fans`` on the same shape.
* Distributions: the frameworks use their own random generators, so the draws
  are compared statistically, never element by element: the framework's
  sample against the theoretical mean, std and bound (5 standard errors, as in
  test_initializers.py), and a two-sample Kolmogorov-Smirnov test between the
  framework's sample and ours (p-value > KS_ALPHA = 1e-4; the seeds are fixed,
  so the outcome is deterministic).
* Keras's torch-backend ``truncated_normal`` keeps an untruncated value when
  all of its 4 candidates fall outside +-2 std (about 4e-6 per weight, see
  ECOSYSTEM-NOTES.md), so its bound is checked as "at most 1e-4 of the draws
  outside", 25 times the expected rate.
"""

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import course_utils as cu

SHAPE = (400, 600)           # Keras layout: fan_in 400, fan_out 600 (240,000 weights)
FAN_IN, FAN_OUT = SHAPE
Z = 5.0
KS_ALPHA = 1e-4
EDGE_TAIL = 14.0
KERAS_TRUNCATED_STD = 0.87962566103423978
EXCESS_KURTOSIS = {"normal": 0.0, "uniform": -1.2,
                   "truncnorm": float(stats.truncnorm(-2, 2).stats(moments="k"))}


def assert_sample(x, kind, std, bound=None, outside_allowed=0.0):
    """Mean 0 and ``std`` within 5 standard errors; draws within ``bound`` and reaching it."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean()) <= Z * std / math.sqrt(n)
    assert abs(x.std() - std) <= Z * std * math.sqrt((EXCESS_KURTOSIS[kind] + 2) / (4 * n))
    if bound is not None:
        slack = bound * 4 * np.finfo(np.float32).eps      # frameworks draw float32
        outside = np.mean(np.abs(x) > bound + slack)
        assert outside <= outside_allowed, outside
        # The largest draws come close to the bound (within the 14/N tail quantile).
        if kind == "uniform":
            reach = 2 * bound * EDGE_TAIL / n
        else:
            law = stats.truncnorm(-2, 2, scale=bound / 2)
            reach = bound - law.ppf(1 - EDGE_TAIL / n)
        inside = x[np.abs(x) <= bound + slack]
        assert inside.max() >= bound - reach and inside.min() <= -bound + reach


def assert_same_distribution(theirs, ours):
    pvalue = stats.ks_2samp(np.ravel(theirs), np.ravel(ours)).pvalue
    assert pvalue > KS_ALPHA, f"two-sample KS p-value {pvalue:.2e}"


# ======================================================================== PyTorch
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="PyTorch is optional (requirements-reference.txt); "
                        "install it to cross-check against torch.nn.init")


def _torch_draw(torch, init, torch_shape, seed, **options):
    generator = torch.Generator().manual_seed(seed)
    tensor = torch.empty(torch_shape, dtype=torch.float32)
    init(tensor, generator=generator, **options)
    return tensor.numpy().astype(np.float64)


@st.composite
def keras_shapes(draw):
    kernel = draw(st.lists(st.integers(1, 9), max_size=3))
    return (*kernel, draw(st.integers(1, 4096)), draw(st.integers(1, 4096)))


@settings(max_examples=150, deadline=None)
@given(shape=keras_shapes())
def test_fans_match_torch_on_the_transposed_layout(torch, shape):
    torch_shape = cu.torch_shape_from_keras(shape)
    meta = torch.empty(torch_shape, device="meta")          # no memory behind it
    assert torch.nn.init._calculate_fan_in_and_fan_out(meta) == cu.fan_in_and_fan_out(shape)
    assert cu.keras_shape_from_torch(torch_shape) == shape


def test_fans_of_torch_layers(torch):
    linear = torch.nn.Linear(784, 10)
    conv = torch.nn.Conv2d(16, 32, kernel_size=(3, 5))
    for layer, fans in ((linear, (784, 10)), (conv, (16 * 15, 32 * 15))):
        keras_shape = cu.keras_shape_from_torch(tuple(layer.weight.shape))
        assert cu.fan_in_and_fan_out(keras_shape) == fans
        assert torch.nn.init._calculate_fan_in_and_fan_out(layer.weight) == fans


def test_calculate_gain_matches_torch(torch):
    for name in cu.NONLINEARITIES:
        if name == "identity":
            # The course accepts "identity" as a synonym of "linear"; torch does not.
            with pytest.raises(ValueError):
                torch.nn.init.calculate_gain(name)
            assert cu.calculate_gain(name) == cu.calculate_gain("linear") == 1.0
            continue
        assert cu.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name),
                                                        rel=1e-15), name
    for slope in (0, 0.01, 0.2, 1, math.sqrt(5)):
        assert cu.calculate_gain("leaky_relu", slope) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", slope), rel=1e-15)


TORCH_CASES = [
    # (id, torch init, its options, our sampler with options, kind, std)
    ("xavier_uniform_", "xavier_uniform_", {}, lambda s, r: cu.normalized_xavier(s, rng=r),
     "uniform", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("xavier_normal_", "xavier_normal_", {}, lambda s, r: cu.glorot_normal(s, rng=r),
     "normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("kaiming_uniform_-relu", "kaiming_uniform_", {"nonlinearity": "relu"},
     lambda s, r: cu.he_uniform(s, rng=r), "uniform", math.sqrt(2 / FAN_IN)),
    ("kaiming_uniform_-default-a0", "kaiming_uniform_", {},
     lambda s, r: cu.he_uniform(s, rng=r), "uniform", math.sqrt(2 / FAN_IN)),
    ("kaiming_uniform_-fan_out-a0.2", "kaiming_uniform_", {"a": 0.2, "mode": "fan_out"},
     lambda s, r: cu.he_uniform(s, mode="fan_out", negative_slope=0.2, rng=r),
     "uniform", math.sqrt(2 / (1.04 * FAN_OUT))),
    ("kaiming_normal_-relu", "kaiming_normal_", {"nonlinearity": "relu"},
     lambda s, r: cu.he_normal(s, rng=r), "normal", math.sqrt(2 / FAN_IN)),
    ("kaiming_normal_-fan_out", "kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"},
     lambda s, r: cu.he_normal(s, mode="fan_out", rng=r), "normal", math.sqrt(2 / FAN_OUT)),
    ("kaiming_normal_-leaky-a0.2", "kaiming_normal_", {"a": 0.2},
     lambda s, r: cu.he_normal(s, negative_slope=0.2, rng=r), "normal",
     math.sqrt(2 / (1.04 * FAN_IN))),
    ("kaiming_normal_-fan_out-a0.3", "kaiming_normal_", {"a": 0.3, "mode": "fan_out"},
     lambda s, r: cu.he_normal(s, mode="fan_out", negative_slope=0.3, rng=r), "normal",
     math.sqrt(2 / (1.09 * FAN_OUT))),
    ("kaiming_normal_-linear", "kaiming_normal_", {"nonlinearity": "linear"},
     lambda s, r: cu.lecun_normal(s, rng=r), "normal", math.sqrt(1 / FAN_IN)),
]


@pytest.mark.parametrize("init, options, ours, kind, std", [c[1:] for c in TORCH_CASES],
                         ids=[c[0] for c in TORCH_CASES])
def test_torch_initializers_match_ours(torch, init, options, ours, kind, std):
    theirs = _torch_draw(torch, getattr(torch.nn.init, init), cu.torch_shape_from_keras(SHAPE),
                         seed=0, **options)
    mine = ours(SHAPE, 0)
    bound = math.sqrt(3) * std if kind == "uniform" else None
    assert_sample(theirs, kind, std, bound)
    assert_sample(mine, kind, std, bound)
    assert_same_distribution(theirs, mine)


def test_torch_default_linear_init_is_the_course_xavier(torch):
    # nn.Linear / nn.Conv* weights: kaiming_uniform_(a=sqrt(5)) = U[-1/sqrt(fan_in), +].
    torch.manual_seed(0)
    layers = [(torch.nn.Linear(1000, 500), 1000), (torch.nn.Conv2d(64, 128, 5), 64 * 25)]
    for layer, fan_in in layers:
        weights = layer.weight.detach().numpy().astype(np.float64)
        keras_shape = cu.keras_shape_from_torch(tuple(layer.weight.shape))
        assert cu.fan_in_and_fan_out(keras_shape)[0] == fan_in
        bound = cu.xavier_limit(fan_in)
        assert bound == 1 / math.sqrt(fan_in)
        assert cu.SCHEMES["xavier"].limit(*cu.fan_in_and_fan_out(keras_shape)) == bound
        std = cu.xavier_std(fan_in)
        assert_sample(weights, "uniform", std, bound)
        ours = cu.xavier(keras_shape, rng=1)
        assert_sample(ours, "uniform", std, bound)
        assert_same_distribution(weights, ours)
        # He uniform with the leaky slope sqrt(5) is the same distribution, same limit.
        slope5 = cu.he_uniform(keras_shape, negative_slope=math.sqrt(5), rng=2)
        assert_sample(slope5, "uniform", std, bound)
        assert_same_distribution(weights, slope5)
        assert math.sqrt(6 / ((1 + 5) * fan_in)) == pytest.approx(bound, rel=1e-15)


def test_record_torch_names_exist(torch):
    for scheme in cu.SCHEMES.values():
        if scheme.torch is not None:
            assert callable(getattr(torch.nn.init, scheme.torch)), scheme.torch


# ======================================================================== Keras
@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch", reason="Keras is cross-checked on its torch backend, "
                                        "which needs PyTorch (requirements-reference.txt)")
    # Keras 3 reads its backend once, at import; torch is the one installed here. The
    # variable is restored afterwards so that later subprocesses (notebook kernels) do
    # not inherit it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_BACKEND", "torch")
        module = pytest.importorskip(
            "keras", reason="Keras is optional (requirements-reference.txt); "
                            "install it to cross-check keras.initializers")
    if module.backend.backend() != "torch":
        pytest.skip(f"keras was already imported with the {module.backend.backend()!r} backend")
    return module


def _keras_draw(keras, initializer):
    # On the torch backend an initializer returns a torch tensor.
    value = initializer(shape=SHAPE, dtype="float32")
    return value.detach().cpu().numpy().astype(np.float64)


def test_keras_truncation_constant(keras):
    from keras.src.initializers import random_initializers
    assert "0.87962566103423978" in inspect.getsource(random_initializers)
    assert abs(cu.TRUNCATED_NORMAL_STD - KERAS_TRUNCATED_STD) < 1e-15
    assert abs(float(stats.truncnorm(-2, 2).std()) - KERAS_TRUNCATED_STD) < 1e-15


@settings(max_examples=150, deadline=None)
@given(shape=keras_shapes())
def test_fans_match_keras_compute_fans(keras, shape):
    from keras.src.initializers.random_initializers import compute_fans
    assert tuple(int(f) for f in compute_fans(shape)) == cu.fan_in_and_fan_out(shape)


KERAS_CASES = [
    # (id, Keras class, its options, our sampler, kind, std)
    ("GlorotUniform", "GlorotUniform", {}, lambda s, r: cu.glorot_uniform(s, rng=r),
     "uniform", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("GlorotNormal", "GlorotNormal", {}, lambda s, r: cu.glorot_normal(s, truncated=True, rng=r),
     "truncnorm", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("HeUniform", "HeUniform", {}, lambda s, r: cu.he_uniform(s, rng=r),
     "uniform", math.sqrt(2 / FAN_IN)),
    ("HeNormal", "HeNormal", {}, lambda s, r: cu.he_normal(s, truncated=True, rng=r),
     "truncnorm", math.sqrt(2 / FAN_IN)),
    ("LecunUniform", "LecunUniform", {}, lambda s, r: cu.lecun_uniform(s, rng=r),
     "uniform", math.sqrt(1 / FAN_IN)),
    ("LecunNormal", "LecunNormal", {}, lambda s, r: cu.lecun_normal(s, truncated=True, rng=r),
     "truncnorm", math.sqrt(1 / FAN_IN)),
]
for _mode, _n in (("fan_in", FAN_IN), ("fan_out", FAN_OUT), ("fan_avg", (FAN_IN + FAN_OUT) / 2)):
    for _dist, _kind in (("truncated_normal", "truncnorm"), ("untruncated_normal", "normal"),
                         ("uniform", "uniform")):
        KERAS_CASES.append((
            f"VarianceScaling-{_mode}-{_dist}", "VarianceScaling",
            {"scale": 1.7, "mode": _mode, "distribution": _dist},
            (lambda mode, dist: lambda s, r: cu.variance_scaling(
                s, scale=1.7, mode=mode, distribution=dist, rng=r))(_mode, _dist),
            _kind, math.sqrt(1.7 / _n)))


@pytest.mark.parametrize("cls, options, ours, kind, std", [c[1:] for c in KERAS_CASES],
                         ids=[c[0] for c in KERAS_CASES])
def test_keras_initializers_match_ours(keras, cls, options, ours, kind, std):
    theirs = _keras_draw(keras, getattr(keras.initializers, cls)(seed=0, **options))
    mine = ours(SHAPE, 0)
    bound = {"uniform": math.sqrt(3) * std, "truncnorm": 2 * std / KERAS_TRUNCATED_STD,
             "normal": None}[kind]
    # Keras's rare untruncated survivors (~4e-6 per weight): allow up to 1e-4 outside.
    assert_sample(theirs, kind, std, bound, outside_allowed=1e-4 if kind == "truncnorm" else 0.0)
    assert_sample(mine, kind, std, bound)
    assert_same_distribution(theirs, mine)


def test_keras_defaults_quoted_by_the_course(keras):
    assert keras.initializers.RandomNormal().get_config()["stddev"] == 0.05
    uniform = keras.initializers.RandomUniform().get_config()
    assert (uniform["minval"], uniform["maxval"]) == (-0.05, 0.05)
    config = keras.initializers.VarianceScaling().get_config()
    defaults = inspect.signature(cu.variance_scaling).parameters
    assert config["scale"] == defaults["scale"].default
    assert config["mode"] == defaults["mode"].default
    assert config["distribution"] == defaults["distribution"].default


def test_record_keras_names_exist(keras):
    for scheme in cu.SCHEMES.values():
        if scheme.keras is not None:
            assert isinstance(getattr(keras.initializers, scheme.keras), type), scheme.keras
