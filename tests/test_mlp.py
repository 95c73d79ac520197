"""The MLP (course_utils.mlp): its gradients and training, its optimizers and dropout, checked
against their definitions."""

import functools
import math

import numpy as np
import pytest

import course_utils as cu
from course_utils import ACTIVATIONS, MLP, make_circles, propagate
from course_utils.mlp import ADAM_BETAS, ADAM_EPS


@pytest.fixture(scope="module")
def data():
    return cu.make_circles(64, rng=3)


def _params(net):
    return [p.copy() for pair in zip(net.weights, net.biases) for p in pair]


def _adam_reference(net, X, y, steps, lr):
    """Adam written out from Kingma & Ba's Algorithm 1, one parameter at a time."""
    beta1, beta2 = ADAM_BETAS
    params = _params(net)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    probe = cu.MLP(net.widths, activation=net.activation, rng=0)
    for t in range(1, steps + 1):
        probe.weights = [w.copy() for w in params[0::2]]
        probe.biases = [b.copy() for b in params[1::2]]
        _, grads = probe.loss_and_gradients(X, y)
        flat = [g for pair in grads for g in pair]
        for i, g in enumerate(flat):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + ADAM_EPS)
    return params


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_adam_follows_its_definition(data, activation):
    X, y = data
    net = cu.MLP((2, 6, 5, 1), scheme="he_normal", activation=activation, rng=1)
    expected = _adam_reference(net, X, y, steps=5, lr=0.01)
    net.fit(X, y, epochs=5, learning_rate=0.01, optimizer="adam")
    # Kingma & Ba's efficient form moves epsilon by a factor sqrt(1 - beta2^t): a change
    # of at most lr * 1e-8 / |g|-sized terms, far below 1e-9 for these gradients.
    for got, want in zip(_params(net), expected):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_adam_first_step_moves_every_parameter_by_the_learning_rate(data):
    """m_hat = g and v_hat = g^2 at t = 1: the step is lr * g / (|g| + eps), i.e. lr * sign(g)."""
    X, y = data
    net = cu.MLP((2, 8, 1), scheme="he_normal", activation="relu", rng=4)
    before = _params(net)
    _, grads = net.loss_and_gradients(X, y)
    net.fit(X, y, epochs=1, learning_rate=0.003, optimizer="adam")
    for b, a, g in zip(before, _params(net), [g for pair in grads for g in pair]):
        np.testing.assert_allclose(b - a, 0.003 * g / (np.abs(g) + ADAM_EPS), rtol=1e-9, atol=1e-15)
        assert np.abs(b - a).max() > 0.0029          # about lr for every gradient well above eps


def test_sgd_step_is_minus_learning_rate_times_gradient(data):
    X, y = data
    net = cu.MLP((2, 5, 1), scheme="he_normal", activation="tanh", rng=2)
    before = _params(net)
    _, grads = net.loss_and_gradients(X, y)
    net.fit(X, y, epochs=1, learning_rate=0.7)
    for b, a, g in zip(before, _params(net), [g for pair in grads for g in pair]):
        np.testing.assert_allclose(a, b - 0.7 * g, rtol=1e-12, atol=1e-15)


def test_dropout_breaks_the_symmetry_of_a_constant_start(data):
    """Every unit of a constant-initialized layer gets the same gradient, unless dropout differs per unit."""
    X, y = data
    plain = cu.MLP((2, 8, 1), scheme="constant", activation="tanh", rng=0)
    dropped = cu.MLP((2, 8, 1), scheme="constant", activation="tanh", rng=0)
    plain.fit(X, y, epochs=50, learning_rate=0.5)
    dropped.fit(X, y, epochs=50, learning_rate=0.5, dropout=0.5, rng=0)
    assert plain.hidden_unit_spread(0) == 0.0
    assert dropped.hidden_unit_spread(0) > 0.01


def test_dropout_is_reproducible_and_records_the_whole_network(data):
    X, y = data
    runs = [cu.MLP((2, 8, 8, 1), scheme="he_normal", activation="relu", rng=5) for _ in range(2)]
    histories = [net.fit(X, y, epochs=20, learning_rate=0.1, dropout=0.3, rng=9) for net in runs]
    np.testing.assert_array_equal(histories[0]["loss"], histories[1]["loss"])
    # The last recorded loss is the trained network's own loss, without dropout.
    assert histories[0]["loss"][-1] == pytest.approx(runs[0].loss(X, y), rel=1e-12)


