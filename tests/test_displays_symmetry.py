"""Notebook 02's displays: the numbers they keep against theory, and the artists they draw."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.data import make_circles  # noqa: E402
from course_utils.displays.symmetry import (START_LABELS, CurvesDisplay, DropoutDisplay,  # noqa: E402
                                            NoiseDisplay, RingsDisplay, StartsDisplay)


@pytest.fixture(scope="module")
def rings():
    return make_circles(60, rng=0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_rings_display_counts_and_draws_both_classes(rings):
    d = RingsDisplay.from_data(*rings).plot()
    assert d.counts.tolist() == [30, 30]
    ax = d.axes_
    assert len(ax.collections) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0 (outer ring)",
                                                                   "class 1 (inner ring)"]
    assert ax.get_xlabel() == "x₁" and ax.get_ylabel() == "x₂"
    # the box fits the rings: its x range is the data's (no empty axis beside them) ...
    d.figure_.canvas.draw()
    span = np.ptp(rings[0][:, 0])
    assert np.ptp(ax.get_xlim()) < 1.3 * span
    # ... and the legend sits right of the box, off the data
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1


def test_rings_display_rejects_bad_shape():
    with pytest.raises(ValueError, match="X must have shape"):
        RingsDisplay.from_data(np.zeros((5, 3)), np.zeros(5, dtype=int))


def test_starts_display_symmetric_starts_stay_symmetric(rings):
    d = StartsDisplay.from_run(*rings, epochs=60, rng=1)
    # Theory: identical units receive identical updates, so the spread stays exactly 0.
    assert d.spread["zeros"] == 0.0 and d.spread["constant"] == 0.0
    assert d.spread["normalized_xavier"] > 0.1
    # tanh(0) = 0 and zero outgoing weights: the zero start's hidden layer never moves.
    assert not d.nets["zeros"].weights[0].any()
    # The zero start learns only its output bias, which stays 0 on balanced data: loss ln 2.
    np.testing.assert_allclose(d.histories["zeros"]["loss"], math.log(2), rtol=1e-12)
    assert d.loss["zeros"] == pytest.approx(math.log(2), rel=1e-12)
    # The constant start moved, in lockstep.
    w = d.nets["constant"].weights[0]
    assert np.abs(w - 0.5).max() > 1e-4 and np.ptp(w, axis=1).max() == 0.0


def test_starts_display_draws_one_heatmap_per_start_with_values(rings):
    d = StartsDisplay.from_run(*rings, epochs=20, rng=1).plot()
    axes = np.ravel(d.axes_)
    assert len(axes) == 3
    for ax, start in zip(axes, d.starts):
        assert len(ax.images) == 1
        assert ax.images[0].get_array().shape == (3, 8)          # x1, x2, bias by 8 units
        assert len(ax.texts) == 24                               # one value per cell
        assert ax.get_title().startswith(f"{START_LABELS[start]}: spread")


def test_curves_display_keeps_final_values_and_marks_chance(rings):
    d = StartsDisplay.from_run(*rings, epochs=30, record_every=10, rng=2)
    c = CurvesDisplay.from_histories(d.histories).plot()
    assert c.final_loss == d.loss and c.final_accuracy == d.accuracy
    ax_loss, ax_acc = c.axes_
    labels = [t.get_text() for t in ax_loss.get_legend().get_texts()]
    assert labels == ["zeros", "constant 0.5", "random (Glorot uniform)", "ln 2 (chance)"]
    chance = ax_loss.get_lines()[-1]
    assert chance.get_ydata()[0] == pytest.approx(math.log(2))
    # The two symmetric curves coincide: they must differ in style to be told apart.
    styles = {(l.get_linestyle(), l.get_linewidth()) for l in ax_acc.get_lines()}
    assert len(styles) == 3
    with pytest.raises(ValueError, match="histories"):
        CurvesDisplay.from_histories({})


def test_dropout_display_breaks_only_with_dropout(rings):
    d = DropoutDisplay.from_run(*rings, steps=200, chunk=50, rng=3)
    assert d.checkpoints.tolist() == [0, 50, 100, 150, 200]
    assert not d.spread["no dropout"].any()                     # exactly symmetric, every step
    assert d.spread["dropout"][0] == 0.0 and d.spread["dropout"][-1] > 0.1
    assert d.accuracy["no dropout"].shape == d.accuracy["dropout"].shape == (5,)
    d.plot()
    ax_spread, ax_acc = d.axes_
    assert len(ax_spread.get_lines()) == len(ax_acc.get_lines()) == 2
    assert ax_spread.get_yscale() == "symlog"
    with pytest.raises(ValueError, match="multiple of chunk"):
        DropoutDisplay.from_run(*rings, steps=120, chunk=50, rng=3)


def test_dropout_display_zero_start_with_tanh_stays_frozen(rings):
    # tanh(0) = 0 and v = 0: every hidden gradient is 0, whatever the masks.
    d = DropoutDisplay.from_run(*rings, value=0.0, steps=100, chunk=50, rng=4)
    assert not d.spread["dropout"].any()


def test_noise_display_amplifies_noise_and_keeps_the_constant(rings):
    d = NoiseDisplay.from_runs((0.0, 1e-2), steps=60, record_every=20).plot()
    assert d.spread_start[0.0] == d.spread_end[0.0] == 0.0
    assert d.spread_end[1e-2] > 2 * d.spread_start[1e-2] > 0
    ax = d.axes_
    assert len(ax.get_lines()) == 1                  # the noise-free run has no range to draw on a log axis
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["noise std 0.01"]
