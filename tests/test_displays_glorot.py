"""Unit tests of course_utils.displays.glorot (notebook 05's figures): values against theory, and each
figure has the artists it should."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import course_utils as cu
from course_utils.displays.glorot import (GradientLevelsDisplay, LayerDensitiesDisplay, TruncationDisplay,
                                          torch_trunc_normal)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_torch_trunc_normal_cuts_absolute_and_does_not_correct():
    w = torch_trunc_normal((400, 500), 0.1, -0.2, 0.2, rng=0)
    assert np.abs(w).max() <= 0.2
    assert w.std() / 0.1 == pytest.approx(cu.TRUNCATED_NORMAL_STD, rel=0.01)
    wide = torch_trunc_normal((400, 500), 0.1, -2.0, 2.0, rng=0)       # the default cut-offs: nothing cut
    assert wide.std() == pytest.approx(0.1, rel=0.01)
    with pytest.raises(ValueError, match="a must be below b"):
        torch_trunc_normal((2, 2), 1.0, 1.0, -1.0, rng=0)


def test_truncation_display():
    d = TruncationDisplay.from_run((200, 300), rng=1)
    assert d.sigma == pytest.approx(math.sqrt(2 / 500))
    assert d.cut == pytest.approx(2 * d.sigma / 0.87962566103423978)
    assert d.beyond_truncated == 0.0 and d.beyond_plain == pytest.approx(d.beyond_expected, abs=0.004)
    assert d.truncated.std() == pytest.approx(d.sigma, rel=0.015)
    d.plot()
    ax = d.axes_
    assert len(ax.get_legend().get_texts()) == 3 and len(ax.lines) == 2      # two cut lines
    assert ax.get_xlabel() == "weight value"


def test_layer_densities_ridgeline():
    d = LayerDensitiesDisplay.from_run(depth=5, width=128, batch=128, rng=2)
    for s in ("xavier", "normalized_xavier"):
        np.testing.assert_allclose(d.runs[s].std, d.predicted[s].std, rtol=0.15)
    assert d.gradient_spread["xavier"] > 3 * d.gradient_spread["normalized_xavier"]
    d.plot()
    axes = d.axes_
    assert axes.shape == (2, 2)
    for ax in axes.flat:
        curves = ax.lines
        assert len(curves) == 5                                      # one curve per layer
        # a ridgeline: each curve peaks at its own row (scaled to 0.85), none runs off the axis
        for layer, line in enumerate(curves):
            y = np.asarray(line.get_ydata())
            assert y.max() == pytest.approx(layer + 0.85) and y.max() <= ax.get_ylim()[1]
        assert len(ax.texts) == 5                                    # the std of each layer
    labels = [t.get_text() for t in axes[0, 0].get_yticklabels()]
    assert labels == [f"layer {l}" for l in range(1, 6)]


def test_gradient_levels():
    d = GradientLevelsDisplay.from_run(depth=12, width=128, batch=128, rng=3)
    assert d.weight_spread["xavier"] < 1.4 and d.error_drop["xavier"] < 1e-2
    assert d.standard_over_normalized == pytest.approx(d.standard_over_normalized_predicted, rel=0.3)
    d.plot()
    titles = [ax.get_title() for ax in d.axes_]
    assert titles == ["back-propagated error dL/dz", "weight gradient dL/dW", "bias gradient dL/db"]
    for ax in d.axes_:
        assert len(ax.lines) == 4 and ax.get_yscale() == "log"
    assert {line.get_marker() for line in d.axes_[0].lines} >= {"o", "^"}
    assert len(d.axes_[0].get_legend().get_texts()) == 4