def test_dropout_gradient_is_the_masked_networks_gradient(data):
    """One SGD step with dropout equals one step on the network whose dropped units are removed."""
    X, y = data
    net = cu.MLP((2, 6, 1), scheme="he_normal", activation="tanh", rng=3)
    w0, b0, w1, b1 = _params(net)
    keep = 0.5
    # Draw the mask the way fit_many does: rng.random(z.shape) < keep, one draw per step.
    mask = (np.random.default_rng(11).random((X.shape[0], 6)) < keep) / keep
    z = X @ w0 + b0
    a = np.tanh(z) * mask
    s = a @ w1 + b1
    delta = (1 / (1 + np.exp(-s[:, 0])) - y)[:, None] / len(y)
    dw1 = a.T @ delta
    dz = (delta @ w1.T) * (1 - np.tanh(z) ** 2) * mask
    dw0 = X.T @ dz
    net.fit(X, y, epochs=1, learning_rate=0.2, dropout=1 - keep, rng=11)
    np.testing.assert_allclose(net.weights[1], w1 - 0.2 * dw1, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.weights[0], w0 - 0.2 * dw0, rtol=1e-10, atol=1e-14)


def test_propagate_with_biases_matches_mean_field():
    """With N(0, sigma_b^2) biases, the tanh network's q settles at mean field's fixed point."""
    measured = []
    for seed in range(4):
        p = cu.signal_propagation("lecun_normal", "tanh", depth=20, width=400, batch=200,
                                  rng=seed, dtype=np.float64, bias_var=0.05,
                                  weight_gradients=False)
        measured.append(np.mean(p.preactivation_std[10:] ** 2))
    # lecun_normal has n Var[w] = 1, not 1.5: compare with its own fixed point instead.
    q_star = cu.fixed_point("tanh", 1.0, bias_var=0.05)
    # Width 400, batch 200, 4 seeds, 10 layers each: the q estimate's sampling error is a few
    # percent; 10 % is safe, and bias_var = 0 (q* = 0 for tanh at s = 1) would fail it.
    assert math.isclose(np.mean(measured), q_star, rel_tol=0.10), (np.mean(measured), q_star)


# ================================================================ the MLP
@pytest.fixture(scope="module")
def circles():
    return make_circles(300, rng=0)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_gradients_match_finite_differences(activation):
    # float64, central differences with h = 1e-6 on every weight and bias. The loss is
    # smooth (piecewise for ReLU: the test checks no pre-activation lies within 1e-3 of the
    # kink, so no +-h step crosses it); truncation error ~h**2 and rounding ~1e-16/h give
    # errors around 1e-9 of the gradient's norm, so 1e-6 leaves three orders of margin
    # while any real mistake (a missing transpose, a wrong derivative) is O(1).
    rng = np.random.default_rng(3)
    X = rng.standard_normal((25, 3))
    y = (rng.random(25) > 0.5).astype(float)
    net = MLP((3, 5, 4, 1), scheme="he_normal", activation=activation, rng=3, bias=0.1)
    if activation in ("relu", "leaky_relu"):
        for z, _ in net._forward(X)[1:-1]:
            assert np.abs(z).min() > 1e-3
    _, grads = net.loss_and_gradients(X, y)
    h = 1e-6
    for params, analytic in zip([p for pair in zip(net.weights, net.biases) for p in pair],
                                [g for pair in grads for g in pair]):
        assert analytic.shape == params.shape
        numeric = np.zeros_like(params)
        for idx in np.ndindex(params.shape):
            keep = params[idx]
            params[idx] = keep + h
            up = net.loss(X, y)
            params[idx] = keep - h
            down = net.loss(X, y)
            params[idx] = keep
            numeric[idx] = (up - down) / (2 * h)
        error = np.linalg.norm(analytic - numeric) / max(
            np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)
        assert error < 1e-6, (activation, error)


def test_loss_matches_binary_cross_entropy(circles):
    X, y = circles
    net = MLP((2, 8, 1), scheme="normalized_xavier", activation="tanh", rng=0)
    p = net.predict_proba(X)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert net.loss(X, y) == pytest.approx(expected, rel=1e-10)
    assert net.loss_and_gradients(X, y)[0] == net.loss(X, y)


