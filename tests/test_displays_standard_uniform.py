"""Unit tests of course_utils.displays.standard_uniform (notebook 04's figures): values against theory,
and each figure has the artists it should."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import course_utils as cu
from course_utils import mean_field as mf
from course_utils.displays.standard_uniform import (DefaultBiasDisplay, DepthDisplay, UniformSampleDisplay,
                                                    input_dependent_std, naming_table_markdown)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_naming_table_names_the_1_over_sqrt_n_uniform_apart_from_xavier_uniform():
    lines = naming_table_markdown().splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["course name", "Glorot & Bengio (2010)", "PyTorch", "Keras", "MachineLearningMastery tutorial"]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")] for line in lines[2:]}
    standard = rows["the 1/√n uniform (`xavier`)"]
    assert "standard" in standard[1] and "nn.Linear" in standard[2] and standard[4] == "xavier"
    assert "xavier_uniform_" not in standard[2]
    glorot = rows["Glorot uniform (`normalized_xavier`)"]
    assert glorot[2] == "`xavier_uniform_`" and glorot[3] == "`GlorotUniform`" and glorot[4] == "normalized xavier"


def test_uniform_sample_values_and_artists():
    d = UniformSampleDisplay.from_run(25, 2500, rng=3)
    assert d.limit == pytest.approx(1 / 5) and d.std == pytest.approx(1 / np.sqrt(75))
    assert d.weights.size == 2500 and np.abs(d.weights).max() <= d.limit
    assert d.sample_std == pytest.approx(d.std, rel=0.06)
    d.plot()
    ax = d.axes_
    assert len(ax.patches) == 20                                      # the histogram's bars
    density = ax.lines[0]
    assert max(density.get_ydata()) == pytest.approx(1 / (2 * d.limit))
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 3
    assert ax.get_xlabel() and ax.get_ylabel() and "n = 25" in ax.get_title()


@pytest.mark.parametrize("bad", [{"fan_in": 0}, {"fan_in": 3, "n_weights": 10}])
def test_uniform_sample_bad_input(bad):
    args = {"fan_in": 10, "n_weights": 1000, **bad}
    with pytest.raises(ValueError, match="fan_in|n_weights"):
        UniformSampleDisplay.from_run(args["fan_in"], args["n_weights"], rng=0)


def test_depth_display_against_mean_field_and_artists():
    d = DepthDisplay.from_run(("tanh", "relu"), depth=8, width=256, batch=128, rng=1)
    assert d.small_signal == {"tanh": pytest.approx(1 / np.sqrt(3)), "relu": pytest.approx(1 / np.sqrt(6))}
    for act in ("tanh", "relu"):
        assert d.ratio[act] == pytest.approx(d.small_signal[act], rel=0.1)
        np.testing.assert_allclose(d.predicted[act].preactivation_std,
                                   mf.layer_profile(act, 1 / 3, 8, batch=128).preactivation_std)
    d.plot()
    ax_f, ax_b = d.axes_
    assert len(ax_f.lines) == 4 and len(ax_b.lines) == 4               # measured + mean field per activation
    markers = {line.get_marker() for line in ax_f.lines}
    assert {"o", "s"} <= markers                                      # tanh and ReLU differ by marker too
    assert ax_f.get_yscale() == "log" and ax_f.get_legend() is not None
    assert "dL/dz" in ax_b.get_title()


def test_input_dependent_std_removes_offsets():
    rng = np.random.default_rng(0)
    signal = rng.standard_normal((500, 40))
    assert input_dependent_std(signal + 100 * rng.standard_normal(40)) == pytest.approx(
        input_dependent_std(signal), rel=1e-9)


def test_default_bias_display_values_and_artists():
    d = DefaultBiasDisplay.from_run(width=128, depth=8, batch=128, rng=5)
    assert d.q_star == pytest.approx(2 / (5 * 128), rel=1e-9)
    # the same weights: the first layer's z differs only by the bias, so its input part is the same
    assert d.input_part[0] == pytest.approx(
        input_dependent_std(d.no_bias.preactivations[0].reshape(128, 128)), rel=1e-9)
    assert d.with_bias.preactivation_std[-1] == pytest.approx(np.sqrt(d.q_star), rel=0.25)
    assert d.input_part[-1] < 0.05 * d.with_bias.preactivation_std[-1]
    g = d.with_bias.weight_gradient_std
    assert g[-1] / g[0] > 10                                         # with biases they shrink toward the input
    d.plot()
    ax = d.axes_
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 6 and any("input-dependent" in t for t in labels)
    styles = {(line.get_marker(), line.get_linestyle()) for line in ax.lines}
    assert len(styles) == 6                                          # every series has its own style


def test_default_bias_bad_input():
    with pytest.raises(ValueError, match="width"):
        DefaultBiasDisplay.from_run(width=0, depth=3, batch=8, rng=0)
