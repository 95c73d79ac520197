"""The models of notebooks 04-07's slider panels (course_utils.panels), against theory.

No kernel and no matplotlib: each model is a function returning the numbers
its panel draws and prints, so these tests check the picture's content.
"""

import math

import numpy as np
import pytest

import course_utils as cu
from course_utils import mean_field as mf
from course_utils.panels import fmt
from course_utils.panels.capstone import caption as capstone_caption, capstone_profile, diagnosis
from course_utils.panels.he import caption as he_caption
from course_utils.panels.glorot import FORMS, glorot_histogram
from course_utils.panels.he import HE_SCHEMES, depth_profiles, he_profile, weight_var
from course_utils.panels.xavier import xavier_histogram
from course_utils.schemes import GUIDE


# ------------------------------------------------------------------ 04: xavier
@pytest.mark.parametrize("fan_in", [1, 10, 100])
def test_xavier_histogram_matches_the_scheme(fan_in):
    h = xavier_histogram(fan_in, 20, n_weights=5000, seed=0)
    assert h.limit == cu.xavier_limit(fan_in) and h.std == cu.xavier_std(fan_in)
    assert h.glorot_limit == cu.glorot_limit(fan_in, 20)
    # Every draw lies inside the limits, the histogram spans them and has area 1.
    assert -h.limit <= h.sample_min < h.sample_max <= h.limit
    assert (h.edges[0], h.edges[-1]) == (-h.limit, h.limit)
    assert np.sum(h.heights * np.diff(h.edges)) == pytest.approx(1.0, rel=1e-12)
    # A uniform sample's std has relative SE sqrt(0.8 / (4 N)) = 0.63% for N = 5,000;
    # 3% is ~5 SE. The bins' mean height is the flat density 1/(2L) exactly.
    assert h.sample_std == pytest.approx(h.std, rel=0.03)
    assert np.mean(h.heights) == pytest.approx(h.density, rel=1e-12)
    assert h.density == pytest.approx(1 / (2 * cu.xavier_limit(fan_in)), rel=1e-15)


def test_xavier_histogram_ignores_the_fan_out():
    a, b = xavier_histogram(10, 1, seed=3), xavier_histogram(10, 256, seed=3)
    np.testing.assert_array_equal(a.heights, b.heights)
    assert a.glorot_limit > b.glorot_limit            # only the normalized limits move
    assert not np.array_equal(a.heights, xavier_histogram(10, 1, seed=4).heights)


# ------------------------------------------------------------------ 05: glorot
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fans", [(10, 20), (256, 4), (64, 64)])
def test_glorot_histogram_variance_factors(form, fans):
    n, m = fans
    h = glorot_histogram(form, n, m, n_weights=20_000, seed=1)
    assert h.std == cu.glorot_std(n, m) and h.limit == cu.glorot_limit(n, m)
    assert h.forward == pytest.approx(2 * n / (n + m), rel=1e-12)
    assert h.backward == pytest.approx(2 * m / (n + m), rel=1e-12)
    assert (h.forward + h.backward) / 2 == pytest.approx(1.0, rel=1e-12)
    # Every form has variance 2/(n+m). For >= 20,000 draws the relative SE of the std
    # is at most sqrt(0.8 / (4 N)) = 0.32% (uniform; 0.5% for the normal); 2.5% is ~5 SE.
    assert h.n_weights >= 20_000
    assert h.sample_std == pytest.approx(h.std, rel=0.025)
    assert h.sample_forward / h.forward == pytest.approx(h.sample_backward / h.backward, rel=1e-12)
    # The theoretical density integrates to 1 over the plotted range (the plain
    # normal loses its tails beyond 3.5 sigma: 0.047%).
    mass = np.trapezoid(h.theory, h.x)
    assert mass == pytest.approx(1.0 if form != "normal" else math.erf(3.5 / math.sqrt(2)), abs=2e-3)


