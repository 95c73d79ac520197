"""course_utils.displays.capstone: notebook 07's figures keep values that match theory, and draw them."""

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_utils import make_circles  # noqa: E402
from course_utils import mean_field as mf  # noqa: E402
from course_utils.displays.capstone import (RESIDUAL_KINDS, JacobianSpectrumDisplay,  # noqa: E402
                                            LayerGainDisplay, LossCurvesDisplay, ResidualBlocksDisplay,
                                            ResidualStreamDisplay, forget_gate_path)
from course_utils.training import compare_schemes  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_loss_curves_keep_the_comparison_and_draw_a_legend_panel():
    X, y = make_circles(60, rng=0)
    c = compare_schemes(["zeros", "he_normal", "xavier"], ["tanh", "relu"], X, y, epochs=40, record_every=10)
    d = LossCurvesDisplay.from_comparison(c, shown=("zeros", "he_normal")).plot()
    np.testing.assert_allclose(d.losses["zeros", "tanh"], math.log(2), atol=1e-12)   # symmetric: p = 1/2
    assert d.worst_final["relu"] == max(c["he_normal", "relu"].final_loss, c["xavier", "relu"].final_loss)
    lo, hi = d.band["tanh"]
    assert np.all(lo <= hi)
    axes = d.axes_
    assert len(axes) == 3 and not axes[2].axison
    labels = [t.get_text() for t in axes[2].get_legend().get_texts()]
    assert "zeros" in labels and "he_normal" in labels
    assert [ax.get_title().split(":")[0] for ax in axes[:2]] == ["tanh", "relu"]
    assert len(axes[0].get_lines()) == 3                  # two schemes and the ln 2 line
    styles = [(line.get_linestyle(), line.get_marker()) for line in axes[0].get_lines()[:2]]
    assert len(set(styles)) == 2 and axes[0].get_yscale() == "log"   # not colour alone; no start clipped


def test_loss_curves_refuse_unknown_schemes():
    X, y = make_circles(40, rng=0)
    c = compare_schemes(["he_normal"], ["relu"], X, y, epochs=5)
    with pytest.raises(ValueError, match="shown"):
        LossCurvesDisplay.from_comparison(c, shown=("zeros",))


def test_layer_gain_matches_the_engine_and_relu_he_is_flat():
    d = LayerGainDisplay.from_run([("relu", 2.0), ("gelu", 2.0)], width=128, batch=64, rng=0).plot()
    np.testing.assert_allclose(d.predicted["relu", 2.0], 1.0, atol=1e-9)       # ReLU + He: every q
    np.testing.assert_allclose(d.measured["relu", 2.0], 1.0, atol=0.2)
    # GELU with He: slope 1/2 near 0, so the gain tends to 2 * 1/4 = 1/2 for small q
    assert abs(d.predicted["gelu", 2.0][0] - 0.5) < 0.03
    assert len(d.axes_.get_lines()) == 2 * 2 + 1 and d.axes_.get_legend() is not None


def test_residual_stream_grows_linearly_unless_scaled():
    d = ResidualStreamDisplay.from_run((4, 16), d=32, batch=16, rng=0).plot()
    for key, var in d.variance.items():
        assert abs(var[-1] / d.predicted[key][-1] - 1) < 0.3
    np.testing.assert_allclose(np.diff(d.predicted[16, False]), np.diff(d.predicted[16, False])[0])
    assert d.predicted[16, False][-1] > 3 * d.predicted[4, False][-1]
    assert d.predicted[16, True][-1] == pytest.approx(d.predicted[4, True][-1])     # depth-independent
    # the same draws: the 4-layer stream is the start of the 16-layer one
    np.testing.assert_allclose(d.variance[4, False], d.variance[16, False][:9])
    texts = [t.get_text() for t in d.axes_.get_legend().get_texts()]
    assert len(texts) == 6 and texts[-2:] == ["16 layers, measured", "4 layers, measured"]
    hollow = {h.get_label(): h.get_markerfacecolor() for h in d.axes_.get_legend().legend_handles[-2:]}
    assert hollow["4 layers, measured"] == "none" != hollow["16 layers, measured"]   # the key matches the dots


def test_residual_blocks_follow_their_rules():
    d = ResidualBlocksDisplay.from_run(8, width=32, batch=64, seed=1).plot()
    assert set(d.variance) == set(RESIDUAL_KINDS)
    np.testing.assert_array_equal(d.variance["BN, gamma 0"], d.variance["BN, gamma 0"][0])
    np.testing.assert_array_equal(d.variance["Fixup (last layer 0)"], d.variance["BN, gamma 0"])
    assert d.predicted["no norm, He"][-1] == pytest.approx(d.variance["no norm, He"][0] * 3 ** 8)
    assert abs(d.variance["BN, gamma 1"][-1] / d.predicted["BN, gamma 1"][-1] - 1) < 0.2
    assert len(d.axes_.get_legend().get_texts()) == len(RESIDUAL_KINDS)


def test_jacobian_spectrum_orthogonal_is_isometric_gaussian_spreads():
    d = JacobianSpectrumDisplay.from_run(32, (1, 4, 16), rng=0).plot()
    np.testing.assert_allclose(d.orthogonal, 1.0, atol=1e-12)
    assert np.all(np.diff(d.spread) > 0)
    np.testing.assert_allclose(d.rms[0], 1.0, atol=0.1)
    assert d.axes_.get_legend() is not None and d.axes_.get_xscale() == "log"


def test_forget_gate_path_is_sigmoid_of_the_bias_per_step():
    for bias in (0.0, 1.0, 3.0):
        path = forget_gate_path(bias, steps=10, rng=0)
        per_step = np.exp(np.log(path).mean() / 10)
        assert abs(per_step / (1 / (1 + math.exp(-bias))) - 1) < 0.05
    assert forget_gate_path(1.0, steps=5, units=8, batch=3, rng=0).shape == (3, 8)


@pytest.mark.parametrize("call, name", [
    (lambda: forget_gate_path(1.0, steps=0), "steps"),
    (lambda: JacobianSpectrumDisplay.from_run(0), "n"),
    (lambda: ResidualBlocksDisplay.from_run(0), "blocks"),
    (lambda: LayerGainDisplay.from_run([("relu", -1.0)]), "weight_var"),
    (lambda: ResidualStreamDisplay.from_run((0,)), "n_layers"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
