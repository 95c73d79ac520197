"""Tests of course_utils.schemes: the SCHEMES records, their samplers, densities and names.

The statistical checks use the same rule as test_initializers.py: 5 standard
errors computed from the number of draws and the distribution's moments (false
failure probability < 1e-6 per check; the seed is fixed anyway).
"""

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate, stats

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
    if s.kind == "constant":
        assert std == 0.0
        assert np.all(x == np.float64(dtype(s.mean)))
        return
    assert x.mean() == pytest.approx(s.mean, abs=Z * std / math.sqrt(n))
    se_std = std * math.sqrt((EXCESS_KURTOSIS[s.kind] + 2.0) / (4.0 * n))
    assert x.std() == pytest.approx(std, abs=Z * se_std)
    if s.kind == "uniform":
        high = s.limit(FAN_IN, FAN_OUT)
        low = 2.0 * s.mean - high
        slack = 4 * np.finfo(dtype).eps * max(abs(low), abs(high))
        assert low - slack <= x.min() and x.max() <= high + slack
        reach = (high - low) * EDGE_TAIL / n
        assert x.max() >= high - reach and x.min() <= low + reach
        assert std == pytest.approx((high - low) / math.sqrt(12.0), rel=1e-12)
    else:
        assert s.limit(FAN_IN, FAN_OUT) is None
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


def test_records_sample_what_their_scale_mode_and_distribution_say():
    # The sampler a record names draws, seed for seed, what the record's own numbers
    # (scale, mode, distribution, mean) describe: the two cannot drift apart.
    shape = (30, 50)
    for s in SCHEMES.values():
        got = s.sample(shape, rng=9)
        if s.fan_scaled:
            want = cu.variance_scaling(shape, scale=s.scale, mode=s.mode,
                                       distribution=s.distribution, rng=9)
        elif s.kind == "constant":
            want = np.full(shape, s.mean)
        elif s.kind == "normal":
            want = cu.random_normal(shape, mean=s.mean, std=math.sqrt(s.scale), rng=9)
        else:
            high = s.limit(*shape)
            want = cu.random_uniform(shape, low=2 * s.mean - high, high=high, rng=9)
        np.testing.assert_array_equal(got, want, err_msg=s.name)


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
    assert SCHEMES["constant"].mean == CONSTANT_VALUE
    # Vectorised over fans like the bounds helpers, fan-scaled or not.
    np.testing.assert_array_equal(SCHEMES["he_normal"].std(np.arange(1, 5), 3),
                                  cu.he_std(np.arange(1, 5)))
    assert SCHEMES["random_normal"].std(np.arange(1, 5), 3).shape == (4,)


# n Var[w] from each paper's formula, for fan-in n and fan-out m (Glorot: 2n/(n+m)).
CLOSED_FORM_WEIGHT_VAR = {
    "zeros": lambda n, m: 0.0, "constant": lambda n, m: 0.0,
    "random_normal": lambda n, m: n, "random_uniform": lambda n, m: n / 12,
    "xavier": lambda n, m: 1 / 3, "normalized_xavier": lambda n, m: 2 * n / (n + m),
    "glorot_normal": lambda n, m: 2 * n / (n + m), "he_uniform": lambda n, m: 2.0,
    "he_normal": lambda n, m: 2.0, "lecun_uniform": lambda n, m: 1.0,
    "lecun_normal": lambda n, m: 1.0,
}


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_weight_var_is_the_closed_form_n_var_w(name):
    s = SCHEMES[name]
    for n, m in ((10, 20), (64, 64), (300, 100)):
        assert s.weight_var(n, m) == pytest.approx(CLOSED_FORM_WEIGHT_VAR[name](n, m), rel=1e-12)
        assert s.weight_var(n, m) == pytest.approx(n * s.std(n, m) ** 2, rel=1e-12)
    assert s.weight_var(64) == s.weight_var(64, 64)             # fan_out defaults to fan_in
    widths = np.arange(1, 6)
    np.testing.assert_allclose(s.weight_var(widths),
                               [CLOSED_FORM_WEIGHT_VAR[name](n, n) for n in widths], rtol=1e-12)