def test_glorot_forms_cut_where_the_frameworks_do():
    u = glorot_histogram("uniform", 10, 20)
    assert u.cutoff == u.limit == pytest.approx(math.sqrt(3) * u.std, rel=1e-12)
    assert u.sample_max <= u.limit
    assert glorot_histogram("normal", 10, 20).cutoff is None
    t = glorot_histogram("truncated", 10, 20, n_weights=20_000)
    # Keras: draw with std sigma / 0.8796 and cut at 2 of those stds.
    assert t.draw_std == pytest.approx(t.std / 0.87962566103423978, rel=1e-12)
    assert t.cutoff == pytest.approx(2 * t.draw_std, rel=1e-12)
    assert t.sample_max <= t.cutoff
    # PyTorch's trunc_normal_(std=sigma, a=-2 sigma, b=2 sigma) leaves 0.8796 sigma; its
    # default a=-2, b=2 are absolute: 2 / sigma = 7.7 stds here, so it barely cuts.
    assert t.torch_trunc_std == pytest.approx(0.87962566103423978 * t.std, rel=1e-12)
    assert t.torch_default_cut == pytest.approx(2 / t.std, rel=1e-12) and t.torch_default_cut > 7
    # The trapezoid rule on the 0.01 grid counts half a grid step beyond each cut:
    # about 0.005 * 2 * phi(2) / 0.954 * 4 = 0.0023 in variance, 0.15% in std; rel 3e-3.
    torch_var = np.trapezoid(t.torch_trunc * t.x ** 2, t.x)
    assert math.sqrt(torch_var) == pytest.approx(0.87962566103423978, rel=3e-3)
    keras_var = np.trapezoid(t.theory * t.x ** 2, t.x)
    assert math.sqrt(keras_var) == pytest.approx(1.0, rel=3e-3)   # Keras's correction works
    assert glorot_histogram("uniform", 10, 20).torch_trunc is None


def test_glorot_histogram_is_seeded():
    a, b = glorot_histogram("normal", 10, 20, seed=5), glorot_histogram("normal", 10, 20, seed=5)
    np.testing.assert_array_equal(a.heights, b.heights)
    assert a.sample_std != glorot_histogram("normal", 10, 20, seed=6).sample_std


def test_glorot_histogram_bad_form():
    with pytest.raises(ValueError, match="form must be one of"):
        glorot_histogram("gaussian", 10, 20)


# ------------------------------------------------------------ 06, 07: depth panels
# All depth tests use the panels' own experiment (width <= 120, batch 32, seed 0): the
# numbers are deterministic; the tolerances say how far a finite network may sit from
# the mean-field line and why that is safe at this size.

def test_weight_var_is_n_times_the_scheme_variance():
    for name in ("he_normal", "he_uniform", "lecun_normal", "xavier", "normalized_xavier"):
        assert weight_var(name, 64) == pytest.approx(64 * cu.SCHEMES[name].std(64, 64) ** 2)
    assert weight_var("he_normal", 120) == pytest.approx(2.0)
    assert weight_var("xavier", 120) == pytest.approx(1 / 3)
    assert math.isnan(weight_var("random_uniform", 64))       # not zero-mean: no prediction


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_he_profile_relu_family_ratio_per_layer(activation):
    p = he_profile(activation, width=120, depth=30)
    assert p.schemes == tuple(HE_SCHEMES)
    a2 = 0.0 if activation == "relu" else cu.gains.LEAKY_SLOPE ** 2
    expected = np.sqrt(p.weight_var * (1 + a2) / 2)            # He et al. 2015
    predicted = p.predicted_signal_ratio ** (1 / 29)
    np.testing.assert_allclose(predicted, expected, rtol=1e-9)
    np.testing.assert_allclose(p.chi, p.weight_var * (1 + a2) / 2, rtol=1e-9)
    # Measured: each layer's std wobbles by ~1/sqrt(width) = 9% at random; the geometric
    # mean over 29 layers is within ~9%/sqrt(29) = 1.7% per layer (1 SE); rtol 5% is ~3 SE.
    np.testing.assert_allclose(p.signal_ratio ** (1 / 29), expected, rtol=0.05)
    np.testing.assert_allclose(p.gradient_gain[:, 0] ** (1 / 29), expected, rtol=0.05)


def test_he_profile_tanh_settles_and_its_gradients_grow():
    p = he_profile("tanh", width=120, depth=30)
    he = p.schemes.index("he_normal")
    q_star = mf.fixed_point("tanh", 2.0)
    assert q_star == pytest.approx(0.618, abs=5e-4)
    # Predicted: the activation std settles at sqrt(E[tanh(sqrt(q*) z)^2]) = 0.556 and
    # the gradient's variance grows by chi = 1.106 per layer going down.
    assert p.predicted_std[he, -1] == pytest.approx(0.556, abs=5e-4)
    assert p.chi[he] == pytest.approx(mf.backward_gain("tanh", 2.0), rel=1e-6)
    assert p.chi[he] == pytest.approx(1.106, abs=5e-4)
    # Measured at width 120: within 5% of the fixed point (the std of a 3,840-value
    # sample scatters by ~1%, the finite width by a few %), and almost no unit saturates.
    assert p.activation_std[he, -1] == pytest.approx(0.556, rel=0.05)
    assert p.inactive[he, -1] < 0.05
    # The gradient grows from layer 30 down to layer 1, as predicted to within a factor 1.5
    # (the log of a 29-layer product of per-layer wobbles of ~1/sqrt(width)).
    assert 1.5 ** -1 < p.gradient_gain[he, 0] / p.predicted_gain[he, 0] < 1.5
    assert p.gradient_gain[he, 0] > 2                          # grows, not vanishes


