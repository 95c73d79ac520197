"""Claims of notebook 00 (the front door), re-measured over many seeds.

Every run is the panel's own model (:class:`course_utils.panels.overview.SignalOverview`,
width 128, batch 31, as the notebook's panel) at 20 seeds, or the exercise's
network (:func:`course_utils.signal_propagation`) at 20 seeds. The thresholds
sit orders of magnitude from what theory predicts, so a seed cannot flip them;
a change of the package that makes a sentence false can.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import course_utils as cu
from course_utils.panels.overview import SignalOverview

SEEDS = range(20)


@pytest.fixture(scope="module")
def runs():
    """One panel model per seed, at the panel's sizes but only 30 layers deep (the claims need 20)."""
    return [SignalOverview(max_depth=30, max_width=128, batch=31, seed=s) for s in SEEDS]


def test_why_xavier_relu_signal_and_error_all_but_vanish(runs):
    """'Why initialization matters': with ReLU and the 1/sqrt(n) uniform, after 20 layers the
    signal has all but vanished, and so has the error on its way back.

    Theory: the variance shrinks by n Var[w] / 2 = 1/6 per layer, 19 steps from layer 1 to
    20: (1/6)^9.5 = 4.1e-8 in std. "All but vanished" is read as below 1e-5; the measured
    ratio scatters by well under a factor 10 around the prediction at width 128.
    """
    for model in runs:
        p = model("xavier", "relu", 20, 128)
        assert p.forward_ratio < 1e-5, p.forward_ratio
        assert p.backward_ratio < 1e-5, p.backward_ratio
        assert (1 / 6) ** 9.5 / 10 < p.forward_ratio < (1 / 6) ** 9.5 * 10


def test_try_he_relu_stays_flat(runs):
    """'Things to try': he_normal with relu, both curves stay flat (factor 1 per layer).

    "Flat" on the panel's log axis, which spans 20 decades: within one decade from layer 1 to
    20. The panel's batch is small (31 examples), so one run's ratio scatters: over 40 seeds
    0.23 to 1.8 forward and 0.68 to 1.45 backward, against 1e-8 for the 1/sqrt(n) uniform.
    """
    for model in runs:
        p = model("he_normal", "relu", 20, 128)
        assert 0.1 < p.forward_ratio < 10 and 0.1 < p.backward_ratio < 10


def test_try_standard_normal_relu_explodes_faster_when_wider(runs):
    """'Things to try': N(0, 1) with relu explodes, faster when the layer is wider
    (sqrt(n / 2) per layer: 4 at width 32, 8 at width 128)."""
    for model in runs:
        narrow = model("random_normal", "relu", 10, 32).forward_ratio
        wide = model("random_normal", "relu", 10, 128).forward_ratio
        assert 1e3 < narrow < wide


def test_try_zeros_let_nothing_through(runs):
    """'Things to try': zeros, nothing gets through, forward or backward."""
    for model in runs:
        p = model("zeros", "relu", 20, 128)
        assert np.all(p.activation_std == 0) and np.all(p.gradient_std == 0)


def growth(s, seed):
    p = cu.signal_propagation(partial(cu.random_normal, std=s), "relu", depth=20, width=256,
                              batch=64, rng=seed, dtype=np.float64, weight_gradients=False)
    return p.std[-1] / p.std[0]


def test_exercise_only_the_middle_spread_keeps_the_signal():
    """Exercise 1's answer: of s = 0.03, 0.09, 0.27 at width 256, only 0.09 keeps the std at
    layer 20 within a factor 2 of layer 1 (per-layer variance factors 0.115, 1.04, 9.3).

    At 0.09 the predicted ratio is 1.04^9.5 = 1.41 with a scatter of about 25 % at width 256;
    the other two are 1e-9 and 1e9. A factor 2.5 on the upper side is the margin this
    test allows the middle case; the notebook's seed (0) gives 1.03.
    """
    for seed in SEEDS:
        small, middle, large = (growth(s, seed) for s in (0.03, 0.09, 0.27))
        assert small < 1e-6 and large > 1e6
        assert 0.5 < middle < 2.5, (seed, middle)
    assert 0.5 < growth(0.09, 0) < 2