def test_weight_var_is_one_value_at_every_width():
    # The panels key mean-field caches by it: 120 * sqrt(2/120)**2 is 2.0000000000000004,
    # and every width must give 2.0 itself.
    for name, value in (("he_normal", 2.0), ("lecun_normal", 1.0), ("normalized_xavier", 1.0),
                        ("xavier", 1 / 3)):
        assert {SCHEMES[name].weight_var(n) for n in range(1, 1025)} == {value}
    with pytest.raises(ValueError, match="fan_in must contain only positive integers, got 0"):
        SCHEMES["he_normal"].weight_var(0)
    with pytest.raises(ValueError, match="fan_in must contain only positive integers, got 0"):
        SCHEMES["random_normal"].weight_var(0)


def test_mean_field_applies_to_the_zero_mean_schemes_with_a_spread():
    assert {name for name, s in SCHEMES.items() if not s.mean_field_applies} == {
        "zeros", "constant", "random_uniform"}


def test_fan_scaled_property():
    scaled = {name for name, s in SCHEMES.items() if s.fan_scaled}
    assert scaled == {"xavier", "normalized_xavier", "glorot_normal", "he_uniform", "he_normal",
                      "lecun_uniform", "lecun_normal"}
    for s in SCHEMES.values():     # the derived flag says what the std does
        assert (s.std(1, 1) != s.std(100, 100)) == s.fan_scaled, s.name


def test_a_record_refuses_inconsistent_numbers():
    with pytest.raises(ValueError, match="distribution must be one of constant, uniform, "
                                         "untruncated_normal, truncated_normal; got 'normal'"):
        Scheme(name="x", title="x", sampler=cu.zeros, distribution="normal", scale=1.0)
    with pytest.raises(ValueError, match="mode must be None or one of fan_in, fan_out, fan_avg; "
                                         "got 'fan_sum'"):
        Scheme(name="x", title="x", sampler=cu.zeros, distribution="uniform", scale=1.0,
               mode="fan_sum")
    with pytest.raises(ValueError, match="scale must be 0 exactly for a constant scheme, got 1.0"):
        Scheme(name="x", title="x", sampler=cu.zeros, distribution="constant", scale=1.0)


def _linear_rgb(color):
    rgb = np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(color, cvd=None):
    """CIE L*a*b* (D65) of a '#rrggbb' colour, as seen with normal vision or, with ``cvd``,
    as simulated for full deuteranopia or protanopia (Machado, Oliveira & Fernandes 2009,
    severity 1, applied to linear RGB)."""
    rgb = _linear_rgb(color)
    if cvd is not None:
        rgb = np.clip(_MACHADO[cvd] @ rgb, 0.0, 1.0)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


_MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


def _ciede2000(lab1, lab2):
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005), kL = kC = kH = 1."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, a2)) % 360 if c2 else 0.0
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_big_h = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_bar, c_bar = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_bar, 1 + 0.015 * c_bar * t
    r_c = 2 * math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7))
    r_t = -math.sin(math.radians(60 * math.exp(-((h_bar - 275) / 25) ** 2))) * r_c
    terms = ((l2 - l1) / s_l, (c2 - c1) / s_c, d_big_h / s_h)
    return math.sqrt(terms[0] ** 2 + terms[1] ** 2 + terms[2] ** 2 + r_t * terms[1] * terms[2])


def _hue_difference(lab1, lab2):
    """CIEDE2000 with the lightness term removed (each colour given the other's L*), the
    smaller of the two ways: how far apart two colours are in hue and chroma alone."""
    return min(_ciede2000(lab1, np.array([lab1[0], *lab2[1:]])),
               _ciede2000(lab2, np.array([lab2[0], *lab1[1:]])))


def _contrast_on_white(color):
    """WCAG 2 contrast ratio of a colour against white (1 to 21)."""
    luminance = float(np.array([0.2126, 0.7152, 0.0722]) @ _linear_rgb(color))
    return 1.05 / (luminance + 0.05)


def test_colour_difference_helpers_reproduce_published_values():
    # Sharma, Wu & Dalal (2005), Table 1: pairs 1, 7, 17, 25 and 34 (given to 4 decimals).
    for lab1, lab2, want in [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
                             ((50, 0, 0), (50, -1, 2), 2.3669),
                             ((50, 2.5, 0), (73, 25, -18), 27.1492),
                             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
                             ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082)]:
        assert _ciede2000(lab1, lab2) == pytest.approx(want, abs=1e-4)
        assert _ciede2000(lab2, lab1) == pytest.approx(want, abs=1e-4)
    assert _lab("#ffffff")[0] == pytest.approx(100.0, abs=0.01)     # the conversion itself
    assert np.allclose(_lab("#000000"), 0.0, atol=1e-9)
    assert _contrast_on_white("#000000") == pytest.approx(21.0)
    # A colour blind viewer sees red and green nearly alike; the simulation says so.
    red, green = "#d62728", "#2ca02c"
    assert _ciede2000(_lab(red), _lab(green)) > 50
    assert _ciede2000(_lab(red, "deuteranopia"), _lab(green, "deuteranopia")) < 10
    assert _hue_difference(_lab("#1f77b4"), _lab("#aec7e8")) < 10      # a light and a dark blue