def test_depth_profiles_predictions_are_mean_field_layer_profiles():
    for activation in ("tanh", "relu", "sigmoid"):
        p = depth_profiles(("he_normal", "xavier"), activation, width=96, depth=12)
        for i, name in enumerate(p.schemes):
            lp = mf.layer_profile(activation, p.weight_var[i], 12)
            np.testing.assert_allclose(p.predicted_std[i], lp.std, rtol=1e-12)
            # The gain from layer 12 down to each layer is the ratio of the predicted
            # gradient stds of a 12-layer network, whose top gradient enters at layer 12.
            np.testing.assert_allclose(p.predicted_gain[i], lp.gradient_std / lp.gradient_std[-1],
                                       rtol=1e-9)
            assert p.chi[i] == pytest.approx(lp.chi[-1], rel=1e-12)


def test_depth_profiles_gain_matches_a_network_that_is_that_deep():
    # The gain is read off the 50-layer run; a network that really is 15 layers deep
    # (its top gradient entering at layer 15) has the same per-layer factors below.
    from course_utils.panels.he import _runs
    p = depth_profiles(("he_normal", "lecun_normal"), "tanh", width=120, depth=15)
    runs = _runs(50, 120, 32, 0)
    for i, name in enumerate(p.schemes):
        exact = runs(name, "tanh", 120, 15)
        np.testing.assert_allclose(p.activation_std[i], exact.std, rtol=1e-12)
        direct = exact.gradient_std / exact.gradient_std[-1]
        # Same weights and activations below layer 15; only the vector entering there
        # differs (noise times f' vs the gradient from above), which moves the ratio by
        # a few % at width 120 (rtol 15%).
        np.testing.assert_allclose(p.gradient_gain[i], direct, rtol=0.15)


def test_depth_profiles_shallower_is_a_prefix_and_ends_at_gain_one():
    deep = depth_profiles(tuple(HE_SCHEMES), "relu", width=64, depth=40)
    shallow = depth_profiles(tuple(HE_SCHEMES), "relu", width=64, depth=10)
    np.testing.assert_array_equal(shallow.activation_std, deep.activation_std[:, :10])
    np.testing.assert_array_equal(shallow.predicted_std, deep.predicted_std[:, :10])
    np.testing.assert_array_equal(shallow.gradient_gain[:, -1], 1.0)
    np.testing.assert_array_equal(shallow.predicted_gain[:, -1], 1.0)


def test_depth_profiles_without_a_prediction_and_after_an_overflow():
    p = depth_profiles(("random_uniform", "zeros", "random_normal"), "relu", width=120, depth=400,
                       max_depth=400)
    assert np.isnan(p.predicted_std[:2]).all()                 # not zero-mean / s = 0
    # N(0, 1) weights at width 120: s = 120, the std grows by sqrt(60) = 7.7 per layer and
    # overflows float64 (1.8e308) after about 350 layers; the missing layers are inf.
    rn = p.activation_std[2]
    last = int(np.argmax(~np.isfinite(rn)))
    assert 330 < last < 370 and np.isinf(rn[last:]).all()
    predicted = p.predicted_std[2, :100]
    np.testing.assert_allclose(predicted[1:] / predicted[:-1], np.sqrt(60), rtol=1e-9)


def test_depth_profiles_bad_input():
    with pytest.raises(ValueError, match="activation must be one of"):
        depth_profiles(("he_normal",), "softmax", 64, 10)
    with pytest.raises(ValueError, match="at most max_width=120"):
        depth_profiles(("he_normal",), "relu", 256, 10)
    with pytest.raises(ValueError, match=r"schemes\[i\] must be one of"):
        depth_profiles(("kaiming",), "relu", 64, 10)


def test_capstone_default_says_why_the_flat_line_fails():
    # Notebook 07's default: N(0, 1) weights with tanh keep the std near 1 (a flat line,
    # flatter than the guide's) only because most units saturate, and the gradient
    # explodes going down (chi >> 1): the caption must say so.
    c = capstone_profile("random_normal", "tanh", width=64, depth=20)
    p = c.profiles
    assert c.guide == GUIDE["tanh"] == "normalized_xavier"
    assert p.signal_ratio[0] > p.signal_ratio[1]               # the wrong choice looks flatter
    assert p.inactive[0, -1] > 0.5 and p.inactive[1, -1] < 0.05
    assert p.chi[0] == pytest.approx(mf.backward_gain("tanh", 64.0), rel=0.05)
    assert p.chi[0] > 3 and p.gradient_gain[0, 0] > 1e4
    text = capstone_caption(c).text()
    assert "the gradient and the units (right) say why it is not" in text
    assert "76% of the units at layer 20 are saturated" in text
    # The thin mean-field lines lie under the measured ones here: within 0.1 decade at every
    # layer on a 12-decade log axis (about 1.5 px of the stored figure), so the note says so.
    assert np.abs(np.log10(p.activation_std / p.predicted_std)).max() < 0.1
    assert "hidden under the measured line where the two agree" in text


