"""Tests of course_utils.schemes: the SCHEMES records, their samplers, densities and names.

The statistical checks use the same rule as test_initializers.py: 5 standard
errors computed from the number of draws and the distribution's moments (false
failure probability < 1e-6 per check; the seed is fixed anyway).
"""

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate

import course_utils as cu
from course_utils import CONSTANT_VALUE, SCHEMES, Scheme, naming_table
from course_utils.schemes import AV, GFG, MLM

SEED = 4321
SHAPE = (400, 600)            # 240,000 draws per scheme
FAN_IN, FAN_OUT = SHAPE
Z = 5.0
EDGE_TAIL = 14.0              # the extremes come within 14/N of the bound (miss prob e**-14)
EXCESS_KURTOSIS = {"normal": 0.0, "uniform": -1.2}

EXPECTED_NAMES = [
    "zeros", "constant", "random_normal", "random_uniform", "xavier", "normalized_xavier",
    "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
]


def test_scheme_names_and_order():
    assert list(SCHEMES) == EXPECTED_NAMES
    for name, scheme in SCHEMES.items():
        assert isinstance(scheme, Scheme) and scheme.name == name


# ------------------------------------------------------------ read-only
def test_schemes_mapping_is_read_only():
    with pytest.raises(TypeError):
        SCHEMES["mine"] = SCHEMES["xavier"]
    with pytest.raises(TypeError):
        SCHEMES["xavier"] = SCHEMES["he_normal"]
    with pytest.raises(TypeError):
        del SCHEMES["zeros"]
    assert not hasattr(SCHEMES, "update") and not hasattr(SCHEMES, "pop")
    assert list(SCHEMES) == EXPECTED_NAMES


def test_scheme_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCHEMES["xavier"].keras = "GlorotUniform"
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCHEMES["he_normal"].sampler = cu.he_uniform


