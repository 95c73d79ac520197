"""Tests of course_utils.training: one training step shared by MLP.fit and fit_many."""

import numpy as np
import pytest

from course_utils import MLP, make_circles
from course_utils.training import compare_schemes, fit_many

WIDTHS = (2, 8, 8, 1)


@pytest.fixture(scope="module")
def circles():
    return make_circles(120, rng=3)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_fit_of_one_net_is_fit_many_of_that_net(circles, activation):
    # One implementation: the same floats, not merely close ones.
    X, y = circles
    one = MLP(WIDTHS, scheme="he_normal", activation=activation, rng=1)
    many = MLP(WIDTHS, scheme="he_normal", activation=activation, rng=1)
    h_one = one.fit(X, y, epochs=40, learning_rate=0.5, record_every=7)
    (h_many,) = fit_many([many], X, y, epochs=40, learning_rate=0.5, record_every=7)
    for key in ("epoch", "loss", "accuracy"):
        np.testing.assert_array_equal(h_one[key], h_many[key])
    for a, b in zip(one.weights + one.biases, many.weights + many.biases):
        np.testing.assert_array_equal(a, b)
    assert list(h_one["epoch"]) == [0, 7, 14, 21, 28, 35, 40]


def test_fit_many_trains_each_net_as_if_alone(circles):
    # Stacking k networks changes only how the products are batched; numpy's matmul
    # over a stack runs one 2-D product per network, so the results agree to rounding
    # (1e-12 relative after 40 steps leaves room for a BLAS that orders sums differently).
    X, y = circles
    schemes = ("xavier", "he_uniform", "lecun_normal")
    alone = [MLP(WIDTHS, scheme=s, activation="tanh", rng=2) for s in schemes]
    together = [MLP(WIDTHS, scheme=s, activation="tanh", rng=2) for s in schemes]
    histories = fit_many(together, X, y, epochs=40, learning_rate=0.5)
    for net, twin, history in zip(alone, together, histories):
        expected = net.fit(X, y, epochs=40, learning_rate=0.5)
        np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-12)
        np.testing.assert_allclose(twin.weights[0], net.weights[0], rtol=1e-12, atol=1e-15)


def test_training_lowers_the_loss_and_the_loss_matches_the_net(circles):
    X, y = circles
    net = MLP(WIDTHS, scheme="he_normal", activation="relu", rng=0)
    history = net.fit(X, y, epochs=200, learning_rate=0.5, record_every=50)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["loss"][-1] == pytest.approx(net.loss(X, y), rel=1e-12)
    assert history["accuracy"][-1] == net.accuracy(X, y)


def test_fit_many_refuses_mixed_networks(circles):
    X, y = circles
    with pytest.raises(ValueError, match=r"every net must have the same widths and activation; "
                                         r"got \(2, 8, 8, 1\)/tanh and \(2, 4, 1\)/tanh"):
        fit_many([MLP(WIDTHS, rng=0), MLP((2, 4, 1), rng=0)], X, y)


def test_compare_schemes_zeros_never_breaks_symmetry(circles):
    X, y = circles
    c = compare_schemes(["zeros", "he_normal"], ["relu"], X, y, widths=(2, 8, 1), epochs=100)
    assert c.widths == (2, 8, 1)
    assert c["zeros", "relu"].initial_spread == c["zeros", "relu"].final_spread == 0.0
    assert c["he_normal", "relu"].final_spread > 0.0
    assert c.final_accuracy().shape == (2, 1)
