"""Unit tests of notebook 06's displays: values against theory, and the artists each figure should have."""

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_utils.displays.he import (HE_COMPARED, DecisionMapsDisplay, DeepReluTrainingDisplay,  # noqa: E402
                                      DepthStdDisplay, HeTanhDisplay)



@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_depth_display_factors_against_theory_and_artists():
    d = DepthStdDisplay.from_run(depth=12, width=128, batch=32, rng=0)
    for name, s in HE_COMPARED.items():
        assert d.expected_ratio[name] == pytest.approx(math.sqrt(s / 2))
        assert d.ratio[name] == pytest.approx(d.expected_ratio[name], rel=0.08)
    d.plot()
    ax = d.axes_
    markers = {line.get_marker() for line in ax.get_lines() if line.get_linestyle() == "None"}
    assert markers == {"o", "s", "^"}                     # one marker per scheme, not colour alone
    assert ax.get_yscale() == "log" and ax.get_title()
    legend = ax.get_legend()
    assert len(legend.get_texts()) == 3 and "mean field" in legend.get_title().get_text()
    # each key shows the scheme's own line style, as the mean-field line is drawn
    drawn = {(line.get_color(), line.get_linestyle()) for line in ax.get_lines()[:6] if line.get_linestyle() != "None"}
    keyed = {(h.get_color(), h.get_linestyle()) for h in legend.legend_handles}
    assert keyed == drawn and len(keyed) == 3
    assert {h.get_marker() for h in legend.legend_handles} == markers


def test_depth_display_rejects_a_single_layer():
    with pytest.raises(ValueError, match="depth"):
        DepthStdDisplay.from_run(depth=1, rng=0)


def test_training_display_homogeneity_and_loss_lookup():
    t = DeepReluTrainingDisplay.from_run(depth=5, width=16, n_points=40, sgd_steps=6, adam_steps=6,
                                         data_rng=0, net_rng=1)
    # 6 weight matrices, each scaled by 1/sqrt(2): logits divided by 2^3 exactly
    np.testing.assert_allclose(t.logit_ratio, 2 ** 3, rtol=1e-9)
    assert t.loss_at("sgd", "he_normal", 0) == pytest.approx(float(t.sgd["he_normal"]["loss"][0]))
    assert t.loss_at("adam", "he_normal", 6, "accuracy") == float(t.adam["he_normal"]["accuracy"][-1])
    with pytest.raises(ValueError, match="not recorded"):
        t.loss_at("adam", "xavier", 3)
    with pytest.raises(ValueError, match="metric"):
        t.loss_at("adam", "xavier", 2, "accurate")
    t.plot()
    left, right = t.axes_
    for ax in (left, right):
        styles = {line.get_linestyle() for line in ax.get_lines()}
        assert {"-", "--", ":"} <= styles                  # line style as well as colour
        assert ax.get_title()
    assert left.get_legend() is not None


def test_decision_maps_have_a_colour_bar_and_marked_classes():
    t = DeepReluTrainingDisplay.from_run(depth=2, width=16, n_points=40, sgd_steps=2, adam_steps=2,
                                         data_rng=0, net_rng=0)
    d = DecisionMapsDisplay.from_nets(t.sgd_nets, t.X, t.y, resolution=16).plot()
    *maps, bar = d.axes_
    assert bar.get_ylabel() == "p(class 1)"
    for ax in maps:
        assert len(ax.collections) >= 3                     # fill, p = 0.5 contour, two scatters
    assert all(0.0 <= lo <= hi <= 1.0 for lo, hi in d.proba_range.values())


def test_tanh_display_matches_the_mean_field():
    d = HeTanhDisplay.from_run(depth=20, width=128, batch=64, settle=8, rng=1)
    assert d.q_star == pytest.approx(0.618, abs=1e-3) and d.chi == pytest.approx(1.106, abs=1e-3)
    assert d.settled_std == pytest.approx(d.predicted_std, rel=0.06)
    assert d.chi_measured == pytest.approx(d.chi, rel=0.06)
    d.plot()
    assert all(len(ax.get_lines()) == 2 and ax.get_legend() is not None for ax in d.axes_)
    with pytest.raises(ValueError, match="settle"):
        HeTanhDisplay.from_run(depth=5, settle=4, rng=0)