# ------------------------------------------------------------ samplers vs records
@pytest.mark.parametrize("name", EXPECTED_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_record_samples_with_its_own_mean_std_and_limit(name, dtype):
    s = SCHEMES[name]
    w = s.sample(SHAPE, rng=SEED, dtype=dtype)
    assert w.shape == SHAPE and w.dtype == dtype
    x = w.astype(np.float64).ravel()
    n = x.size
    std = s.std(FAN_IN, FAN_OUT)
    if s.distribution == "constant":
        assert std == 0.0
        assert np.all(x == np.float64(dtype(s.mean)))
        return
    assert x.mean() == pytest.approx(s.mean, abs=Z * std / math.sqrt(n))
    se_std = std * math.sqrt((EXCESS_KURTOSIS[s.distribution] + 2.0) / (4.0 * n))
    assert x.std() == pytest.approx(std, abs=Z * se_std)
    if s.distribution == "uniform":
        high = s.limit(FAN_IN, FAN_OUT)
        low = 2.0 * s.mean - high
        slack = 4 * np.finfo(dtype).eps * max(abs(low), abs(high))
        assert low - slack <= x.min() and x.max() <= high + slack
        reach = (high - low) * EDGE_TAIL / n
        assert x.max() >= high - reach and x.min() <= low + reach
        assert std == pytest.approx((high - low) / math.sqrt(12.0), rel=1e-12)
    else:
        assert s.limit is None
        # An untruncated normal: 4.55% of draws lie beyond 2 std (5 binomial SEs).
        p = 0.0455002638963584
        beyond = np.mean(np.abs(x - s.mean) > 2 * std)
        assert abs(beyond - p) <= Z * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_record_is_deterministic_and_matches_its_sampler(name):
    s = SCHEMES[name]
    a = s.sample((20, 30), rng=5)
    np.testing.assert_array_equal(a, s.sample((20, 30), rng=5))
    np.testing.assert_array_equal(a, s.sampler((20, 30), rng=5, **s.kwargs))


def test_records_point_at_the_package_samplers():
    expected = {
        "zeros": cu.zeros, "constant": cu.constant, "random_normal": cu.random_normal,
        "random_uniform": cu.random_uniform, "xavier": cu.xavier,
        "normalized_xavier": cu.normalized_xavier, "glorot_normal": cu.glorot_normal,
        "he_uniform": cu.he_uniform, "he_normal": cu.he_normal,
        "lecun_uniform": cu.lecun_uniform, "lecun_normal": cu.lecun_normal,
    }
    for name, sampler in expected.items():
        assert SCHEMES[name].sampler is sampler
    assert SCHEMES["normalized_xavier"].sampler is cu.glorot_uniform
    assert dict(SCHEMES["constant"].kwargs) == {"value": CONSTANT_VALUE}
    assert SCHEMES["constant"].mean == CONSTANT_VALUE


def test_records_theory_matches_bounds_helpers():
    n, m = 10, 20
    assert SCHEMES["xavier"].limit(n, m) == cu.xavier_limit(n) == 0.31622776601683794
    assert SCHEMES["normalized_xavier"].limit(n, m) == 0.44721359549995787
    assert SCHEMES["he_normal"].std(n, m) == 0.4472135954999579
    assert SCHEMES["glorot_normal"].std(n, m) == cu.glorot_std(n, m)
    assert SCHEMES["he_uniform"].limit(n, m) == cu.he_limit(n)
    assert SCHEMES["lecun_normal"].std(n, m) == cu.lecun_std(n)
    assert SCHEMES["random_normal"].std(n, m) == 1.0
    assert SCHEMES["random_uniform"].limit(n, m) == 1.0 and SCHEMES["random_uniform"].mean == 0.5


def test_fan_scaled_property():
    scaled = {name for name, s in SCHEMES.items() if s.fan_scaled}
    assert scaled == {"xavier", "normalized_xavier", "glorot_normal", "he_uniform", "he_normal",
                      "lecun_uniform", "lecun_normal"}


# ------------------------------------------------------------ densities
@pytest.mark.parametrize("name", EXPECTED_NAMES)
@pytest.mark.parametrize("fan_in, fan_out", [(1, 1), (10, 20), (400, 600)])
def test_pdf_integrates_to_one(name, fan_in, fan_out):
    s = SCHEMES[name]
    if s.distribution == "constant":
        assert s.pdf([0.0, 1.0], fan_in, fan_out) is None
        return
    std = s.std(fan_in, fan_out)
    lo, hi = s.mean - 12 * std, s.mean + 12 * std
    breaks = None
    if s.distribution == "uniform":
        high = s.limit(fan_in, fan_out)
        breaks = [2 * s.mean - high, high]          # quad needs the density's jumps
    total, _ = integrate.quad(lambda t: float(s.pdf(t, fan_in, fan_out)), lo, hi,
                              points=breaks, limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("name", ["xavier", "normalized_xavier", "he_uniform", "random_uniform"])
def test_uniform_pdf_support(name):
    s = SCHEMES[name]
    high = s.limit(10, 20)
    low = 2 * s.mean - high
    density = s.pdf([low - 1e-9, low, (low + high) / 2, high, high + 1e-9], 10, 20)
    np.testing.assert_allclose(density, [0, 1 / (high - low), 1 / (high - low), 1 / (high - low), 0])


def test_normal_pdf_peak():
    s = SCHEMES["he_normal"]
    assert float(s.pdf(0.0, 10, 20)) == pytest.approx(1 / (he := cu.he_std(10)) / math.sqrt(2 * math.pi))
    assert float(s.pdf(he, 10, 20)) == pytest.approx(float(s.pdf(0.0, 10, 20)) * math.exp(-0.5))


# ------------------------------------------------------------ names
def test_key_names_as_course_facts_state():
    nx = SCHEMES["normalized_xavier"]
    assert (nx.keras, nx.torch, nx.article_names[MLM]) == ("GlorotUniform", "xavier_uniform_",
                                                           "normalized xavier")
    assert SCHEMES["xavier"].article_names[MLM] == "xavier"
    assert "GlorotUniform" not in SCHEMES["xavier"].keras     # MLM's "xavier" is not Glorot's
    he = SCHEMES["he_normal"]
    assert he.keras.split()[0] == "HeNormal" and he.torch == "kaiming_normal_"
    assert SCHEMES["he_uniform"].keras == "HeUniform" and SCHEMES["he_uniform"].torch == "kaiming_uniform_"
    gn = SCHEMES["glorot_normal"]
    assert gn.keras.split()[0] == "GlorotNormal" and gn.torch == "xavier_normal_"
    assert SCHEMES["lecun_uniform"].keras == "LecunUniform"
    assert SCHEMES["lecun_normal"].keras.split()[0] == "LecunNormal"
    assert (SCHEMES["zeros"].keras, SCHEMES["zeros"].torch) == ("Zeros", "zeros_")
    assert (SCHEMES["constant"].keras, SCHEMES["constant"].torch) == ("Constant", "constant_")
    assert SCHEMES["random_normal"].keras.split()[0] == "RandomNormal"
    assert SCHEMES["random_normal"].torch == "normal_"
    assert SCHEMES["random_uniform"].keras.split()[0] == "RandomUniform"
    assert SCHEMES["random_uniform"].torch == "uniform_"
    # Keras truncates its normal initializers; the record says so.
    for name in ("glorot_normal", "he_normal", "lecun_normal"):
        assert "truncated" in SCHEMES[name].keras


def test_records_are_filled_in():
    for s in SCHEMES.values():
        assert s.title and s.paper and s.keras and s.torch
        assert s.distribution in ("constant", "normal", "uniform")
        assert set(s.article_names) <= {MLM, GFG, AV}
        assert (s.limit is not None) == (s.distribution == "uniform")
    assert "Glorot" in SCHEMES["normalized_xavier"].paper and "2010" in SCHEMES["xavier"].paper
    assert "He" in SCHEMES["he_normal"].paper and "2015" in SCHEMES["he_normal"].paper
    for name in ("he_uniform", "he_normal"):
        assert "relu" in SCHEMES[name].activations
    for name in ("normalized_xavier", "glorot_normal"):
        assert "tanh" in SCHEMES[name].activations


def test_naming_table_rows():
    rows = naming_table()
    assert [r["course"] for r in rows] == EXPECTED_NAMES
    for row in rows:
        assert set(row) == {"course", "Keras", "PyTorch", MLM, GFG, AV}
        assert all(isinstance(v, str) for v in row.values())
    by_name = {r["course"]: r for r in rows}
    assert by_name["normalized_xavier"][MLM] == "normalized xavier"
    assert by_name["normalized_xavier"]["Keras"] == "GlorotUniform"
    assert by_name["normalized_xavier"]["PyTorch"] == "xavier_uniform_"
    assert by_name["xavier"][MLM] == "xavier"
    assert by_name["he_normal"]["PyTorch"] == "kaiming_normal_"
    assert by_name["lecun_uniform"][AV] == ""           # no article names it
    # A fresh list each call: a caller may edit its copy without touching SCHEMES.
    rows[0]["course"] = "changed"
    assert naming_table()[0]["course"] == "zeros"