def test_capstone_guide_and_same_pick():
    c = capstone_profile("he_normal", "relu", width=64, depth=20)
    assert c.scheme == c.guide == "he_normal"
    assert capstone_caption(c).sentences[0].startswith("Your pick is the guide")
    with pytest.raises(ValueError, match="activation must be one of"):
        capstone_profile("he_normal", "softmax", width=64, depth=20)


def test_capstone_sigmoid_says_what_a_scale_can_and_cannot_fix():
    # chi = s E[sigmoid'(z)^2] <= s / 16: at the guide's s = 1 (Glorot, the sources' pairing)
    # the gradient's variance shrinks > 16x per layer. A larger scale does reach chi = 1,
    # near s = 103, but only where q* = 46 and about half the units are saturated; and no
    # scale removes the outputs' offset of 1/2. The caption says all of it with these numbers.
    from course_utils.panels.capstone import sigmoid_critical
    c = capstone_profile("normalized_xavier", "sigmoid", width=64, depth=20)
    assert c.profiles.chi[1] < 1 / 16 + 1e-9
    assert c.profiles.gradient_gain[1, 0] < 1e-6
    critical, q_star, saturated = sigmoid_critical()
    assert critical == pytest.approx(103.0, abs=0.5) and q_star == pytest.approx(45.6, abs=0.1)
    assert mf.backward_gain("sigmoid", critical) == pytest.approx(1.0, abs=1e-9)
    # The saturated share at q*, checked by sampling (1e6 normals: standard error 5e-4).
    z = np.random.default_rng(0).standard_normal(1_000_000) * math.sqrt(q_star)
    a = 1.0 / (1.0 + np.exp(-z))
    assert np.mean(a * (1 - a) < 0.05 * 0.25) == pytest.approx(saturated, abs=3e-3)
    text = capstone_caption(c).text()
    assert "not a scale any initializer can fix" not in text
    assert f"dL/dz vanishes (χ = {fmt(c.profiles.chi[1])} per layer in variance)" in text
    assert (f"χ reaches 1 only near n·Var[w] ≈ 103, where q* ≈ 46 and "
            f"{saturated:.0%} of the units are saturated") in text
    assert "no scale removes the offset of 1/2" in text and "Prefer tanh or ReLU" in text


def test_capstone_and_he_captions_say_std_or_variance():
    # dL/dz ratios are std ratios; chi is a variance gain, given with its std equivalent.
    c = capstone_profile("random_normal", "tanh", width=64, depth=20)
    chi = c.profiles.chi[0]
    line = diagnosis(c, 0)
    assert "dL/dz std grows ×" in line
    assert f"χ = {fmt(chi)} per layer in variance, ×{fmt(math.sqrt(chi))} in std" in line
    assert "dL/dz std, layer 1 ÷ layer 20" in capstone_caption(c).table.text()
    p = he_profile("relu", width=120, depth=30)
    text = he_caption(p).text()
    assert "std ratio per layer" in text and "dL/dz std, layer 1 ÷ layer 30" in text
    # "dead" is defined where it is used, with its cause.
    assert "Dead: a unit that is off (z ≤ 0) for every example of the batch" in text
    assert "correlated" in text
    assert "Dead:" not in he_caption(he_profile("tanh", width=120, depth=30)).text()
    relu = capstone_profile("xavier", "relu", width=64, depth=20)
    assert "dead (off for every example of the batch)" in diagnosis(relu, 0)


def test_glorot_panel_legend_lists_only_what_the_form_draws():
    # The torch trunc_normal_ line and the limit lines are hidden in some forms: each form's
    # legend names only the lines shown (R2: the torch line was listed in the uniform form).
    from course_utils.widgets.glorot import glorot_panel, legend_entries
    panel = glorot_panel(fan_in=10, fan_out=20)
    ax = panel.figure.axes[0]
    torch_line, limits = ax.lines[1], ax.lines[2:4]
    for form in ("truncated", "normal", "uniform"):      # FORMS, starting away from the first
        panel.set(form=form)
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts == [text for _, text in legend_entries(form)]
        assert any("trunc_normal_" in t for t in texts) == torch_line.get_visible()
        assert any("±" in t for t in texts) == all(line.get_visible() for line in limits)
    assert len({tuple(t for _, t in legend_entries(f)) for f in FORMS}) == 3