@pytest.mark.parametrize("scheme", ["zeros", "constant"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_symmetric_init_never_breaks_symmetry(circles, scheme, activation):
    X, y = circles
    net = MLP((2, 16, 16, 1), scheme=scheme, activation=activation, rng=0)
    history = net.fit(X, y, epochs=200, learning_rate=0.5)
    assert net.hidden_unit_spread(0) == 0.0
    assert net.hidden_unit_spread(1) == 0.0
    assert np.isfinite(history["loss"]).all()


def test_hidden_unit_spread_is_the_largest_difference_between_two_units():
    # Brute force over every pair of units (j, k) and every incoming weight or bias i.
    net = MLP((3, 7, 5, 1), scheme="he_normal", rng=11)
    for layer in (0, 1):
        w = np.vstack([net.weights[layer], net.biases[layer][None, :]])
        pairs = max(abs(w[i, j] - w[i, k]) for i in range(w.shape[0])
                    for j in range(w.shape[1]) for k in range(w.shape[1]))
        assert net.hidden_unit_spread(layer) == pairs
    # Not the distance to the first unit: units 1 and 2 differ by 2, each by 1 from unit 0.
    net = MLP((1, 3, 1), scheme="zeros", rng=0)
    net.weights[0][:] = [[0.0, 1.0, -1.0]]
    assert net.hidden_unit_spread(0) == 2.0


def test_random_init_breaks_symmetry(circles):
    X, y = circles
    net = MLP((2, 16, 16, 1), scheme="he_normal", activation="relu", rng=0)
    assert net.hidden_unit_spread(0) > 0.1 and net.hidden_unit_spread(1) > 0.1


@pytest.mark.parametrize("scheme, activation", [("he_normal", "relu"), ("he_uniform", "relu"),
                                                ("normalized_xavier", "tanh"),
                                                ("glorot_normal", "tanh")])
def test_good_init_learns_the_circles(circles, scheme, activation):
    X, y = circles
    net = MLP((2, 16, 16, 1), scheme=scheme, activation=activation, rng=0)
    history = net.fit(X, y, epochs=300, learning_rate=0.5)
    assert history["accuracy"][-1] > 0.95
    assert history["loss"][-1] < history["loss"][0] / 2


# random_normal(std=1) is *not* too large for this small net (it still learns the circles:
# with 2 inputs the first layer's pre-activations have std ~1.4). std=30 is: most hidden
# units start saturated and gradient descent cannot recover within the same budget.
LARGE = functools.partial(cu.random_normal, std=30.0)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_too_large_init_saturates_and_learns_worse(circles, activation):
    X, y = circles
    net = MLP((2, 16, 16, 1), scheme=LARGE, activation=activation, rng=0)
    p = propagate(X, net.weights[:-1], activation)        # the two hidden layers at init
    assert p.saturated.mean() > 0.75 and p.saturated[-1] > 0.9
    good = MLP((2, 16, 16, 1), scheme="normalized_xavier", activation="tanh", rng=0)
    assert propagate(X, good.weights[:-1], "tanh").saturated.max() < 0.05
    large_accuracy = net.fit(X, y, epochs=300, learning_rate=0.5)["accuracy"][-1]
    good_accuracy = good.fit(X, y, epochs=300, learning_rate=0.5)["accuracy"][-1]
    assert large_accuracy < 0.85 and good_accuracy > 0.95


def test_fit_history_and_predictions(circles):
    X, y = circles
    net = MLP((2, 8, 1), rng=1)                              # defaults: Glorot uniform, tanh
    history = net.fit(X, y, epochs=10, learning_rate=0.1, record_every=3)
    assert set(history) == {"epoch", "loss", "accuracy"}
    np.testing.assert_array_equal(history["epoch"], [0, 3, 6, 9, 10])
    assert len(history["loss"]) == len(history["accuracy"]) == 5
    proba = net.predict_proba(X)
    assert proba.shape == (300,) and ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(net.predict(X), (proba > 0.5).astype(int))
    assert net.accuracy(X, y) == np.mean(net.predict(X) == y)
    assert net.logits(X).shape == (300,)


def test_mlp_construction():
    a = MLP((2, 4, 3, 1), scheme="he_normal", activation="relu", rng=9, bias=0.25)
    b = MLP((2, 4, 3, 1), scheme="he_normal", activation="relu", rng=9, bias=0.25)
    assert [w.shape for w in a.weights] == [(2, 4), (4, 3), (3, 1)]
    assert all(np.array_equal(u, v) for u, v in zip(a.weights, b.weights))
    assert all((bias == 0.25).all() for bias in a.biases)
    assert [bias.shape for bias in a.biases] == [(4,), (3,), (1,)]
    assert all(w.dtype == np.float64 for w in a.weights)
