"""Notebook 03's training display: the networks it trains, the numbers it keeps, its figure."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.displays.training_scale import (TrainingScaleDisplay,  # noqa: E402
                                                  initial_weight_gradient_rms, train_at_scales)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_display_keeps_what_it_draws():
    d = TrainingScaleDisplay.from_run("tanh", depth=4, width=8, epochs=30, n_train=60, n_test=60)
    assert set(d.histories) == {(o, s) for o in d.optimizers for s in d.scales}
    for key, h in d.histories.items():
        assert d.final_loss[key] == h["loss"][-1] and 0 <= d.test_accuracy[key] <= 1
    # every run starts from the same network of its scale, whatever the optimizer
    sgd, adam = d.optimizers
    for s in d.scales:
        assert d.histories[sgd, s]["loss"][0] == d.histories[adam, s]["loss"][0]
    d.plot()
    for ax in d.axes_:
        assert len(ax.get_lines()) == 3 and ax.get_legend() is not None
        assert len({line.get_linestyle() for line in ax.get_lines()}) == 3


def test_too_small_scale_starts_at_a_coin_flip_with_level_tiny_gradients():
    _, loss, _ = train_at_scales("tanh", (0.25,), depth=10, width=16, epochs=1, seeds=(0, 1),
                                 n_train=50, n_test=20)
    # one step of plain SGD: the output is still ~0, so the loss is ln 2
    assert np.all(np.abs(loss - math.log(2)) < 1e-3)
    small = initial_weight_gradient_rms("tanh", 0.25, depth=10, width=16, n_train=50)
    right = initial_weight_gradient_rms("tanh", 1.0, depth=10, width=16, n_train=50)
    assert small.mean() < right.mean() / 20 and 0.2 < small[0] / small[-1] < 5


def test_bad_inputs():
    with pytest.raises(ValueError, match="optimizer"):
        TrainingScaleDisplay.from_run(optimizers={"x": ("rmsprop", 0.1)}, depth=2, width=4, epochs=2)
    with pytest.raises(ValueError, match="weight_vars"):
        train_at_scales("tanh", (), seeds=(0,))
