"""Notebook 01's displays: values against the closed forms, and the artists the figure needs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.displays.fans import FanStdDisplay  # noqa: E402
from course_utils.plots import scheme_label  # noqa: E402

pytestmark = pytest.mark.unit


def test_stds_follow_the_formulas():
    d = FanStdDisplay.from_run(max_fan_in=500, fan_out=100)
    n = np.arange(1, 501)
    np.testing.assert_allclose(d.stds["xavier"], 1 / np.sqrt(3 * n), rtol=1e-12)
    np.testing.assert_allclose(d.stds["normalized_xavier"], np.sqrt(2 / (n + 100)), rtol=1e-12)
    np.testing.assert_allclose(d.stds["he_normal"], np.sqrt(2 / n), rtol=1e-12)
    np.testing.assert_allclose(d.stds["lecun_normal"], np.sqrt(1 / n), rtol=1e-12)


def test_fan_in_schemes_have_slope_minus_half_and_glorot_is_flatter():
    d = FanStdDisplay.from_run(max_fan_in=1000, fan_out=100)
    for name in ("xavier", "he_normal", "lecun_normal"):
        assert d.slopes[name] == pytest.approx(-0.5, abs=1e-9)
    # Glorot's (n + m)/2 with m = 100: over n = 100..1000 the slope is between 0 and -1/2
    assert -0.5 < d.slopes["normalized_xavier"] < -0.3
    # and steeper when the fan-out no longer dominates
    assert FanStdDisplay.from_run(max_fan_in=1000, fan_out=1).slopes["normalized_xavier"] < d.slopes["normalized_xavier"]


def test_plot_has_one_distinguishable_labelled_line_per_scheme():
    d = FanStdDisplay.from_run().plot()
    ax = d.axes_
    lines = ax.get_lines()
    # framework-true legend names: the course's `xavier` is not PyTorch's xavier_uniform_
    labels = [scheme_label(s) for s in d.schemes]
    assert [line.get_label() for line in lines] == labels and "1/√n uniform" in labels
    assert len({line.get_linestyle() for line in lines}) == len(lines)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "fan-in" in ax.get_xlabel() and "std" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels
    plt.close(d.figure_)


@pytest.mark.parametrize("kwargs, word", [({"max_fan_in": 5}, "max_fan_in"), ({"fan_out": 0}, "fan_out"),
                                          ({"schemes": ("nope",)}, "schemes")])
def test_bad_arguments_name_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        FanStdDisplay.from_run(**kwargs)
