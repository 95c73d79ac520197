"""The training loop's optimizers and dropout (course_utils.mlp), checked against their definitions."""

import math

import numpy as np
import pytest

import course_utils as cu
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