def _closest(names, distance):
    return min((distance(a, b), a, b) for i, a in enumerate(names) for b in names[i + 1:])


# The two achromatic schemes: grey (zeros) and black (lecun_normal) differ in lightness alone,
# by 53 L* units, which colour blindness does not reduce.
_ACHROMATIC = {"zeros", "lecun_normal"}


def test_no_two_schemes_share_a_near_identical_colour():
    names = list(SCHEMES)
    lab = {n: _lab(SCHEMES[n].color) for n in names}
    # CIEDE2000 of about 1 is just noticeable side by side; 15 keeps two thin lines apart at
    # a glance in a legend (closest pair: random_normal's brown and glorot_normal's red, 16.2).
    closest = _closest(names, lambda a, b: _ciede2000(lab[a], lab[b]))
    assert closest[0] >= 15.0, closest
    # Apart in hue and chroma, not only in lightness: a light and a dark blue (the old
    # lecun_normal #aec7e8 against xavier #1f77b4) score 9.0 here; the closest pair now,
    # random_uniform's pink and lecun_uniform's purple, 13.3.
    chromatic = [n for n in names if n not in _ACHROMATIC]
    closest = _closest(chromatic, lambda a, b: _hue_difference(lab[a], lab[b]))
    assert closest[0] >= 12.0, closest
    assert abs(lab["zeros"][0] - lab["lecun_normal"][0]) > 50
    # Readable as a thin line on white: WCAG contrast at least 2.5 (the lightest,
    # normalized_xavier's orange, is 2.53; WCAG's 3:1 for graphics would rule out the
    # orange that notebooks 05 and 07 name).
    faintest = min((_contrast_on_white(SCHEMES[n].color), n) for n in names)
    assert faintest[0] >= 2.5, faintest


# Schemes the notebooks draw in one figure: 05 (standard vs normalized), 06 (He, LeCun,
# standard) and the decision guide's picks; notebook 01's plot of the seven fan-scaled ones.
_TOGETHER = ("xavier", "normalized_xavier", "he_normal", "lecun_normal")
_FAN_SCALED = ("xavier", "normalized_xavier", "glorot_normal", "he_uniform", "he_normal",
               "lecun_uniform", "lecun_normal")


@pytest.mark.parametrize("cvd", ["deuteranopia", "protanopia"])
def test_schemes_drawn_together_stay_apart_for_red_green_colour_blindness(cvd):
    # Eleven colours cannot all survive a red-green deficiency (the baselines' olive and the
    # orange fall to 4.7); the schemes compared in one figure do. Thresholds: the figure
    # groups at 15 (measured 17.6, xavier vs he_normal under deuteranopia), the seven
    # fan-scaled ones at 8 (measured 9.0, xavier vs lecun_uniform; the old palette: 1.3).
    lab = {n: _lab(SCHEMES[n].color, cvd) for n in SCHEMES}
    closest = _closest(list(_TOGETHER), lambda a, b: _ciede2000(lab[a], lab[b]))
    assert closest[0] >= 15.0, closest
    closest = _closest(list(_FAN_SCALED), lambda a, b: _ciede2000(lab[a], lab[b]))
    assert closest[0] >= 8.0, closest


def test_the_decision_guide_is_read_from_the_records():
    from course_utils.schemes import GUIDE
    assert dict(GUIDE) == {"sigmoid": "normalized_xavier", "tanh": "normalized_xavier",
                           "relu": "he_normal", "leaky_relu": "he_normal",
                           "linear": "lecun_normal"}
    for activation, name in GUIDE.items():        # the guide only picks what a record is for
        assert activation in SCHEMES[name].activations


