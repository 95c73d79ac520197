"""The course's framework facts and its mean-field predictions, checked in PyTorch and Keras.

``test_reference_frameworks.py`` checks that our samplers draw what the
frameworks draw. This module checks the *statements* the notebooks make about
the frameworks (default biases, ``trunc_normal_``'s cut-offs, the SELU gain,
Keras's forget-gate bias, leaky ReLU through ``VarianceScaling``) and checks
``course_utils.mean_field`` against deep networks built and run in PyTorch,
an implementation that shares no code with ours.

Tolerances. Sample statistics are compared at 5 standard errors (as in the
other statistical tests; the seeds are fixed, so the outcome is
deterministic). A network of finite width fluctuates around the mean-field
value by O(1/sqrt(width)) per layer. Measured over torch seeds 0-9 at width
1,000 and batch 500 while writing this test, the largest relative deviations
from the mean-field values were 0.2 % (tanh activation std at layer 30),
0.8 % (SELU activation std at layer 20) and 4 % (gradient-variance growth
over 19 or 29 layers); the tolerances below (3 %, 3 % and 10 %) sit above
those and far below the differences the notebooks teach (0.556 against 1,
an 8-fold growth).
"""

import math

import numpy as np
import pytest

import course_utils as cu
from course_utils import mean_field as mf
from test_reference_frameworks import assert_sample, keras, torch  # noqa: F401 (fixtures)

WIDTH, BATCH, DEPTH = 1000, 500, 30


def _torch_mlp_run(torch, activation, weight_init, depth=DEPTH, seed=0):
    """Forward and backward through a bias-free MLP built from torch layers.

    Returns per-layer activation stds and the back-propagated gradient's
    variance at each layer's pre-activation (index 0 = first hidden layer).
    """
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(depth)]
    with torch.no_grad():
        for layer in layers:
            weight_init(layer.weight)
    f = {"tanh": torch.tanh, "selu": torch.nn.functional.selu}[activation]
    x = torch.randn(BATCH, WIDTH)
    pre, act = [], []
    h = x
    for layer in layers:
        z = layer(h)
        z.retain_grad()
        h = f(z)
        pre.append(z)
        act.append(h)
    # A loss whose gradient at the output is standard normal, as in course_utils.propagate.
    (h * torch.randn(BATCH, WIDTH)).sum().backward()
    act_std = np.array([float(a.detach().std()) for a in act])
    grad_var = np.array([float(z.grad.var()) for z in pre])
    return act_std, grad_var


def test_torch_default_bias_is_the_course_xavier_range(torch):
    # nn.Linear / nn.Conv* draw their bias from U[-1/sqrt(fan_in), 1/sqrt(fan_in)], not zeros.
    torch.manual_seed(0)
    for layer, fan_in in ((torch.nn.Linear(400, 200_000), 400),
                          (torch.nn.Conv2d(16, 200_000, 3), 16 * 9)):
        bias = layer.bias.detach().numpy().astype(np.float64)
        assert_sample(bias, "uniform", cu.xavier_std(fan_in), cu.xavier_limit(fan_in))


def test_torch_trunc_normal_cuts_at_absolute_values_without_rescaling(torch):
    generator = torch.Generator().manual_seed(0)
    unit = torch.empty(400_000)
    torch.nn.init.trunc_normal_(unit, std=1.0, a=-2.0, b=2.0, generator=generator)
    x = unit.numpy().astype(np.float64)
    assert np.abs(x).max() <= 2.0
    # Cut at +-2 std with no correction: 0.8796 of the requested std is left.
    assert_sample(x, "truncnorm", cu.TRUNCATED_NORMAL_STD, 2.0)
    # a and b are absolute: with std 0.1 they sit 20 std out and cut nothing.
    small = torch.empty(400_000)
    torch.nn.init.trunc_normal_(small, std=0.1, generator=generator)
    assert_sample(small.numpy().astype(np.float64), "normal", 0.1)


def test_torch_selu_gain_is_three_quarters(torch):
    assert torch.nn.init.calculate_gain("selu") == 0.75
    assert cu.calculate_gain("selu") == 0.75


