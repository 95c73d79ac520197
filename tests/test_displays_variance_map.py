"""Notebook 03's theory displays: their numbers against the mean field, their figures' artists."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import mean_field as mf  # noqa: E402
from course_utils.displays.variance_map import (DepthProfileDisplay, PhaseDiagramDisplay,  # noqa: E402
                                                VarianceMapDisplay, input_dependent_std,
                                                mean_cosine, settled_chi)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_variance_map_values_and_artists():
    d = VarianceMapDisplay.from_run("tanh", 2.0, bias_var=0.05, depth=12, width=128, seed=1)
    assert d.q_star == pytest.approx(mf.fixed_point("tanh", 2.0, 0.05, q0=2.05))
    assert d.chi == pytest.approx(mf.backward_gain("tanh", 2.0, 0.05))
    # the map drawn is the mean field's: F(q*) = q*
    k = np.argmin(np.abs(d.q_grid - d.q_star))
    assert d.map_values[k] - d.q_grid[k] == pytest.approx(0.0, abs=0.02)
    assert d.map_values[0] == pytest.approx(0.05)           # tanh(0) = 0: F(0) is the bias variance
    assert len(d.measured_q) == 12 and abs(d.measured_q[6:].mean() / d.q_star - 1) < 0.2
    d.plot()
    left, right = d.axes_
    assert len(left.get_lines()) >= 4 and left.get_legend() is not None
    assert right.get_xlabel() == "layer" and right.get_legend() is not None


def test_depth_profile_values_and_artists():
    d = DepthProfileDisplay.from_run(("sigmoid", "relu"), (0.01, 1.0), depth=6, width=64, batch=10)
    assert d.layout == (2, 2)
    relu = d.runs["relu", 0.01]
    # ReLU: the factor per layer is sqrt(n/2) s_w = 0.0566 (a factor 2 of slack at width 64)
    assert 0.5 < (relu.std[-1] / relu.std[0]) ** (1 / 5) / (0.01 * math.sqrt(32)) < 2
    np.testing.assert_allclose(d.theory["relu", 1.0].preactivation_var,
                               mf.layer_profile("relu", 64.0, 6).preactivation_var)
    part = d.input_dependent[0.01]
    assert part[-1] < 1e-6 * d.runs["sigmoid", 0.01].std[-1]     # the offsets dominate
    d.plot()
    axes = d.axes_
    assert axes.shape == (2, 2)
    assert axes[0, 0].get_title() == "sigmoid: activation std" and axes[0, 0].get_yscale() == "log"
    labels = [line.get_label() for line in axes[0, 0].get_lines()]
    assert "input-dependent, $s_w$ = 0.01" in labels
    assert axes[1, 0].get_legend() is not None


def test_phase_diagram_edge_and_points():
    d = PhaseDiagramDisplay.from_run("tanh", points={"He": (2.0, 0.0), "edge": (1.761, 0.05)},
                                     grid=(8, 5), depth=16, width=64)
    assert d.chi.shape == (5, 8)
    # blue (chi < 1) left of the edge, red right of it, in every row
    for row, b in zip(d.chi, d.bias_vars):
        s_crit = mf.critical_weight_var("tanh", b)
        assert np.all(row[d.weight_vars < s_crit - 0.05] < 1) and np.all(row[d.weight_vars > s_crit + 0.05] > 1)
    assert d.edge_weight_vars[0] == pytest.approx(1.0)
    assert d.predicted_chi["edge"] == pytest.approx(1.0, abs=1e-3)
    assert abs(d.measured_chi["He"] / d.predicted_chi["He"] - 1) < 0.3
    d.plot()
    ax = d.axes_
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("edge of chaos" in label for label in labels)
    assert sum(label.startswith(("He", "edge:")) for label in labels) == 2
    assert ax.get_legend() is not None and len(d.figure_.axes) == 2      # the colour bar


def test_helpers():
    assert mean_cosine(np.eye(3)) == pytest.approx(0.0)
    assert mean_cosine(np.ones((4, 3))) == pytest.approx(1.0)
    assert input_dependent_std(np.array([[1.0, 5.0], [3.0, 5.0]])) == pytest.approx(0.5 ** 0.5)   # sqrt(mean of the variances 1 and 0)
    # layer 1 first: an error whose std doubles per layer going down has chi = 4, halving 1/4
    assert settled_chi([1.0, 0.5, 0.25, 0.125, 0.0625]) == pytest.approx(4.0)
    assert settled_chi([0.0625, 0.125, 0.25, 0.5, 1.0]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="gradient_std"):
        settled_chi([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="rows"):
        mean_cosine(np.ones(3))


def test_bad_inputs():
    with pytest.raises(ValueError, match="activation"):
        VarianceMapDisplay.from_run("softmax", 1.0)
    with pytest.raises(ValueError, match="weight_var"):
        VarianceMapDisplay.from_run("tanh", -1.0)


def test_relu_cosine_map():
    assert mf.relu_cosine_map(0.0) == pytest.approx(1 / math.pi)
    assert mf.relu_cosine_map(1.0) == pytest.approx(1.0)
    prof = mf.relu_cosine_profile(15)
    assert np.all(np.diff(prof) > 0) and prof[-1] < 1
    # matches a Monte Carlo estimate of E[relu(u) relu(v)] / E[relu(u)^2] at correlation 0.5
    rng = np.random.default_rng(0)
    u, e = rng.standard_normal((2, 400_000))
    v = 0.5 * u + math.sqrt(0.75) * e
    mc = np.mean(np.maximum(u, 0) * np.maximum(v, 0)) / np.mean(np.maximum(u, 0) ** 2)
    assert mf.relu_cosine_map(0.5) == pytest.approx(mc, abs=0.01)
    with pytest.raises(ValueError, match="c must"):
        mf.relu_cosine_map(1.5)
    with pytest.raises(ValueError, match="c0"):
        mf.relu_cosine_profile(3, c0=2.0)