# ------------------------------------------------------------ densities
@pytest.mark.parametrize("name", EXPECTED_NAMES)
@pytest.mark.parametrize("fan_in, fan_out", [(1, 1), (10, 20), (400, 600)])
def test_pdf_integrates_to_one(name, fan_in, fan_out):
    s = SCHEMES[name]
    if s.kind == "constant":
        assert s.pdf([0.0, 1.0], fan_in, fan_out) is None
        return
    std = s.std(fan_in, fan_out)
    lo, hi = s.mean - 12 * std, s.mean + 12 * std
    breaks = None
    if s.kind == "uniform":
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
    he = SCHEMES["he_normal"]
    assert (he.keras, he.torch) == ("HeNormal", "kaiming_normal_")
    assert SCHEMES["he_uniform"].keras == "HeUniform" and SCHEMES["he_uniform"].torch == "kaiming_uniform_"
    gn = SCHEMES["glorot_normal"]
    assert (gn.keras, gn.torch) == ("GlorotNormal", "xavier_normal_")
    assert SCHEMES["lecun_uniform"].keras == "LecunUniform"
    assert SCHEMES["lecun_normal"].keras == "LecunNormal"
    assert (SCHEMES["zeros"].keras, SCHEMES["zeros"].torch) == ("Zeros", "zeros_")
    assert (SCHEMES["constant"].keras, SCHEMES["constant"].torch) == ("Constant", "constant_")
    assert (SCHEMES["random_normal"].keras, SCHEMES["random_normal"].torch) == ("RandomNormal",
                                                                              "normal_")
    assert (SCHEMES["random_uniform"].keras, SCHEMES["random_uniform"].torch) == ("RandomUniform",
                                                                                "uniform_")
    # MLM's "xavier" is not Glorot's: neither framework has a function of that name.
    assert SCHEMES["xavier"].keras is None and SCHEMES["xavier"].torch is None
    # Keras truncates its normal initializers; the record says so.
    for name in ("glorot_normal", "he_normal", "lecun_normal"):
        assert SCHEMES[name].keras_note == "truncated"


def test_records_are_filled_in():
    for s in SCHEMES.values():
        assert s.title and (s.keras or s.keras_note) and (s.torch or s.torch_note)
        assert (s.paper is not None) == s.fan_scaled     # the baselines come from no paper
        assert s.kind in ("constant", "normal", "uniform")
        assert set(s.article_names) <= {MLM, GFG, AV}
        assert (s.limit(10, 20) is not None) == (s.kind == "uniform")
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
    assert by_name["xavier"]["Keras"] == "(none; LecunUniform is sqrt(3/n))"
    assert by_name["lecun_normal"]["PyTorch"] == "kaiming_normal_ (linear gain)"
    # A fresh list each call: a caller may edit its copy without touching SCHEMES.
    rows[0]["course"] = "changed"
    assert naming_table()[0]["course"] == "zeros"


def test_truncated_normal_density_of_a_keras_style_record():
    # No course record is truncated, but the derivation must hold for one that is:
    # Keras's HeNormal (std sigma kept by widening to sigma/0.8796, cut at 2 of those).
    import functools
    s = Scheme(name="he_normal_keras", title="He normal, truncated",
               sampler=functools.partial(cu.he_normal, truncated=True),
               distribution="truncated_normal", **cu.FAMILIES["he"])
    sigma = s.std(50, 10)
    cut = 2 * sigma / cu.TRUNCATED_NORMAL_STD
    total, _ = integrate.quad(lambda t: float(s.pdf(t, 50, 10)), -cut, cut, limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)
    assert float(s.pdf(cut * 1.0001, 50, 10)) == 0.0
    w = s.sample((50, 20_000), rng=SEED)
    kurtosis = float(stats.truncnorm(-2, 2).stats(moments="k"))      # excess, about -0.63
    se = sigma * math.sqrt((kurtosis + 2) / (4 * w.size))
    assert abs(w.std() - sigma) <= Z * se
    assert np.abs(w).max() <= cut


def test_the_guides_sigmoid_pick_says_what_it_costs():
    # GUIDE['sigmoid'] is the sources' pairing (Glorot), not a cure: its record's note says
    # so with numbers that must stay those of the mean field.
    from course_utils import mean_field as mf
    from course_utils.panels.capstone import sigmoid_critical
    from course_utils.schemes import GUIDE
    note = SCHEMES[GUIDE["sigmoid"]].note
    critical, q_star, saturated = sigmoid_critical()
    assert f"chi = {mf.backward_gain('sigmoid', 1.0):.3f}" in note            # 0.056
    assert f"n·Var[w] = {critical:.0f}" in note and f"q* = {q_star:.0f}" in note   # 103, 46
    assert 0.45 < saturated < 0.55 and "about half the units" in note
    assert "offset of 1/2" in note and "prefer tanh or ReLU" in note
