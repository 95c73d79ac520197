"""The models of notebooks 00-03's panels against theory (no kernel, no matplotlib).

Tolerances: the measured stds come from one finite network (width 128-256,
batch 32); mean-field theory predicts their mean over networks. Per layer the
relative scatter is about 1/sqrt(width * batch) for the forward pass and
compounds with depth, so each comparison states its own band and why.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from course_utils import bounds, mean_field, propagate
from course_utils.panels.fans import FAN_SCHEMES, fan_layer, fans_caption, node_positions
from course_utils.panels.overview import SignalOverview, overview_caption, weight_var
from course_utils.panels.random_init import RandomInit, random_init_caption, ratio_per_layer
from course_utils.panels.symmetry import symmetry_caption, symmetry_run
from course_utils.schemes import SCHEMES


def test_panel_models_import_no_matplotlib_or_ipywidgets():
    import subprocess
    code = ("import sys, course_utils.panels.overview, course_utils.panels.fans, "
            "course_utils.panels.symmetry, course_utils.panels.random_init; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ 00
@pytest.fixture(scope="module")
def overview():
    return SignalOverview(max_depth=30, max_width=256)


def test_overview_default_is_a_failing_combination(overview):
    # The panel opens on the course's xavier + ReLU: n Var[w] = 1/3, so the
    # std shrinks by sqrt(1/6) = 0.408 per layer: 0.408**19 = 4e-8 over 20 layers.
    p = overview("xavier", "relu", 20, 128)
    assert p.weight_var == pytest.approx(1 / 3)
    assert p.forward_ratio < 1e-6 and p.backward_ratio < 1e-6
    # Per-layer factor within 10 % of sqrt(1/6) (geometric mean over 19 layers of width 128).
    per_layer = p.forward_ratio ** (1 / 19)
    assert per_layer == pytest.approx(math.sqrt(1 / 6), rel=0.10)


def test_overview_he_relu_keeps_the_scale_and_matches_mean_field(overview):
    p = overview("he_normal", "relu", 30, 256)
    theory = mean_field.layer_profile("relu", 2.0, 30)
    assert p.weight_var == pytest.approx(2.0)
    np.testing.assert_allclose(p.predicted_std, theory.std)
    # One network of width 256, batch 32: the log-std drifts like a random walk,
    # ~0.06 per layer; over 30 layers within a factor 2 of the prediction.
    assert np.all(np.abs(np.log(p.activation_std / theory.std)) < math.log(2.0))
    assert np.all(np.abs(np.log(p.gradient_std / theory.gradient_std)) < math.log(2.0))


def test_overview_tanh_he_settles_at_the_mean_field_fixed_point(overview):
    # Issue 11: He + tanh settles at activation std ~0.556 (q* ~ 0.618), no growth.
    p = overview("he_normal", "tanh", 30, 256)
    assert p.predicted_std[-1] == pytest.approx(0.556, abs=0.002)
    assert p.activation_std[-1] == pytest.approx(0.556, rel=0.10)     # width 256, batch 32


def test_overview_equals_the_propagation_engine(overview):
    p = overview("lecun_normal", "tanh", 12, 64)
    runs = overview.runs
    ref = propagate(runs._x[:, :64], runs.weights("lecun_normal").weights(12, 64), "tanh",
                    rng=runs._grad_seed, sample_size=1)
    np.testing.assert_array_equal(p.activation_std, ref.std)
    np.testing.assert_array_equal(p.gradient_std, ref.gradient_std)


def test_overview_no_prediction_where_theory_does_not_apply(overview):
    for scheme in ("zeros", "constant", "random_uniform"):
        assert overview(scheme, "tanh", 5, 64).predicted_std is None
    zero = overview("zeros", "relu", 5, 64)
    assert "exactly 0" in overview_caption(zero).text()


def test_overview_overflow_is_reported_and_curves_stop():
    # N(0, 1) + ReLU at width 256: x sqrt(128) = 11.3 per layer, past float64's 1.8e308 by
    # layer ~290 (the panels propagate in float64, so no slider setting reaches it).
    p = SignalOverview(max_depth=320, max_width=256)("random_normal", "relu", 320, 256)
    assert p.overflow_layer is not None and len(p.activation_std) == p.overflow_layer
    assert 280 < p.overflow_layer < 300
    text = overview_caption(p).text()
    assert f"overflowed float64 at layer {p.overflow_layer + 1}" in text
    assert "fixed at 1e-10 to 1e+10" in text and "drawn on its edge" in text


def test_overview_caption_numbers_are_the_model_numbers(overview):
    p = overview("xavier", "relu", 20, 128)
    text = overview_caption(p).text()
    assert f"{p.activation_std[-1]:.3g}" in text and f"{p.predicted_std[-1]:.3g}" in text
    assert p.depth_limit == 20


def test_weight_var_is_n_times_the_scheme_variance():
    for scheme in ("xavier", "normalized_xavier", "he_normal", "lecun_normal"):
        assert weight_var(scheme, 100) == pytest.approx(100 * SCHEMES[scheme].std(100, 100) ** 2)
    assert weight_var("xavier", 100) == pytest.approx(100 * bounds.xavier_std(100) ** 2)


# ------------------------------------------------------------------ 01
@pytest.mark.parametrize("layer, inputs, outputs, kernel, fans", [
    ("dense", 3, 2, 3, (3, 2)), ("dense", 64, 1, 7, (64, 1)),
    ("conv2d", 16, 32, 3, (144, 288)), ("conv2d", 1, 1, 1, (1, 1))])
def test_fans_and_stds(layer, inputs, outputs, kernel, fans):
    f = fan_layer(layer, inputs, outputs, kernel)
    assert (f.fan_in, f.fan_out) == fans
    n, m = fans
    expected = [bounds.xavier_std(n), bounds.glorot_std(n, m), bounds.he_std(n), bounds.lecun_std(n)]
    assert f.schemes == FAN_SCHEMES
    np.testing.assert_allclose(f.stds, expected, rtol=1e-12)
    assert f.n_weights == inputs * outputs * (kernel * kernel if layer == "conv2d" else 1)
    # Every drawn input node is joined to every drawn output node.
    assert f.edges.shape == (len(f.left) * len(f.right), 2, 2)


def test_fans_graph_cut_and_caption():
    f = fan_layer("conv2d", 16, 32, 3, max_nodes=12)
    assert f.left_cut and f.right_cut and len(f.left) == 11
    text = fans_caption(f).text()
    assert "fan-in 144, fan-out 288" in text and "⋮" in text and "stride 1" in text
    assert node_positions(12, 12)[1] is False and node_positions(13, 12)[1] is True
    with pytest.raises(ValueError, match="layer must be one of 'dense', 'conv2d'"):
        fan_layer("conv1d")


# ------------------------------------------------------------------ 02
def test_constant_init_keeps_every_unit_identical():
    for activation in ("tanh", "sigmoid"):
        for value in (0.5, -0.3):
            r = symmetry_run(value, 8, 0.0, activation)
            assert r.spread_start == 0.0 and r.spread_end == 0.0 and r.symmetric
            assert np.all(r.deviation == 0.0)
            assert r.moved > 0.01                 # the weights move, all together
            assert np.ptp(r.first_layer, axis=1).max() == 0.0


def test_noise_breaks_the_symmetry_visibly_and_training_amplifies_it():
    # The default setting pairs of notebook 02: noise 0.01 and 0.1 with tanh.
    # Deterministic (seeded); the factors measured are 11x and 7x, asserted > 3x.
    for noise in (0.01, 0.1):
        r = symmetry_run(0.5, 8, noise, "tanh")
        assert not r.symmetric and r.spread_end > 3 * r.spread_start > 0
        assert np.abs(r.deviation[-1]).max() > 0.05        # visible on the panel's axis
    # The starting spread is the noise's doing: the largest range over the 8 units of the
    # 3 rows (2 weights, 1 bias) of N(0, noise^2) draws, between 0.5 and 6 noise stds
    # (the range of 8 normals averages 2.8 stds; measured 2.7).
    r = symmetry_run(0.5, 8, 0.01, "tanh")
    assert 0.005 < r.spread_start < 0.06
    assert "amplified" in symmetry_caption(r).text()


def test_symmetry_bad_input():
    with pytest.raises(ValueError, match="steps must be a multiple of record_every"):
        symmetry_run(steps=10, record_every=4)
    with pytest.raises(ValueError, match="activation must be one of 'tanh', 'sigmoid'"):
        symmetry_run(activation="relu")


# ------------------------------------------------------------------ 03
@pytest.fixture(scope="module")
def random_init():
    return RandomInit()


def test_random_init_small_signal_factor(random_init):
    # Below saturation, tanh and linear pass sqrt(n) s per layer; measured geometric
    # mean over 19 layers at width 128 within 10 % (one network, batch 32).
    for activation in ("linear", "tanh", "relu"):
        p = random_init(0.03, 20, 128, activation)
        measured = (p.activation_std[-1] / p.activation_std[0]) ** (1 / 19)
        assert p.ratio == pytest.approx(ratio_per_layer(activation, 0.03, 128))
        assert measured == pytest.approx(p.ratio, rel=0.10)


def test_random_init_matches_mean_field(random_init):
    for activation, std in (("tanh", 0.1), ("sigmoid", 0.05), ("relu", 0.125)):
        p = random_init(std, 20, 128, activation)
        theory = mean_field.layer_profile(activation, 128 * std ** 2, 20)
        np.testing.assert_allclose(p.predicted_std, theory.std)
        # width 128, batch 32: within a factor 2 over 20 layers (see module docstring)
        assert np.all(np.abs(np.log(p.activation_std / theory.std)) < math.log(2.0))


def test_random_init_saturation_with_a_large_std(random_init):
    p = random_init(1.0, 20, 128, "tanh")
    assert p.saturated_last > 0.5                    # n s^2 = 128: most units saturate
    assert p.gradient_std[0] > 1e3 * p.gradient_std[-1]


def test_random_init_histograms_are_fractions(random_init):
    p = random_init(0.05, 20, 128, "tanh")
    assert p.hist_first.sum() == pytest.approx(1.0) and p.hist_last.sum() == pytest.approx(1.0)
    # The last layer's signal (std ~1e-5) sits in the bin around 0.
    assert p.hist_last[len(p.hist_last) // 2] == pytest.approx(1.0)
    text = random_init_caption(p).text()
    assert "square-root y axis" in text and "fixed at 10⁻⁸ to 10⁸" in text


def test_random_init_same_network_in_any_order():
    a, b = RandomInit(), RandomInit()
    b(0.05, 5, 64, "tanh")
    np.testing.assert_array_equal(a(0.05, 10, 128, "tanh").activation_std,
                                  b(0.05, 10, 128, "tanh").activation_std)


# ------------------------------------------------------------------ 00/03: what the curves are
_SIGNAL_LABELS = ["activation std", "activation std, mean field (thin)",
                  "dL/dz std (back-propagated error)", "dL/dz std, mean field (thin)"]


def test_signal_captions_name_the_back_propagated_error():
    # The backward curve is dL/dz, not the weight gradient (which stays level): the captions
    # say "dL/dz std" and never a bare "gradient std".
    p = SignalOverview(max_depth=10, max_width=32)("xavier", "relu", 10, 32)
    text = overview_caption(p).text()
    assert "std of dL/dz (the back-propagated error) changes by a factor" in text
    assert [row[0] for row in overview_caption(p).table.rows] == ["activation std", "dL/dz std"]
    r = RandomInit()(0.05, 10, 64, "tanh")
    assert [row[0] for row in random_init_caption(r).table.rows] == ["activation std", "dL/dz std"]
    for caption in (overview_caption(p), random_init_caption(r)):
        assert "gradient std" not in caption.text()


def test_signal_panels_legend_every_line_including_both_predictions():
    # Each mean-field line has its own entry in its own colour (before, the dL/dz
    # prediction had none and the legend showed one prediction colour for both).
    from course_utils.widgets.overview import overview_panel
    from course_utils.widgets.random_init import random_init_panel
    overview = overview_panel(depth=10, width=32)
    legend = overview.figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == _SIGNAL_LABELS + ["input std = 1"]
    colours = [h.get_color() for h in legend.legend_handles[:4]]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    panel = random_init_panel(depth=10, width=64)
    (legend,) = panel.figure.legends             # above both plots, covering no curve
    assert [t.get_text() for t in legend.get_texts()] == _SIGNAL_LABELS
    assert panel.figure.axes[0].get_legend() is None