def test_he_with_tanh_settles_in_torch_as_mean_field_predicts(torch):
    act_std, grad_var = _torch_mlp_run(
        torch, "tanh", lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"))
    q_star = mf.fixed_point("tanh", 2.0)
    predicted_std = mf.layer_profile("tanh", 2.0, DEPTH).std[-1]
    assert q_star == pytest.approx(0.618, abs=5e-4)
    assert predicted_std == pytest.approx(0.556, abs=5e-4)   # sqrt(E[tanh^2]) at q*
    assert act_std[-1] == pytest.approx(predicted_std, rel=0.03)
    # Toward the input the gradient's variance grows by chi per layer once the forward
    # variance has settled at q* (after ~10 layers from q0 = 1); before that chi(q_l) < chi*.
    chi = mf.backward_gain("tanh", 2.0)
    assert chi == pytest.approx(1.106, abs=5e-4)
    settled = 10
    tail_growth = grad_var[settled] / grad_var[-1]
    assert tail_growth == pytest.approx(chi ** (DEPTH - 1 - settled), rel=0.10)
    # Over the whole network the prediction is the layer-by-layer product (about 8x, not chi**29).
    profile = mf.layer_profile("tanh", 2.0, DEPTH)
    predicted_growth = (profile.gradient_std[0] / profile.gradient_std[-1]) ** 2
    assert grad_var[0] / grad_var[-1] == pytest.approx(predicted_growth, rel=0.10)
    assert predicted_growth < 0.5 * chi ** (DEPTH - 1)


def test_selu_with_lecun_normal_is_self_normalizing_in_torch(torch):
    # PyTorch's own advice for SELU: nonlinearity="linear" (Var[w] = 1/n), not calculate_gain("selu").
    act_std, _ = _torch_mlp_run(
        torch, "selu", lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="linear"), depth=20)
    assert mf.fixed_point("selu", 1.0) == pytest.approx(1.0, abs=1e-3)
    assert act_std[-1] == pytest.approx(1.0, rel=0.03)


def test_selu_with_the_three_quarter_gain_drifts_to_another_fixed_point_in_torch(torch):
    gain = torch.nn.init.calculate_gain("selu")
    act_std, _ = _torch_mlp_run(
        torch, "selu", lambda w: torch.nn.init.kaiming_normal_(w, a=0, nonlinearity="linear")
        .mul_(gain), depth=20)
    q_star = mf.fixed_point("selu", gain ** 2)
    assert q_star < 0.5      # far from SELU's self-normalizing point q* = 1
    # The activations' second moment at the fixed point, from the map itself:
    # q* = weight_var * E[f^2], so E[f^2] = q* / weight_var.
    second_moment = q_star / gain ** 2
    x = torch.nn.functional.selu(torch.randn(2_000_000) * math.sqrt(q_star)).numpy()
    assert float(np.mean(x.astype(np.float64) ** 2)) == pytest.approx(second_moment, rel=0.01)
    assert act_std[-1] < 0.75


@pytest.mark.parametrize("name, expected", [("gelu", 2.35), ("silu", 2.81)])
def test_second_moment_rule_for_gelu_and_silu_matches_torch(torch, name, expected):
    z = torch.randn(4_000_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    f = getattr(torch.nn.functional, name)
    moment = float(torch.mean(f(z) ** 2))
    assert 1 / moment == pytest.approx(mf.second_moment_weight_var(name), rel=3e-3)
    assert mf.second_moment_weight_var(name) == pytest.approx(expected, abs=0.01)


def test_keras_lstm_starts_its_forget_gate_at_one(keras):
    layer = keras.layers.LSTM(8)
    assert layer.get_config()["unit_forget_bias"] is True
    layer.build((None, 5, 3))
    bias = keras.ops.convert_to_numpy(layer.cell.bias)
    # Gate order in Keras: input, forget, cell, output.
    np.testing.assert_array_equal(bias[8:16], np.ones(8))
    np.testing.assert_array_equal(np.delete(bias, np.s_[8:16]), np.zeros(24))


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_keras_variance_scaling_gives_he_for_leaky_relu(keras, slope):
    fan_in = 400
    init = keras.initializers.VarianceScaling(scale=2 / (1 + slope ** 2), mode="fan_in",
                                              distribution="truncated_normal", seed=0)
    theirs = keras.ops.convert_to_numpy(init(shape=(fan_in, 600))).astype(np.float64)
    # He et al. (2015), eq. 15: Var[w] = 2 / ((1 + a^2) n), i.e. the leaky-ReLU gain over sqrt(n).
    std = cu.calculate_gain("leaky_relu", slope) / math.sqrt(fan_in)
    assert std == pytest.approx(math.sqrt(2 / ((1 + slope ** 2) * fan_in)), rel=1e-12)
    # Keras's rare untruncated survivors (~4e-6 per weight): allow up to 1e-4 outside.
    assert_sample(theirs, "truncnorm", std, 2 * std / cu.TRUNCATED_NORMAL_STD,
                  outside_allowed=1e-4)
